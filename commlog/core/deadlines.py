"""SLA deadlines: computed from the policy when an SLA starts, and stored in the record.

A record keeps its deadlines under ``deadlines`` in the front matter, so that
a later change of policy does not re-judge it:

```yaml
deadlines:
  priority: normal              # the priority the deadlines were computed for
  ack:
    start: '2024-03-15T15:00:00+08:00'
    at: '2024-03-15T16:00:00+08:00'
    window: 1h
    clock: working_hours
    calendar: chinese_calendar 1.11.0   # holiday data used (working clocks only)
    provisional: [2027]                 # years without holiday data, if any
  feedback: false               # the policy gave this record no feedback deadline
  resolution: {due: '2024-03-16T12:00:00+08:00', at: '2024-03-16T12:00:00+08:00', clock: calendar}
  milestone:
  - {name: 初稿提交, due: '2024-05-20', at: '2024-05-20T18:00:00+08:00', clock: calendar}
```

A stored deadline is used while the event it started from is unchanged: the
same ``start`` (for ack, feedback, backfill and closeout) or the same ``due``
(for resolution and milestones), and the same priority. Otherwise, and for an
SLA without a stored deadline, the current policy applies. A deadline computed
without holiday data for a year is recomputed from its own start, window and
clock once the calendar covers that year.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from commlog.core.calendar import CLOCKS, BusinessCalendar
from commlog.core.obligations import Obligation, read_facts, record_obligations, stored_moment
from commlog.core.policy import DUE_SLAS, SLA_NAMES, Policy, Rule, parse_window
from commlog.core.schema import TypeSchema
from commlog.core.timeparse import format_datetime


@dataclass(slots=True)
class Deadline:
    """The deadline of one SLA: when it falls, how it was computed, and which years it guessed."""

    sla: str
    at: datetime
    clock: str
    start: datetime | None = None
    window: str = ""
    calendar: str | None = None
    provisional: frozenset[int] = frozenset()
    name: str | None = None
    due_text: str | None = None


@dataclass(slots=True)
class Off:
    """An SLA that the policy gave the record no deadline for."""

    sla: str


Decision = Deadline | Off


@dataclass
class StoredDeadlines:
    """The ``deadlines`` mapping of a record, read back; entries that do not parse are left out."""

    priority: str | None = None
    entries: dict[str, Decision] = field(default_factory=dict)
    milestones: list[Deadline] | Off | None = None
    problems: list[str] = field(default_factory=list)

    def find(self, obligation: Obligation, priority: str) -> Decision | None:
        """Return the stored decision for ``obligation`` if its start, due and priority still match."""
        entry = self._entry(obligation)
        if entry is None:
            return None
        if (isinstance(entry, Off) or obligation.sla not in DUE_SLAS) and self.priority != priority:
            return None
        if isinstance(entry, Off):
            return entry
        if obligation.sla in DUE_SLAS:
            return entry if entry.due_text == obligation.due_text else None
        return entry if entry.start == obligation.start else None

    def _entry(self, obligation: Obligation) -> Decision | None:
        if obligation.sla != "milestone":
            return self.entries.get(obligation.sla)
        if isinstance(self.milestones, Off):
            return self.milestones
        for entry in self.milestones or ():
            if entry.name == obligation.name and entry.due_text == obligation.due_text:
                return entry
        return None


def start_deadlines(
    meta: Mapping[str, Any],
    schema: TypeSchema,
    policy: Policy,
    calendar: BusinessCalendar,
) -> dict[str, Any]:
    """Return the ``deadlines`` mapping to store in a record, for every SLA that has started.

    Call it whenever a change may start an SLA or move its starting event:
    when a record is created, a draft is published (``sent_at`` is set), the
    record completes, or its priority, ``due`` or milestones change. Stored
    deadlines whose event is unchanged are kept as they are.
    """
    facts = read_facts(meta, schema, calendar, policy.is_important(schema.name, schema.important))
    if facts is None:
        return dict(meta.get("deadlines") or {})
    stored = read_stored(meta.get("deadlines"), calendar)
    decisions = []
    for obligation in record_obligations(facts):
        kept = stored.find(obligation, facts.priority)
        if kept is None:
            decisions.append(decide(obligation, policy.rule(facts.type_name, obligation.sla, facts.priority), calendar))
        else:
            decisions.append(settle(kept, calendar))
    return deadlines_mapping(facts.priority, decisions)


def decide(obligation: Obligation, rule: Rule | None, calendar: BusinessCalendar) -> Decision:
    """Compute the deadline of ``obligation`` under ``rule``; Off when the rule is None."""
    if rule is None:
        return Off(obligation.sla)
    if obligation.due is not None:
        return Deadline(
            obligation.sla, obligation.due, rule.clock, name=obligation.name, due_text=obligation.due_text
        )
    assert rule.window is not None, "parse_policy gives every window SLA a window"
    return _add(obligation.sla, obligation.start, rule.window, rule.clock, rule.text, calendar)


def settle(decision: Decision, calendar: BusinessCalendar) -> Decision:
    """Recompute a provisional deadline when the calendar now has holiday data for its years."""
    if isinstance(decision, Off) or not decision.provisional & calendar.covered_years:
        return decision
    if decision.start is None:
        return decision
    try:
        window = parse_window(decision.window, decision.clock)
    except ValueError:
        return decision
    return _add(decision.sla, decision.start, window, decision.clock, decision.window, calendar)


def _add(
    sla: str, start: datetime, window: Any, clock: str, text: str, calendar: BusinessCalendar
) -> Deadline:
    result = calendar.add(start, window, clock)
    version = calendar.data_version if clock != "calendar" else None
    return Deadline(sla, result.at, clock, start, text, version, result.provisional_years)


def deadlines_mapping(priority: str, decisions: Iterable[Decision]) -> dict[str, Any]:
    """Return the ``deadlines`` front-matter mapping of ``decisions``, SLAs in their stable order."""
    by_sla: dict[str, Any] = {}
    milestones: list[dict[str, Any]] = []
    milestones_off = False
    for decision in decisions:
        if decision.sla == "milestone":
            if isinstance(decision, Off):
                milestones_off = True
            else:
                milestones.append(_entry_mapping(decision))
        else:
            by_sla[decision.sla] = False if isinstance(decision, Off) else _entry_mapping(decision)
    if milestones_off:
        by_sla["milestone"] = False
    elif milestones:
        by_sla["milestone"] = milestones
    mapping: dict[str, Any] = {"priority": priority}
    mapping.update((sla, by_sla[sla]) for sla in SLA_NAMES if sla in by_sla)
    return mapping


def _entry_mapping(deadline: Deadline) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    if deadline.name is not None:
        entry["name"] = deadline.name
    if deadline.due_text is not None:
        entry["due"] = deadline.due_text
    if deadline.start is not None:
        entry["start"] = format_datetime(deadline.start)
    entry["at"] = format_datetime(deadline.at)
    if deadline.window:
        entry["window"] = deadline.window
    entry["clock"] = deadline.clock
    if deadline.calendar:
        entry["calendar"] = deadline.calendar
    if deadline.provisional:
        entry["provisional"] = sorted(deadline.provisional)
    return entry


def read_stored(raw: Any, calendar: BusinessCalendar) -> StoredDeadlines:
    """Read a record's ``deadlines`` mapping; a malformed entry is noted and left out."""
    stored = StoredDeadlines()
    if not isinstance(raw, Mapping):
        return stored
    stored.priority = str(raw["priority"]) if raw.get("priority") else None
    for sla in SLA_NAMES:
        value = raw.get(sla)
        if value is None:
            continue
        if sla == "milestone":
            stored.milestones = Off(sla) if value is False else _read_milestones(value, calendar, stored)
        elif value is False:
            stored.entries[sla] = Off(sla)
        else:
            entry = _read_entry(sla, value, calendar, stored, f"deadlines.{sla}")
            if entry is not None:
                stored.entries[sla] = entry
    return stored


def _read_milestones(raw: Any, calendar: BusinessCalendar, stored: StoredDeadlines) -> list[Deadline]:
    if not isinstance(raw, list):
        stored.problems.append("deadlines.milestone")
        return []
    entries = []
    for index, item in enumerate(raw):
        entry = _read_entry("milestone", item, calendar, stored, f"deadlines.milestone[{index}]")
        if entry is not None:
            entries.append(entry)
    return entries


def _read_entry(sla: str, raw: Any, calendar: BusinessCalendar, stored: StoredDeadlines, key: str) -> Deadline | None:
    """Read one stored deadline; note ``key`` as a problem and return None when it is malformed."""
    try:
        if not isinstance(raw, Mapping) or raw.get("clock") not in CLOCKS:
            raise ValueError(key)
        zone = calendar.timezone
        start = stored_moment(raw["start"], zone) if raw.get("start") else None
        provisional = frozenset(int(year) for year in raw.get("provisional") or ())
        return Deadline(
            sla=sla,
            at=stored_moment(raw["at"], zone),
            clock=str(raw["clock"]),
            start=start,
            window=str(raw.get("window") or ""),
            calendar=str(raw["calendar"]) if raw.get("calendar") else None,
            provisional=provisional,
            name=str(raw["name"]) if raw.get("name") is not None else None,
            due_text=str(raw["due"]) if raw.get("due") is not None else None,
        )
    except (KeyError, TypeError, ValueError):
        stored.problems.append(key)
        return None
