"""Compute deadlines on a business calendar with three clocks.

A clock measures an SLA amount:

- ``calendar``: elapsed time (a timedelta), whether or not anyone works.
- ``working_hours``: working time (a timedelta), counted only inside the working
  periods of working days.
- ``working_days``: a number N of working days. The deadline is the same clock time
  on the N-th next working day.

Edge rules:

1. A working_hours clock that starts outside working hours (evening, weekend,
   holiday) starts counting at the next working period start. 1 working hour from
   Friday 17:30 is Monday 09:30 when Monday is a working day.
2. Working periods are half-open, so 12:00 is outside 09:00-12:00. A deadline that
   lands exactly on the end of a period stays there: 1 working hour from 11:00 is
   12:00, not 13:00. A zero amount returns ``next_working_moment(start)`` on the
   working clocks and ``start`` on the calendar clock.
3. A working_days clock first moves the start to ``next_working_moment(start)``.
   The deadline is that moment's clock time on the N-th next working day after the
   moment's date. 1 working day from Saturday 10:00 or from Friday 18:00 is Tuesday
   09:00 when Monday and Tuesday are working days, and from Monday 12:30 it is
   Tuesday 13:00. A clock time outside the working periods moves to the start of
   the next working period.
4. Make-up working days count as ordinary working days with the normal periods.
   Holidays on weekdays count as non-working days.
5. Holiday data only means something in ``covered_years``. A working clock treats
   a year without data as ordinary weekdays and lists it in
   ``DeadlineResult.provisional_years`` when the span from the start date to the
   deadline date touches it. The calendar clock does not use holiday data, so its
   ``provisional_years`` is always empty.

Inputs must be timezone-aware datetimes. They are converted to the calendar's time
zone, so the machine's local time zone never matters. Periods are wall-clock times
in that zone. Durations are measured as elapsed time in UTC, so a span across a
DST change counts the hours that really passed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from datetime import timezone as fixed_timezone
from zoneinfo import ZoneInfo

CLOCKS = ("calendar", "working_hours", "working_days")
DEFAULT_PERIODS: tuple[tuple[time, time], ...] = ((time(9), time(12)), (time(13), time(18)))
DEFAULT_WEEKDAYS = frozenset(range(5))

_UTC = fixed_timezone.utc
_ONE_DAY = timedelta(days=1)
_ZERO = timedelta(0)


@dataclass(frozen=True)
class DeadlineResult:
    """Computed deadline and the years without holiday data that it depends on."""

    at: datetime
    provisional_years: frozenset[int] = frozenset()


@dataclass(frozen=True)
class BusinessCalendar:
    """Working periods, working weekdays and official holiday data in one time zone.

    ``holidays`` are days off (statutory holidays and the weekdays given off in
    exchange for make-up days), and ``working_days`` are make-up working days on
    weekends. A date may not be in both. Lists and sets given for the collection
    fields are converted to tuples and frozensets.
    """

    timezone: ZoneInfo
    periods: tuple[tuple[time, time], ...] = DEFAULT_PERIODS
    weekdays: frozenset[int] = DEFAULT_WEEKDAYS
    holidays: frozenset[date] = frozenset()
    working_days: frozenset[date] = frozenset()
    covered_years: frozenset[int] = frozenset()
    data_version: str = "no holiday data"

    def __post_init__(self) -> None:
        """Convert the collection fields to immutable types and validate every field."""
        if not isinstance(self.timezone, tzinfo):
            raise TypeError(
                f"invalid timezone {self.timezone!r}: expected a ZoneInfo such as ZoneInfo('Asia/Shanghai')"
            )
        object.__setattr__(self, "periods", tuple(tuple(period) for period in self.periods))
        object.__setattr__(self, "weekdays", frozenset(self.weekdays))
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "working_days", frozenset(self.working_days))
        object.__setattr__(self, "covered_years", frozenset(self.covered_years))
        _validate_periods(self.periods)
        _validate_weekdays(self.weekdays)
        _validate_days(self.holidays, self.working_days)

    def is_working_day(self, day: date) -> bool:
        """Return whether ``day`` is a working day.

        Make-up working days work, holidays do not, and every other day works when
        its weekday is in ``weekdays``.
        """
        if isinstance(day, datetime):
            raise TypeError(f"is_working_day expects a date, got the datetime {day.isoformat()}")
        if day in self.working_days:
            return True
        if day in self.holidays:
            return False
        return day.weekday() in self.weekdays

    def uncovered_years(self, first: date, last: date) -> frozenset[int]:
        """Return the years from ``first`` to ``last``, inclusive, that have no holiday data."""
        low, high = sorted((first.year, last.year))
        return frozenset(year for year in range(low, high + 1) if year not in self.covered_years)

    def next_working_moment(self, moment: datetime) -> datetime:
        """Return ``moment`` if it is inside a working period, else the start of the next period.

        The result is in the calendar's time zone.
        """
        begin, _ = next(self._intervals_from(self._to_utc(moment)))
        return begin.astimezone(self.timezone)

    def add(self, start: datetime, amount: timedelta | int, clock: str) -> DeadlineResult:
        """Compute the deadline ``amount`` after ``start`` on ``clock``.

        ``amount`` is a timedelta for the calendar and working_hours clocks and an
        int for the working_days clock. It must not be negative. The module
        docstring lists the edge rules.
        """
        if clock not in CLOCKS:
            raise ValueError(f"unknown clock {clock!r}: expected one of {', '.join(CLOCKS)}")
        start_utc = self._to_utc(start)
        if clock == "calendar":
            at = (start_utc + _as_duration(amount, clock)).astimezone(self.timezone)
            return DeadlineResult(at, frozenset())

        if clock == "working_hours":
            at = self._add_working_hours(start_utc, _as_duration(amount, clock))
        else:
            at = self._add_working_days(start_utc, _as_day_count(amount))
        start_date = start_utc.astimezone(self.timezone).date()
        return DeadlineResult(at, self.uncovered_years(start_date, at.date()))

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Return the working time from ``a`` to ``b``, negative when ``b`` is before ``a``."""
        a_utc, b_utc = self._to_utc(a), self._to_utc(b)
        if b_utc < a_utc:
            return -self.working_time_between(b, a)

        total = _ZERO
        day = a_utc.astimezone(self.timezone).date()
        last_day = b_utc.astimezone(self.timezone).date()
        while day <= last_day:
            for begin, end in self._day_intervals(day):
                overlap = min(end, b_utc) - max(begin, a_utc)
                if overlap > _ZERO:
                    total += overlap
            day += _ONE_DAY
        return total

    def _add_working_hours(self, start_utc: datetime, amount: timedelta) -> datetime:
        """Return the moment when ``amount`` of working time has passed after ``start_utc``."""
        remaining = amount
        intervals = self._intervals_from(start_utc)
        while True:
            begin, end = next(intervals)
            if remaining <= end - begin:
                return (begin + remaining).astimezone(self.timezone)
            remaining -= end - begin

    def _add_working_days(self, start_utc: datetime, count: int) -> datetime:
        """Return the deadline ``count`` working days after ``start_utc`` (edge rule 3)."""
        moment = self.next_working_moment(start_utc)
        day = moment.date()
        for _ in range(count):
            day = self._next_working_day(day)
        target = datetime.combine(day, moment.time(), tzinfo=self.timezone)
        return self.next_working_moment(target)

    def _next_working_day(self, day: date) -> date:
        """Return the first working day after ``day``."""
        day += _ONE_DAY
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def _intervals_from(self, moment_utc: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Yield the working intervals after ``moment_utc`` in order, as UTC pairs.

        An interval that contains ``moment_utc`` is cut to start there. The iterator
        never ends, because ``weekdays`` is not empty and ``holidays`` is finite.
        """
        day = moment_utc.astimezone(self.timezone).date()
        while True:
            for begin, end in self._day_intervals(day):
                if end > moment_utc:
                    yield max(begin, moment_utc), end
            day += _ONE_DAY

    def _day_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """Return the working periods of ``day`` as UTC pairs, or none on a non-working day."""
        if not self.is_working_day(day):
            return []
        return [(self._combine_utc(day, begin), self._combine_utc(day, end)) for begin, end in self.periods]

    def _combine_utc(self, day: date, clock_time: time) -> datetime:
        """Return the UTC moment of the wall-clock ``clock_time`` on ``day`` in the calendar's zone."""
        return datetime.combine(day, clock_time, tzinfo=self.timezone).astimezone(_UTC)

    @staticmethod
    def _to_utc(moment: datetime) -> datetime:
        """Convert an aware datetime to UTC and raise ValueError on a naive one."""
        if not isinstance(moment, datetime):
            raise TypeError(f"expected a datetime, got {moment!r}")
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(
                f"naive datetime {moment.isoformat()} has no time zone: "
                "pass an aware datetime, for example with tzinfo=ZoneInfo('Asia/Shanghai')"
            )
        return moment.astimezone(_UTC)


def parse_period(text: str) -> tuple[time, time]:
    """Parse a working period written as ``HH:MM-HH:MM``, such as ``09:00-12:00``."""
    if not isinstance(text, str):
        raise ValueError(f"invalid working period {text!r}: expected a string such as '09:00-12:00'")
    start_text, _, end_text = text.partition("-")
    try:
        start = datetime.strptime(start_text.strip(), "%H:%M").time()
        end = datetime.strptime(end_text.strip(), "%H:%M").time()
    except ValueError:
        raise ValueError(
            f"invalid working period {text!r}: expected HH:MM-HH:MM, such as '09:00-12:00'"
        ) from None
    if start >= end:
        raise ValueError(f"invalid working period {text!r}: the start must be before the end")
    return start, end


def _validate_periods(periods: tuple[tuple[time, ...], ...]) -> None:
    """Raise ValueError unless the periods are non-empty, valid, sorted and non-overlapping."""
    if not periods:
        raise ValueError("working periods are empty: give at least one period, such as 09:00-12:00")
    previous_end: time | None = None
    for period in periods:
        if len(period) != 2 or not all(isinstance(bound, time) for bound in period):
            raise ValueError(f"invalid working period {period!r}: expected a pair of datetime.time")
        start, end = period
        name = f"{_format_time(start)}-{_format_time(end)}"
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError(f"invalid working period {name}: use wall-clock times without a time zone")
        if start >= end:
            raise ValueError(f"invalid working period {name}: the start must be before the end")
        if previous_end is not None and start < previous_end:
            raise ValueError(
                f"invalid working period {name}: it starts before the previous period ends at "
                f"{_format_time(previous_end)}, but periods must be sorted and must not overlap"
            )
        previous_end = end


def _validate_weekdays(weekdays: frozenset[int]) -> None:
    """Raise ValueError unless ``weekdays`` is a non-empty set of ints from 0 (Monday) to 6."""
    if not weekdays:
        raise ValueError("working weekdays are empty: give at least one, with Monday as 0")
    for weekday in weekdays:
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise ValueError(f"invalid working weekday {weekday!r}: expected 0 (Monday) to 6 (Sunday)")


def _validate_days(holidays: frozenset[date], working_days: frozenset[date]) -> None:
    """Raise ValueError unless both sets contain plain dates and share none."""
    for day in holidays | working_days:
        if isinstance(day, datetime) or not isinstance(day, date):
            raise ValueError(f"invalid holiday or make-up working day {day!r}: expected a datetime.date")
    both = sorted(holidays & working_days)
    if both:
        listed = ", ".join(day.isoformat() for day in both)
        raise ValueError(f"dates listed both as holiday and as make-up working day: {listed}")


def _as_duration(amount: timedelta | int, clock: str) -> timedelta:
    """Return ``amount`` as a non-negative timedelta for ``clock``, or raise."""
    if not isinstance(amount, timedelta):
        raise TypeError(f"the {clock} clock expects a timedelta amount, got {amount!r}")
    if amount < _ZERO:
        raise ValueError(f"invalid {clock} amount {amount}: it must not be negative")
    return amount


def _as_day_count(amount: timedelta | int) -> int:
    """Return ``amount`` as a non-negative number of working days, or raise."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"the working_days clock expects an int amount, got {amount!r}")
    if amount < 0:
        raise ValueError(f"invalid working_days amount {amount}: it must not be negative")
    return amount


def _format_time(clock_time: time) -> str:
    """Format ``clock_time`` as HH:MM, or with seconds when it has them."""
    if clock_time.second or clock_time.microsecond:
        return clock_time.isoformat()
    return clock_time.isoformat(timespec="minutes")
