"""``commlog status`` and the SLA part of ``commlog show``: evaluate SLAs at a moment.

Only ``status`` at the present or a later moment may skip records in a final
state without parsing them (see :mod:`commlog.storage.scan`). At an earlier
moment such a record may still have been open, so every record is parsed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from commlog.core.policy import SLA_NAMES
from commlog.core.record import Record
from commlog.core.schema import TypeSchema
from commlog.core.sla import STATES, Evaluator, SlaItem
from commlog.errors import InputError
from commlog.services.deadlines import load_calendar, load_policy
from commlog.services.workspace import Workspace
from commlog.storage.scan import CACHE_DIR, ScanStats, scan_records

FAIL_ON = ("overdue", "at-risk", "never")
EXIT_OK = 0
EXIT_FINDINGS = 1


@dataclass(frozen=True)
class StatusQuery:
    """Request of one ``commlog status``: the moment, filters and options. Empty filters match all."""

    at: datetime | None = None
    types: tuple[str, ...] = ()
    slas: tuple[str, ...] = ()
    person: str | None = None
    department: str | None = None
    include_all: bool = False
    recompute: bool = False


@dataclass(frozen=True)
class StatusItem:
    """One SLA of one record, with what a renderer needs to show the record."""

    record_id: str
    title: str
    type: str
    path: str
    schema: TypeSchema | None
    sla: SlaItem


@dataclass(frozen=True)
class RecordIssue:
    """A record whose SLAs could not be fully evaluated: why (a message key) and its parameters."""

    path: str
    key: str
    params: dict[str, Any]


@dataclass(frozen=True)
class StatusResult:
    """The evaluated SLAs (overdue first), the records that could not be evaluated, and counts."""

    at: datetime
    items: list[StatusItem]
    issues: list[RecordIssue] = field(default_factory=list)
    stats: ScanStats = field(default_factory=ScanStats)

    def count(self, state: str) -> int:
        return sum(1 for item in self.items if item.sla.state == state)

    def provisional_years(self) -> dict[int, int]:
        """Return each year without holiday data and how many listed deadlines depend on it."""
        years: dict[int, int] = {}
        for item in self.items:
            for year in item.sla.provisional_years:
                years[year] = years.get(year, 0) + 1
        return dict(sorted(years.items()))


def evaluate_status(workspace: Workspace, query: StatusQuery) -> StatusResult:
    """Evaluate the SLAs of every record at ``query.at`` (default now) and select what the query requests.

    Without ``include_all`` only open SLAs (overdue, at risk, pending) are
    selected. Records that cannot be read, and fields that do not parse, are
    listed as issues and never stop the evaluation.
    """
    _check_query(workspace, query)
    now = workspace.now()
    at = workspace.moment(query.at) if query.at is not None else now
    evaluator = Evaluator(load_policy(workspace.config), load_calendar(workspace.config), at, query.recompute)
    schemas = _SchemaCache(workspace)
    scan = scan_records(
        workspace.root,
        schemas.is_final,
        parse_all=query.include_all or at < now,
        cache_dir=workspace.git.git_dir / CACHE_DIR,
    )

    matcher = _Matcher(workspace, query)
    items: list[StatusItem] = []
    issues = [RecordIssue(problem.path, problem.key, problem.params) for problem in scan.problems]
    for scanned in scan.records:
        schema = schemas.get(str(scanned.meta.get("type", "")))
        if schema is None:
            issues.append(RecordIssue(scanned.path, "status.unknown_type", {"type": scanned.meta.get("type", "")}))
            continue
        if query.types and schema.name not in query.types:
            continue
        record_items, problems = evaluator.record(scanned.meta, schema)
        if problems:
            issues.append(RecordIssue(scanned.path, "status.unreadable_fields", {"fields": ", ".join(problems)}))
        for item in record_items:
            if matcher.matches(item, scanned.meta, schema):
                items.append(_wrap(scanned.path, scanned.meta, schema, item))
    items.sort(key=_order)
    return StatusResult(at=at, items=items, issues=issues, stats=scan.stats)


def record_sla_items(
    workspace: Workspace, record: Record, schema: TypeSchema | None, at: datetime | None = None
) -> list[SlaItem]:
    """Return every SLA of one record at ``at`` (default now), for ``commlog show``."""
    if schema is None:
        return []
    moment = workspace.moment(at)
    evaluator = Evaluator(load_policy(workspace.config), load_calendar(workspace.config), moment)
    items, _ = evaluator.record(record.meta, schema)
    return sorted(items, key=lambda item: (SLA_NAMES.index(item.sla), item.deadline))


def status_exit_code(result: StatusResult, fail_on: str, strict: bool) -> int:
    """Return 1 when the result has findings under ``fail_on`` (or provisional deadlines with ``strict``), else 0.

    Findings: overdue SLAs; with ``at-risk`` also at-risk ones; and records
    that could not be evaluated. ``never`` ignores all of them.
    """
    if strict and result.provisional_years():
        return EXIT_FINDINGS
    if fail_on == "never":
        return EXIT_OK
    failing = {"overdue", "at_risk"} if fail_on == "at-risk" else {"overdue"}
    if result.issues or any(item.sla.state in failing for item in result.items):
        return EXIT_FINDINGS
    return EXIT_OK


def _check_query(workspace: Workspace, query: StatusQuery) -> None:
    for name in query.slas:
        if name not in SLA_NAMES:
            raise InputError("status.bad_sla", value=name, allowed=", ".join(SLA_NAMES))
    for type_name in query.types:
        workspace.templates.schema(type_name)


class _SchemaCache:
    """Schemas by type name, loaded once; None for a type without a template."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    def get(self, type_name: str) -> TypeSchema | None:
        return self.workspace.templates.find_schema(type_name)

    def is_final(self, type_name: str, status: str) -> bool:
        schema = self.get(type_name)
        return schema is not None and schema.lifecycle.is_final(status)


class _Matcher:
    """The filters of a status query, with person and department names resolved through the directory."""

    def __init__(self, workspace: Workspace, query: StatusQuery) -> None:
        self.query = query
        config = workspace.config
        self.people = _person_names(query.person, config.people) if query.person else None
        self.department_of = {person.name: person.department for person in config.people if person.department}

    def matches(self, item: SlaItem, meta: Mapping[str, Any], schema: TypeSchema) -> bool:
        query = self.query
        if not query.include_all and not item.is_open:
            return False
        if query.types and schema.name not in query.types:
            return False
        if query.slas and item.sla not in query.slas:
            return False
        if self.people is not None and not self.people & set(item.responsible):
            return False
        if query.department and not self._in_department(item, meta, schema, query.department):
            return False
        return True

    def _in_department(self, item: SlaItem, meta: Mapping[str, Any], schema: TypeSchema, department: str) -> bool:
        if department in item.responsible:
            return True
        if any(self.department_of.get(name) == department for name in item.responsible):
            return True
        return department in _field_values(schema, meta, ("department", "party"))


def _person_names(wanted: str, people: Iterable[Any]) -> set[str]:
    """Return ``wanted`` and the display name of the directory person it names by name, handle or e-mail."""
    names = {wanted}
    folded = wanted.strip().casefold()
    for person in people:
        keys = (person.name, person.handle, person.email)
        if any(key and key.casefold() == folded for key in keys):
            names.add(person.name)
    return names


def _field_values(schema: TypeSchema, meta: Mapping[str, Any], kinds: tuple[str, ...]) -> set[str]:
    """Return every value of the fields (and list items and sub-fields) of the given kinds."""
    found: set[str] = set()

    def collect(spec: Any, value: Any) -> None:
        if value is None:
            return
        if spec.kind == "list" and isinstance(value, list) and spec.item is not None:
            for element in value:
                collect(spec.item, element)
        elif spec.kind == "object" and isinstance(value, dict):
            for sub in spec.fields:
                collect(sub, value.get(sub.key))
        elif spec.kind in kinds:
            found.add(str(value))

    for spec in schema.fields:
        collect(spec, meta.get(spec.key))
    return found


def _wrap(path: str, meta: Mapping[str, Any], schema: TypeSchema, item: SlaItem) -> StatusItem:
    record_id = str(meta.get("id") or path.rsplit("/", 1)[-1].removesuffix(".md"))
    return StatusItem(record_id, str(meta.get("title", "")), schema.name, path, schema, item)


def _order(item: StatusItem) -> tuple[Any, ...]:
    """Sort overdue first, then at risk, pending, met late and met; earliest deadline first in each."""
    return (STATES.index(item.sla.state), item.sla.deadline, item.record_id, SLA_NAMES.index(item.sla.sla))

