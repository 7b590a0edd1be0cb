"""Load China's official holiday data and build a BusinessCalendar from it.

The official data comes from the ``chinese_calendar`` package, which encodes the
State Council's yearly notices on holiday arrangements. A team can add the
arrangement of a year that the package does not cover yet, and its own days off and
working days, on top of it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from importlib import metadata
from zoneinfo import ZoneInfo

from commlog.core.calendar import DEFAULT_PERIODS, DEFAULT_WEEKDAYS, BusinessCalendar

REGIONS = ("CN",)
# Name of the configuration file that contains team data, shown in BusinessCalendar.data_version.
TEAM_DATA_SOURCE = "commlog.yaml"
YEAR_KEYS = ("holidays", "working_days")

DateValue = date | str
YearArrangement = Mapping[str, Iterable[DateValue]]


@dataclass(frozen=True)
class OfficialData:
    """Official days off and make-up working days of one region, with the years they cover."""

    holidays: frozenset[date]
    working_days: frozenset[date]
    covered_years: frozenset[int]
    version: str


def load_official(region: str = "CN") -> OfficialData:
    """Load the official holiday data of ``region`` from the chinese_calendar package."""
    if region not in REGIONS:
        raise ValueError(f"unknown holiday region {region!r}: the supported regions are {', '.join(REGIONS)}")

    # Imported here so that commands which need no calendar do not pay for the import.
    import chinese_calendar

    holidays = frozenset(chinese_calendar.holidays)
    working_days = frozenset(chinese_calendar.workdays)
    # chinese_calendar 1.11.0 supports the years from the first to the last year
    # that has a holiday entry, and raises NotImplementedError outside them.
    years = [day.year for day in holidays]
    covered_years = frozenset(range(min(years), max(years) + 1))
    version = f"chinese_calendar {metadata.version('chinese_calendar')}"
    return OfficialData(holidays, working_days, covered_years, version)


def build_calendar(
    official: OfficialData,
    *,
    timezone: ZoneInfo,
    periods: Iterable[tuple[time, time]] = DEFAULT_PERIODS,
    weekdays: Iterable[int] = DEFAULT_WEEKDAYS,
    extra_holidays: Iterable[DateValue] = (),
    extra_working_days: Iterable[DateValue] = (),
    extra_years: Mapping[int, YearArrangement] | None = None,
) -> BusinessCalendar:
    """Merge team data into the official data and build the business calendar.

    ``extra_years`` maps a year to ``{"holidays": [...], "working_days": [...]}``,
    the official arrangement of that year, and every year in it becomes covered.
    Dates may be ``date`` objects or ISO strings. Each layer overrides the dates of
    the one before: the official data, then ``extra_years``, then
    ``extra_holidays`` and ``extra_working_days``.
    """
    extra_years = extra_years or {}
    year_holidays, year_working_days = _flatten_extra_years(extra_years)
    team_holidays = _as_dates(extra_holidays, "extra_holidays")
    team_working_days = _as_dates(extra_working_days, "extra_working_days")

    holidays, working_days = _override(
        official.holidays, official.working_days, year_holidays, year_working_days, "extra_years"
    )
    holidays, working_days = _override(
        holidays, working_days, team_holidays, team_working_days, "extra_holidays and extra_working_days"
    )

    has_team_data = bool(extra_years or team_holidays or team_working_days)
    version = official.version
    if has_team_data:
        digest = _team_data_digest(
            extra_years.keys(), year_holidays, year_working_days, team_holidays, team_working_days
        )
        version = f"{official.version} + {TEAM_DATA_SOURCE} sha256:{digest}"

    return BusinessCalendar(
        timezone=timezone,
        periods=tuple(periods),
        weekdays=frozenset(weekdays),
        holidays=holidays,
        working_days=working_days,
        covered_years=official.covered_years | frozenset(extra_years),
        data_version=version,
    )


def _flatten_extra_years(
    extra_years: Mapping[int, YearArrangement],
) -> tuple[frozenset[date], frozenset[date]]:
    """Collect the holidays and working days of all years and validate that each date lies in its year."""
    holidays: set[date] = set()
    working_days: set[date] = set()
    for year, arrangement in extra_years.items():
        if isinstance(year, bool) or not isinstance(year, int):
            raise ValueError(f"invalid year {year!r} in extra_years: expected an int such as 2027")
        unknown = sorted(str(key) for key in arrangement if key not in YEAR_KEYS)
        if unknown:
            raise ValueError(
                f"unknown keys {', '.join(unknown)} in extra_years[{year}]: "
                f"expected {' and '.join(YEAR_KEYS)}"
            )
        for key, target in (("holidays", holidays), ("working_days", working_days)):
            where = f"extra_years[{year}].{key}"
            for day in _as_dates(arrangement.get(key, ()), where):
                if day.year != year:
                    raise ValueError(f"{where} contains {day.isoformat()}, which is not in {year}")
                target.add(day)
    return frozenset(holidays), frozenset(working_days)


def _override(
    base_holidays: frozenset[date],
    base_working_days: frozenset[date],
    holidays: frozenset[date],
    working_days: frozenset[date],
    source: str,
) -> tuple[frozenset[date], frozenset[date]]:
    """Apply one layer of holidays and working days over the base sets and return the result."""
    both = sorted(holidays & working_days)
    if both:
        listed = ", ".join(day.isoformat() for day in both)
        raise ValueError(f"dates listed both as holiday and as working day in {source}: {listed}")
    return (base_holidays - working_days) | holidays, (base_working_days - holidays) | working_days


def _as_dates(values: Iterable[DateValue], where: str) -> frozenset[date]:
    """Convert dates and ISO date strings to dates, naming ``where`` in the error."""
    if isinstance(values, (str, date)):
        raise ValueError(f"invalid {where} {values!r}: expected a list of dates")
    dates: set[date] = set()
    for value in values:
        if isinstance(value, str):
            try:
                dates.add(date.fromisoformat(value.strip()))
            except ValueError:
                raise ValueError(f"invalid date {value!r} in {where}: expected YYYY-MM-DD") from None
        elif isinstance(value, date) and not isinstance(value, datetime):
            dates.add(value)
        else:
            raise ValueError(f"invalid date {value!r} in {where}: expected YYYY-MM-DD")
    return frozenset(dates)


def _team_data_digest(
    years: Iterable[int],
    year_holidays: frozenset[date],
    year_working_days: frozenset[date],
    team_holidays: frozenset[date],
    team_working_days: frozenset[date],
) -> str:
    """Return a short SHA-256 of the team data, so a stored deadline shows which data it used."""
    content = {
        "years": sorted(years),
        "year_holidays": sorted(day.isoformat() for day in year_holidays),
        "year_working_days": sorted(day.isoformat() for day in year_working_days),
        "holidays": sorted(day.isoformat() for day in team_holidays),
        "working_days": sorted(day.isoformat() for day in team_working_days),
    }
    encoded = json.dumps(content, sort_keys=True).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()[:12]
