"""The SLA engine: the state of every SLA of a record at a moment.

States: ``pending`` (open, on track), ``at_risk`` (open, less than the policy's
at-risk share of its window left), ``overdue`` (open, deadline passed),
``met`` (met by the deadline) and ``met_late``. A window and the time left
are measured on the SLA's own clock: wall time on the calendar clock, working
time on the working clocks. Everything here is a pure function of the
records, the policy, the calendar and the moment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from commlog.core.calendar import BusinessCalendar
from commlog.core.deadlines import Deadline, Decision, decide, read_stored, settle, start_deadlines
from commlog.core.obligations import Obligation, read_facts, record_obligations
from commlog.core.policy import Policy
from commlog.core.schema import TypeSchema
from commlog.core.worktime import WorkingTimeIndex

__all__ = ["Evaluator", "RecordEvaluation", "RecordInput", "SlaItem", "evaluate", "start_deadlines"]

STATES = ("overdue", "at_risk", "pending", "met_late", "met")
OPEN_STATES = frozenset({"overdue", "at_risk", "pending"})


@dataclass(frozen=True)
class SlaItem:
    """The state of one SLA of one record at a moment.

    ``wall_left`` and ``working_left`` run from the moment of evaluation (or,
    for a met SLA, from when it was met) to the deadline, so they are negative
    when late. ``source`` is ``stored`` when the deadline comes from the
    record, ``computed`` when the current policy set it. ``stored_at`` is the
    stored deadline when a recomputation moved it.
    """

    sla: str
    state: str
    deadline: datetime
    start: datetime
    clock: str
    responsible: tuple[str, ...]
    wall_left: timedelta
    working_left: timedelta
    met_at: datetime | None = None
    name: str | None = None
    provisional_years: tuple[int, ...] = ()
    source: str = "stored"
    stored_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def breached_at(self) -> datetime | None:
        """Return when the deadline was breached, for an overdue or late SLA."""
        return self.deadline if self.state in ("overdue", "met_late") else None


@dataclass(frozen=True)
class RecordInput:
    """A record to evaluate: its front matter, its type's schema and a key the caller uses to find it."""

    key: Any
    meta: Mapping[str, Any]
    schema: TypeSchema


@dataclass(frozen=True)
class RecordEvaluation:
    """The SLAs of one record at a moment, and the fields that could not be read."""

    key: Any
    items: tuple[SlaItem, ...]
    problems: tuple[str, ...] = ()


class Evaluator:
    """Evaluates records against one policy and calendar at one moment."""

    def __init__(self, policy: Policy, calendar: BusinessCalendar, at: datetime, recompute: bool = False) -> None:
        self.policy = policy
        self.calendar = calendar
        self.at = at
        self.recompute = recompute
        self.worktime = WorkingTimeIndex(calendar)

    def record(self, meta: Mapping[str, Any], schema: TypeSchema) -> tuple[tuple[SlaItem, ...], tuple[str, ...]]:
        """Return the SLA items of one record and the keys of values that did not parse."""
        important = self.policy.is_important(schema.name, schema.important)
        facts = read_facts(meta, schema, self.calendar, important, as_of=self.at)
        if facts is None:
            return (), ()
        stored = read_stored(meta.get("deadlines"), self.calendar)
        items = []
        for obligation in record_obligations(facts):
            if obligation.start > self.at:
                continue
            kept = stored.find(obligation, facts.priority)
            decision, source, stored_at = self._decide(obligation, kept, facts.type_name, facts.priority)
            if isinstance(decision, Deadline):
                items.append(self._judge(obligation, decision, source, stored_at))
        return tuple(items), tuple(facts.problems + stored.problems)

    def _decide(
        self, obligation: Obligation, kept: Decision | None, type_name: str, priority: str
    ) -> tuple[Decision, str, datetime | None]:
        """Choose the stored deadline or compute one; return it, its source and a moved stored deadline."""
        if kept is not None and not self.recompute:
            return settle(kept, self.calendar), "stored", None
        rule = self.policy.rule(type_name, obligation.sla, priority)
        decision = decide(obligation, rule, self.calendar)
        stored_at = None
        if isinstance(kept, Deadline) and isinstance(decision, Deadline) and kept.at != decision.at:
            stored_at = kept.at
        return decision, "computed", stored_at

    def _judge(self, obligation: Obligation, deadline: Deadline, source: str, stored_at: datetime | None) -> SlaItem:
        """Return the state of an SLA with a known deadline at the evaluator's moment."""
        met_at = obligation.met_at
        reference = met_at if met_at is not None else self.at
        working_left = self.worktime.between(reference, deadline.at)
        if met_at is not None:
            state = "met" if met_at <= deadline.at else "met_late"
        elif self.at > deadline.at:
            state = "overdue"
        else:
            state = "at_risk" if self._at_risk(obligation.start, deadline, working_left) else "pending"
        return SlaItem(
            sla=obligation.sla,
            state=state,
            deadline=deadline.at,
            start=obligation.start,
            clock=deadline.clock,
            responsible=obligation.responsible,
            wall_left=deadline.at - reference,
            working_left=working_left,
            met_at=met_at,
            name=obligation.name,
            provisional_years=tuple(sorted(deadline.provisional)),
            source=source,
            stored_at=stored_at,
        )

    def _at_risk(self, start: datetime, deadline: Deadline, working_left: timedelta) -> bool:
        """Tell whether less than the at-risk share of the window from ``start`` to the deadline is left.

        A working clock measures working time. When its window contains no
        working time (a deadline set outside working hours), wall time is used.
        """
        share = self.policy.at_risk_share
        if deadline.clock != "calendar":
            window = self.worktime.between(start, deadline.at)
            if window > timedelta(0):
                return working_left < window * share
        window = deadline.at - start
        return deadline.at - self.at < window * share if window > timedelta(0) else True


def evaluate(
    records: Iterable[RecordInput],
    policy: Policy,
    calendar: BusinessCalendar,
    at: datetime,
    *,
    recompute: bool = False,
) -> list[RecordEvaluation]:
    """Evaluate every SLA of every record at ``at``.

    Stored deadlines are used unless ``recompute`` is true. Then the current
    policy sets every deadline, and ``SlaItem.stored_at`` shows a stored
    deadline that it moved.
    """
    evaluator = Evaluator(policy, calendar, at, recompute)
    results = []
    for record in records:
        items, problems = evaluator.record(record.meta, record.schema)
        results.append(RecordEvaluation(record.key, items, problems))
    return results

