"""Text and JSON output of ``show`` and ``list``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from typing import Any

from commlog.core.display import display_value, list_separator
from commlog.core.lifecycle import acknowledged
from commlog.i18n import get_language, translate
from commlog.render import display_width, pad, table, to_json

# Keys shown in their own section of ``show`` rather than as a field line.
EVENT_KEYS = ("acks", "feedback", "history", "deadlines", "attachments")


def _field_lines(shown: Any, zone: tzinfo) -> list[tuple[str, str]]:
    language = get_language()
    schema = shown.schema
    meta = shown.record.meta
    rows = []
    keys = [spec.key for spec in schema.fields] if schema else list(meta)
    for key in keys:
        if key in EVENT_KEYS or key in ("id", "type", "title"):
            continue
        spec = schema.field(key) if schema else None
        text = display_value(spec, meta.get(key), zone, language)
        if text:
            rows.append((spec.label() if spec else key, text))
    if schema:
        known = set(keys)
        for key, value in meta.items():
            if key not in known and key not in EVENT_KEYS and key not in ("id", "type"):
                rows.append((key, display_value(None, value, zone, language)))
    return rows


def render_record_text(shown: Any, zone: tzinfo) -> str:
    """Return a record as labelled lines in the user's language, then its progress log."""
    record = shown.record
    schema = shown.schema
    type_label = schema.label() if schema else record.type
    lines = [f"{record.id}  {record.title}", f"{type_label} · {shown.path}", ""]
    rows = _field_lines(shown, zone)
    width = max((display_width(label) for label, _ in rows), default=0)
    for label, text in rows:
        text_lines = text.split("\n")
        lines.append(f"{pad(label, width)}  {text_lines[0]}")
        lines.extend(f"{' ' * width}  {extra}" for extra in text_lines[1:])
    lines.extend(_acks_section(record.meta))
    lines.extend(_attachments_section(record.meta))
    history = record.meta.get("history") or []
    if history:
        lines.append("")
        lines.append(translate("show.log_heading"))
        for event in history:
            if isinstance(event, dict):
                when = display_value(None, event.get("at", ""), zone, get_language())
                lines.append(f"  {_short(event.get('at'), zone) or when}  {event.get('by', '')}: {event.get('text', '')}")
    return "\n".join(lines)


def _short(value: Any, zone: tzinfo) -> str:
    from commlog.core.timeparse import display_datetime

    try:
        return display_datetime(value, zone)
    except (TypeError, ValueError):
        return ""


def _acks_section(meta: dict[str, Any]) -> list[str]:
    recipients = [str(name) for name in meta.get("recipients") or []]
    if not recipients:
        return []
    acked = acknowledged(meta)
    waiting = [name for name in recipients if name not in acked]
    separator = list_separator(get_language())
    lines = ["", translate("show.acks", done=len(recipients) - len(waiting), total=len(recipients))]
    if waiting:
        lines.append("  " + translate("show.acks_waiting", names=separator.join(waiting)))
    return lines


def _attachments_section(meta: dict[str, Any]) -> list[str]:
    """Return the attachment lines of ``show``: path beside the record, size and note."""
    from commlog.core.attachments import format_size

    entries = [entry for entry in meta.get("attachments") or [] if isinstance(entry, dict)]
    if not entries:
        return []
    rows = [(str(entry.get("path", "")), _size(entry.get("size"), format_size), str(entry.get("note") or ""))
            for entry in entries]
    path_width = max(display_width(path) for path, _, _ in rows)
    size_width = max(display_width(size) for _, size, _ in rows)
    lines = ["", translate("show.attachments_heading")]
    for path, size, note in rows:
        lines.append(f"  {pad(path, path_width)}  {pad(size, size_width)}  {note}".rstrip())
    return lines


def _size(value: Any, format_size: Any) -> str:
    return format_size(value) if isinstance(value, int) and not isinstance(value, bool) else ""


def _attachments_json(shown: Any) -> list[dict[str, Any]]:
    from pathlib import PurePosixPath

    from commlog.core.attachments import resolve_entry

    attachments = []
    for entry in shown.record.meta.get("attachments") or []:
        if isinstance(entry, dict):
            file = resolve_entry(PurePosixPath(shown.path), entry.get("path"))
            attachments.append({**entry, "file": str(file) if file else None})
    return attachments


def join_names(names: list[str]) -> str:
    """Join names with the list separator of the user's language."""
    separator = list_separator(get_language())
    return separator.join(names)


def render_record_json(shown: Any, slas: Sequence[Any] = ()) -> str:
    """Return a record as JSON: id, type, path, front matter, attachments, body and the state of its SLAs.

    Each attachment carries ``file``, its path from the repository root
    (None when the entry's path is not inside the record's folder).
    """
    from commlog.render.status import sla_json

    record = shown.record
    return to_json(
        {
            "id": record.id,
            "type": record.type,
            "path": shown.path,
            "fields": record.meta,
            "attachments": _attachments_json(shown),
            "body": record.body,
            "slas": [sla_json(item) for item in slas],
        }
    )


def render_list_table(listed: Sequence[Any], zone: tzinfo) -> str:
    """Return ``list`` results as a table: ID, type, status, title, created, channel, reference."""
    language = get_language()
    headers = [translate(f"list.col_{name}") for name in ("id", "type", "status", "title", "created", "channel", "reference")]
    rows = []
    for item in listed:
        meta = item.record.meta
        schema = item.schema
        status = display_value(schema.status_field, meta.get("status"), zone, language) if schema else str(meta.get("status", ""))
        channel_spec = schema.field("channel") if schema else None
        rows.append(
            [
                item.record.id,
                schema.label() if schema else item.record.type,
                status,
                item.record.title,
                display_value(None, _short(meta.get("created_at"), zone), zone, language),
                display_value(channel_spec, meta.get("channel"), zone, language),
                str(meta.get("reference") or ""),
            ]
        )
    return table(headers, rows, max_width=40)


def render_list_json(listed: Sequence[Any]) -> str:
    """Return ``list`` results as a JSON array of summaries."""
    return to_json(
        [
            {
                "id": item.record.id,
                "type": item.record.type,
                "status": item.record.status,
                "title": item.record.title,
                "created_at": item.record.meta.get("created_at"),
                "channel": item.record.meta.get("channel"),
                "reference": item.record.meta.get("reference"),
                "path": item.path,
            }
            for item in listed
        ]
    )
