"""The working-time index agrees with the calendar over short and long spans."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from commlog.calendar_data import build_calendar, load_official
from commlog.core.worktime import WorkingTimeIndex

SHANGHAI = ZoneInfo("Asia/Shanghai")
CALENDAR = build_calendar(load_official("CN"), timezone=SHANGHAI, extra_holidays=["2024-12-31"])


def test_index_matches_calendar_on_random_spans():
    index = WorkingTimeIndex(CALENDAR)
    rng = random.Random(20240315)
    start = datetime(2018, 1, 1, tzinfo=SHANGHAI)
    for _ in range(60):
        first = start + timedelta(minutes=rng.randrange(0, 9 * 365 * 24 * 60))
        second = first + timedelta(minutes=rng.randrange(-120 * 24 * 60, 120 * 24 * 60))
        assert index.between(first, second) == CALENDAR.working_time_between(first, second), (first, second)


def test_index_extends_backwards():
    index = WorkingTimeIndex(CALENDAR)
    late = datetime(2025, 6, 2, 10, tzinfo=SHANGHAI)
    assert index.between(late, late + timedelta(days=30)) == CALENDAR.working_time_between(late, late + timedelta(days=30))
    early = datetime(2024, 2, 1, 10, tzinfo=SHANGHAI)
    assert index.between(early, late) == CALENDAR.working_time_between(early, late)


def test_index_accepts_other_offsets():
    index = WorkingTimeIndex(CALENDAR)
    first = datetime.combine(datetime(2024, 3, 15).date(), time(2), tzinfo=timezone.utc)
    second = first + timedelta(days=10)
    assert index.between(first, second) == CALENDAR.working_time_between(first, second)
    assert index.between(second, first) == -CALENDAR.working_time_between(first, second)
