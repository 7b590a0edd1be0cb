"""``commlog.yaml``: defaults, loading and validation.

Every key is optional; an absent key takes the default below. A wrong key or
value raises :class:`ConfigError` naming the file, the key and what is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from commlog.errors import ConfigError

CONFIG_NAME = "commlog.yaml"
SCHEMA_VERSION = 1
DEFAULT_TIMEZONE = "Asia/Shanghai"
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TOP_LEVEL_KEYS = (
    "schema_version",
    "timezone",
    "language",
    "record_language",
    "calendar",
    "sla",
    "directory",
    "events",
    "attachments",
    "check",
    "reviewers",
)


@dataclass(frozen=True)
class Person:
    """A person of the directory: display name, forge handle, department, e-mail."""

    name: str
    handle: str | None = None
    department: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Department:
    """A department of the directory and its head (a person's display name)."""

    name: str
    head: str | None = None


@dataclass(frozen=True)
class CalendarConfig:
    """Business calendar settings: region data, working hours and the team's own days."""

    region: str = "CN"
    working_hours: tuple[str, ...] = ("09:00-12:00", "13:00-18:00")
    working_weekdays: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    extra_holidays: tuple[str, ...] = ()
    extra_working_days: tuple[str, ...] = ()
    years: Mapping[int, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    file: str | None = None


@dataclass(frozen=True)
class AttachmentsConfig:
    """Attachment settings: the largest file accepted outside Git LFS, in MB (1 MB = 1,048,576 bytes)."""

    max_size_mb: float = 20

    @property
    def max_size_bytes(self) -> int:
        return int(self.max_size_mb * 1024 * 1024)


@dataclass(frozen=True)
class Config:
    """The loaded configuration of a records repository."""

    path: Path | None = None
    schema_version: int = SCHEMA_VERSION
    timezone: str = DEFAULT_TIMEZONE
    language: str | None = None
    record_language: str = "zh-CN"
    calendar: CalendarConfig = field(default_factory=CalendarConfig)
    sla: Mapping[str, Any] = field(default_factory=dict)
    people: tuple[Person, ...] = ()
    departments: tuple[Department, ...] = ()
    late_tolerance_minutes: int = 10
    attachments: AttachmentsConfig = field(default_factory=AttachmentsConfig)
    check: Mapping[str, Any] = field(default_factory=dict)
    reviewers: Mapping[str, Any] = field(default_factory=dict)

    @property
    def source(self) -> str:
        return str(self.path) if self.path else CONFIG_NAME

    def zone(self) -> Any:
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.timezone)

    def person_by_email(self, email: str) -> Person | None:
        wanted = email.strip().casefold()
        for person in self.people:
            if person.email and person.email.casefold() == wanted:
                return person
        return None


def _fail(source: str, key: str, allowed: str, value: Any = None) -> ConfigError:
    if value is None:
        return ConfigError("config.invalid", file=source, key=key, allowed=allowed)
    return ConfigError("config.invalid_value", file=source, key=key, value=value, allowed=allowed)


def _mapping(value: Any, source: str, key: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _fail(source, key, "a mapping")
    return value


def _strings(value: Any, source: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, (str, int)) for item in value):
        raise _fail(source, key, "a list of strings")
    return tuple(str(item) for item in value)


def _check_keys(mapping: Mapping[str, Any], allowed: tuple[str, ...], source: str, prefix: str) -> None:
    for key in mapping:
        if key not in allowed:
            raise _fail(source, f"{prefix}{key}", ", ".join(f"{prefix}{name}" for name in allowed))


def _timezone(value: Any, source: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = str(value)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise _fail(source, "timezone", "an IANA time zone name such as Asia/Shanghai", name) from None
    return name


def _language(value: Any, source: str, key: str) -> str:
    from commlog.i18n import normalize_language

    language = normalize_language(str(value))
    if language is None:
        raise _fail(source, key, "zh-CN, en", value)
    return language


def _dates(value: Any, source: str, key: str) -> tuple[str, ...]:
    from datetime import date

    items = []
    for item in value or ():
        if isinstance(item, date):
            items.append(item.isoformat())
            continue
        try:
            items.append(date.fromisoformat(str(item)).isoformat())
        except ValueError:
            raise _fail(source, key, "dates as YYYY-MM-DD", item) from None
    return tuple(items)


def _calendar(raw: Mapping[str, Any], source: str) -> CalendarConfig:
    _check_keys(
        raw,
        ("region", "working_hours", "working_weekdays", "extra_holidays", "extra_working_days", "years", "file"),
        source,
        "calendar.",
    )
    weekdays = _strings(raw.get("working_weekdays"), source, "calendar.working_weekdays") or CalendarConfig.working_weekdays
    for name in weekdays:
        if name.lower() not in WEEKDAY_NAMES:
            raise _fail(source, "calendar.working_weekdays", ", ".join(WEEKDAY_NAMES), name)
    hours = _strings(raw.get("working_hours"), source, "calendar.working_hours") or CalendarConfig.working_hours
    for period in hours:
        _check_period(period, source)
    years: dict[int, dict[str, tuple[str, ...]]] = {}
    for year, days in _mapping(raw.get("years"), source, "calendar.years").items():
        if not str(year).isdigit():
            raise _fail(source, f"calendar.years.{year}", "a year such as 2027")
        days = _mapping(days, source, f"calendar.years.{year}")
        _check_keys(days, ("holidays", "working_days"), source, f"calendar.years.{year}.")
        years[int(year)] = {
            "holidays": _dates(days.get("holidays"), source, f"calendar.years.{year}.holidays"),
            "working_days": _dates(days.get("working_days"), source, f"calendar.years.{year}.working_days"),
        }
    region = str(raw.get("region", "CN"))
    if region != "CN":
        raise _fail(source, "calendar.region", "CN", region)
    return CalendarConfig(
        region=region,
        working_hours=hours,
        working_weekdays=tuple(name.lower() for name in weekdays),
        extra_holidays=_dates(raw.get("extra_holidays"), source, "calendar.extra_holidays"),
        extra_working_days=_dates(raw.get("extra_working_days"), source, "calendar.extra_working_days"),
        years=years,
        file=str(raw["file"]) if raw.get("file") else None,
    )


def _check_period(period: str, source: str) -> None:
    from datetime import time

    start, separator, end = period.partition("-")
    try:
        if not separator or time.fromisoformat(start.strip()) >= time.fromisoformat(end.strip()):
            raise ValueError(period)
    except ValueError:
        raise _fail(source, "calendar.working_hours", "periods such as 09:00-12:00, start before end", period) from None


def _directory(raw: Mapping[str, Any], source: str) -> tuple[tuple[Person, ...], tuple[Department, ...]]:
    _check_keys(raw, ("people", "departments"), source, "directory.")
    people = []
    for index, item in enumerate(raw.get("people") or ()):
        item = _mapping(item, source, f"directory.people[{index}]")
        _check_keys(item, ("name", "handle", "department", "email"), source, f"directory.people[{index}].")
        if not item.get("name"):
            raise _fail(source, f"directory.people[{index}].name", "a display name such as *经理")
        people.append(
            Person(
                name=str(item["name"]),
                handle=_optional(item.get("handle")),
                department=_optional(item.get("department")),
                email=_optional(item.get("email")),
            )
        )
    departments = []
    for index, item in enumerate(raw.get("departments") or ()):
        item = _mapping(item, source, f"directory.departments[{index}]")
        _check_keys(item, ("name", "head"), source, f"directory.departments[{index}].")
        if not item.get("name"):
            raise _fail(source, f"directory.departments[{index}].name", "a department name")
        departments.append(Department(name=str(item["name"]), head=_optional(item.get("head"))))
    return tuple(people), tuple(departments)


def _attachments(raw: Mapping[str, Any], source: str) -> AttachmentsConfig:
    _check_keys(raw, ("max_size_mb",), source, "attachments.")
    size = raw.get("max_size_mb", AttachmentsConfig.max_size_mb)
    if isinstance(size, bool) or not isinstance(size, (int, float)) or not 0 < size < float("inf"):
        raise _fail(source, "attachments.max_size_mb", "a number of megabytes greater than 0, such as 20")
    return AttachmentsConfig(max_size_mb=size)


def _optional(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def parse_config(raw: Any, path: Path | None) -> Config:
    """Validate a loaded ``commlog.yaml`` mapping and fill in defaults."""
    source = str(path) if path else CONFIG_NAME
    raw = _mapping(raw, source, "(top level)")
    _check_keys(raw, TOP_LEVEL_KEYS, source, "")

    version = raw.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        raise _fail(source, "schema_version", str(SCHEMA_VERSION))
    sla = _mapping(raw.get("sla"), source, "sla")
    share = sla.get("at_risk_share", 0.25)
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 < share < 1:
        raise _fail(source, "sla.at_risk_share", "a number between 0 and 1, such as 0.25", share)
    events = _mapping(raw.get("events"), source, "events")
    _check_keys(events, ("late_tolerance_minutes",), source, "events.")
    tolerance = events.get("late_tolerance_minutes", 10)
    if isinstance(tolerance, bool) or not isinstance(tolerance, int) or tolerance < 0:
        raise _fail(source, "events.late_tolerance_minutes", "a whole number of minutes, 0 or more", tolerance)
    people, departments = _directory(_mapping(raw.get("directory"), source, "directory"), source)

    return Config(
        path=path,
        schema_version=SCHEMA_VERSION,
        timezone=_timezone(raw.get("timezone", DEFAULT_TIMEZONE), source),
        language=_language(raw["language"], source, "language") if raw.get("language") else None,
        record_language=_language(raw.get("record_language", "zh-CN"), source, "record_language"),
        calendar=_calendar(_mapping(raw.get("calendar"), source, "calendar"), source),
        sla=sla,
        people=people,
        departments=departments,
        late_tolerance_minutes=tolerance,
        attachments=_attachments(_mapping(raw.get("attachments"), source, "attachments"), source),
        check=_mapping(raw.get("check"), source, "check"),
        reviewers=_mapping(raw.get("reviewers"), source, "reviewers"),
    )


def load_config(root: Path) -> Config:
    """Load ``commlog.yaml`` from the repository root; defaults when the file is absent."""
    from commlog.storage import yamlio

    path = root / CONFIG_NAME
    if not path.is_file():
        return Config()
    try:
        raw = yamlio.load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ConfigError("config.not_utf8", file=str(path)) from None
    except Exception as error:  # yaml.YAMLError
        mark = getattr(error, "problem_mark", None)
        raise ConfigError("config.unparsable", file=str(path), line=(mark.line + 1) if mark else 1) from error
    return parse_config(raw if raw is not None else {}, path)


def read_language_setting(root: Path) -> str | None:
    """Return ``language`` from ``commlog.yaml`` without validating the rest of the file.

    It runs before the command line is built, so that help texts are already
    in the right language. A broken file is reported later by the command itself.
    """
    path = root / CONFIG_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    for line in text.splitlines():
        if line.startswith("language:"):
            value = line.split(":", 1)[1].split("#", 1)[0].strip().strip("'\"")
            return value or None
    return None
