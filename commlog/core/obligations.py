"""The SLAs a record has, read from its front matter: when each started and when it was met.

This module reads events from a record. Windows and clocks are added by
:mod:`commlog.core.deadlines`.

| SLA        | starts at                  | deadline                          | met by                          |
| ---------- | -------------------------- | --------------------------------- | ------------------------------- |
| ack        | ``sent_at``                | policy window                     | an ack from every recipient     |
| feedback   | ``sent_at``                | policy window                     | first feedback from a recipient |
| backfill   | ``occurred_at``            | policy window                     | ``created_at``                  |
| resolution | ``sent_at``                | ``due``, else the last milestone  | a final state                   |
| milestone  | ``sent_at``                | the milestone's ``due``           | the milestone's ``done_at``     |
| closeout   | the resolution deadline, or completion if sooner | policy window | a final state          |

Only important records have a closeout SLA. A record in a final state has no
open SLA: every SLA not met before counts as met when the final state was
reached, in time or late.

Events are read *as of* a moment: an ack, a status change or a record created
after it has not happened yet. A stored datetime that does not parse is
listed in ``RecordFacts.problems`` instead of being guessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from commlog.core.calendar import BusinessCalendar
from commlog.core.schema import TypeSchema
from commlog.core.timeparse import load_datetime


@dataclass(slots=True)
class Obligation:
    """One SLA of a record, from the record's current data.

    ``start`` is the event that started it. For the resolution and milestone
    SLAs, whose deadline is the record's own ``due``, it is when the record
    was sent, and it only serves to measure the share of the window left.
    ``due_text`` is the due as stored, which a stored deadline must match.
    """

    sla: str
    start: datetime
    met_at: datetime | None
    responsible: tuple[str, ...]
    due: datetime | None = None
    due_text: str | None = None
    name: str | None = None


@dataclass(slots=True)
class Milestone:
    """A milestone of a collaboration: its name, due date and when it was done."""

    name: str
    due_text: str
    due: datetime
    done_at: datetime | None


@dataclass
class RecordFacts:
    """The events of a record that SLAs depend on, as of one moment, in the calendar's time zone."""

    type_name: str
    priority: str
    important: bool
    status: str
    created: datetime
    sent: datetime | None = None
    occurred: datetime | None = None
    recipients: tuple[str, ...] = ()
    lead: str | None = None
    creator: str | None = None
    first_acks: dict[str, datetime] = field(default_factory=dict)
    feedback: list[tuple[str, datetime]] = field(default_factory=list)
    final_at: datetime | None = None
    completed_at: datetime | None = None
    due: datetime | None = None
    due_text: str | None = None
    milestones: list[Milestone] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def owners(self) -> tuple[str, ...]:
        """Return who drives the record forward: the lead, else every recipient."""
        return (self.lead,) if self.lead else self.recipients


class _Reader:
    """Reads datetimes from one record's front matter, noting every value that does not parse."""

    def __init__(self, calendar: BusinessCalendar, as_of: datetime | None) -> None:
        self.calendar = calendar
        self.zone = calendar.timezone
        self.as_of = as_of
        self.problems: list[str] = []

    def moment(self, value: Any, key: str) -> datetime | None:
        """Return a stored datetime, or None when it is absent or does not parse (noted as a problem)."""
        if value is None or value == "":
            return None
        try:
            return stored_moment(value, self.zone)
        except (TypeError, ValueError):
            self.problems.append(key)
            return None

    def happened(self, moment: datetime | None) -> bool:
        return moment is not None and (self.as_of is None or moment <= self.as_of)

    def due_of_day(self, value: Any, key: str) -> tuple[str, datetime] | None:
        """Return a milestone due (a date) as the end of that day's last working period."""
        if isinstance(value, datetime):
            return str(value), self.moment(value, key) or value
        try:
            day = value if isinstance(value, date) else date.fromisoformat(str(value).strip())
        except ValueError:
            self.problems.append(key)
            return None
        closing = self.calendar.periods[-1][1]
        return str(value), datetime.combine(day, closing, tzinfo=self.zone)


def stored_moment(value: Any, zone: tzinfo) -> datetime:
    """Read a stored datetime as an aware datetime, keeping the offset it was stored with.

    The stored form (ISO 8601 with offset) takes the fast path. Any other
    value goes through :func:`commlog.core.timeparse.load_datetime`, which
    raises ValueError when it is not a date or time.
    """
    if type(value) is str:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return load_datetime(value, zone)
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
    return load_datetime(value, zone)


def read_facts(
    meta: Mapping[str, Any],
    schema: TypeSchema,
    calendar: BusinessCalendar,
    important_default: bool,
    as_of: datetime | None = None,
) -> RecordFacts | None:
    """Read the SLA events of a record as of ``as_of`` (None: everything stored).

    Returns None when the record did not exist yet at ``as_of``, or has no
    valid ``created_at``.
    """
    reader = _Reader(calendar, as_of)
    created = reader.moment(meta.get("created_at"), "created_at")
    if created is None or not reader.happened(created):
        return None

    important = meta.get("important")
    facts = RecordFacts(
        type_name=str(meta.get("type", schema.name)),
        priority="urgent" if meta.get("priority") == "urgent" else "normal",
        important=important if isinstance(important, bool) else important_default,
        status=str(meta.get("status", "")),
        created=created,
        recipients=_names(meta.get("recipients")),
        lead=str(meta["lead"]) if meta.get("lead") else None,
        creator=_creator(meta.get("history")),
    )
    sent = reader.moment(meta.get("sent_at"), "sent_at")
    facts.sent = sent if reader.happened(sent) else None
    occurred = reader.moment(meta.get("occurred_at"), "occurred_at")
    facts.occurred = occurred if reader.happened(occurred) else None
    _read_events(facts, meta, reader)
    _read_state(facts, meta, schema, reader)
    _read_dues(facts, meta, reader)
    facts.problems = reader.problems
    return facts


def _names(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        items = value
    else:
        items = [value] if value else []
    names: list[str] = []
    for item in items:
        if item is not None and str(item) not in names:
            names.append(str(item))
    return tuple(names)


def _creator(history: Any) -> str | None:
    for event in history if isinstance(history, list) else ():
        if isinstance(event, dict) and event.get("action") == "new" and event.get("by"):
            return str(event["by"])
    return None


def _entries(value: Any) -> Iterable[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _read_events(facts: RecordFacts, meta: Mapping[str, Any], reader: _Reader) -> None:
    """Read acks (the first per person) and feedback entries that happened as of the reader's moment."""
    for index, ack in enumerate(_entries(meta.get("acks"))):
        moment = reader.moment(ack.get("at"), f"acks[{index}].at")
        person = str(ack.get("by", ""))
        if reader.happened(moment) and person:
            assert moment is not None
            previous = facts.first_acks.get(person)
            facts.first_acks[person] = moment if previous is None else min(previous, moment)
    for index, entry in enumerate(_entries(meta.get("feedback"))):
        moment = reader.moment(entry.get("at"), f"feedback[{index}].at")
        if reader.happened(moment):
            assert moment is not None
            facts.feedback.append((str(entry.get("by", "")), moment))


def _read_state(facts: RecordFacts, meta: Mapping[str, Any], schema: TypeSchema, reader: _Reader) -> None:
    """Set the status as of the reader's moment and when the record became final or completed."""
    lifecycle = schema.lifecycle
    changes = _status_changes(meta.get("history"), reader)
    current = facts.status
    if reader.as_of is not None and changes and changes[-1][0] > reader.as_of:
        past = [change for change in changes if change[0] <= reader.as_of]
        current = past[-1][1] if past else lifecycle.initial
    facts.status = current

    if current in lifecycle.final:
        facts.final_at = _entered(changes, lifecycle.final, meta, "closed_at", reader) or facts.created
    if current in lifecycle.final or current in lifecycle.completed:
        completed = lifecycle.completed | lifecycle.final
        facts.completed_at = _entered(changes, completed, meta, "completed_at", reader) or facts.final_at


def _status_changes(history: Any, reader: _Reader) -> list[tuple[datetime, str]]:
    """Return (moment, new status) of every history event that set a status, oldest first."""
    changes = []
    for index, event in enumerate(_entries(history)):
        if event.get("to") is None:
            continue
        moment = reader.moment(event.get("at"), f"history[{index}].at")
        if moment is not None:
            changes.append((moment, str(event["to"])))
    changes.sort(key=lambda change: change[0])
    return changes


def _entered(
    changes: list[tuple[datetime, str]],
    states: frozenset[str],
    meta: Mapping[str, Any],
    key: str,
    reader: _Reader,
) -> datetime | None:
    """Return when the record entered ``states`` and stayed in them up to the reader's moment.

    The history decides; the time stored under ``key`` is the fallback for a
    record whose history does not show the status change.
    """
    entered = None
    for when, state in reversed([change for change in changes if reader.happened(change[0])]):
        if state not in states:
            break
        entered = when
    if entered is not None:
        return entered
    moment = reader.moment(meta.get(key), key)
    return moment if reader.happened(moment) else None


def _read_dues(facts: RecordFacts, meta: Mapping[str, Any], reader: _Reader) -> None:
    """Read the record's own due and its milestones."""
    if meta.get("due") not in (None, ""):
        facts.due = reader.moment(meta["due"], "due")
        facts.due_text = str(meta["due"]) if facts.due else None
    for index, item in enumerate(_entries(meta.get("milestones"))):
        due = reader.due_of_day(item.get("due"), f"milestones[{index}].due")
        if due is None:
            continue
        done_at = reader.moment(item.get("done_at"), f"milestones[{index}].done_at")
        name = str(item.get("name", index + 1))
        facts.milestones.append(Milestone(name, due[0], due[1], done_at if reader.happened(done_at) else None))


def record_obligations(facts: RecordFacts) -> list[Obligation]:
    """Return every SLA whose starting event is in the record, including SLAs the policy turns off."""
    obligations = [*_ack(facts), *_feedback(facts), *_backfill(facts)]
    obligations += [*_resolution(facts), *_milestones(facts), *_closeout(facts)]
    if facts.final_at is None:
        return obligations
    return [_closed_by_final_state(obligation, facts.final_at) for obligation in obligations]


def _closed_by_final_state(obligation: Obligation, final_at: datetime) -> Obligation:
    if obligation.met_at is not None:
        return obligation
    return Obligation(
        obligation.sla, obligation.start, final_at, obligation.responsible,
        obligation.due, obligation.due_text, obligation.name,
    )


def _ack(facts: RecordFacts) -> list[Obligation]:
    if facts.sent is None or not facts.recipients:
        return []
    waiting = tuple(name for name in facts.recipients if name not in facts.first_acks)
    met_at = None if waiting else max(facts.first_acks[name] for name in facts.recipients)
    return [Obligation("ack", facts.sent, met_at, waiting or facts.recipients)]


def _feedback(facts: RecordFacts) -> list[Obligation]:
    if facts.sent is None or not facts.recipients:
        return []
    answers = [moment for person, moment in facts.feedback if person in facts.recipients]
    return [Obligation("feedback", facts.sent, min(answers) if answers else None, facts.owners)]


def _backfill(facts: RecordFacts) -> list[Obligation]:
    if facts.occurred is None:
        return []
    responsible = (facts.creator,) if facts.creator else facts.owners
    return [Obligation("backfill", facts.occurred, facts.created, responsible)]


def _resolution_due(facts: RecordFacts) -> tuple[datetime, str] | None:
    """Return the record's resolution due: its ``due``, else its last milestone's due."""
    if facts.due is not None and facts.due_text is not None:
        return facts.due, facts.due_text
    if facts.milestones:
        last = max(facts.milestones, key=lambda milestone: milestone.due)
        return last.due, last.due_text
    return None


def _opened(facts: RecordFacts) -> datetime:
    return facts.sent or facts.created


def _resolution(facts: RecordFacts) -> list[Obligation]:
    due = _resolution_due(facts)
    if due is None:
        return []
    return [Obligation("resolution", _opened(facts), None, facts.owners, due=due[0], due_text=due[1])]


def _milestones(facts: RecordFacts) -> list[Obligation]:
    return [
        Obligation(
            "milestone", _opened(facts), milestone.done_at, facts.owners,
            due=milestone.due, due_text=milestone.due_text, name=milestone.name,
        )
        for milestone in facts.milestones
    ]


def _closeout(facts: RecordFacts) -> list[Obligation]:
    """Return the closeout SLA of an important record once its due or its completion has come."""
    if not facts.important:
        return []
    candidates = [moment for moment in (facts.completed_at,) if moment is not None]
    due = _resolution_due(facts)
    if due is not None:
        candidates.append(due[0])
    if not candidates:
        return []
    responsible = tuple(dict.fromkeys((*facts.owners, *((facts.creator,) if facts.creator else ()))))
    return [Obligation("closeout", min(candidates), None, responsible)]
