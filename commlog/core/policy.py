"""SLA policy: the window and clock of every SLA per priority, overridable per record type.

The policy is the ``sla:`` mapping of ``commlog.yaml``. Every key is optional:

```yaml
sla:
  at_risk_share: 0.25
  important_types: [client, collab, urgent]
  ack:
    normal: {window: 1h, clock: working_hours}
    urgent: {window: 15m, clock: calendar}
  feedback:
    normal: {window: 1d, clock: working_days}
    urgent: {window: 2h, clock: calendar}
  backfill:
    normal: off
    urgent: {window: 2h, clock: calendar}
  resolution: {clock: calendar}
  closeout: {window: 3d, clock: working_days}
  milestone: {clock: calendar}
  types:
    notice:
      feedback: off
```

A rule is ``{window, clock}``, or ``off`` for no deadline. An SLA's value is
either one rule for both priorities or a mapping with ``normal`` and ``urgent``.
Windows are whole numbers with units ``d``, ``h`` and ``m`` (``1h``, ``2h30m``,
``15m``, ``3d``). The working_days clock takes whole days only, the
working_hours clock no days (a working day has no fixed length), and the
calendar clock any of them (``1d`` is 24 hours). The resolution and milestone
deadlines are the record's own due dates, so their rules take only a clock,
which measures the at-risk share and the time left.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from commlog.core.calendar import CLOCKS
from commlog.errors import ConfigError

SLA_NAMES = ("ack", "feedback", "backfill", "resolution", "closeout", "milestone")
PRIORITIES = ("normal", "urgent")
# SLAs whose deadline is a due date of the record itself, not a window after an event.
DUE_SLAS = frozenset({"resolution", "milestone"})
DEFAULT_AT_RISK_SHARE = 0.25
POLICY_KEYS = ("at_risk_share", "important_types", "types", *SLA_NAMES)
RULE_KEYS = ("window", "clock")
OFF_WORDS = frozenset({"off", "none", "no"})

_WINDOW_RE = re.compile(r"^(?:(?P<days>\d+)d)?(?:(?P<hours>\d+)h)?(?:(?P<minutes>\d+)m)?$")
_TYPE_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_ALLOWED_RULE = "{window: 1h, clock: working_hours}, {clock: calendar} or off"


@dataclass(frozen=True)
class Rule:
    """The deadline of one SLA: a window on a clock, or only a clock for due-date SLAs.

    ``window`` is a timedelta on the calendar and working_hours clocks, an int
    (working days) on the working_days clock, and None for the resolution and
    milestone SLAs. ``text`` is the window as written, such as ``1h``.
    """

    clock: str
    window: timedelta | int | None = None
    text: str = ""


RuleTable = Mapping[tuple[str, str], "Rule | None"]

DEFAULT_RULES: dict[tuple[str, str], Rule | None] = {
    ("ack", "normal"): Rule("working_hours", timedelta(hours=1), "1h"),
    ("ack", "urgent"): Rule("calendar", timedelta(minutes=15), "15m"),
    ("feedback", "normal"): Rule("working_days", 1, "1d"),
    ("feedback", "urgent"): Rule("calendar", timedelta(hours=2), "2h"),
    ("backfill", "normal"): None,
    ("backfill", "urgent"): Rule("calendar", timedelta(hours=2), "2h"),
    ("resolution", "normal"): Rule("calendar"),
    ("resolution", "urgent"): Rule("calendar"),
    ("closeout", "normal"): Rule("working_days", 3, "3d"),
    ("closeout", "urgent"): Rule("working_days", 3, "3d"),
    ("milestone", "normal"): Rule("calendar"),
    ("milestone", "urgent"): Rule("calendar"),
}
# Notices are acknowledged, not answered, so they have no feedback deadline.
DEFAULT_TYPE_RULES: dict[str, dict[tuple[str, str], Rule | None]] = {
    "notice": {("feedback", "normal"): None, ("feedback", "urgent"): None},
}


@dataclass(frozen=True)
class Policy:
    """The SLA rules of a repository, its at-risk share and the types that count as important."""

    rules: RuleTable = field(default_factory=lambda: dict(DEFAULT_RULES))
    type_rules: Mapping[str, RuleTable] = field(default_factory=lambda: dict(DEFAULT_TYPE_RULES))
    at_risk_share: float = DEFAULT_AT_RISK_SHARE
    important_types: frozenset[str] | None = None

    def rule(self, type_name: str, sla: str, priority: str) -> Rule | None:
        """Return the rule of ``sla`` for a record of ``type_name`` and ``priority``; None means no deadline."""
        priority = priority if priority in PRIORITIES else "normal"
        key = (sla, priority)
        per_type = self.type_rules.get(type_name, {})
        if key in per_type:
            return per_type[key]
        return self.rules.get(key)

    def is_important(self, type_name: str, default: bool) -> bool:
        """Tell whether records of ``type_name`` are important; ``default`` applies without ``important_types``."""
        if self.important_types is None:
            return default
        return type_name in self.important_types


def parse_policy(raw: Mapping[str, Any] | None, source: str) -> Policy:
    """Build the Policy from the ``sla:`` mapping of ``source``; raise ConfigError naming the key."""
    raw = raw or {}
    if not isinstance(raw, Mapping):
        raise _invalid(source, "sla", "a mapping")
    _check_keys(raw, POLICY_KEYS, source, "sla.")

    rules = dict(DEFAULT_RULES)
    rules.update(_sla_rules(raw, source, "sla."))
    type_rules: dict[str, dict[tuple[str, str], Rule | None]] = {
        name: dict(table) for name, table in DEFAULT_TYPE_RULES.items()
    }
    for type_name, table in _types(raw.get("types"), source).items():
        type_rules.setdefault(type_name, {}).update(table)

    return Policy(
        rules=rules,
        type_rules=type_rules,
        at_risk_share=_share(raw.get("at_risk_share", DEFAULT_AT_RISK_SHARE), source),
        important_types=_important_types(raw.get("important_types"), source),
    )


def parse_window(text: str, clock: str) -> timedelta | int:
    """Parse a window such as ``1h``, ``2h30m`` or ``3d`` for ``clock``; raise ValueError."""
    match = _WINDOW_RE.match(text.replace(" ", "").lower())
    if not text.strip() or match is None:
        raise ValueError(text)
    days, hours, minutes = (int(match[name] or 0) for name in ("days", "hours", "minutes"))
    if clock == "working_days":
        if hours or minutes or match["days"] is None:
            raise ValueError(text)
        return days
    if clock == "working_hours" and match["days"] is not None:
        raise ValueError(text)
    return timedelta(days=days, hours=hours, minutes=minutes)


def _types(raw: Any, source: str) -> dict[str, dict[tuple[str, str], Rule | None]]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise _invalid(source, "sla.types", "a mapping of record types to SLA rules")
    tables = {}
    for type_name, table in raw.items():
        prefix = f"sla.types.{type_name}."
        if not _TYPE_NAME_RE.match(str(type_name)):
            raise _invalid(source, f"sla.types.{type_name}", "a record type name such as client")
        if not isinstance(table, Mapping):
            raise _invalid(source, prefix.rstrip("."), "a mapping of SLA names to rules")
        _check_keys(table, SLA_NAMES, source, prefix)
        tables[str(type_name)] = _sla_rules(table, source, prefix)
    return tables


def _sla_rules(raw: Mapping[str, Any], source: str, prefix: str) -> dict[tuple[str, str], Rule | None]:
    """Read the rules of every SLA named in ``raw``, for both priorities."""
    rules: dict[tuple[str, str], Rule | None] = {}
    for sla in SLA_NAMES:
        if sla not in raw:
            continue
        value = raw[sla]
        key = f"{prefix}{sla}"
        if isinstance(value, Mapping) and set(value) <= set(PRIORITIES) and value:
            for priority, rule in value.items():
                rules[(sla, str(priority))] = _rule(rule, sla, source, f"{key}.{priority}")
        else:
            rule = _rule(value, sla, source, key)
            rules[(sla, "normal")] = rule
            rules[(sla, "urgent")] = rule
    return rules


def _rule(raw: Any, sla: str, source: str, key: str) -> Rule | None:
    """Read one rule; ``off``, ``false`` or an empty value mean no deadline."""
    if raw is None or raw is False or (isinstance(raw, str) and raw.strip().lower() in OFF_WORDS):
        return None
    if not isinstance(raw, Mapping):
        raise _invalid(source, key, _ALLOWED_RULE)
    _check_keys(raw, RULE_KEYS, source, f"{key}.")
    clock = raw.get("clock")
    if clock not in CLOCKS:
        raise _invalid(source, f"{key}.clock", ", ".join(CLOCKS))
    if sla in DUE_SLAS:
        if "window" in raw:
            raise _invalid(source, f"{key}.window", "no window: the deadline is the record's own due date; set only clock")
        return Rule(clock)
    return Rule(clock, _window(raw.get("window"), clock, source, f"{key}.window"), str(raw.get("window")).strip())


def _window(raw: Any, clock: str, source: str, key: str) -> timedelta | int:
    allowed = {
        "working_days": "whole working days, such as 1d or 3d",
        "working_hours": "hours and minutes, such as 1h, 90m or 1h30m",
        "calendar": "days, hours and minutes, such as 15m, 2h or 1d",
    }[clock]
    if raw is None or isinstance(raw, bool) or not isinstance(raw, str):
        raise _invalid(source, key, allowed)
    try:
        return parse_window(raw, clock)
    except ValueError:
        raise _invalid(source, key, allowed) from None


def _share(raw: Any, source: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not 0 < raw < 1:
        raise _invalid(source, "sla.at_risk_share", "a number between 0 and 1, such as 0.25")
    return float(raw)


def _important_types(raw: Any, source: str) -> frozenset[str] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise _invalid(source, "sla.important_types", "a list of record types, such as [client, collab, urgent]")
    return frozenset(raw)


def _check_keys(raw: Mapping[str, Any], allowed: tuple[str, ...], source: str, prefix: str) -> None:
    for key in raw:
        if key not in allowed:
            raise _invalid(source, f"{prefix}{key}", ", ".join(allowed))


def _invalid(source: str, key: str, allowed: str) -> ConfigError:
    return ConfigError("config.invalid", file=source, key=key, allowed=allowed)
