"""Checks of a pull request: whether each change to a record is a legal step from its base version.

A record may gain events and move along its type's life cycle, but it may not
disappear, leave ``records/``, have its event history rewritten, or change
after it was closed unless it is reopened. Everything here is pure: the caller
gives both versions of each changed file as text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from commlog.core.checks import ERROR, FileCheck, Finding, SchemaLookup, parse_record, progress_log_lines
from commlog.core.record import RECORDS_DIR
from commlog.core.schema import Lifecycle

EVENT_LISTS = ("acks", "feedback", "history")


@dataclass(frozen=True)
class RecordChange:
    """One record file changed since the base: git's status letter, both paths and both texts."""

    status: str
    old_path: str
    new_path: str
    old_text: str | None
    new_text: str | None


def is_record_path(path: str) -> bool:
    """Tell whether a repository path is a record file (``records/…/<name>.md``, not an attachment)."""
    parts = path.split("/")
    return parts[0] == RECORDS_DIR and path.endswith(".md") and 2 <= len(parts) <= 3


def change_findings(change: RecordChange, schemas: SchemaLookup) -> list[Finding]:
    """Return what is illegal about one change: deletion, moving out, rewritten history, bad steps."""
    if change.status == "D":
        return [_finding(change.old_path, None, "record-deleted", "check.record_deleted")]
    if change.status == "R" and not is_record_path(change.new_path):
        return [_finding(change.old_path, None, "record-moved-out", "check.record_moved_out", new=change.new_path)]
    if change.new_text is None:
        return []
    new = parse_record(change.new_path, change.new_text)
    if new.meta is None:
        return []
    schema = schemas(str(new.meta.get("type", "")))
    lifecycle = schema.lifecycle if schema is not None else None
    if change.old_text is None:
        return _added_findings(new, lifecycle)
    old = parse_record(change.old_path, change.old_text)
    if old.meta is None:
        return []
    findings = _rewritten_findings(old, new)
    if lifecycle is not None and not findings:
        findings.extend(_step_findings(old, new, lifecycle))
    return findings


def _finding(path: str, line: int | None, code: str, key: str, **params: Any) -> Finding:
    return Finding(path, line, code, ERROR, key, params)


def _added_findings(new: FileCheck, lifecycle: Lifecycle | None) -> list[Finding]:
    """Check that a new record starts in its initial (or draft) state and then moves legally."""
    assert new.meta is not None
    if lifecycle is None:
        return []
    history = _events(new.meta, "history")
    first = history[0] if history else {}
    start = str(first.get("to", lifecycle.initial))
    starts = {lifecycle.initial} | ({lifecycle.draft} if lifecycle.draft else set())
    if start not in starts:
        return [_finding(new.path, new.lines.get(("status",)), "illegal-transition", "check.illegal_start",
                         status=start, allowed=", ".join(sorted(starts)))]
    illegal = walk_transitions(lifecycle, start, _steps(history[1:]), str(new.meta.get("status", "")))
    return [] if illegal is None else [_illegal(new, lifecycle, illegal)]


def _rewritten_findings(old: FileCheck, new: FileCheck) -> list[Finding]:
    """Report event lists and progress-log lines that were changed or removed instead of appended to."""
    assert old.meta is not None and new.meta is not None
    findings = []
    for key in EVENT_LISTS:
        before, after = _events(old.meta, key), _events(new.meta, key)
        index = first_difference(before, after)
        if index is not None:
            line = new.lines.get((key, index)) or new.lines.get((key,)) or 2
            findings.append(_finding(new.path, line, "history-rewritten", "check.history_rewritten",
                                     field=key, index=index + 1))
    before_log = progress_log_lines(old.body or "")
    after_log = progress_log_lines(new.body or "")
    index = first_difference(before_log, after_log)
    if index is not None:
        line = _body_line_of(new, after_log[index] if index < len(after_log) else None)
        findings.append(_finding(new.path, line, "history-rewritten", "check.log_rewritten", index=index + 1))
    return findings


def first_difference(before: Sequence[Any], after: Sequence[Any]) -> int | None:
    """Return the index of the first item of ``before`` that ``after`` does not keep in place, or None."""
    for index, item in enumerate(before):
        if index >= len(after) or after[index] != item:
            return index
    return None


def _step_findings(old: FileCheck, new: FileCheck, lifecycle: Lifecycle) -> list[Finding]:
    assert old.meta is not None and new.meta is not None
    old_status = str(old.meta.get("status", ""))
    new_status = str(new.meta.get("status", ""))
    appended = _events(new.meta, "history")[len(_events(old.meta, "history")):]
    steps = _steps(appended)
    if lifecycle.is_final(old_status) and not _reopened(lifecycle, old_status, steps, new_status):
        if old.meta != new.meta or old.body != new.body:
            line = _first_changed_line(old, new)
            return [_finding(new.path, line, "closed-record-edited", "check.closed_record_edited", status=old_status)]
        return []
    illegal = walk_transitions(lifecycle, old_status, steps, new_status)
    return [] if illegal is None else [_illegal(new, lifecycle, illegal)]


def _reopened(lifecycle: Lifecycle, start: str, steps: list[str], end: str) -> bool:
    """Tell whether the record left its final state at some point between the two versions."""
    states = [start, *steps, end]
    return any(not lifecycle.is_final(state) for state in states)


def walk_transitions(lifecycle: Lifecycle, start: str, steps: Sequence[str], end: str) -> tuple[str, str] | None:
    """Follow the status changes from ``start`` through ``steps`` to ``end``; return the first illegal step.

    ``steps`` are the target states of the history entries added since the
    base, so a pull request may take a record through several legal steps.
    A final status that no history entry explains (a hand edit) counts as one
    direct step.
    """
    current = start
    for target in [*steps, end]:
        if target == current:
            continue
        if target not in lifecycle.allowed_from(current):
            return current, target
        current = target
    return None


def _illegal(new: FileCheck, lifecycle: Lifecycle, step: tuple[str, str]) -> Finding:
    origin, target = step
    allowed = ", ".join(lifecycle.allowed_from(origin)) or "-"
    return _finding(new.path, new.lines.get(("status",)), "illegal-transition", "check.illegal_transition",
                    origin=origin, target=target, allowed=allowed)


def _events(meta: Mapping[str, Any], key: str) -> list[Any]:
    value = meta.get(key)
    return value if isinstance(value, list) else []


def _steps(history: Sequence[Any]) -> list[str]:
    return [str(event["to"]) for event in history if isinstance(event, dict) and event.get("to")]


def _first_changed_line(old: FileCheck, new: FileCheck) -> int | None:
    assert old.meta is not None and new.meta is not None
    for key, value in new.meta.items():
        if old.meta.get(key) != value:
            return new.lines.get((str(key),))
    for key in old.meta:
        if key not in new.meta:
            return 2
    return new.body_line or None


def _body_line_of(check: FileCheck, text: str | None) -> int | None:
    if check.body is None:
        return None
    lines = check.body.split("\n")
    for offset, line in enumerate(lines):
        if text is not None and line == text:
            return check.body_line + offset
    for offset, line in enumerate(lines):
        if "commlog:progress-log" in line:
            return check.body_line + offset
    return check.body_line
