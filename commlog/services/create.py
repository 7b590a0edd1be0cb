"""Creating a record: validate every field, write the file, make one commit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from commlog.core.commitmsg import build_message
from commlog.core.display import display_value
from commlog.core.lifecycle import event_times, new_event
from commlog.core.record import Record, new_id, ordered_meta, record_path
from commlog.core.schema import FieldSpec, TypeSchema
from commlog.core.timeparse import format_datetime
from commlog.core.validate import CoercionContext, coerce_fields, is_empty, missing_required
from commlog.errors import FieldErrors, FieldProblem, GitStateError, InputError
from commlog.i18n import translate
from commlog.services.attachments import (
    AttachedFile,
    AttachmentPlan,
    SourceFile,
    add_to_record,
    attach_event,
    commit_attachments,
    commit_body,
    plan_attachments,
    read_sources,
)
from commlog.services.bodies import render_record_body
from commlog.services.branching import branch_for
from commlog.services.deadlines import record_deadlines
from commlog.services.people import resolve_actor
from commlog.services.workspace import Workspace
from commlog.services.writer import FileChange
from commlog.storage.gitrepo import Identity
from commlog.storage.records import record_text


@dataclass(frozen=True)
class CreateRequest:
    """Raw field values and options of one ``commlog new``."""

    type_name: str
    values: Mapping[str, Any]
    at: datetime | None = None
    urgent: bool = False
    draft: bool = False
    commit: bool = True
    by: str | None = None
    branch: bool = False
    attachments: tuple[Path, ...] = ()


@dataclass(frozen=True)
class CreateResult:
    """The created record: its ID, repository-relative path, commit (None with --no-commit) and attached files."""

    id: str
    path: str
    commit: str | None
    record: Record = field(repr=False, compare=False, default=None)  # type: ignore[assignment]
    branch: str | None = None
    attached: list[AttachedFile] = field(default_factory=list)


def settable_fields(schema: TypeSchema) -> list[FieldSpec]:
    """Return the fields a person fills in for a new record, in schema order."""
    skipped = {"created_at", "status"}
    return [spec for spec in schema.fields if not spec.system and spec.key not in skipped]


def prompt_fields(schema: TypeSchema) -> list[FieldSpec]:
    """Return the fields worth asking for interactively: the type's own fields and the lead."""
    own_keys = {"priority", "important", "sent_at", "recipients", "reference", "channel"}
    return [spec for spec in settable_fields(schema) if spec.key not in own_keys or spec.required]


def coercion_context(workspace: Workspace, created: datetime) -> CoercionContext:
    return CoercionContext(zone=workspace.zone, default_year=created.year, not_before=created.date())


def natural_recipients(schema: TypeSchema, values: Mapping[str, Any]) -> list[str]:
    """Return the type's natural receivers (``recipients_from``, e.g. ``owners.person``)."""
    if not schema.recipients_from:
        return []
    key, _, sub = schema.recipients_from.partition(".")
    items = values.get(key) or []
    if not isinstance(items, list):
        items = [items]
    names = []
    for item in items:
        name = item.get(sub) if sub and isinstance(item, Mapping) else item
        if name and str(name) not in names:
            names.append(str(name))
    return names


def _defaults(workspace: Workspace, schema: TypeSchema, request: CreateRequest) -> dict[str, Any]:
    lifecycle = schema.lifecycle
    status = lifecycle.draft if request.draft and lifecycle.draft else lifecycle.initial
    important_types = workspace.config.sla.get("important_types")
    important = schema.name in important_types if isinstance(important_types, list) else schema.important
    return {
        "status": status,
        "priority": "urgent" if request.urgent or schema.priority == "urgent" else "normal",
        "important": important,
    }


def _check_people(schema: TypeSchema, meta: dict[str, Any]) -> list[FieldProblem]:
    problems = []
    recipients = meta.get("recipients") or []
    lead = meta.get("lead")
    if schema.lead_required and len(recipients) > 1 and is_empty(lead):
        problems.append(FieldProblem("lead", "field.lead_required", count=len(recipients)))
    if not is_empty(lead) and recipients and lead not in recipients:
        problems.append(FieldProblem("lead", "field.lead_not_recipient", lead=lead, recipients="、".join(recipients)))
    if not recipients and schema.recipients_from:
        problems.append(FieldProblem("recipients", "field.missing"))
    return problems


def build_meta(workspace: Workspace, schema: TypeSchema, request: CreateRequest, created: datetime) -> dict[str, Any]:
    """Validate the request and return the new record's front matter (without id and history).

    Raises FieldErrors listing every missing or invalid field at once.
    """
    settable = frozenset(spec.key for spec in settable_fields(schema))
    stored, problems = coerce_fields(schema, request.values, coercion_context(workspace, created), settable)
    meta: dict[str, Any] = {**_defaults(workspace, schema, request), **stored}
    meta["created_at"] = format_datetime(created)
    is_draft = meta["status"] == schema.lifecycle.draft
    if is_draft:
        meta.pop("sent_at", None)
    else:
        meta.setdefault("sent_at", meta["created_at"])
    if is_empty(meta.get("recipients")):
        meta["recipients"] = natural_recipients(schema, meta)
    flagged = {problem.field for problem in problems}
    problems.extend(problem for problem in missing_required(schema, meta) if problem.field not in flagged)
    source_key = (schema.recipients_from or "").split(".")[0]
    if not ({"recipients", "lead", source_key} & {problem.field for problem in problems}):
        problems.extend(_check_people(schema, meta))
    elif source_key in {problem.field for problem in problems}:
        problems = [problem for problem in problems if problem.field != "recipients" or problem.key != "field.missing"]
    if problems:
        raise FieldErrors(problems, schema)
    return {key: value for key, value in meta.items() if not is_empty(value) or isinstance(value, bool)}


def creation_note(schema: TypeSchema, meta: Mapping[str, Any], zone: Any, language: str) -> str:
    """Return the progress-log text of the creation event, in the record's language."""
    status = display_value(schema.status_field, meta["status"], zone, language)
    return translate("log.created", language=language, type=schema.label(language), status=status)


def create_record(workspace: Workspace, request: CreateRequest) -> CreateResult:
    """Create, write and (unless ``commit`` is false) commit a new record."""
    if request.branch and not request.commit:
        raise InputError("branch.no_commit")
    schema = workspace.templates.schema(request.type_name)
    if request.draft and not schema.lifecycle.draft:
        raise InputError("input.draft_not_supported", type=schema.name)
    created = workspace.moment(request.at)
    meta = build_meta(workspace, schema, request, created)
    sources = read_sources(request.attachments)

    identity = _identity(workspace, required=request.commit)
    actor = resolve_actor(workspace, request.by, identity)
    record_id = _unused_id(workspace, schema, created)
    language = workspace.config.record_language
    meta["id"] = record_id
    meta["type"] = schema.name
    times = event_times(created, workspace.now(), workspace.config.late_tolerance_minutes)
    note = creation_note(schema, meta, workspace.zone, language)
    meta["history"] = [new_event("new", times, actor.name, note, to=meta["status"])]
    meta["deadlines"] = record_deadlines(workspace, schema, meta)
    record = Record(meta=ordered_meta(schema, meta), body="", path=record_path(created, schema.name, record_id))
    record.body = render_record_body(workspace, schema, record)
    assert record.path is not None
    plan = _attach_to_new(workspace, record, sources, actor.name, times.get("recorded_at"))

    message = None
    if request.commit:
        summary = f"type: {schema.name}, status: {meta['status']}, priority: {meta['priority']}"
        message = build_message(
            "new",
            record_id,
            record.title,
            body=[summary, commit_body(plan) if plan.files else ""],
            by=actor.name if actor.differs_from_author else None,
        )
    assert record.path is not None
    branch = branch_for(record_id) if request.branch else None
    changes = [*plan.copies, FileChange(record.path, record_text(record), None)]
    sha = commit_attachments(workspace, changes, message, (), branch)
    return CreateResult(
        id=record_id, path=str(record.path), commit=sha, record=record, branch=branch, attached=plan.files
    )


def _attach_to_new(
    workspace: Workspace, record: Record, sources: list[SourceFile], actor: str, recorded: str | None
) -> AttachmentPlan:
    """Plan the ``--attach`` files of a new record and add them and an attach event to it."""
    if not sources:
        return AttachmentPlan([], [], [])
    assert record.path is not None
    at = record.meta["created_at"]
    plan = plan_attachments(workspace, record.path, None, sources, {"at": at, "by": actor}, None)
    add_to_record(workspace, record, plan, attach_event(workspace, plan, at, actor, recorded))
    return plan


def _identity(workspace: Workspace, required: bool) -> Identity | None:
    """Return the git identity; without one, fail only when a commit needs it."""
    try:
        return workspace.git.identity()
    except GitStateError:
        if required:
            raise
        return None


def _unused_id(workspace: Workspace, schema: TypeSchema, created: datetime) -> str:
    """Make an ID whose file does not exist yet in the record's folder."""
    taken: set[str] = set()
    while True:
        candidate = new_id(schema.prefix, created, taken)
        if not (workspace.root / record_path(created, schema.name, candidate)).exists():
            return candidate
        taken.add(candidate)


def record_relative_path(result: CreateResult) -> PurePosixPath:
    return PurePosixPath(result.path)


def check_value(workspace: Workspace, spec: FieldSpec, raw: Any, created: datetime) -> FieldProblem | None:
    """Check one typed value for ``spec``; return its problem, or None when it is valid."""
    from commlog.core.validate import Invalid, coerce_item

    try:
        coerce_item(spec, raw, coercion_context(workspace, created))
    except Invalid as error:
        return FieldProblem(spec.key, error.key, **error.params)
    return None
