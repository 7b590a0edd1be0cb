"""Rendering a record's Markdown body from its type's template and progress log."""

from __future__ import annotations

from typing import Any

from commlog.core.display import display_value
from commlog.core.record import LogEntry, Record, render_log_block
from commlog.core.schema import TypeSchema
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
    language = workspace.config.record_language
    late_word = translate("log.recorded_at", language=language)
    return render_log_block(log_entries(meta), workspace.zone, late_word)


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
