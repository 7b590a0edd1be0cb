"""Life-cycle events on an existing record: ack, feedback, update, publish, close and reopen.

Each event reads the record under the repository lock and checks it against
the type's life cycle. It then appends to ``history`` (and to ``acks`` or
``feedback``), renders the progress log again and makes exactly one commit.
Because the lock covers the read too, two commlog processes never interleave
a read and a write of the same record.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from commlog.core import lifecycle as rules
from commlog.core.commitmsg import build_message
from commlog.core.display import list_separator
from commlog.core.record import Record, ordered_meta
from commlog.core.schema import TypeSchema
from commlog.core.timeparse import load_datetime
from commlog.errors import FieldErrors, InputError
from commlog.i18n import translate
from commlog.services.bodies import refresh_progress_log
from commlog.services.deadlines_hook import refresh_deadlines
from commlog.services.people import Actor, resolve_actor
from commlog.services.workspace import Workspace
from commlog.services.branching import branch_for
from commlog.services.writer import FileChange, check_no_edits, commit_changes, commit_to_branch, writing
from commlog.storage.records import find_record_path, read_record, record_text

# Maximum length of a note copied into a commit message body; the record keeps the whole note.
NOTE_LIMIT = 200


@dataclass(frozen=True)
class EventOptions:
    """Options every event takes: the actor (None: the git user), the time (None: now), and ``--include-edits``."""

    by: str | None = None
    at: datetime | None = None
    include_edits: bool = False
    branch: bool = False


@dataclass(frozen=True)
class TransitionResult:
    """Outcome of an event: the record, the commit, the status change and the fields changed.

    ``changed`` is false for an event that was already recorded, such as a
    second ``ack`` by the same person. Then ``commit`` is None and
    ``previous_at`` is the time of the earlier event.
    """

    id: str
    type: str
    path: str
    action: str
    by: str
    commit: str | None
    status_from: str | None = None
    status_to: str | None = None
    fields_changed: tuple[str, ...] = ()
    changed: bool = True
    recipient: str | None = None
    previous_at: str | None = None
    included_edits: bool = False
    branch: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the result as plain values for JSON output."""
        values = asdict(self)
        values["fields_changed"] = list(self.fields_changed)
        return values


@dataclass
class EventContext:
    """Input of an event builder: the record as read, a copy of its front matter to change, schema, actor and times."""

    workspace: Workspace
    schema: TypeSchema
    record: Record
    meta: dict[str, Any]
    actor: Actor
    moment: datetime
    times: dict[str, str]

    @property
    def language(self) -> str:
        return self.workspace.config.record_language

    def label(self, state: str) -> str:
        return rules.state_label(self.schema, state, self.language)


@dataclass
class Change:
    """An event ready to record: its action, progress-log text, commit body and status target."""

    action: str
    text: str
    summary: str
    status_to: str | None = None
    fields: tuple[str, ...] = ()
    note: str | None = None
    recipient: str | None = None


@dataclass(frozen=True)
class AlreadyDone:
    """An event that was recorded before, so nothing is written: who and when."""

    recipient: str
    at: str | None
    action: str = "ack"


Builder = Callable[[EventContext], "Change | AlreadyDone"]


class UpdateFieldErrors(FieldErrors):
    """Invalid field values given to ``update``; nothing was written."""

    def __init__(self, problems: list[Any], schema: TypeSchema) -> None:
        super().__init__(problems, schema)
        self.key = "update.invalid_fields"


def run_event(workspace: Workspace, id_or_prefix: str, options: EventOptions, build: Builder) -> TransitionResult:
    """Record one event on the record ``id_or_prefix`` and commit it.

    Everything from reading the record to the commit happens under the
    repository lock. Raises before anything is written when git cannot
    commit, the record has uncommitted edits (unless ``include_edits``), the
    record does not parse, or the event breaks the life cycle.
    """
    identity = workspace.git.identity()
    actor = resolve_actor(workspace, options.by, identity)
    with writing(workspace):
        path = find_record_path(workspace.root, id_or_prefix)
        edited = check_no_edits(workspace, path, options.include_edits)
        record = read_record(workspace.root, path)
        previous = (workspace.root / path).read_bytes().decode("utf-8")
        schema = workspace.templates.schema(record.type)
        context = _context(workspace, schema, record, actor, options.at)
        summary = {"id": record.id or path.stem, "type": record.type, "path": str(path), "by": actor.name}

        change = build(context)
        if isinstance(change, AlreadyDone):
            return TransitionResult(**summary, action=change.action, commit=None, changed=False, recipient=change.recipient, previous_at=change.at)
        status_from = _record_event(context, change)
        by = actor.name if actor.differs_from_author else None
        message = build_message(change.action, summary["id"], record.title, body=_message_body(change, edited), by=by)
        changes = [FileChange(path, record_text(record), previous)]
        branch = f"{branch_for(summary['id'])}-{change.action}" if options.branch else None
        if branch is None:
            sha = commit_changes(workspace, changes, message)
        else:
            sha = commit_to_branch(workspace, changes, message, branch)
    return TransitionResult(
        **summary,
        action=change.action,
        commit=sha,
        status_from=status_from,
        status_to=change.status_to,
        fields_changed=change.fields,
        recipient=change.recipient,
        included_edits=edited,
        branch=branch,
    )


def _context(workspace: Workspace, schema: TypeSchema, record: Record, actor: Actor, at: datetime | None) -> EventContext:
    moment = workspace.moment(at)
    created = record.meta.get("created_at")
    if created and moment < load_datetime(created, workspace.zone):
        raise InputError("event.before_created", at=moment.strftime("%Y-%m-%d %H:%M"), id=record.id)
    times = rules.event_times(moment, workspace.now(), workspace.config.late_tolerance_minutes)
    return EventContext(workspace, schema, record, copy.deepcopy(record.meta), actor, moment, times)


def _record_event(context: EventContext, change: Change) -> str | None:
    """Apply the status change, append the history event, and render the progress log again.

    Returns the status before the change, or None when the status did not change.
    """
    meta = context.meta
    status_from = str(meta.get("status", "")) if change.status_to is not None else None
    effects = None
    if change.status_to is not None:
        effects = rules.apply_status(context.schema.lifecycle, meta, change.status_to, context.times["at"])
    extra = {"from_": status_from, "to": change.status_to, "fields": list(change.fields)}
    meta.setdefault("history", []).append(rules.new_event(change.action, context.times, context.actor.name, change.text, **extra))
    moved = {"priority", "due", "milestones"} & set(change.fields)
    if moved or (effects is not None and (effects.published or effects.completed)):
        refresh_deadlines(context.workspace, context.schema, meta, context.moment)

    record = context.record
    record.meta = ordered_meta(context.schema, meta)
    record.body = refresh_progress_log(context.workspace, record)
    return status_from


def _message_body(change: Change, edited: bool) -> list[str]:
    lines = [change.summary]
    if change.note:
        note = rules.one_line(change.note)
        lines.append(note if len(note) <= NOTE_LIMIT else note[: NOTE_LIMIT - 1] + "…")
    if edited:
        lines.append("Includes uncommitted edits made to the file by hand (--include-edits).")
    return lines


def _reject_draft(context: EventContext) -> None:
    draft = context.schema.lifecycle.draft
    if draft is not None and context.meta.get("status") == draft:
        raise InputError("event.draft", id=context.record.id)


def _with_note(context: EventContext, summary: str, note: str | None) -> str:
    if not note:
        return summary
    return translate("log.with_note", language=context.language, summary=summary, note=rules.one_line(note))


def _status_text(context: EventContext, target: str) -> str:
    current = str(context.meta.get("status", ""))
    return translate("log.status", language=context.language, source=context.label(current), target=context.label(target))


def _status_summary(context: EventContext, target: str) -> str:
    return f"status: {context.meta.get('status')} -> {target}"


# --- ack ---------------------------------------------------------------------------------------


def acknowledge(
    workspace: Workspace, id_or_prefix: str, options: EventOptions, recipient: str | None = None, force: bool = False
) -> TransitionResult:
    """Record that a recipient received the record; a repeated ack changes nothing.

    ``recipient`` is the person or department among the recipients that the
    ack is for. By default it is the actor, or the actor's department from the
    directory when only the department is a recipient. An actor who is not a
    recipient is rejected unless ``force``.
    """

    def build(context: EventContext) -> Change | AlreadyDone:
        _reject_draft(context)
        target = _ack_target(context, recipient, force)
        name = target or context.actor.name
        if name in rules.acknowledged(context.meta):
            return AlreadyDone(name, _earlier_ack_time(context.meta, name))
        entry: dict[str, Any] = {"by": context.actor.name}
        if target and target != context.actor.name:
            entry["for"] = target
        entry.update(context.times)
        context.meta.setdefault("acks", []).append(entry)
        for_text = target if target and target != context.actor.name else None
        key = "log.ack_for" if for_text else "log.ack"
        text = translate(key, language=context.language, recipient=for_text or "")
        summary = f"ack by {context.actor.name}" + (f" for {for_text}" if for_text else "")
        return Change("ack", text, summary, recipient=name)

    return run_event(workspace, id_or_prefix, options, build)


def _ack_target(context: EventContext, recipient: str | None, force: bool) -> str | None:
    recipients = [str(name) for name in context.meta.get("recipients") or ()]
    if recipient:
        if recipient in recipients or force:
            return recipient
        raise _not_recipient(recipient, recipients)
    actor = context.actor.name
    if actor in recipients:
        return actor
    department = _department_of(context.workspace, actor)
    if department in recipients:
        return department
    if force:
        return None
    raise _not_recipient(actor, recipients)


def _not_recipient(name: str, recipients: list[str]) -> InputError:
    return InputError("ack.not_recipient", name=name, recipients=", ".join(recipients) or "-")


def _department_of(workspace: Workspace, name: str) -> str | None:
    for person in workspace.config.people:
        if person.name == name:
            return person.department
    return None


def _earlier_ack_time(meta: Mapping[str, Any], name: str) -> str | None:
    for ack in meta.get("acks") or ():
        if isinstance(ack, Mapping) and name in (ack.get("by"), ack.get("for")):
            return str(ack.get("at")) if ack.get("at") else None
    return None


# --- feedback ----------------------------------------------------------------------------------


def add_feedback(workspace: Workspace, id_or_prefix: str, options: EventOptions, text: str) -> TransitionResult:
    """Add a feedback entry from the actor to the record."""
    body = rules.clean_text(text, "TEXT")

    def build(context: EventContext) -> Change:
        _reject_draft(context)
        entry = {"by": context.actor.name, "at": context.times["at"], "text": body}
        if "recorded_at" in context.times:
            entry["recorded_at"] = context.times["recorded_at"]
        context.meta.setdefault("feedback", []).append(entry)
        log_text = translate("log.feedback", language=context.language, text=rules.one_line(body))
        return Change("feedback", log_text, f"feedback by {context.actor.name}", note=body)

    return run_event(workspace, id_or_prefix, options, build)


# --- update and publish ------------------------------------------------------------------------


def update_record(
    workspace: Workspace,
    id_or_prefix: str,
    options: EventOptions,
    status: str | None = None,
    values: Mapping[str, Any] | None = None,
    note: str | None = None,
) -> TransitionResult:
    """Change the status and/or fields of a record, with an optional progress note.

    ``values`` are raw ``--set`` values; a ``status`` among them counts as
    ``status``. Leaving a draft status publishes the record (action
    ``publish``: ``sent_at`` is set and its deadlines start).
    """
    fields = dict(values or {})
    requested = _requested_status(status, fields.pop("status", None))
    text = rules.clean_text(note, "--note") if note is not None else None

    def build(context: EventContext) -> Change:
        target = rules.resolve_status(context.schema, requested) if requested else None
        changed = _apply_values(context, fields)
        if target is None and not changed and not text:
            raise InputError("update.nothing", id=context.record.id)
        current = str(context.meta.get("status", ""))
        if target is not None:
            rules.check_change(context.schema, current, target)
        publishing = target is not None and rules.is_publish(context.schema.lifecycle, current, target)
        return Change(
            "publish" if publishing else "update",
            _update_text(context, target, changed, text),
            _update_summary(context, target, changed),
            status_to=target,
            fields=tuple(changed),
            note=text,
        )

    return run_event(workspace, id_or_prefix, options, build)


def publish_record(workspace: Workspace, id_or_prefix: str, options: EventOptions, note: str | None = None) -> TransitionResult:
    """Publish a draft: move it to the type's initial status, set ``sent_at`` and start its deadlines."""
    text = rules.clean_text(note, "--note") if note is not None else None

    def build(context: EventContext) -> Change:
        target = rules.publish_target(context.schema, str(context.meta.get("status", "")))
        rules.check_change(context.schema, str(context.meta.get("status", "")), target)
        log_text = _with_note(context, translate("log.publish", language=context.language), text)
        return Change("publish", log_text, _status_summary(context, target), status_to=target, note=text)

    return run_event(workspace, id_or_prefix, options, build)


def _requested_status(option: str | None, from_set: Any) -> str | None:
    if isinstance(from_set, list):
        raise InputError("update.status_twice", first=from_set[0], second=from_set[1])
    if option and from_set and option != from_set:
        raise InputError("update.status_twice", first=option, second=from_set)
    return option or from_set


def _apply_values(context: EventContext, values: Mapping[str, Any]) -> list[str]:
    """Coerce ``--set`` values into the copy of the front matter; return the keys whose value changed."""
    from commlog.core.validate import is_empty
    from commlog.services.create import settable_fields

    if not values:
        return []
    schema = context.schema
    meta = context.meta
    before = copy.deepcopy(meta)
    settable = frozenset(spec.key for spec in settable_fields(schema))
    stored, problems = _coerce(context, values, settable)
    for key, value in stored.items():
        if is_empty(value) and not isinstance(value, bool):
            meta.pop(key, None)
        else:
            meta[key] = value
    if "recipients" not in stored:
        _follow_recipients(schema, before, meta)
    problems.extend(_people_problems(schema, meta))
    if problems:
        raise UpdateFieldErrors(problems, schema)
    every_key = ordered_meta(schema, {**before, **meta})
    return [key for key in every_key if before.get(key) != meta.get(key) and key != "history"]


def _coerce(context: EventContext, values: Mapping[str, Any], settable: frozenset[str]) -> tuple[dict[str, Any], list[Any]]:
    from commlog.core.validate import CoercionContext, coerce_fields, is_empty
    from commlog.errors import FieldProblem

    created = load_datetime(context.meta.get("created_at") or context.times["at"], context.workspace.zone)
    coercion = CoercionContext(zone=context.workspace.zone, default_year=created.year)
    stored, problems = coerce_fields(context.schema, values, coercion, settable)
    for key, value in stored.items():
        spec = context.schema.field(key)
        if spec is not None and spec.required and is_empty(value):
            problems.append(FieldProblem(key, "field.missing"))
    return stored, problems


def _follow_recipients(schema: TypeSchema, before: Mapping[str, Any], meta: dict[str, Any]) -> None:
    """Derive ``recipients`` again when its source field changed and it still held the derived names."""
    from commlog.services.create import natural_recipients

    source = (schema.recipients_from or "").split(".")[0]
    if not source or before.get(source) == meta.get(source):
        return
    if list(before.get("recipients") or []) == natural_recipients(schema, before):
        meta["recipients"] = natural_recipients(schema, meta)


def _people_problems(schema: TypeSchema, meta: dict[str, Any]) -> list[Any]:
    # The same rules as ``new``: a lead among the recipients, required with several recipients.
    from commlog.services.create import _check_people

    return _check_people(schema, meta)


def _update_text(context: EventContext, target: str | None, changed: list[str], note: str | None) -> str:
    language = context.language
    status = _status_text(context, target) if target is not None else ""
    fields = ""
    if changed:
        labels = [_field_label(context.schema, key, language) for key in changed]
        fields = translate("log.fields", language=language, fields=list_separator(language).join(labels))
    if status and fields:
        summary = translate("log.status_and_fields", language=language, status=status, fields=fields)
    else:
        summary = status or fields
    if not summary:
        return rules.one_line(note or "")
    return _with_note(context, summary, note)


def _field_label(schema: TypeSchema, key: str, language: str) -> str:
    spec = schema.field(key)
    return spec.label(language) if spec else key


def _update_summary(context: EventContext, target: str | None, changed: list[str]) -> str:
    parts = []
    if target is not None:
        parts.append(_status_summary(context, target))
    if changed:
        parts.append("fields: " + ", ".join(changed))
    return "; ".join(parts) or "progress note"


# --- close and reopen --------------------------------------------------------------------------


def close_record(
    workspace: Workspace, id_or_prefix: str, options: EventOptions, resolution: str, status: str | None = None
) -> TransitionResult:
    """Move a record to a final status (``close_to`` unless ``status`` names another) with a resolution."""
    text = rules.clean_text(resolution, "--resolution")

    def build(context: EventContext) -> Change:
        target = rules.close_target(context.schema, str(context.meta.get("status", "")), status)
        log_text = translate("log.close", language=context.language, status=context.label(target), text=rules.one_line(text))
        return Change("close", log_text, _status_summary(context, target), status_to=target, note=text)

    return run_event(workspace, id_or_prefix, options, build)


def reopen_record(workspace: Workspace, id_or_prefix: str, options: EventOptions, reason: str) -> TransitionResult:
    """Move a record from a final status back to the type's ``reopen_to`` status, with a reason."""
    text = rules.clean_text(reason, "--reason")

    def build(context: EventContext) -> Change:
        target = rules.reopen_target(context.schema, str(context.meta.get("status", "")))
        log_text = translate("log.reopen", language=context.language, status=context.label(target), text=rules.one_line(text))
        return Change("reopen", log_text, _status_summary(context, target), status_to=target, note=text)

    return run_event(workspace, id_or_prefix, options, build)
