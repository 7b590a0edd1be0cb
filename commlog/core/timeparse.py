"""Parsing and formatting of the dates and times people type.

Accepted datetimes: ``2024-03-15 14:30``, ``2024-03-15T14:30``,
``2024/3/15 14:30``, ``2024年3月15日 14:30`` (also ``14时30分``), with optional
seconds and an optional UTC offset (``+08:00``, ``+0800``, ``Z``). A time
without an offset is in the configured time zone. Stored form:
ISO 8601 with offset, to the second (``2024-03-15T14:30:00+08:00``).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone, tzinfo

_DATE = r"(?P<year>\d{4})\s*[-/.年]\s*(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})\s*日?"
_SHORT_DATE = r"(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})\s*日?"
_TIME = (
    r"(?P<hour>\d{1,2})\s*[:：时點点]\s*(?P<minute>\d{2})"
    r"(?:\s*[:：分]\s*(?P<second>\d{2})(?:\.\d+)?\s*秒?)?\s*分?"
)
_OFFSET = r"(?P<offset>Z|z|[+-]\d{2}:?\d{2})"

DATETIME_RE = re.compile(rf"^{_DATE}(?:\s*[T\s]\s*{_TIME})?\s*{_OFFSET}?$")
DATE_RE = re.compile(rf"^{_DATE}$")
SHORT_DATE_RE = re.compile(rf"^{_SHORT_DATE}$")


class TimeFormatError(ValueError):
    """A value that is not a date or datetime in an accepted form."""


def _offset(text: str | None) -> tzinfo | None:
    if text is None:
        return None
    if text in ("Z", "z"):
        return timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return timezone(sign * delta)


def parse_datetime(text: str, zone: tzinfo) -> datetime:
    """Parse a typed datetime; a value without an offset is taken in ``zone``.

    A date alone means midnight at the start of that day.
    """
    value = text.strip()
    match = DATETIME_RE.match(value)
    if not match:
        raise TimeFormatError(value)
    parts = match.groupdict()
    try:
        moment = datetime(
            int(parts["year"]),
            int(parts["month"]),
            int(parts["day"]),
            int(parts["hour"] or 0),
            int(parts["minute"] or 0),
            int(parts["second"] or 0),
        )
    except ValueError as error:
        raise TimeFormatError(value) from error
    offset = _offset(parts["offset"])
    if offset is None:
        return moment.replace(tzinfo=zone)
    return moment.replace(tzinfo=offset).astimezone(zone)


def parse_date(text: str, default_year: int, not_before: date | None = None) -> date:
    """Parse a typed date; ``05-20`` and ``5月20日`` take ``default_year``.

    With ``not_before``, a short date that would fall before it takes the
    next year instead: a milestone ``05-20`` typed in December is next May's.
    """
    value = text.strip()
    match = DATE_RE.match(value)
    short = match is None
    if short:
        match = SHORT_DATE_RE.match(value)
        if not match:
            raise TimeFormatError(value)
    year = default_year if short else int(match["year"])
    try:
        result = date(year, int(match["month"]), int(match["day"]))
        if short and not_before is not None and result < not_before:
            result = date(year + 1, result.month, result.day)
    except ValueError as error:
        raise TimeFormatError(value) from error
    return result


def format_datetime(moment: datetime) -> str:
    """Return the stored form of an aware datetime: ISO 8601 with offset, to the second."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime cannot be stored; give it a time zone")
    return moment.replace(microsecond=0).isoformat()


def load_datetime(value: str | datetime, zone: tzinfo) -> datetime:
    """Read a stored datetime back as an aware datetime in ``zone``.

    Hand-edited files may hold an unquoted YAML timestamp, which the YAML
    loader already turned into a ``datetime``; a naive one is taken in ``zone``.
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            return parse_datetime(str(value), zone)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=zone)
    return moment.astimezone(zone)


def display_datetime(value: str | datetime, zone: tzinfo) -> str:
    """Return ``YYYY-MM-DD HH:MM`` in ``zone``, the short form used in tables and logs."""
    return load_datetime(value, zone).strftime("%Y-%m-%d %H:%M")
