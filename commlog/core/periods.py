"""Reporting periods: a month, a quarter or a range of days, and the period before it.

A period is the half-open interval ``[start, end)`` of aware datetimes in the
configured time zone. ``--to`` names the last day included, so
``--from 2024-03-01 --to 2024-03-31`` is the whole of March.

The period before (for trends) has the same length in the same unit: the
previous calendar month for a month, the previous quarter for a quarter, and
for a range the same number of days ending where the range starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

MONTH_RE = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})$")
QUARTER_RE = re.compile(r"^(?P<year>\d{4})-[Qq](?P<quarter>[1-4])$")
KINDS = ("month", "quarter", "range")


class PeriodError(ValueError):
    """A period value that is not in an accepted form; ``kind`` names the option."""

    def __init__(self, kind: str, value: str) -> None:
        super().__init__(value)
        self.kind = kind
        self.value = value


@dataclass(frozen=True)
class Period:
    """A half-open interval ``[start, end)`` and how it was given (month, quarter or range)."""

    kind: str
    start: datetime
    end: datetime

    @property
    def label(self) -> str:
        """Return ``2024-03``, ``2024-Q1`` or ``2024-03-01..2024-03-31``; also the report's file stem."""
        if self.kind == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.date().isoformat()}..{self.last_day.isoformat()}"

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(seconds=1)).date()

    @property
    def days(self) -> list[date]:
        """Return every calendar day in the period, in order."""
        first = self.start.date()
        return [first + timedelta(days=offset) for offset in range((self.last_day - first).days + 1)]

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def _midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)


def _month_start(year: int, month: int) -> date:
    """Return the first day of a month; months past 12 or below 1 roll over the year."""
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    return date(year, month, 1)


def month_period(value: str, zone: tzinfo) -> Period:
    """Parse ``YYYY-MM`` into the period of that calendar month."""
    match = MONTH_RE.match(value.strip())
    if not match or not 1 <= int(match["month"]) <= 12:
        raise PeriodError("month", value)
    year, month = int(match["year"]), int(match["month"])
    return Period("month", _midnight(date(year, month, 1), zone), _midnight(_month_start(year, month + 1), zone))


def quarter_period(value: str, zone: tzinfo) -> Period:
    """Parse ``YYYY-Qn`` into the period of that quarter."""
    match = QUARTER_RE.match(value.strip())
    if not match:
        raise PeriodError("quarter", value)
    year, first_month = int(match["year"]), (int(match["quarter"]) - 1) * 3 + 1
    start = _midnight(date(year, first_month, 1), zone)
    return Period("quarter", start, _midnight(_month_start(year, first_month + 3), zone))


def range_period(first: str, last: str, zone: tzinfo) -> Period:
    """Parse ``--from`` and ``--to`` dates (``YYYY-MM-DD``) into a period that includes both days."""
    try:
        first_day = date.fromisoformat(first.strip())
    except ValueError:
        raise PeriodError("from", first) from None
    try:
        last_day = date.fromisoformat(last.strip())
    except ValueError:
        raise PeriodError("to", last) from None
    if last_day < first_day:
        raise PeriodError("to", last)
    return Period("range", _midnight(first_day, zone), _midnight(last_day + timedelta(days=1), zone))


def previous_period(period: Period) -> Period:
    """Return the period of the same length that ends where ``period`` starts."""
    zone = period.start.tzinfo
    assert zone is not None
    start_day = period.start.date()
    if period.kind == "month":
        first = _month_start(start_day.year, start_day.month - 1)
    elif period.kind == "quarter":
        first = _month_start(start_day.year, start_day.month - 3)
    else:
        first = start_day - timedelta(days=len(period.days))
    return Period(period.kind, _midnight(first, zone), _midnight(start_day, zone))


def check_quarter(value: str) -> str:
    """Return ``value`` as ``YYYY-Qn`` (upper-case Q); raise PeriodError when it is not a quarter."""
    match = QUARTER_RE.match(value.strip())
    if not match:
        raise PeriodError("quarter", value)
    return f"{match['year']}-Q{match['quarter']}"
