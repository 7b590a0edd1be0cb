"""Tests for the business calendar and its three clocks.

The holidays and make-up working days below were typed from the State Council
notices on the 2025 and 2026 holiday arrangements, so these tests do not need the
chinese_calendar package.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from commlog.calendar_data import OfficialData, build_calendar
from commlog.core.calendar import BusinessCalendar, DeadlineResult, parse_period

SHANGHAI = ZoneInfo("Asia/Shanghai")
REPO_ROOT = Path(__file__).resolve().parents[2]


def days(first: date, last: date) -> set[date]:
    """Return the dates from first to last, inclusive."""
    return {first + timedelta(days=offset) for offset in range((last - first).days + 1)}


HOLIDAYS = frozenset(
    {date(2025, 1, 1)}
    | days(date(2025, 1, 28), date(2025, 2, 4))  # Spring Festival 2025
    | days(date(2025, 10, 1), date(2025, 10, 8))  # National Day and Mid-Autumn 2025
    | days(date(2026, 1, 1), date(2026, 1, 3))  # New Year 2026
    | days(date(2026, 2, 15), date(2026, 2, 23))  # Spring Festival 2026
    | days(date(2026, 10, 1), date(2026, 10, 7))  # National Day 2026
)
MAKE_UP_DAYS = frozenset(
    {
        date(2025, 1, 26),  # Sunday
        date(2025, 2, 8),  # Saturday
        date(2025, 9, 28),  # Sunday
        date(2025, 10, 11),  # Saturday
        date(2026, 1, 4),  # Sunday
        date(2026, 2, 14),  # Saturday
        date(2026, 2, 28),  # Saturday
        date(2026, 9, 20),  # Sunday
        date(2026, 10, 10),  # Saturday
    }
)
COVERED_YEARS = frozenset({2025, 2026})

CN = BusinessCalendar(
    timezone=SHANGHAI,
    holidays=HOLIDAYS,
    working_days=MAKE_UP_DAYS,
    covered_years=COVERED_YEARS,
    data_version="notices typed in tests",
)
OFFICIAL = OfficialData(
    holidays=HOLIDAYS,
    working_days=MAKE_UP_DAYS,
    covered_years=COVERED_YEARS,
    version="notices typed in tests",
)


def local(text: str) -> datetime:
    """Return the Shanghai datetime written as YYYY-MM-DD HH:MM."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def hours(value: float) -> timedelta:
    """Return a timedelta of ``value`` hours."""
    return timedelta(hours=value)


WORKING_HOURS_CASES = [
    ("2025-03-07 17:30", hours(1), "2025-03-10 09:30", "friday evening to monday"),
    ("2025-03-10 11:00", hours(1), "2025-03-10 12:00", "lands on period end"),
    ("2025-03-10 11:30", hours(1), "2025-03-10 13:30", "spans lunch break"),
    ("2025-03-10 12:30", hours(0.5), "2025-03-10 13:30", "starts in lunch break"),
    ("2025-03-10 20:00", hours(1), "2025-03-11 10:00", "starts in evening"),
    ("2025-03-10 07:00", hours(1), "2025-03-10 10:00", "starts before work"),
    ("2025-03-08 10:00", hours(1), "2025-03-10 10:00", "starts on saturday"),
    ("2025-03-10 09:00", hours(16), "2025-03-11 18:00", "two full days"),
    ("2025-03-10 09:00", hours(0), "2025-03-10 09:00", "zero at period start"),
    ("2025-03-10 12:30", hours(0), "2025-03-10 13:00", "zero in lunch break"),
    ("2025-03-10 18:00", hours(0), "2025-03-11 09:00", "zero at end of day"),
    ("2025-01-24 17:00", hours(2), "2025-01-26 10:00", "make-up sunday before spring festival"),
    ("2025-01-27 17:00", hours(2), "2025-02-05 10:00", "across spring festival 2025"),
    ("2025-02-07 17:30", hours(1), "2025-02-08 09:30", "make-up saturday after spring festival"),
    ("2025-09-26 17:00", hours(2), "2025-09-28 10:00", "make-up sunday before national day"),
    ("2025-09-30 17:00", hours(3), "2025-10-09 11:00", "across national day 2025"),
    ("2025-10-03 10:00", hours(1), "2025-10-09 10:00", "starts on holiday"),
    ("2025-10-10 17:00", hours(2), "2025-10-11 10:00", "make-up saturday after national day"),
    ("2025-12-31 17:30", hours(1), "2026-01-04 09:30", "new year to make-up sunday"),
    ("2026-02-13 17:00", hours(2), "2026-02-14 10:00", "make-up saturday before spring festival"),
    ("2026-02-14 17:00", hours(2), "2026-02-24 10:00", "across spring festival 2026"),
    ("2026-09-30 17:00", hours(2), "2026-10-08 10:00", "across national day 2026"),
]


@pytest.mark.parametrize(
    ("start", "amount", "expected"),
    [case[:3] for case in WORKING_HOURS_CASES],
    ids=[case[3] for case in WORKING_HOURS_CASES],
)
def test_working_hours_deadline(start: str, amount: timedelta, expected: str) -> None:
    result = CN.add(local(start), amount, "working_hours")

    assert result == DeadlineResult(local(expected), frozenset())


@pytest.mark.parametrize(
    ("start", "amount", "expected"),
    [case[:3] for case in WORKING_HOURS_CASES],
    ids=[case[3] for case in WORKING_HOURS_CASES],
)
def test_working_time_between_inverts_add(start: str, amount: timedelta, expected: str) -> None:
    assert CN.working_time_between(local(start), local(expected)) == amount


WORKING_DAYS_CASES = [
    ("2025-03-10 10:00", 1, "2025-03-11 10:00", "monday to tuesday"),
    ("2025-03-07 10:00", 1, "2025-03-10 10:00", "friday to monday"),
    ("2025-03-10 10:00", 5, "2025-03-17 10:00", "one full week"),
    ("2025-03-08 10:00", 1, "2025-03-11 09:00", "starts on saturday"),
    ("2025-03-07 18:00", 1, "2025-03-11 09:00", "starts at end of friday"),
    ("2025-03-10 12:30", 1, "2025-03-11 13:00", "starts in lunch break"),
    ("2025-03-10 20:00", 1, "2025-03-12 09:00", "starts in evening"),
    ("2025-03-08 10:00", 0, "2025-03-10 09:00", "zero on saturday"),
    ("2025-03-10 10:00", 0, "2025-03-10 10:00", "zero inside period"),
    ("2025-01-24 15:00", 1, "2025-01-26 15:00", "make-up sunday before spring festival"),
    ("2025-01-26 15:00", 2, "2025-02-05 15:00", "across spring festival 2025"),
    ("2025-09-30 10:00", 1, "2025-10-09 10:00", "across national day 2025"),
    ("2025-10-05 10:00", 1, "2025-10-10 09:00", "starts on holiday"),
    ("2025-12-31 10:00", 1, "2026-01-04 10:00", "new year to make-up sunday"),
    ("2026-02-13 15:00", 3, "2026-02-25 15:00", "across spring festival 2026"),
    ("2026-02-27 10:00", 1, "2026-02-28 10:00", "make-up saturday after spring festival"),
]


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [case[:3] for case in WORKING_DAYS_CASES],
    ids=[case[3] for case in WORKING_DAYS_CASES],
)
def test_working_days_deadline(start: str, count: int, expected: str) -> None:
    result = CN.add(local(start), count, "working_days")

    assert result == DeadlineResult(local(expected), frozenset())


CALENDAR_CASES = [
    ("2025-03-07 17:30", hours(24), "2025-03-08 17:30", "into weekend"),
    ("2025-10-01 10:00", hours(48), "2025-10-03 10:00", "inside holiday"),
    ("2025-03-08 23:00", hours(0), "2025-03-08 23:00", "zero on saturday night"),
    ("2025-12-31 20:00", hours(5), "2026-01-01 01:00", "across year end"),
]


@pytest.mark.parametrize(
    ("start", "amount", "expected"),
    [case[:3] for case in CALENDAR_CASES],
    ids=[case[3] for case in CALENDAR_CASES],
)
def test_calendar_deadline(start: str, amount: timedelta, expected: str) -> None:
    result = CN.add(local(start), amount, "calendar")

    assert result == DeadlineResult(local(expected), frozenset())


def test_calendar_clock_elapsed_across_dst() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    calendar = BusinessCalendar(timezone=berlin)
    start = datetime(2025, 3, 29, 12, 0, tzinfo=berlin)

    result = calendar.add(start, hours(24), "calendar")

    # Clocks move from 02:00 to 03:00 on 2025-03-30, so 24 elapsed hours end at 13:00.
    assert result.at == datetime(2025, 3, 30, 13, 0, tzinfo=berlin)


BETWEEN_CASES = [
    ("2025-03-07 17:00", "2025-03-10 10:00", hours(2), "across weekend"),
    ("2025-03-10 09:30", "2025-03-10 11:00", hours(1.5), "inside one period"),
    ("2025-03-10 11:00", "2025-03-10 14:00", hours(2), "across lunch break"),
    ("2025-03-10 00:00", "2025-03-11 00:00", hours(8), "one full day"),
    ("2025-03-10 19:00", "2025-03-10 23:00", hours(0), "evening only"),
    ("2025-03-10 10:00", "2025-03-10 10:00", hours(0), "same moment"),
    ("2025-01-25 00:00", "2025-01-27 00:00", hours(8), "weekend with make-up sunday"),
    ("2025-01-27 17:00", "2025-02-05 10:00", hours(2), "across spring festival"),
    ("2025-03-10 10:00", "2025-03-07 17:00", hours(-2), "reversed order is negative"),
]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [case[:3] for case in BETWEEN_CASES],
    ids=[case[3] for case in BETWEEN_CASES],
)
def test_working_time_between(a: str, b: str, expected: timedelta) -> None:
    assert CN.working_time_between(local(a), local(b)) == expected


NEXT_MOMENT_CASES = [
    ("2025-03-10 10:00", "2025-03-10 10:00", "inside period"),
    ("2025-03-10 09:00", "2025-03-10 09:00", "at period start"),
    ("2025-03-10 08:59", "2025-03-10 09:00", "before work"),
    ("2025-03-10 12:00", "2025-03-10 13:00", "at period end"),
    ("2025-03-10 18:00", "2025-03-11 09:00", "at end of day"),
    ("2025-10-03 10:00", "2025-10-09 09:00", "on holiday"),
    ("2025-01-26 08:00", "2025-01-26 09:00", "morning of make-up sunday"),
]


@pytest.mark.parametrize(
    ("moment", "expected"),
    [case[:2] for case in NEXT_MOMENT_CASES],
    ids=[case[2] for case in NEXT_MOMENT_CASES],
)
def test_next_working_moment(moment: str, expected: str) -> None:
    assert CN.next_working_moment(local(moment)) == local(expected)


IS_WORKING_DAY_CASES = [
    (date(2025, 3, 10), True, "ordinary monday"),
    (date(2025, 3, 8), False, "ordinary saturday"),
    (date(2025, 1, 26), True, "make-up sunday"),
    (date(2025, 2, 8), True, "make-up saturday"),
    (date(2025, 10, 8), False, "holiday on wednesday"),
    (date(2027, 1, 1), True, "friday in year without data"),
]


@pytest.mark.parametrize(
    ("day", "expected"),
    [case[:2] for case in IS_WORKING_DAY_CASES],
    ids=[case[2] for case in IS_WORKING_DAY_CASES],
)
def test_is_working_day(day: date, expected: bool) -> None:
    assert CN.is_working_day(day) is expected


PROVISIONAL_CASES = [
    ("2026-12-31 17:00", hours(2), "working_hours", "2027-01-01 10:00", {2027}, "hours into 2027"),
    ("2026-12-31 10:00", 1, "working_days", "2027-01-01 10:00", {2027}, "days into 2027"),
    ("2024-12-31 17:00", hours(2), "working_hours", "2025-01-02 10:00", {2024}, "starts in 2024"),
    ("2026-12-31 17:00", hours(48), "calendar", "2027-01-02 17:00", set(), "calendar clock"),
    ("2026-12-30 10:00", hours(2), "working_hours", "2026-12-30 12:00", set(), "inside covered year"),
]


@pytest.mark.parametrize(
    ("start", "amount", "clock", "expected", "provisional"),
    [case[:5] for case in PROVISIONAL_CASES],
    ids=[case[5] for case in PROVISIONAL_CASES],
)
def test_provisional_years(
    start: str, amount: timedelta | int, clock: str, expected: str, provisional: set[int]
) -> None:
    result = CN.add(local(start), amount, clock)

    assert result.at == local(expected)
    assert result.provisional_years == frozenset(provisional)


TEAM_DATA_CASES = [
    ({"extra_holidays": [date(2025, 3, 11)]}, "2025-03-10 17:00", "2025-03-12 10:00", "extra holiday"),
    ({"extra_working_days": [date(2025, 3, 15)]}, "2025-03-14 17:00", "2025-03-15 10:00", "extra saturday"),
    ({"extra_working_days": ["2025-10-08"]}, "2025-09-30 17:00", "2025-10-08 10:00", "works on holiday"),
    ({"extra_holidays": [date(2025, 10, 11)]}, "2025-10-10 17:00", "2025-10-13 10:00", "skips make-up day"),
    (
        {"extra_years": {2027: {"holidays": [date(2027, 1, 1)]}}},
        "2026-12-31 17:00",
        "2027-01-04 10:00",
        "team year data",
    ),
]


@pytest.mark.parametrize(
    ("team_data", "start", "expected"),
    [case[:3] for case in TEAM_DATA_CASES],
    ids=[case[3] for case in TEAM_DATA_CASES],
)
def test_team_data_deadline(team_data: dict, start: str, expected: str) -> None:
    calendar = build_calendar(OFFICIAL, timezone=SHANGHAI, **team_data)

    result = calendar.add(local(start), hours(2), "working_hours")

    assert result == DeadlineResult(local(expected), frozenset())


def test_inputs_in_utc_give_same_deadline() -> None:
    start_utc = datetime(2025, 12, 31, 9, 30, tzinfo=timezone.utc)  # 17:30 in Shanghai

    result = CN.add(start_utc, hours(1), "working_hours")

    assert result.at == local("2026-01-04 09:30")
    assert result.at.tzinfo is SHANGHAI


def test_between_accepts_mixed_time_zones() -> None:
    a = datetime(2025, 3, 7, 9, 0, tzinfo=timezone.utc)  # Friday 17:00 in Shanghai
    b = datetime(2025, 3, 9, 21, 0, tzinfo=ZoneInfo("America/New_York"))  # Monday 09:00

    assert CN.working_time_between(a, b) == hours(1)


TZ_SCRIPT = """
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo
from commlog.core.calendar import BusinessCalendar

shanghai = ZoneInfo("Asia/Shanghai")
calendar = BusinessCalendar(
    timezone=shanghai,
    holidays=frozenset({date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 3)}),
    working_days=frozenset({date(2026, 1, 4)}),
    covered_years=frozenset({2025, 2026}),
)
start = datetime(2025, 12, 31, 17, 30, tzinfo=shanghai)
print(calendar.add(start, timedelta(hours=1), "working_hours").at.isoformat())
print(calendar.add(start, 1, "working_days").at.isoformat())
print(calendar.add(start, timedelta(hours=12), "calendar").at.isoformat())
print(calendar.next_working_moment(start.replace(hour=20)).isoformat())
"""


@pytest.mark.parametrize("tz_name", ["UTC", "America/Los_Angeles", "Asia/Shanghai"])
def test_process_time_zone_does_not_matter(tz_name: str) -> None:
    environment = {**os.environ, "TZ": tz_name, "PYTHONPATH": str(REPO_ROOT)}

    completed = subprocess.run(
        [sys.executable, "-c", TZ_SCRIPT],
        capture_output=True,
        text=True,
        env=environment,
        cwd=REPO_ROOT,
        check=True,
    )

    assert completed.stdout.split() == [
        "2026-01-04T09:30:00+08:00",
        "2026-01-04T17:30:00+08:00",
        "2026-01-01T05:30:00+08:00",
        "2026-01-04T09:00:00+08:00",
    ]


def test_long_holiday_takes_few_day_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    checked_days: list[date] = []
    original = BusinessCalendar.is_working_day

    def counting_is_working_day(self: BusinessCalendar, day: date) -> bool:
        checked_days.append(day)
        return original(self, day)

    monkeypatch.setattr(BusinessCalendar, "is_working_day", counting_is_working_day)

    result = CN.add(local("2026-02-13 15:00"), 3, "working_days")

    assert result.at == local("2026-02-25 15:00")
    assert len(checked_days) <= 40


@pytest.mark.parametrize(
    ("start", "amount", "clock", "error", "message"),
    [
        (datetime(2025, 3, 10, 10, 0), hours(1), "working_hours", ValueError, "naive datetime"),
        (local("2025-03-10 10:00"), hours(1), "business_days", ValueError, "business_days"),
        (local("2025-03-10 10:00"), hours(-1), "working_hours", ValueError, "negative"),
        (local("2025-03-10 10:00"), -1, "working_days", ValueError, "negative"),
        (local("2025-03-10 10:00"), 2, "working_hours", TypeError, "timedelta"),
        (local("2025-03-10 10:00"), hours(24), "working_days", TypeError, "int"),
    ],
    ids=["naive start", "unknown clock", "negative hours", "negative days", "int hours", "timedelta days"],
)
def test_add_rejects_invalid_input(
    start: datetime, amount: timedelta | int, clock: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        CN.add(start, amount, clock)


def test_between_rejects_naive_datetime() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        CN.working_time_between(local("2025-03-10 10:00"), datetime(2025, 3, 10, 12, 0))


def test_next_working_moment_rejects_naive_datetime() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        CN.next_working_moment(datetime(2025, 3, 10, 12, 0))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"periods": ((time(9), time(12)), (time(11), time(18)))}, "11:00-18:00"),
        ({"periods": ((time(13), time(18)), (time(9), time(12)))}, "09:00-12:00"),
        ({"periods": ((time(12), time(9)),)}, "12:00-09:00"),
        ({"periods": ()}, "empty"),
        ({"weekdays": frozenset({0, 7})}, "7"),
        ({"weekdays": frozenset()}, "empty"),
        ({"holidays": {date(2025, 1, 26)}, "working_days": {date(2025, 1, 26)}}, "2025-01-26"),
        ({"holidays": {datetime(2025, 1, 1, 0, 0)}}, "2025"),
    ],
    ids=[
        "overlapping periods",
        "unsorted periods",
        "period ends before start",
        "no periods",
        "weekday out of range",
        "no weekdays",
        "holiday and make-up day",
        "datetime as holiday",
    ],
)
def test_calendar_rejects_invalid_fields(fields: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BusinessCalendar(timezone=SHANGHAI, **fields)


def test_calendar_accepts_adjacent_periods() -> None:
    calendar = BusinessCalendar(timezone=SHANGHAI, periods=((time(9), time(12)), (time(12), time(18))))

    assert calendar.add(local("2025-03-10 11:00"), hours(2), "working_hours").at == local("2025-03-10 13:00")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00-12:00", (time(9), time(12))),
        (" 13:00 - 18:00 ", (time(13), time(18))),
        ("9:30-11:45", (time(9, 30), time(11, 45))),
    ],
)
def test_parse_period(text: str, expected: tuple[time, time]) -> None:
    assert parse_period(text) == expected


@pytest.mark.parametrize("text", ["09:00", "9-12", "12:00-09:00", "09:00-12:00-13:00", "", "24:00-25:00"])
def test_parse_period_rejects_invalid_text(text: str) -> None:
    with pytest.raises(ValueError, match="invalid working period") as raised:
        parse_period(text)

    assert repr(text) in str(raised.value)
