"""The monthly review: volumes, response times, repeat topics, open and overdue work.

A record belongs to a period when its ``created_at`` falls inside it. Open
work (the longest-open records) is judged at ``at``, over every record
created before the period ends, because an old record still open is exactly
what a review should see.

Response times are working time on the configured business calendar, from
``sent_at`` (``created_at`` when missing):

- acknowledge: until the last of the recipients acknowledged; records still
  missing an acknowledgement are left out;
- first feedback: until the earliest feedback entry;
- resolution: until ``completed_at``, else ``closed_at``, else the first
  history event that moved the record into a completed or final state.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

from commlog.core.calendar import BusinessCalendar
from commlog.core.policy import SLA_NAMES
from commlog.core.sla import STATES as SLA_STATES
from commlog.core.sla import Evaluator, SlaItem
from commlog.core.periods import Period, previous_period
from commlog.core.schema import TypeSchema
from commlog.core.stats import count_by, median, normalise_title, percentile, similar_groups
from commlog.core.timeparse import load_datetime
from commlog.core.validate import is_empty
from commlog.errors import InputError
from commlog.services.deadlines import load_calendar, load_policy
from commlog.services.query import ListedRecord, ListFilters, Unreadable, list_records, values_of_kind
from commlog.services.workspace import Workspace

TIMINGS = ("ack", "feedback", "resolution")
# Fields that commlog fills in itself or that are needed only in some cases, so
# an empty value there reveals nothing about the template.
AUTOMATIC_FIELDS = frozenset({"priority", "important", "created_at", "sent_at", "recipients", "lead", "status"})
LONGEST_OPEN_LIMIT = 10
REPORTS_DIR = "reports"

Labels = Mapping[str, str]


@dataclass(frozen=True)
class ReportRequest:
    """The period to review, the moment open work is judged at, and the title similarity threshold."""

    period: Period
    at: datetime
    similarity: float = 0.5


@dataclass(frozen=True)
class GroupCount:
    """The number of records of one group in the period and in the period before."""

    key: str
    labels: Labels
    count: int
    previous: int = 0


@dataclass(frozen=True)
class Timing:
    """Median and 90th percentile of one response time, over ``count`` records."""

    name: str
    count: int
    median: timedelta | None
    p90: timedelta | None


@dataclass(frozen=True)
class RecordRef:
    """A record as the review lists it: ID, title, type, path."""

    id: str
    title: str
    type: str
    type_labels: Labels
    path: str


@dataclass(frozen=True)
class TopicGroup:
    """Records whose titles are alike, or that concern the same client."""

    kind: str
    name: str
    records: tuple[RecordRef, ...]


@dataclass(frozen=True)
class OpenRecord:
    """A record not yet completed at the review moment, and for how long it has been open."""

    record: RecordRef
    status_labels: Labels
    created_at: datetime
    open_for: timedelta
    open_working: timedelta


@dataclass(frozen=True)
class FieldTally:
    """How often a field of a type was left empty, or changed after creation, out of ``total`` records."""

    type: str
    type_labels: Labels
    field: str
    field_labels: Labels
    count: int
    total: int


@dataclass(frozen=True)
class SlaTally:
    """Attainment of the SLAs of one name and record type, counted by state (met, met_late, overdue…)."""

    sla: str
    type: str
    type_labels: Labels
    states: Mapping[str, int]

    @property
    def total(self) -> int:
        return sum(self.states.values())


@dataclass(frozen=True)
class OverdueItem:
    """An SLA whose deadline has passed unmet at the review moment, and who must act."""

    record: RecordRef
    sla: str
    name: str | None
    deadline: datetime
    late: timedelta
    late_working: timedelta
    responsible: tuple[str, ...]


@dataclass
class ReportResult:
    """Every figure of the review of one period."""

    period: Period
    previous: Period
    at: datetime
    total: int
    previous_total: int
    by_type: list[GroupCount]
    by_category: list[GroupCount]
    by_channel: list[GroupCount]
    by_requesting: list[GroupCount]
    by_receiving: list[GroupCount]
    daily: list[tuple[date, int]]
    timings: list[Timing]
    repeat_topics: list[TopicGroup]
    repeat_clients: list[TopicGroup]
    longest_open: list[OpenRecord]
    open_total: int
    empty_fields: list[FieldTally]
    changed_fields: list[FieldTally]
    unreadable: list[Unreadable]
    calendar_version: str
    sla: list[SlaTally] = field(default_factory=list)
    overdue: list[OverdueItem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Return the figures as plain JSON values: keys, counts, ISO times and durations in seconds."""
        return {
            "period": _period_dict(self.period),
            "previous": _period_dict(self.previous),
            "at": self.at.isoformat(),
            "total": self.total,
            "previous_total": self.previous_total,
            "volume": {name: [_group_dict(group) for group in groups] for name, groups in (
                ("type", self.by_type), ("category", self.by_category), ("channel", self.by_channel),
                ("requesting_department", self.by_requesting), ("receiving_department", self.by_receiving))},
            "daily": [{"date": day.isoformat(), "count": count} for day, count in self.daily],
            "timings": [_timing_dict(timing) for timing in self.timings],
            "repeat_topics": [_topic_dict(group) for group in self.repeat_topics],
            "repeat_clients": [_topic_dict(group) for group in self.repeat_clients],
            "open_total": self.open_total,
            "longest_open": [_open_dict(item) for item in self.longest_open],
            "empty_fields": [_tally_dict(tally) for tally in self.empty_fields],
            "changed_fields": [_tally_dict(tally) for tally in self.changed_fields],
            "unreadable": [item.path for item in self.unreadable],
            "calendar": self.calendar_version,
            "sla": [_sla_dict(tally) for tally in self.sla],
            "overdue": [_overdue_dict(item) for item in self.overdue],
        }


def _seconds(span: timedelta | None) -> int | None:
    return None if span is None else int(span.total_seconds())


def _period_dict(period: Period) -> dict[str, Any]:
    return {"label": period.label, "start": period.start.isoformat(), "end": period.end.isoformat()}


def _group_dict(group: GroupCount) -> dict[str, Any]:
    return {"key": group.key, "count": group.count, "previous": group.previous}


def _timing_dict(timing: Timing) -> dict[str, Any]:
    return {"name": timing.name, "count": timing.count, "median_seconds": _seconds(timing.median),
            "p90_seconds": _seconds(timing.p90)}


def _topic_dict(group: TopicGroup) -> dict[str, Any]:
    return {"name": group.name, "ids": [ref.id for ref in group.records]}


def _open_dict(item: OpenRecord) -> dict[str, Any]:
    return {"id": item.record.id, "created_at": item.created_at.isoformat(),
            "open_seconds": _seconds(item.open_for), "open_working_seconds": _seconds(item.open_working)}


def _tally_dict(tally: FieldTally) -> dict[str, Any]:
    return {"type": tally.type, "field": tally.field, "count": tally.count, "total": tally.total}


def _sla_dict(tally: SlaTally) -> dict[str, Any]:
    return {"sla": tally.sla, "type": tally.type, **{state: tally.states.get(state, 0) for state in SLA_STATES}}


def _overdue_dict(item: OverdueItem) -> dict[str, Any]:
    return {"id": item.record.id, "sla": item.sla, "name": item.name, "deadline": item.deadline.isoformat(),
            "late_seconds": _seconds(item.late), "late_working_seconds": _seconds(item.late_working),
            "responsible": list(item.responsible)}


@dataclass(frozen=True)
class Scanned:
    """A readable record with its schema and parsed creation time."""

    listed: ListedRecord
    schema: TypeSchema
    created: datetime

    @property
    def meta(self) -> dict[str, Any]:
        return self.listed.record.meta


def build_report(
    workspace: Workspace,
    request: ReportRequest,
    progress: Callable[[int, int], None] | None = None,
) -> ReportResult:
    """Scan every record and compute the review of ``request.period``."""
    calendar = load_calendar(workspace.config)
    listed, unreadable = list_records(workspace, ListFilters(), progress)
    scanned = _scan(workspace, listed)
    period, previous = request.period, previous_period(request.period)
    current = [item for item in scanned if period.contains(item.created)]
    before = [item for item in scanned if previous.contains(item.created)]
    open_items = _open_records(scanned, period, request.at, calendar)
    evaluated = _evaluate(workspace, scanned, request.at, calendar)

    return ReportResult(
        period=period,
        previous=previous,
        at=request.at,
        total=len(current),
        previous_total=len(before),
        by_type=_by_type(current, before),
        by_category=_by_category(current, before),
        by_channel=_by_channel(current, before),
        by_requesting=_grouped(current, before, lambda item: _departments(item)[0]),
        by_receiving=_grouped(current, before, lambda item: _departments(item)[1]),
        daily=_daily(current, period),
        timings=[_timing(name, current, calendar, workspace) for name in TIMINGS],
        repeat_topics=_repeat_topics(current, request.similarity),
        repeat_clients=_repeat_clients(current),
        longest_open=open_items[:LONGEST_OPEN_LIMIT],
        open_total=len(open_items),
        empty_fields=_empty_fields(current),
        changed_fields=_changed_fields(current),
        unreadable=unreadable,
        calendar_version=calendar.data_version,
        sla=_sla_tallies([(item, slas) for item, slas in evaluated if period.contains(item.created)]),
        overdue=_overdue(evaluated),
    )


def _evaluate(
    workspace: Workspace, scanned: Sequence[Scanned], at: datetime, calendar: BusinessCalendar
) -> list[tuple[Scanned, tuple[SlaItem, ...]]]:
    """Evaluate every SLA of every record at ``at`` with the SLA engine."""
    evaluator = Evaluator(load_policy(workspace.config), calendar, at)
    return [(item, evaluator.record(item.meta, item.schema)[0]) for item in scanned if item.created <= at]


def _sla_tallies(evaluated: Sequence[tuple[Scanned, tuple[SlaItem, ...]]]) -> list[SlaTally]:
    """Count the states of the SLAs of the period's records, per SLA name and type."""
    counts: dict[tuple[str, str], Counter[str]] = {}
    schemas: dict[str, TypeSchema] = {}
    for item, slas in evaluated:
        schemas[item.schema.name] = item.schema
        for sla in slas:
            counts.setdefault((sla.sla, item.schema.name), Counter())[sla.state] += 1
    order = {name: index for index, name in enumerate(SLA_NAMES)}
    ordered = sorted(counts.items(), key=lambda pair: (order.get(pair[0][0], len(order)), pair[0][1]))
    return [SlaTally(sla, type_name, schemas[type_name].labels, dict(states)) for (sla, type_name), states in ordered]


def _overdue(evaluated: Sequence[tuple[Scanned, tuple[SlaItem, ...]]]) -> list[OverdueItem]:
    """List every overdue SLA at the review moment, the longest overdue first."""
    found = [
        OverdueItem(_ref(item), sla.sla, sla.name, sla.deadline, -sla.wall_left, -sla.working_left, sla.responsible)
        for item, slas in evaluated for sla in slas if sla.state == "overdue"
    ]
    return sorted(found, key=lambda overdue: (overdue.deadline, overdue.record.id, overdue.sla))


def _scan(workspace: Workspace, listed: Iterable[ListedRecord]) -> list[Scanned]:
    """Keep the records with a known type and a readable ``created_at``."""
    scanned = []
    for item in listed:
        raw = item.record.meta.get("created_at")
        if item.schema is None or not raw:
            continue
        try:
            created = load_datetime(raw, workspace.zone)
        except ValueError:
            continue
        scanned.append(Scanned(item, item.schema, created))
    return scanned


def _ref(item: Scanned) -> RecordRef:
    record = item.listed.record
    return RecordRef(record.id, record.title, record.type, item.schema.labels, item.listed.path)


def _grouped(
    current: Sequence[Scanned],
    before: Sequence[Scanned],
    keys: Callable[[Scanned], Iterable[str]],
    labels: Callable[[str], Labels] | None = None,
) -> list[GroupCount]:
    previous = dict(count_by(before, keys))
    groups = [GroupCount(str(key), labels(str(key)) if labels else {}, count, previous.get(key, 0))
              for key, count in count_by(current, keys)]
    shown = {group.key for group in groups}
    groups.extend(GroupCount(str(key), labels(str(key)) if labels else {}, 0, count)
                  for key, count in previous.items() if key not in shown)
    return groups


def _by_type(current: Sequence[Scanned], before: Sequence[Scanned]) -> list[GroupCount]:
    schemas = {item.schema.name: item.schema for item in (*current, *before)}
    return _grouped(current, before, lambda item: [item.schema.name], lambda key: schemas[key].labels)


def _category_key(item: Scanned) -> list[str]:
    value = item.meta.get("category")
    return [f"{item.schema.name}/{value}"] if item.schema.field("category") and value else []


def _by_category(current: Sequence[Scanned], before: Sequence[Scanned]) -> list[GroupCount]:
    """Count records per (type, category), for the types whose schema has a ``category`` field."""
    schemas = {item.schema.name: item.schema for item in (*current, *before)}

    def labels(key: str) -> Labels:
        type_name, _, value = key.partition("/")
        spec = schemas[type_name].field("category")
        choice = spec.choice(value) if spec else None
        return dict(choice.labels) if choice else {}

    return _grouped(current, before, _category_key, labels)


def _channels(item: Scanned) -> list[str]:
    value = item.meta.get("channel")
    return [str(value)] if value else []


def _by_channel(current: Sequence[Scanned], before: Sequence[Scanned]) -> list[GroupCount]:
    """Count records per channel, labelled by the channel enumeration of their schemas."""
    labels: dict[str, Labels] = {}
    for item in (*current, *before):
        spec = item.schema.field("channel")
        choice = spec.choice(str(item.meta.get("channel", ""))) if spec else None
        if choice is not None:
            labels.setdefault(choice.key, dict(choice.labels))
    return _grouped(current, before, _channels, lambda key: labels.get(key, {}))


def _departments(item: Scanned) -> tuple[list[str], list[str]]:
    """Return the requesting departments (single department fields) and the receiving ones (in lists)."""
    requesting: list[str] = []
    receiving: list[str] = []
    for spec in item.schema.fields:
        value = item.meta.get(spec.key)
        if spec.kind == "department" and not is_empty(value):
            requesting.append(str(value))
        elif spec.kind in ("list", "object"):
            receiving.extend(values_of_kind(spec, value, ("department",)))
    return requesting, receiving


def _daily(current: Sequence[Scanned], period: Period) -> list[tuple[date, int]]:
    counts = Counter(item.created.date() for item in current)
    return [(day, counts.get(day, 0)) for day in period.days]


def _moment(value: Any, workspace: Workspace) -> datetime | None:
    if not value:
        return None
    try:
        return load_datetime(value, workspace.zone)
    except (TypeError, ValueError):
        return None


def _event_times(events: Any, workspace: Workspace, people: set[str] | None = None) -> list[tuple[str, datetime]]:
    found = []
    for event in events or ():
        if not isinstance(event, dict):
            continue
        moment = _moment(event.get("at"), workspace)
        by = str(event.get("by", ""))
        if moment is not None and (people is None or by in people):
            found.append((by, moment))
    return found


def _timing_end(name: str, item: Scanned, workspace: Workspace) -> datetime | None:
    """Return the moment one response time ends for a record, or None when it has not ended."""
    meta = item.meta
    if name == "ack":
        recipients = {str(person) for person in meta.get("recipients") or ()}
        acks = _event_times(meta.get("acks"), workspace, recipients)
        if not recipients or {by for by, _ in acks} != recipients:
            return None
        return max(moment for _, moment in acks)
    if name == "feedback":
        moments = [moment for _, moment in _event_times(meta.get("feedback"), workspace)]
        return min(moments) if moments else None
    return completion_moment(item.schema, meta, workspace)


def completion_moment(schema: TypeSchema, meta: Mapping[str, Any], workspace: Workspace) -> datetime | None:
    """Return when a record was completed: completed_at, closed_at, or the history event that did it."""
    for key in ("completed_at", "closed_at"):
        moment = _moment(meta.get(key), workspace)
        if moment is not None:
            return moment
    done = schema.lifecycle.completed | schema.lifecycle.final
    if meta.get("status") not in done:
        return None
    for event in meta.get("history") or ():
        if isinstance(event, dict) and event.get("to") in done:
            return _moment(event.get("at"), workspace)
    return None


def _timing(name: str, current: Sequence[Scanned], calendar: BusinessCalendar, workspace: Workspace) -> Timing:
    spans = []
    for item in current:
        start = _moment(item.meta.get("sent_at"), workspace) or item.created
        end = _timing_end(name, item, workspace)
        if end is not None:
            spans.append(max(calendar.working_time_between(start, end), timedelta(0)))
    return Timing(name, len(spans), median(spans), percentile(spans, 0.9))


def _repeat_topics(current: Sequence[Scanned], threshold: float) -> list[TopicGroup]:
    ordered = sorted(current, key=lambda item: (item.created, item.listed.record.id))
    groups = similar_groups([item.listed.record.title for item in ordered], threshold)
    topics = []
    for members in groups:
        refs = tuple(_ref(ordered[index]) for index in members)
        topics.append(TopicGroup("title", refs[0].title, refs))
    return topics


def _repeat_clients(current: Sequence[Scanned]) -> list[TopicGroup]:
    """Group records by client name, compared after normalisation (case, width, punctuation)."""
    by_client: dict[str, list[Scanned]] = {}
    names: dict[str, str] = {}
    for item in sorted(current, key=lambda scanned: (scanned.created, scanned.listed.record.id)):
        client = item.meta.get("client")
        if is_empty(client):
            continue
        key = normalise_title(str(client))
        names.setdefault(key, str(client))
        by_client.setdefault(key, []).append(item)
    groups = [TopicGroup("client", names[key], tuple(_ref(item) for item in items))
              for key, items in by_client.items() if len(items) > 1]
    return sorted(groups, key=lambda group: (-len(group.records), group.name))


def is_open(schema: TypeSchema, status: str) -> bool:
    """Tell whether a record still has work to do.

    Types without completed states (notices) are never open: their pending
    work is acknowledgements, which the SLA part of the review lists.
    """
    lifecycle = schema.lifecycle
    if not lifecycle.completed:
        return False
    return status not in lifecycle.completed and status not in lifecycle.final


def _open_records(
    scanned: Sequence[Scanned], period: Period, at: datetime, calendar: BusinessCalendar
) -> list[OpenRecord]:
    found = []
    for item in scanned:
        status = item.listed.record.status
        if item.created >= min(period.end, at) or not is_open(item.schema, status):
            continue
        spec = item.schema.status_field
        choice = spec.choice(status)
        found.append(OpenRecord(
            record=_ref(item),
            status_labels=dict(choice.labels) if choice else {"en": status},
            created_at=item.created,
            open_for=at - item.created,
            open_working=calendar.working_time_between(item.created, at),
        ))
    return sorted(found, key=lambda open_record: (-open_record.open_for, open_record.record.id))


def _optional_fields(schema: TypeSchema) -> list[Any]:
    return [spec for spec in schema.fields
            if not spec.required and not spec.system and spec.key not in AUTOMATIC_FIELDS]


def _empty_fields(current: Sequence[Scanned]) -> list[FieldTally]:
    """Count, per type and optional field, the records of the period that left it empty."""
    tallies = []
    by_type: dict[str, list[Scanned]] = {}
    for item in current:
        by_type.setdefault(item.schema.name, []).append(item)
    for items in by_type.values():
        schema = items[0].schema
        for spec in _optional_fields(schema):
            empty = sum(1 for item in items if is_empty(item.meta.get(spec.key)))
            if empty:
                tallies.append(FieldTally(schema.name, schema.labels, spec.key, spec.labels, empty, len(items)))
    return sorted(tallies, key=lambda tally: (-tally.count / tally.total, -tally.count, tally.type, tally.field))


def changed_keys(event: Mapping[str, Any]) -> list[str]:
    """Return the field keys a history event changed; ``fields`` may be a list of keys or a mapping."""
    changed = event.get("fields")
    if isinstance(changed, Mapping):
        return [str(key) for key in changed]
    if isinstance(changed, list):
        return [str(key.get("key")) if isinstance(key, Mapping) else str(key) for key in changed]
    return []


def _changed_fields(current: Sequence[Scanned]) -> list[FieldTally]:
    """Count, per type and field, the records of the period whose field was changed after creation."""
    counts: Counter[tuple[str, str]] = Counter()
    totals = Counter(item.schema.name for item in current)
    schemas = {item.schema.name: item.schema for item in current}
    for item in current:
        changed = set()
        for event in item.meta.get("history") or ():
            if isinstance(event, Mapping) and event.get("action") != "new":
                changed.update(changed_keys(event))
        counts.update((item.schema.name, key) for key in changed)
    tallies = []
    for (type_name, key), count in counts.items():
        schema = schemas[type_name]
        spec = schema.field(key)
        tallies.append(FieldTally(type_name, schema.labels, key, spec.labels if spec else {}, count, totals[type_name]))
    return sorted(tallies, key=lambda tally: (-tally.count, tally.type, tally.field))


def report_path(period: Period, extension: str) -> PurePosixPath:
    """Return where ``--commit`` keeps the review: ``reports/<label>.<extension>``."""
    name = period.label.replace("..", "_")
    return PurePosixPath(REPORTS_DIR, f"{name}.{extension}")


def commit_report(workspace: Workspace, period: Period, text: str, extension: str) -> tuple[str, str]:
    """Write the rendered review under ``reports/`` and commit it alone; return (path, commit id)."""
    from commlog.core.commitmsg import ACTION_TRAILER
    from commlog.services.writer import FileChange, write_and_commit

    relative = report_path(period, extension)
    target = workspace.root / relative
    previous = target.read_text(encoding="utf-8") if target.is_file() else None
    message = f"report {period.label}: review of the period\n\n{ACTION_TRAILER}: report\n"
    sha = write_and_commit(workspace, [FileChange(relative, text, previous)], message)
    assert sha is not None
    return str(relative), sha


def save_report(path: Path, text: str) -> None:
    """Write a rendered review to ``--output`` atomically, as UTF-8."""
    from commlog.storage.records import write_atomic

    try:
        write_atomic(path, text)
    except OSError as error:
        raise InputError("report.cannot_write", path=str(path), reason=error.strerror or str(error)) from None
