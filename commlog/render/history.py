"""Text output of life-cycle events, ``commlog log`` and ``commlog audit``."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from commlog.core.display import list_separator
from commlog.core.lifecycle import state_label
from commlog.core.schema import TypeSchema
from commlog.core.timeparse import display_datetime
from commlog.i18n import get_language, translate


def _short_time(value: str | None, zone: tzinfo) -> str:
    if not value:
        return ""
    try:
        return display_datetime(value, zone)
    except ValueError:
        return str(value)


def _field_labels(schema: TypeSchema | None, keys: Any) -> str:
    labels = []
    for key in keys:
        spec = schema.field(key) if schema else None
        labels.append(spec.label() if spec else key)
    return list_separator(get_language()).join(labels)


def render_transition_text(result: Any, schema: TypeSchema, zone: tzinfo) -> str:
    """Return what an event did: a headline, the status change, the fields changed, the commit."""
    if not result.changed:
        return translate("ack.already", name=result.recipient, id=result.id, at=_short_time(result.previous_at, zone))
    lines = [translate(f"done.{result.action}", id=result.id)]
    if result.status_to:
        lines.append(
            translate("done.status", source=state_label(schema, result.status_from or ""), target=state_label(schema, result.status_to))
        )
    if result.fields_changed:
        lines.append(translate("done.fields", fields=_field_labels(schema, result.fields_changed)))
    if result.included_edits:
        lines.append(translate("done.included_edits"))
    lines.append(translate("done.committed", commit=(result.commit or "")[:12]))
    return "\n".join(lines)


def _status_label(schema: TypeSchema | None, state: str | None) -> str:
    if not state:
        return "—"
    return state_label(schema, state) if schema else state


def _event_line(event: Any, zone: tzinfo, record_language: str) -> str:
    line = f"{_short_time(event.get('at'), zone)} {event.get('by', '')}: {event.get('text', event.get('action', ''))}"
    if event.get("recorded_at"):
        late_word = translate("log.recorded_at", language=record_language)
        line += f" ({late_word} {_short_time(event['recorded_at'], zone)})"
    return line


def _entry_details(entry: Any, schema: TypeSchema | None, zone: tzinfo, record_language: str) -> list[str]:
    details = []
    if entry.status_to and entry.change == "A":
        details.append(translate("trail.status_new", target=_status_label(schema, entry.status_to)))
    elif entry.status_to:
        details.append(translate("trail.status", source=_status_label(schema, entry.status_from), target=_status_label(schema, entry.status_to)))
    if entry.fields_changed:
        details.append(translate("trail.fields", fields=_field_labels(schema, entry.fields_changed)))
    details.extend(_event_line(event, zone, record_language) for event in entry.events)
    flags = (
        (entry.renamed_from, translate("trail.moved", path=entry.renamed_from)),
        (entry.change == "D", translate("trail.deleted")),
        (entry.body_edited, translate("trail.body_edited")),
        (entry.history_rewritten, translate("trail.history_rewritten")),
        (entry.unreadable, translate("trail.unreadable")),
    )
    details.extend(text for condition, text in flags if condition)
    return details


def render_trail_text(trail: Any, schema: TypeSchema | None, zone: tzinfo, record_language: str) -> str:
    """Return a record's git history: a line per commit (time, commit, action, who), then what it changed."""
    lines = []
    if trail.shallow:
        lines.append(translate("trail.shallow"))
    if not trail.entries:
        lines.append(translate("trail.none", id=trail.id))
        return "\n".join(lines)
    lines.append(translate("trail.heading", id=trail.id, count=len(trail.entries)))
    for entry in trail.entries:
        action = entry.action or translate("trail.hand_edit")
        who = translate("trail.actor", by=entry.by, author=entry.author) if entry.by else entry.author
        lines.append("")
        lines.append(f"{_short_time(entry.committed_at, zone)}  {entry.commit[:10]}  {action}  {who}")
        lines.extend(f"    {detail}" for detail in _entry_details(entry, schema, zone, record_language))
        if entry.merged_in and entry.merge_request:
            lines.append("    " + translate("log.merged_request", commit=entry.merged_in[:10], request=entry.merge_request))
        elif entry.merged_in:
            lines.append("    " + translate("log.merged", commit=entry.merged_in[:10]))
    return "\n".join(lines)


# Finding parameters that hold times, shown in the short local form.
TIME_PARAMS = ("at", "recorded", "committed", "date")


def finding_message(finding: Any, zone: tzinfo) -> str:
    """Return a finding's message in the user's language, times shown in the configured zone."""
    params = dict(finding.params)
    for key in TIME_PARAMS:
        if params.get(key):
            params[key] = _short_time(str(params[key]), zone)
    if finding.commit:
        params.setdefault("commit", finding.commit[:10])
    params.setdefault("path", finding.path or "")
    return translate(finding.key, **params)


def render_audit_text(result: Any, zone: tzinfo) -> str:
    """Return one line per finding (severity, code, record, message), then a summary."""
    lines = []
    for finding in result.findings:
        severity = translate(f"audit.severity_{finding.severity}")
        lines.append(f"{severity}  {finding.code}  {finding.record or '-'}: {finding_message(finding, zone)}")
    counts = {"errors": result.count("error"), "warnings": result.count("warning"), "infos": result.count("info")}
    if result.findings:
        lines.append("")
        lines.append(translate("audit.summary", records=result.records, commits=result.commits, **counts))
    else:
        lines.append(translate("audit.clean", records=result.records, commits=result.commits))
    return "\n".join(lines)


def render_audit_json(result: Any, zone: tzinfo) -> str:
    """Return the audit as JSON: findings with stable codes and messages, counts, and what was checked."""
    from commlog.render import to_json

    findings = [
        {
            "severity": finding.severity,
            "code": finding.code,
            "record": finding.record,
            "path": finding.path,
            "commit": finding.commit,
            "message": finding_message(finding, zone),
            "params": finding.params,
        }
        for finding in result.findings
    ]
    counts = {severity: result.count(severity) for severity in ("error", "warning", "info")}
    return to_json({"findings": findings, "counts": counts, "records": result.records, "commits": result.commits, "shallow": result.shallow})
