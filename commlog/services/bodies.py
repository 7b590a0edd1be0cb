"""Rendering a record's Markdown body from its type's template and progress log."""

from __future__ import annotations

from typing import Any

from commlog.core.display import display_value
from commlog.core.record import LogEntry, Record, render_log_block, replace_log_block
from commlog.core.schema import TypeSchema
from commlog.core.timeparse import load_datetime
from commlog.i18n import translate
from commlog.services.workspace import Workspace
from commlog.templates import render_body


def log_entries(meta: dict[str, Any]) -> list[LogEntry]:
    """Return the progress-log entries of a record, oldest first, from its ``history``."""
    entries = []
    for event in meta.get("history") or ():
        if not isinstance(event, dict):
            continue
        entries.append(
            LogEntry(
                at=str(event.get("at", "")),
                by=str(event.get("by", "")),
                text=str(event.get("text", event.get("action", ""))),
                recorded_at=event.get("recorded_at"),
            )
        )
    return entries


def progress_log_block(workspace: Workspace, meta: dict[str, Any]) -> str:
    """Return the progress-log block of a record in the record language, ordered by event time.

    Events are kept in ``history`` in the order they were recorded; a
    backfilled event is shown at its own time, marked with its recording time.
    """
    language = workspace.config.record_language
    late_word = translate("log.recorded_at", language=language)
    entries = sorted(log_entries(meta), key=lambda entry: _sort_key(entry.at, workspace.zone))
    return render_log_block(entries, workspace.zone, late_word)


def _sort_key(value: str, zone: Any) -> float:
    """Return an event time as a timestamp; an unreadable time sorts first."""
    try:
        return load_datetime(value, zone).timestamp()
    except ValueError:
        return float("-inf")


def refresh_progress_log(workspace: Workspace, record: Record) -> str:
    """Return the record's body with the progress-log block rendered again from its history.

    Only the text between the markers changes; every other byte of the body is
    kept, hand-written notes included.
    """
    return replace_log_block(record.body, progress_log_block(workspace, record.meta))


def render_record_body(workspace: Workspace, schema: TypeSchema, record: Record) -> str:
    """Render the body of a new record in the repository's record language."""
    language = workspace.config.record_language
    source, file_name = workspace.templates.body_template(schema.name, language)

    def label(key: str) -> str:
        spec = schema.field(key)
        return spec.label(language) if spec else key

    def show(key: str) -> str:
        return display_value(schema.field(key), record.meta.get(key), workspace.zone, language)

    values = {spec.key: None for spec in schema.fields}
    values.update(record.meta)
    return render_body(source, file_name, values, label, show, progress_log_block(workspace, record.meta))
