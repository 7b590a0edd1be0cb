"""Life-cycle rules: which status changes a type allows, what each change sets, and event times.

Pure functions of a type's :class:`~commlog.core.schema.Lifecycle` and a
record's front matter. The services that write records call them before
anything is written, and ``commlog audit`` calls :func:`history_problems` to
check a stored history against the same rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from commlog.core.display import list_separator
from commlog.core.schema import Lifecycle, TypeSchema
from commlog.core.timeparse import format_datetime
from commlog.core.validate import CONTROL_RE
from commlog.errors import InputError
from commlog.i18n import get_language

# Keys of a history event, in the order they are written.
EVENT_KEYS = ("action", "at", "by", "from", "to", "text", "fields", "recorded_at")


def state_label(schema: TypeSchema, state: str, language: str | None = None) -> str:
    """Return the label of a status in ``language`` (default: the user's language)."""
    choice = schema.status_field.choice(state)
    return choice.label(language) if choice else state


def states_text(schema: TypeSchema, states: Iterable[str]) -> str:
    """Return status labels joined for the user's language, in the order given."""
    return list_separator(get_language()).join(state_label(schema, state) for state in states)


def resolve_status(schema: TypeSchema, value: str) -> str:
    """Return the status key for a key or label typed by the user; raise InputError when unknown."""
    choice = schema.status_field.choice(value)
    if choice is None:
        all_states = [choice.key for choice in schema.status_field.choices]
        raise InputError("lifecycle.unknown_status", value=value, type=schema.name, allowed=states_text(schema, all_states))
    return choice.key


def check_change(schema: TypeSchema, current: str, target: str) -> None:
    """Raise InputError unless the life cycle allows a change from ``current`` to ``target``."""
    if target == current:
        raise InputError("lifecycle.same_status", status=state_label(schema, current))
    allowed = schema.lifecycle.allowed_from(current)
    if target in allowed:
        return
    if not allowed:
        raise InputError("lifecycle.no_next", current=state_label(schema, current), target=state_label(schema, target))
    raise InputError(
        "lifecycle.not_allowed",
        current=state_label(schema, current),
        target=state_label(schema, target),
        allowed=states_text(schema, allowed),
    )


def close_target(schema: TypeSchema, current: str, requested: str | None = None) -> str:
    """Return the final status ``close`` moves to, checked against the life cycle."""
    lifecycle = schema.lifecycle
    if not lifecycle.final or lifecycle.close_to is None:
        raise InputError("lifecycle.no_final", type=schema.name)
    if current in lifecycle.final:
        raise InputError("lifecycle.already_closed", status=state_label(schema, current))
    target = resolve_status(schema, requested) if requested else lifecycle.close_to
    if target not in lifecycle.final:
        finals = [state for state in schema_states(schema) if state in lifecycle.final]
        raise InputError("lifecycle.not_final", status=state_label(schema, target), allowed=states_text(schema, finals))
    check_change(schema, current, target)
    return target


def reopen_target(schema: TypeSchema, current: str) -> str:
    """Return the status ``reopen`` moves a closed record back to."""
    lifecycle = schema.lifecycle
    if current not in lifecycle.final:
        raise InputError("lifecycle.not_closed", status=state_label(schema, current))
    if lifecycle.reopen_to is None:
        raise InputError("lifecycle.no_reopen", type=schema.name)
    return lifecycle.reopen_to


def publish_target(schema: TypeSchema, current: str) -> str:
    """Return the status a draft moves to when it is published."""
    lifecycle = schema.lifecycle
    if lifecycle.draft is None or current != lifecycle.draft:
        raise InputError("lifecycle.not_draft", status=state_label(schema, current))
    return lifecycle.initial


def is_publish(lifecycle: Lifecycle, current: str, target: str) -> bool:
    """Tell whether a change from ``current`` to ``target`` publishes a draft."""
    return lifecycle.draft is not None and current == lifecycle.draft and target not in lifecycle.final


def schema_states(schema: TypeSchema) -> list[str]:
    """Return the status keys of a type in the order its schema lists them."""
    return [choice.key for choice in schema.status_field.choices]


@dataclass(frozen=True)
class StatusEffects:
    """Effects of a status change that start or end deadlines: a completion, a closing, a publication."""

    completed: bool
    closed: bool
    published: bool


def apply_status(lifecycle: Lifecycle, meta: dict[str, Any], target: str, at: str) -> StatusEffects:
    """Set ``status`` to ``target`` and the dates that follow from it, at the event time ``at``.

    Reaching a completed status sets ``completed_at`` (moving between two
    completed statuses keeps the first date), reaching a final status sets
    ``closed_at``, and leaving them clears the dates, so a reopened record
    starts its completion and closing anew. Publishing a draft sets ``sent_at``.
    """
    current = str(meta.get("status", ""))
    meta["status"] = target
    completed = target in lifecycle.completed and current not in lifecycle.completed
    if completed:
        meta["completed_at"] = at
    elif target not in lifecycle.completed:
        meta.pop("completed_at", None)
    closed = target in lifecycle.final and current not in lifecycle.final
    if closed:
        meta["closed_at"] = at
    elif target not in lifecycle.final:
        meta.pop("closed_at", None)
    published = is_publish(lifecycle, current, target)
    if published:
        meta["sent_at"] = at
    return StatusEffects(completed=completed, closed=closed, published=published)


def event_times(at: datetime, now: datetime, tolerance_minutes: int) -> dict[str, str]:
    """Return the stored times of an event: ``at``, and ``recorded_at`` when it is late (or early).

    ``recorded_at`` is kept only when the stated time and the moment of
    recording differ by more than the tolerance, so a backfilled entry shows
    as one.
    """
    times = {"at": format_datetime(at)}
    if abs(at - now) > timedelta(minutes=tolerance_minutes):
        times["recorded_at"] = format_datetime(now)
    return times


def acknowledged(meta: Mapping[str, Any]) -> set[str]:
    """Return the names that have acknowledged: each ack's person and the recipient it was for."""
    names: set[str] = set()
    for ack in meta.get("acks") or ():
        if isinstance(ack, Mapping):
            names.update(str(ack[key]) for key in ("by", "for") if ack.get(key))
    return names


def clean_text(value: str, option: str) -> str:
    """Return a note, reason or feedback text without surrounding blanks; raise InputError when empty.

    ``option`` names the option or argument in the error message.
    """
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise InputError("event.empty_text", option=option)
    if CONTROL_RE.search(text):
        raise InputError("event.control_characters", option=option)
    return text


def one_line(text: str) -> str:
    """Return ``text`` with every run of white space, line breaks included, made one space."""
    return " ".join(text.split())


def new_event(action: str, times: Mapping[str, str], by: str, text: str, **extra: Any) -> dict[str, Any]:
    """Return a history event with its keys in the stored order; empty extras are left out.

    ``extra`` takes ``from_`` (``from`` is a keyword), ``to`` and ``fields``.
    """
    values: dict[str, Any] = {"action": action, "by": by, "text": text, **times}
    if extra.get("from_") is not None:
        values["from"] = extra["from_"]
    for key in ("to", "fields"):
        if extra.get(key):
            values[key] = extra[key]
    return {key: values[key] for key in EVENT_KEYS if key in values}


@dataclass(frozen=True)
class HistoryProblem:
    """A way a stored history breaks the life cycle: the event index (None for the record) and a message key."""

    index: int | None
    key: str
    params: dict[str, Any] = field(default_factory=dict)


def step_allowed(lifecycle: Lifecycle, action: str, current: str, target: str) -> bool:
    """Tell whether an event of ``action`` may move a record from ``current`` to ``target``."""
    if action == "reopen":
        return current in lifecycle.final and target == lifecycle.reopen_to
    return target in lifecycle.allowed_from(current)


def history_problems(schema: TypeSchema, meta: Mapping[str, Any]) -> list[HistoryProblem]:
    """Check the status changes in ``history`` against the life cycle and the record's dates.

    The first status of a record made by ``new`` must be the initial or draft
    status. A record brought in another way (for example ``import``) may start
    in any known status. Each later change must be allowed from the status
    before it, and the last one must be the record's current status.
    """
    known = set(schema_states(schema))
    problems: list[HistoryProblem] = []
    status: str | None = None
    for index, event in enumerate(meta.get("history") or ()):
        if not isinstance(event, Mapping) or event.get("to") is None:
            continue
        action = str(event.get("action", ""))
        target = str(event["to"])
        problem = _step_problem(schema, known, status, action, event, target)
        if problem is not None:
            problems.append(HistoryProblem(index, problem[0], problem[1]))
        status = target
    problems.extend(_record_problems(schema, meta, status))
    return problems


def entry_problems(meta: Mapping[str, Any]) -> list[HistoryProblem]:
    """Return the ``acks`` and ``feedback`` entries that no history event of the same person and time records.

    SLAs are judged on these entries, so one changed by hand without its event
    (an ack moved earlier, say) must not pass unnoticed.
    """
    events = {
        (str(event.get("action")), str(event.get("by")), str(event.get("at")))
        for event in meta.get("history") or ()
        if isinstance(event, Mapping)
    }
    problems = []
    for key, action in (("acks", "ack"), ("feedback", "feedback")):
        for index, entry in enumerate(meta.get(key) or ()):
            if not isinstance(entry, Mapping) or (action, str(entry.get("by")), str(entry.get("at"))) not in events:
                by = entry.get("by", "") if isinstance(entry, Mapping) else ""
                at = entry.get("at", "") if isinstance(entry, Mapping) else ""
                problems.append(HistoryProblem(index, f"history.{action}_unmatched", {"by": by, "at": at}))
    return problems


def _step_problem(
    schema: TypeSchema, known: set[str], status: str | None, action: str, event: Mapping[str, Any], target: str
) -> tuple[str, dict[str, Any]] | None:
    lifecycle = schema.lifecycle
    if target not in known:
        return "history.unknown_status", {"status": target}
    if status is None:
        starts = {lifecycle.initial, lifecycle.draft} - {None}
        if action == "new" and target not in starts:
            return "history.bad_start", {"status": state_label(schema, target), "allowed": states_text(schema, sorted(starts))}
        return None
    source = event.get("from")
    if source is not None and str(source) != status:
        return "history.gap", {"previous": state_label(schema, status), "source": state_label(schema, str(source))}
    if not step_allowed(lifecycle, action, status, target):
        return "history.step_not_allowed", {
            "action": action,
            "current": state_label(schema, status),
            "target": state_label(schema, target),
        }
    return None


def _record_problems(schema: TypeSchema, meta: Mapping[str, Any], last: str | None) -> list[HistoryProblem]:
    status = str(meta.get("status", ""))
    problems = []
    if last is not None and status != last:
        problems.append(
            HistoryProblem(None, "history.status_mismatch", {"status": state_label(schema, status), "last": state_label(schema, last)})
        )
    is_final = status in schema.lifecycle.final
    if is_final and not meta.get("closed_at"):
        problems.append(HistoryProblem(None, "history.closed_at_missing", {"status": state_label(schema, status)}))
    if not is_final and meta.get("closed_at"):
        problems.append(HistoryProblem(None, "history.closed_at_open", {"status": state_label(schema, status)}))
    return problems
