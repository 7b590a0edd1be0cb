"""The monthly review as one self-contained HTML page with charts.

Charts are inline SVG drawn here; the page loads nothing from anywhere (no
scripts, fonts, images or style sheets from URLs), so it can be mailed,
archived in git and opened offline. Every text is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from html import escape
from typing import Any

from commlog.core.display import list_separator
from commlog.i18n import get_language, translate
from commlog.render.report_markdown import (
    attainment,
    format_change,
    format_duration,
    format_share,
    group_name,
    longest_open_table,
    overdue_table,
    period_line,
    sla_name,
    sla_table,
    tally_table,
    timing_table,
    volume_sections,
)

CHART_ROWS = 8
LABEL_CHARS = 11
PRIMARY = "#2f6fde"
SECONDARY = "#c3d3f0"
COLOURS = {"met": "#2e9e5b", "met_late": "#e0a030", "overdue": "#d64545", "at_risk": "#8e7cc3", "pending": "#b8c2cc"}

STYLE = """
:root { --ink: #1d2733; --muted: #5d6b7a; --line: #e3e8ee; --card: #ffffff; --page: #f3f5f8; --accent: #2f6fde; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--page); color: var(--ink);
  font: 15px/1.55 "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Droid Sans Fallback", system-ui, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 32px 24px 48px; }
header.top { background: linear-gradient(120deg, #1f4fa8, #2f6fde 60%, #4f8ff0); color: #fff;
  border-radius: 14px; padding: 26px 30px; margin-bottom: 22px; }
header.top h1 { margin: 0 0 6px; font-size: 28px; }
header.top p { margin: 0; opacity: .9; }
h2 { font-size: 20px; margin: 30px 0 12px; padding-left: 10px; border-left: 4px solid var(--accent); }
h3 { font-size: 15px; margin: 0 0 10px; color: var(--muted); font-weight: 600; }
.tiles { display: grid; grid-template-columns: repeat(4, 1fr); gap: 14px; }
.tile { background: var(--card); border-radius: 12px; padding: 16px 18px; box-shadow: 0 1px 3px rgba(20,40,80,.08); }
.tile .name { color: var(--muted); font-size: 13px; }
.tile .value { font-size: 30px; font-weight: 700; margin: 4px 0 2px; }
.tile .note { font-size: 13px; color: var(--muted); }
.up { color: #c0392b; } .down { color: #2e9e5b; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 16px; }
.card { background: var(--card); border-radius: 12px; padding: 18px 20px; box-shadow: 0 1px 3px rgba(20,40,80,.08); }
.card.wide { grid-column: 1 / -1; }
svg.chart { width: 100%; height: auto; display: block; }
svg.chart text { font-size: 13px; fill: var(--ink); }
svg.chart text.muted { fill: var(--muted); }
table { width: 100%; border-collapse: collapse; font-size: 14px; }
th, td { text-align: left; padding: 7px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; background: #f8fafc; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; background: #eef2f7; }
.badge.overdue { background: #fde8e8; color: #b42323; }
ul.topics { margin: 0; padding-left: 18px; } ul.topics li { margin-bottom: 8px; }
.ids { color: var(--muted); font-size: 13px; }
.none { color: var(--muted); }
.scroll { max-height: 560px; overflow: auto; }
.scroll th { position: sticky; top: 0; }
footer { margin-top: 36px; color: var(--muted); font-size: 13px; }
"""


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(rows: Sequence[tuple[str, float, float]], legend: tuple[str, str], shown: Any) -> str:
    """Return an SVG of horizontal bars: a thick bar for each row's first value, a thin one for its second.

    ``shown(value)`` formats the number written after the thick bar.
    """
    label_width, bar_width, row_height, top = 130, 290, 34, 26
    height = top + row_height * len(rows) + 4
    largest = max([value for _, first, second in rows for value in (first, second)] + [1e-9])
    parts = [f'<svg class="chart bars" viewBox="0 0 500 {height}" role="img">',
             _legend(legend, label_width)]
    for index, (name, first, second) in enumerate(rows):
        y = top + index * row_height
        first_width = max(bar_width * first / largest, 2 if first else 0)
        second_width = max(bar_width * second / largest, 2 if second else 0)
        parts.append(f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end"><title>{escape(name)}</title>'
                     f'{escape(_short(name))}</text>')
        parts.append(f'<rect class="bar" x="{label_width}" y="{y + 3}" width="{first_width:.1f}" height="16" '
                     f'rx="3" fill="{PRIMARY}" data-value="{first}"/>')
        parts.append(f'<rect class="bar-secondary" x="{label_width}" y="{y + 22}" width="{second_width:.1f}" '
                     f'height="6" rx="2" fill="{SECONDARY}" data-value="{second}"/>')
        parts.append(f'<text x="{label_width + first_width + 6:.1f}" y="{y + 16}">{escape(shown(first))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _legend(names: tuple[str, str], x: int) -> str:
    first, second = (escape(name) for name in names)
    return (f'<rect x="{x}" y="4" width="12" height="12" rx="2" fill="{PRIMARY}"/>'
            f'<text x="{x + 18}" y="14" class="muted">{first}</text>'
            f'<rect x="{x + 120}" y="8" width="12" height="6" rx="2" fill="{SECONDARY}"/>'
            f'<text x="{x + 138}" y="14" class="muted">{second}</text>')


def daily_chart(daily: Sequence[tuple[date, int]]) -> str:
    """Return an SVG column chart of records created per day; days off are shaded."""
    width, height, left, bottom, top = 1040, 200, 34, 26, 12
    plot_width, plot_height = width - left - 8, height - top - bottom
    largest = max([count for _, count in daily] + [1])
    step = plot_width / max(len(daily), 1)
    every = 1 if len(daily) <= 31 else 7
    parts = [f'<svg class="chart daily" viewBox="0 0 {width} {height}" role="img">']
    for tick in _ticks(largest):
        y = top + plot_height - plot_height * tick / largest
        parts.append(f'<line x1="{left}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e8ee"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="muted">{tick}</text>')
    for index, (day, count) in enumerate(daily):
        x = left + index * step
        if day.weekday() >= 5:
            parts.append(f'<rect x="{x:.1f}" y="{top}" width="{step:.1f}" height="{plot_height}" fill="#f4f6f9"/>')
        bar_height = plot_height * count / largest
        parts.append(f'<rect class="day" x="{x + step * 0.15:.1f}" y="{top + plot_height - bar_height:.1f}" '
                     f'width="{step * 0.7:.1f}" height="{bar_height:.1f}" rx="2" fill="{PRIMARY}" '
                     f'data-value="{count}"><title>{day.isoformat()}: {count}</title></rect>')
        if index % every == 0:
            parts.append(f'<text x="{x + step / 2:.1f}" y="{height - 8}" text-anchor="middle" class="muted">'
                         f'{day.day}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _ticks(largest: int) -> list[int]:
    step = max(1, -(-largest // 4))
    return list(range(0, largest + 1, step))


def stacked_bars(rows: Sequence[tuple[str, dict[str, int]]], order: Sequence[str]) -> str:
    """Return an SVG with one bar per row split into coloured parts by state (met, late, overdue…)."""
    label_width, bar_width, row_height, top = 150, 730, 32, 30
    height = top + row_height * len(rows) + 4
    parts = [f'<svg class="chart stacked" viewBox="0 0 960 {height}" role="img">']
    x = label_width
    for state in order:
        parts.append(f'<rect x="{x}" y="6" width="12" height="12" rx="2" fill="{COLOURS[state]}"/>'
                     f'<text x="{x + 16}" y="16" class="muted">{escape(translate(f"report.state.{state}"))}</text>')
        x += 110
    for index, (name, values) in enumerate(rows):
        y = top + index * row_height
        total = sum(values.values()) or 1
        parts.append(f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end">{escape(_short(name, 14))}</text>')
        offset = float(label_width)
        for state in order:
            share = values.get(state, 0) / total
            if share:
                parts.append(f'<rect class="segment {state}" x="{offset:.1f}" y="{y + 2}" '
                             f'width="{bar_width * share:.1f}" height="18" fill="{COLOURS[state]}" '
                             f'data-value="{values[state]}"><title>{values[state]}</title></rect>')
            offset += bar_width * share
        met = values.get("met", 0)
        parts.append(f'<text x="{label_width + bar_width + 8}" y="{y + 15}">{met / total:.0%}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _tile(name: str, value: str, note: str = "", note_class: str = "") -> str:
    note_html = f'<div class="note {note_class}">{escape(note)}</div>' if note else ""
    return (f'<div class="tile"><div class="name">{escape(name)}</div>'
            f'<div class="value">{escape(value)}</div>{note_html}</div>')


def _tiles(result: Any) -> str:
    change = format_change(result.total, result.previous_total)
    trend = ""
    if result.total > result.previous_total:
        trend = "up"
    elif result.total < result.previous_total:
        trend = "down"
    timings = {timing.name: timing for timing in result.timings}
    tiles = [_tile(translate("report.total"), str(result.total),
                   translate("report.tile_vs_previous", change=change), trend)]
    tiles += sla_tiles(result)
    tiles.append(_tile(translate("report.tile_open"), str(result.open_total)))
    for name in ("ack", "feedback", "resolution"):
        timing = timings[name]
        tiles.append(_tile(translate(f"report.tile_{name}"), format_duration(timing.median),
                           translate("report.tile_p90", value=format_duration(timing.p90))))
    tiles.append(_tile(translate("report.tile_repeats"), str(len(result.repeat_topics)),
                       translate("report.tile_clients", count=len(result.repeat_clients))))
    return f'<section class="tiles">{"".join(tiles)}</section>'


def _volume(result: Any) -> str:
    legend = (translate("report.col_count"), translate("report.col_previous"))
    cards = [f'<div class="card wide"><h3>{escape(translate("report.daily"))}</h3>{daily_chart(result.daily)}</div>']
    for title, groups, section in volume_sections(result):
        if not groups:
            body = f'<p class="none">{escape(translate("report.none"))}</p>'
        else:
            rows = [(group_name(group), group.count, group.previous) for group in groups[:CHART_ROWS]]
            body = bar_chart(rows, legend, lambda value: str(int(value)))
        cards.append(f'<div class="card" id="volume-{section}"><h3>{escape(title)}</h3>{body}</div>')
    return f'<h2>{escape(translate("report.volume"))}</h2><section class="grid">{"".join(cards)}</section>'


def _timings(result: Any) -> str:
    rows = [(translate(f"report.timing.{timing.name}"),
             (timing.median or timedelta(0)).total_seconds() / 3600,
             (timing.p90 or timedelta(0)).total_seconds() / 3600) for timing in result.timings]
    legend = (translate("report.col_median"), translate("report.col_p90"))
    chart = bar_chart(rows, legend, lambda hours: format_duration(timedelta(hours=hours)))
    table = _table(*timing_table(result), numeric=(1,))
    note = f'<p class="none">{escape(translate("report.timings_note"))}</p>'
    return (f'<h2>{escape(translate("report.timings"))}</h2><section class="grid">'
            f'<div class="card">{chart}</div><div class="card">{table}{note}</div></section>')


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]], numeric: Sequence[int] = ()) -> str:
    head = "".join(f'<th class="{"num" if index in numeric else ""}">{escape(str(text))}</th>'
                   for index, text in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f'<td class="{"num" if index in numeric else ""}">{escape(str(value))}</td>'
                         for index, value in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _topic_list(groups: Sequence[Any]) -> str:
    if not groups:
        return f'<p class="none">{escape(translate("report.none"))}</p>'
    separator = list_separator(get_language())
    items = "".join(
        f'<li><strong>{escape(group.name)}</strong> <span class="badge">{len(group.records)}</span><br>'
        f'<span class="ids">{escape(separator.join(f"{ref.id} {ref.title}" for ref in group.records))}</span></li>'
        for group in groups
    )
    return f'<ul class="topics">{items}</ul>'


def _card_pair(title_key: str, cards: Sequence[tuple[str, str]]) -> str:
    """Return a section heading and a grid of cards, each (heading key, inner HTML)."""
    inner = "".join(f'<div class="card"><h3>{escape(translate(key))}</h3>{body}</div>' for key, body in cards)
    return f'<h2>{escape(translate(title_key))}</h2><section class="grid">{inner}</section>'


def _repeats(result: Any) -> str:
    return _card_pair("report.repeats", [("report.repeat_topics", _topic_list(result.repeat_topics)),
                                         ("report.repeat_clients", _topic_list(result.repeat_clients))])


def _longest_open(result: Any) -> str:
    if not result.longest_open:
        body = f'<p class="none">{escape(translate("report.none"))}</p>'
    else:
        body = _table(*longest_open_table(result), numeric=(5, 6))
    return (f'<h2>{escape(translate("report.longest_open"))}</h2>'
            f'<section class="card wide">{body}</section>')


def _tally_table(tallies: Sequence[Any], count_header: str) -> str:
    if not tallies:
        return f'<p class="none">{escape(translate("report.none"))}</p>'
    return _table(*tally_table(tallies, count_header), numeric=(2, 3, 4))


def _improve(result: Any) -> str:
    return _card_pair("report.improve", [
        ("report.empty_fields", _tally_table(result.empty_fields, translate("report.col_left_empty"))),
        ("report.changed_fields", _tally_table(result.changed_fields, translate("report.col_changed"))),
    ])


def _footer(result: Any) -> str:
    lines = [escape(translate("report.footer", calendar=result.calendar_version))]
    lines += [escape(translate("report.unreadable", path=item.path, reason=translate(item.key, **item.params)))
              for item in result.unreadable]
    return "<footer>" + "<br>".join(lines) + "</footer>"


def render_report_html(result: Any) -> str:
    """Return the review of ``result`` as a self-contained HTML page."""
    title = translate("report.title", period=result.period.label)
    language = "zh-CN" if get_language() == "zh-CN" else "en"
    sections = [
        f'<header class="top"><h1>{escape(title)}</h1><p>{escape(period_line(result))}</p></header>',
        _tiles(result),
        _volume(result),
        sla_html(result),
        _timings(result),
        _repeats(result),
        _longest_open(result),
        _improve(result),
        _footer(result),
    ]
    return (f'<!DOCTYPE html>\n<html lang="{language}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
            f"<body><main>{''.join(sections)}</main></body></html>\n")


def _sla_totals(result: Any) -> dict[str, dict[str, int]]:
    """Sum the SLA states over the record types, per SLA name."""
    totals: dict[str, dict[str, int]] = {}
    for tally in result.sla:
        states = totals.setdefault(tally.sla, {})
        for state, count in tally.states.items():
            states[state] = states.get(state, 0) + count
    return totals


def sla_tiles(result: Any) -> list[str]:
    """Return the KPI tiles of SLA attainment: the share met in time, and the overdue count."""
    overall: dict[str, int] = {}
    for states in _sla_totals(result).values():
        for state, count in states.items():
            overall[state] = overall.get(state, 0) + count
    met_late = overall.get("met_late", 0)
    return [
        _tile(translate("report.tile_in_time"), format_share(attainment(overall)),
              translate("report.tile_late", count=met_late)),
        _tile(translate("report.tile_overdue"), str(len(result.overdue)), translate("report.tile_overdue_note"),
              "up" if result.overdue else ""),
    ]


def sla_html(result: Any) -> str:
    """Return the SLA attainment chart and table, and the overdue items."""
    heading = f'<h2>{escape(translate("report.sla"))}</h2>'
    if not result.sla:
        attained = f'<section class="card wide"><p class="none">{escape(translate("report.none"))}</p></section>'
    else:
        rows = [(sla_name(sla), states) for sla, states in _sla_totals(result).items()]
        chart = stacked_bars(rows, ("met", "met_late", "pending", "at_risk", "overdue"))
        note = f'<p class="none">{escape(translate("report.sla_note"))}</p>'
        attained = (f'<section class="grid"><div class="card wide">{chart}{note}</div>'
                    f'<div class="card wide">{_table(*sla_table(result), numeric=(2, 3, 4, 5, 6))}</div></section>')
    overdue_heading = f'<h2>{escape(translate("report.overdue", count=len(result.overdue)))}</h2>'
    if result.overdue:
        overdue = (f'<section class="card wide overdue"><div class="scroll">'
                   f'{_table(*overdue_table(result), numeric=(4,))}</div></section>')
    else:
        overdue = f'<section class="card wide"><p class="none">{escape(translate("report.none"))}</p></section>'
    return heading + attained + overdue_heading + overdue
