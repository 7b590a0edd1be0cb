"""The monthly review as Markdown: headings, tables and lists in the user's language."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from commlog.core.display import list_separator
from commlog.i18n import get_language, pick_label, translate

# Rows of a volume table beyond this are summed into one "other" row.
TABLE_ROWS = 15


def format_duration(span: timedelta | None) -> str:
    """Return a duration as hours and minutes (``3 h 05 min`` / ``3小时05分``); ``—`` for None."""
    if span is None:
        return "—"
    minutes = int(round(span.total_seconds() / 60))
    hours, rest = divmod(minutes, 60)
    if hours == 0:
        return translate("report.minutes", minutes=rest)
    return translate("report.hours_minutes", hours=hours, minutes=f"{rest:02d}")


def format_days(span: timedelta) -> str:
    """Return a calendar duration in days with one decimal (``12.5 days`` / ``12.5天``)."""
    return translate("report.days", days=f"{span.total_seconds() / 86400:.1f}")


def format_change(count: int, previous: int) -> str:
    """Return the change against the previous period: ``+6 (+25%)``, ``-2 (-10%)`` or ``+3 (new)``."""
    delta = count - previous
    if delta == 0:
        return "0"
    if previous == 0:
        return f"{delta:+d} ({translate('report.new')})"
    return f"{delta:+d} ({delta / previous:+.0%})"


def format_moment(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def label(labels: Mapping[str, str], fallback: str) -> str:
    return pick_label(labels, fallback) if labels else fallback


def cell(text: Any) -> str:
    """Return text safe inside a Markdown table cell: no pipes breaking columns, no line breaks."""
    return " ".join(str(text).split()).replace("|", "\\|")


def md_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(cell(header) for header in headers) + " |"]
    lines.append("|" + "|".join(" --- " for _ in headers) + "|")
    lines.extend("| " + " | ".join(cell(value) for value in row) + " |" for row in rows)
    return lines


def period_line(result: Any) -> str:
    period, previous = result.period, result.previous
    return translate(
        "report.period_line",
        first=period.start.date().isoformat(),
        last=period.last_day.isoformat(),
        previous_first=previous.start.date().isoformat(),
        previous_last=previous.last_day.isoformat(),
        at=format_moment(result.at),
    )


def group_name(group: Any) -> str:
    """Return the display name of a volume group: its schema label, else its key."""
    return label(group.labels, group.key.rpartition("/")[2])


def _volume_section(title: str, groups: Sequence[Any], section: str) -> list[str]:
    lines = ["", f"### {title}", ""]
    if not groups:
        return lines + [translate("report.none")]
    headers = [translate("report.col_group"), translate("report.col_count"),
               translate("report.col_previous"), translate("report.col_change")]
    rows = [[group_name(group), group.count, group.previous, format_change(group.count, group.previous)]
            for group in groups[:TABLE_ROWS]]
    rest = groups[TABLE_ROWS:]
    if rest:
        count, previous = sum(group.count for group in rest), sum(group.previous for group in rest)
        rows.append([translate("report.other", count=len(rest)), count, previous, format_change(count, previous)])
    return lines + md_table(headers, rows)


def volume_sections(result: Any) -> list[tuple[str, list[Any], str]]:
    """Return (title, groups, section key) of each volume breakdown, in report order."""
    return [
        (translate("report.by_type"), result.by_type, "type"),
        (translate("report.by_category"), result.by_category, "category"),
        (translate("report.by_channel"), result.by_channel, "channel"),
        (translate("report.by_requesting"), result.by_requesting, "requesting"),
        (translate("report.by_receiving"), result.by_receiving, "receiving"),
    ]


def _overview(result: Any) -> list[str]:
    lines = ["", f"## {translate('report.overview')}", ""]
    headers = [translate("report.col_measure"), translate("report.col_count"),
               translate("report.col_previous"), translate("report.col_change")]
    rows = [[translate("report.total"), result.total, result.previous_total,
             format_change(result.total, result.previous_total)]]
    lines += md_table(headers, rows)
    lines += ["", translate("report.open_now", count=result.open_total)]
    return lines


def timing_table(result: Any) -> tuple[list[str], list[list[Any]]]:
    """Return the headers and rows of the response-time table."""
    headers = [translate("report.col_timing"), translate("report.col_records"),
               translate("report.col_median"), translate("report.col_p90")]
    rows = [[translate(f"report.timing.{timing.name}"), timing.count, format_duration(timing.median),
             format_duration(timing.p90)] for timing in result.timings]
    return headers, rows


def _timings(result: Any) -> list[str]:
    lines = ["", f"## {translate('report.timings')}", "", translate("report.timings_note"), ""]
    return lines + md_table(*timing_table(result))


def _topics(result: Any) -> list[str]:
    lines = ["", f"## {translate('report.repeats')}", "", f"### {translate('report.repeat_topics')}", ""]
    separator = list_separator(get_language())
    if not result.repeat_topics:
        lines.append(translate("report.none"))
    for group in result.repeat_topics:
        ids = separator.join(f"{ref.id} {ref.title}" for ref in group.records)
        lines.append(f"- **{cell(group.name)}** ({len(group.records)}): {cell(ids)}")
    lines += ["", f"### {translate('report.repeat_clients')}", ""]
    if not result.repeat_clients:
        lines.append(translate("report.none"))
    for group in result.repeat_clients:
        ids = separator.join(f"{ref.id} {ref.title}" for ref in group.records)
        lines.append(f"- **{cell(group.name)}** ({len(group.records)}): {cell(ids)}")
    return lines


def longest_open_table(result: Any) -> tuple[list[str], list[list[Any]]]:
    """Return the headers and rows of the longest-open records."""
    headers = [translate("report.col_id"), translate("report.col_title"), translate("report.col_type"),
               translate("report.col_status"), translate("report.col_created"), translate("report.col_open_for"),
               translate("report.col_open_working")]
    rows = [[item.record.id, item.record.title, label(item.record.type_labels, item.record.type),
             label(item.status_labels, ""), format_moment(item.created_at), format_days(item.open_for),
             format_duration(item.open_working)] for item in result.longest_open]
    return headers, rows


def _longest_open(result: Any) -> list[str]:
    lines = ["", f"## {translate('report.longest_open')}", ""]
    if not result.longest_open:
        return lines + [translate("report.none")]
    return lines + md_table(*longest_open_table(result))


def tally_table(tallies: Sequence[Any], count_header: str) -> tuple[list[str], list[list[Any]]]:
    """Return the headers and rows of a field tally (left empty, or changed after creation)."""
    headers = [translate("report.col_type"), translate("report.col_field"), count_header,
               translate("report.col_records"), translate("report.col_share")]
    rows = [[label(tally.type_labels, tally.type), f"{label(tally.field_labels, tally.field)} ({tally.field})",
             tally.count, tally.total, f"{tally.count / tally.total:.0%}"] for tally in tallies[:TABLE_ROWS]]
    return headers, rows


def _tally_table(tallies: Sequence[Any], count_header: str) -> list[str]:
    if not tallies:
        return [translate("report.none")]
    return md_table(*tally_table(tallies, count_header))


def _improve(result: Any) -> list[str]:
    lines = ["", f"## {translate('report.improve')}", "", f"### {translate('report.empty_fields')}", ""]
    lines += _tally_table(result.empty_fields, translate("report.col_left_empty"))
    lines += ["", f"### {translate('report.changed_fields')}", ""]
    lines += _tally_table(result.changed_fields, translate("report.col_changed"))
    return lines


def _footer(result: Any) -> list[str]:
    lines = ["", "---", "", translate("report.footer", calendar=result.calendar_version)]
    for item in result.unreadable:
        lines.append("")
        lines.append(translate("report.unreadable", path=item.path, reason=translate(item.key, **item.params)))
    return lines


def render_report_markdown(result: Any) -> str:
    """Return the review of ``result`` as a Markdown document."""
    lines = [f"# {translate('report.title', period=result.period.label)}", "", period_line(result)]
    lines += _overview(result)
    lines += ["", f"## {translate('report.volume')}"]
    for title, groups, section in volume_sections(result):
        lines += _volume_section(title, groups, section)
    lines += sla_sections(result)
    lines += _timings(result)
    lines += _topics(result)
    lines += _longest_open(result)
    lines += _improve(result)
    lines += _footer(result)
    return "\n".join(lines) + "\n"


RUNNING_STATES = ("pending", "at_risk")


def attainment(states: Mapping[str, int]) -> float | None:
    """Return the share of judged SLAs met in time (met / (met + met_late + overdue)); None when none."""
    judged = states.get("met", 0) + states.get("met_late", 0) + states.get("overdue", 0)
    return states.get("met", 0) / judged if judged else None


def format_share(share: float | None) -> str:
    return "—" if share is None else f"{share:.0%}"


def format_late(span: timedelta) -> str:
    """Return how late an SLA is: hours and minutes below a day, else days."""
    return format_duration(span) if span < timedelta(days=1) else format_days(span)


def sla_name(sla: str, name: str | None = None) -> str:
    text = translate(f"sla.{sla}")
    return f"{text} · {name}" if name else text


def sla_table(result: Any) -> tuple[list[str], list[list[Any]]]:
    """Return the headers and rows of SLA attainment per SLA and type."""
    headers = [translate("report.col_sla"), translate("report.col_type"), translate("report.state.met"),
               translate("report.state.met_late"), translate("report.state.pending"),
               translate("report.state.overdue"), translate("report.col_in_time")]
    rows = [[sla_name(tally.sla), label(tally.type_labels, tally.type), tally.states.get("met", 0),
             tally.states.get("met_late", 0), sum(tally.states.get(state, 0) for state in RUNNING_STATES),
             tally.states.get("overdue", 0), format_share(attainment(tally.states))] for tally in result.sla]
    return headers, rows


def overdue_table(result: Any) -> tuple[list[str], list[list[Any]]]:
    """Return the headers and rows of the overdue SLAs with who must act."""
    separator = list_separator(get_language())
    headers = [translate("report.col_id"), translate("report.col_title"), translate("report.col_sla"),
               translate("report.col_deadline"), translate("report.col_late"), translate("report.col_who")]
    rows = [[item.record.id, item.record.title, sla_name(item.sla, item.name), format_moment(item.deadline),
             format_late(item.late), separator.join(item.responsible) or "—"] for item in result.overdue]
    return headers, rows


def sla_sections(result: Any) -> list[str]:
    """Return the SLA attainment and overdue sections."""
    lines = ["", f"## {translate('report.sla')}", "", translate("report.sla_note"), ""]
    lines += md_table(*sla_table(result)) if result.sla else [translate("report.none")]
    lines += ["", f"## {translate('report.overdue', count=len(result.overdue))}", ""]
    lines += md_table(*overdue_table(result)) if result.overdue else [translate("report.none")]
    return lines
