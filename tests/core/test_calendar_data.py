"""Tests for the official holiday data from chinese_calendar and the merging of team data.

The expected days were typed from the State Council notices on the holiday
arrangements of 2024, 2025 and 2026 (国务院办公厅关于…年部分节假日安排的通知),
independently of the package.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from importlib import metadata
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from commlog.calendar_data import OfficialData, build_calendar, load_official
from commlog.core.calendar import BusinessCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
REPO_ROOT = Path(__file__).resolve().parents[2]


def days(first: date, last: date) -> set[date]:
    """Return the dates from first to last, inclusive."""
    return {first + timedelta(days=offset) for offset in range((last - first).days + 1)}


NOTICE_DAYS_OFF = {
    2024: (
        {date(2024, 1, 1)}  # New Year
        | days(date(2024, 2, 10), date(2024, 2, 17))  # Spring Festival
        | days(date(2024, 4, 4), date(2024, 4, 6))  # Qingming
        | days(date(2024, 5, 1), date(2024, 5, 5))  # Labour Day
        | {date(2024, 6, 10)}  # Dragon Boat
        | days(date(2024, 9, 15), date(2024, 9, 17))  # Mid-Autumn
        | days(date(2024, 10, 1), date(2024, 10, 7))  # National Day
    ),
    2025: (
        {date(2025, 1, 1)}
        | days(date(2025, 1, 28), date(2025, 2, 4))
        | days(date(2025, 4, 4), date(2025, 4, 6))
        | days(date(2025, 5, 1), date(2025, 5, 5))
        | days(date(2025, 5, 31), date(2025, 6, 2))
        | days(date(2025, 10, 1), date(2025, 10, 8))  # National Day and Mid-Autumn
    ),
    2026: (
        days(date(2026, 1, 1), date(2026, 1, 3))
        | days(date(2026, 2, 15), date(2026, 2, 23))
        | days(date(2026, 4, 4), date(2026, 4, 6))
        | days(date(2026, 5, 1), date(2026, 5, 5))
        | days(date(2026, 6, 19), date(2026, 6, 21))
        | days(date(2026, 9, 25), date(2026, 9, 27))
        | days(date(2026, 10, 1), date(2026, 10, 7))
    ),
}
NOTICE_MAKE_UP_DAYS = {
    2024: {
        date(2024, 2, 4),
        date(2024, 2, 18),
        date(2024, 4, 7),
        date(2024, 4, 28),
        date(2024, 5, 11),
        date(2024, 9, 14),
        date(2024, 9, 29),
        date(2024, 10, 12),
    },
    2025: {date(2025, 1, 26), date(2025, 2, 8), date(2025, 4, 27), date(2025, 9, 28), date(2025, 10, 11)},
    2026: {
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    },
}
YEARS = sorted(NOTICE_DAYS_OFF)
ALL_DAYS_OFF = sorted(set().union(*NOTICE_DAYS_OFF.values()))
ALL_MAKE_UP_DAYS = sorted(set().union(*NOTICE_MAKE_UP_DAYS.values()))


@pytest.fixture(scope="module")
def official() -> OfficialData:
    return load_official()


@pytest.fixture(scope="module")
def cn(official: OfficialData) -> BusinessCalendar:
    return build_calendar(official, timezone=SHANGHAI)


def at(text: str) -> datetime:
    """Return the Shanghai datetime written as YYYY-MM-DD HH:MM."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.mark.parametrize("year", YEARS)
def test_notice_make_up_days_are_weekends(year: int) -> None:
    # Checks the typed table itself: every make-up working day is a Saturday or Sunday.
    weekdays = sorted(day for day in NOTICE_MAKE_UP_DAYS[year] if day.weekday() < 5)

    assert weekdays == []


@pytest.mark.parametrize("day", ALL_DAYS_OFF, ids=str)
def test_notice_day_off_is_not_working(cn: BusinessCalendar, day: date) -> None:
    assert not cn.is_working_day(day)


@pytest.mark.parametrize("day", ALL_MAKE_UP_DAYS, ids=str)
def test_notice_make_up_day_is_working(cn: BusinessCalendar, day: date) -> None:
    assert cn.is_working_day(day)


@pytest.mark.parametrize("year", YEARS)
def test_package_make_up_days_match_notice(official: OfficialData, year: int) -> None:
    package_days = {day for day in official.working_days if day.year == year}

    assert package_days == NOTICE_MAKE_UP_DAYS[year]


@pytest.mark.parametrize("year", YEARS)
def test_weekday_days_off_match_notice(cn: BusinessCalendar, year: int) -> None:
    year_days = days(date(year, 1, 1), date(year, 12, 31))
    non_working_weekdays = {day for day in year_days if day.weekday() < 5 and not cn.is_working_day(day)}
    notice_weekdays_off = {day for day in NOTICE_DAYS_OFF[year] if day.weekday() < 5}

    assert non_working_weekdays == notice_weekdays_off


def test_official_data_covers_notice_years(official: OfficialData) -> None:
    assert set(YEARS) <= official.covered_years
    assert 2027 not in official.covered_years


def test_official_version_names_package(official: OfficialData) -> None:
    assert official.version == f"chinese_calendar {metadata.version('chinese_calendar')}"


def test_load_official_rejects_unknown_region() -> None:
    with pytest.raises(ValueError, match="'HK'") as raised:
        load_official("HK")

    assert "CN" in str(raised.value)


def test_import_does_not_load_package() -> None:
    script = "import sys, commlog.calendar_data; print('chinese_calendar' in sys.modules)"
    environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}

    completed = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=environment,
        cwd=REPO_ROOT,
        check=True,
    )

    assert completed.stdout.strip() == "False"


def test_deadline_into_2027_is_provisional(cn: BusinessCalendar) -> None:
    result = cn.add(at("2026-12-31 17:00"), timedelta(hours=2), "working_hours")

    assert result.at == at("2027-01-01 10:00")
    assert result.provisional_years == frozenset({2027})


def test_team_year_data_covers_2027(official: OfficialData) -> None:
    # A made-up 2027 arrangement: only New Year's Day off.
    calendar = build_calendar(official, timezone=SHANGHAI, extra_years={2027: {"holidays": ["2027-01-01"]}})

    result = calendar.add(at("2026-12-31 17:00"), timedelta(hours=2), "working_hours")

    assert result.at == at("2027-01-04 10:00")
    assert result.provisional_years == frozenset()
    assert 2027 in calendar.covered_years


def test_team_data_overrides_official_days(official: OfficialData) -> None:
    calendar = build_calendar(
        official,
        timezone=SHANGHAI,
        extra_holidays=[date(2025, 10, 11)],  # an official make-up Saturday
        extra_working_days=[date(2025, 10, 8)],  # an official holiday
    )

    assert not calendar.is_working_day(date(2025, 10, 11))
    assert calendar.is_working_day(date(2025, 10, 8))


def test_team_days_override_team_year_data(official: OfficialData) -> None:
    calendar = build_calendar(
        official,
        timezone=SHANGHAI,
        extra_years={2027: {"holidays": [date(2027, 1, 1)], "working_days": [date(2027, 1, 9)]}},
        extra_working_days=[date(2027, 1, 1)],
    )

    assert calendar.is_working_day(date(2027, 1, 1))
    assert calendar.is_working_day(date(2027, 1, 9))


def test_data_version_without_team_data(official: OfficialData) -> None:
    calendar = build_calendar(official, timezone=SHANGHAI)

    assert calendar.data_version == official.version


def test_data_version_marks_team_data(official: OfficialData) -> None:
    first = build_calendar(official, timezone=SHANGHAI, extra_holidays=[date(2025, 3, 11)])
    same = build_calendar(official, timezone=SHANGHAI, extra_holidays=["2025-03-11"])
    other = build_calendar(official, timezone=SHANGHAI, extra_holidays=[date(2025, 3, 12)])

    assert first.data_version.startswith(f"{official.version} + commlog.yaml sha256:")
    assert same.data_version == first.data_version
    assert other.data_version != first.data_version


@pytest.mark.parametrize(
    ("team_data", "message"),
    [
        ({"extra_years": {2027: {"holidays": [date(2026, 12, 31)]}}}, "2026-12-31"),
        ({"extra_years": {2027: {"days_off": [date(2027, 1, 1)]}}}, "days_off"),
        ({"extra_years": {"2027": {"holidays": []}}}, "'2027'"),
        ({"extra_holidays": [date(2025, 3, 11)], "extra_working_days": [date(2025, 3, 11)]}, "2025-03-11"),
        ({"extra_holidays": ["2025-13-01"]}, "2025-13-01"),
        ({"extra_holidays": "2025-03-11"}, "extra_holidays"),
    ],
    ids=[
        "date outside its year",
        "unknown year key",
        "year as string",
        "same day in both lists",
        "invalid date string",
        "single string",
    ],
)
def test_build_calendar_rejects_invalid_team_data(
    official: OfficialData, team_data: dict, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        build_calendar(official, timezone=SHANGHAI, **team_data)
