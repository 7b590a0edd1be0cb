"""Output of ``commlog status``: a table, JSON, GitHub workflow annotations and JUnit XML.

Every renderer works on the same :class:`commlog.services.evaluate.StatusResult`.
Times are shown in the configured time zone; JSON carries ISO 8601 with offsets.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any

from commlog.core.display import list_separator
from commlog.core.sla import SlaItem
from commlog.i18n import get_language, translate
from commlog.render import table, to_json
from commlog.services.evaluate import RecordIssue, StatusItem, StatusResult

SHOWN_BY_DEFAULT = frozenset({"overdue", "at_risk"})
# Characters that XML 1.0 does not allow, even escaped.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def format_duration(span: timedelta, with_days: bool = True) -> str:
    """Return ``span`` (its absolute value) in words of the user's language, in its two largest units.

    ``with_days`` False gives hours and minutes only, for working time, whose
    days have no fixed length.
    """
    minutes = int(abs(span).total_seconds() // 60)
    if minutes == 0:
        return translate("duration.under_minute")
    days, rest = divmod(minutes, 24 * 60) if with_days else (0, minutes)
    hours, minutes = divmod(rest, 60)
    parts = [
        _unit(count, name)
        for count, name in ((days, "day"), (hours, "hour"), (minutes, "minute"))
        if count
    ]
    separator = "" if get_language() == "zh-CN" else " "
    return separator.join(parts[:2])


def _unit(count: int, name: str) -> str:
    return translate(f"duration.{name}") if count == 1 else translate(f"duration.{name}s", count=count)


def sla_label(item: SlaItem) -> str:
    """Return the SLA's name in the user's language, with the milestone's name for a milestone."""
    if item.name is not None:
        return translate("sla.milestone_named", name=item.name)
    return translate(f"sla.{item.sla}")


def state_label(state: str) -> str:
    return translate(f"state.{state.replace('-', '_')}")


def time_text(item: SlaItem) -> str:
    """Describe how much time is left, how late it is, or how it was met, in wall and working time."""
    wall = format_duration(item.wall_left)
    working = format_duration(item.working_left, with_days=False)
    if item.state == "met":
        text = translate("status.time_met", wall=wall)
    elif item.state == "met_late":
        text = translate("status.time_met_late", wall=wall, working=working)
    elif item.state == "overdue":
        text = translate("status.time_late", wall=wall, working=working)
    else:
        text = translate("status.time_left", wall=wall, working=working)
    return text


def short_time(moment: datetime, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _notes(item: SlaItem, zone: tzinfo) -> str:
    """Return notes on a moved or provisional deadline, or an empty text."""
    notes = []
    if item.stored_at is not None:
        notes.append(translate("status.moved", stored=short_time(item.stored_at, zone)))
    if item.provisional_years:
        notes.append(translate("status.provisional_mark", years=", ".join(map(str, item.provisional_years))))
    return ("；" if get_language() == "zh-CN" else "; ").join(notes)


def _time_and_notes(item: SlaItem, zone: tzinfo) -> str:
    notes = _notes(item, zone)
    return f"{time_text(item)} ({notes})" if notes else time_text(item)


def _names(names: Sequence[str]) -> str:
    return list_separator(get_language()).join(names)


def _type_label(item: StatusItem) -> str:
    return item.schema.label() if item.schema is not None else item.type


def render_status_table(result: StatusResult, zone: tzinfo, include_all: bool) -> str:
    """Return the overdue and at-risk SLAs (every listed SLA with ``include_all``) as a table and a summary."""
    shown = [item for item in result.items if include_all or item.sla.state in SHOWN_BY_DEFAULT]
    lines = []
    if shown:
        columns = ["record", "type", "sla", "state", "deadline", "time", "responsible", "title"]
        rows = [_table_row(item, zone) for item in shown]
        if any(row[-1] for row in rows):
            columns.append("note")
        else:
            rows = [row[:-1] for row in rows]
        lines.append(table([translate(f"status.col_{name}") for name in columns], rows, max_width=60))
    else:
        lines.append(translate("status.none_open"))
    lines.append("")
    hidden = len(result.items) - len(shown)
    if hidden:
        lines.append(translate("status.hidden_pending", count=hidden))
    lines.append(
        translate(
            "status.summary",
            overdue=result.count("overdue"),
            at_risk=result.count("at_risk"),
            pending=result.count("pending"),
            at=short_time(result.at, zone),
        )
    )
    return "\n".join(lines)


def _table_row(item: StatusItem, zone: tzinfo) -> list[str]:
    sla = item.sla
    return [
        item.record_id,
        _type_label(item),
        sla_label(sla),
        state_label(sla.state),
        short_time(sla.deadline, zone),
        time_text(sla),
        _names(sla.responsible),
        item.title,
        _notes(sla, zone),
    ]


def status_json_data(result: StatusResult) -> dict[str, Any]:
    """Return the result as JSON-ready data with stable keys; times are ISO 8601 with offsets."""
    return {
        "at": result.at.isoformat(),
        "summary": {state: result.count(state) for state in ("overdue", "at_risk", "pending", "met_late", "met")},
        "items": [item_json(item) for item in result.items],
        "issues": [
            {"path": issue.path, "key": issue.key, "message": describe_issue(issue)} for issue in result.issues
        ],
        "provisional_years": [
            {"year": year, "deadlines": count} for year, count in result.provisional_years().items()
        ],
    }


def item_json(item: StatusItem) -> dict[str, Any]:
    """Return one listed SLA with its record as JSON-ready data."""
    return {
        "record": item.record_id,
        "type": item.type,
        "title": item.title,
        "path": item.path,
        **sla_json(item.sla),
    }


def sla_json(sla: SlaItem) -> dict[str, Any]:
    """Return the state of one SLA as JSON-ready data; times are ISO 8601 with offsets."""
    return {
        "sla": sla.sla,
        "milestone": sla.name,
        "state": sla.state,
        "deadline": sla.deadline.isoformat(),
        "breached_at": _iso(sla.breached_at),
        "met_at": _iso(sla.met_at),
        "started_at": sla.start.isoformat(),
        "clock": sla.clock,
        "responsible": list(sla.responsible),
        "seconds_left": int(sla.wall_left.total_seconds()),
        "working_seconds_left": int(sla.working_left.total_seconds()),
        "provisional_years": list(sla.provisional_years),
        "deadline_source": sla.source,
        "stored_deadline": _iso(sla.stored_at),
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def render_status_json(result: StatusResult) -> str:
    return to_json(status_json_data(result))


def describe_issue(issue: RecordIssue) -> str:
    """Return why a record could not be evaluated, in the user's language."""
    return translate(issue.key, **issue.params)


def provisional_warnings(result: StatusResult) -> list[str]:
    """Return one warning per year without holiday data that listed deadlines depend on."""
    return [
        translate("status.provisional", count=count, year=year)
        for year, count in result.provisional_years().items()
    ]


def _annotation_message(item: StatusItem, zone: tzinfo) -> str:
    sla = item.sla
    return translate(
        "status.annotation",
        record=item.record_id,
        title=item.title,
        sla=sla_label(sla),
        state=state_label(sla.state),
        deadline=short_time(sla.deadline, zone),
        time=_time_and_notes(sla, zone),
        responsible=_names(sla.responsible),
    )


def _escape_data(text: str) -> str:
    """Escape an annotation message as the GitHub Actions toolkit does."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_status_github(result: StatusResult, zone: tzinfo, fail_on: str) -> str:
    """Return GitHub workflow commands: an error per overdue SLA, a warning (or error) per at-risk one.

    At-risk SLAs are errors under ``--fail-on at-risk``. Records that could not
    be evaluated are errors, and years without holiday data are warnings.
    """
    lines = []
    for item in result.items:
        state = item.sla.state
        if state not in SHOWN_BY_DEFAULT:
            continue
        level = "error" if state == "overdue" or fail_on == "at-risk" else "warning"
        title = translate(
            "status.annotation_title", state=state_label(state), sla=sla_label(item.sla), record=item.record_id
        )
        lines.append(
            f"::{level} file={_escape_property(item.path)},title={_escape_property(title)}"
            f"::{_escape_data(_annotation_message(item, zone))}"
        )
    for issue in result.issues:
        lines.append(f"::error file={_escape_property(issue.path)}::{_escape_data(describe_issue(issue))}")
    for warning in provisional_warnings(result):
        lines.append(f"::warning::{_escape_data(warning)}")
    return "\n".join(lines)


def render_status_junit(result: StatusResult, zone: tzinfo, fail_on: str, strict: bool) -> str:
    """Return JUnit XML with one test case per listed SLA and one per record that could not be evaluated.

    Overdue SLAs fail, and so do at-risk ones under ``--fail-on at-risk`` and
    provisional deadlines under ``--strict``; unreadable records are errors.
    Non-ASCII text is written as character references, so the XML stays valid
    on a console of any encoding.
    """
    failing = {"overdue", "at_risk"} if fail_on == "at-risk" else {"overdue"}
    if fail_on == "never":
        failing = set()
    suite = ElementTree.Element("testsuite")
    failures = 0
    for item in result.items:
        case = ElementTree.SubElement(
            suite, "testcase", name=_xml_text(f"{item.record_id} {sla_label(item.sla)}"),
            classname=_xml_text(f"{item.type}.{item.sla.sla}"), time="0",
        )
        failed = _junit_failures(case, item, zone, failing, strict)
        failures += 1 if failed else 0
        output = ElementTree.SubElement(case, "system-out")
        output.text = _xml_text(f"{item.path}\n{_annotation_message(item, zone)}")
    for issue in result.issues:
        case = ElementTree.SubElement(
            suite, "testcase", name=_xml_text(issue.path), classname="commlog.records", time="0"
        )
        message = _xml_text(translate("status.junit_issue"))
        error = ElementTree.SubElement(case, "error", type=issue.key, message=message)
        error.text = _xml_text(describe_issue(issue))
    _suite_attributes(suite, result, len(result.items) + len(result.issues), failures)
    suites = ElementTree.Element(
        "testsuites", name="commlog", tests=suite.get("tests", "0"), failures=str(failures),
        errors=str(len(result.issues)), time="0",
    )
    suites.append(suite)
    body = ElementTree.tostring(suites, encoding="us-ascii", xml_declaration=False).decode("ascii")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body


def _junit_failures(
    case: ElementTree.Element, item: StatusItem, zone: tzinfo, failing: set[str], strict: bool
) -> bool:
    """Add the failures of one SLA to its test case; return whether there is any."""
    failed = False
    message = _xml_text(_annotation_message(item, zone))
    if item.sla.state in failing:
        failure = ElementTree.SubElement(case, "failure", type=item.sla.state, message=message)
        failure.text = message
        failed = True
    if strict and item.sla.provisional_years:
        years = ", ".join(map(str, item.sla.provisional_years))
        message = _xml_text(translate("status.strict_failed", years=years))
        failure = ElementTree.SubElement(case, "failure", type="provisional", message=message)
        failure.text = message
        failed = True
    return failed


def _suite_attributes(suite: ElementTree.Element, result: StatusResult, tests: int, failures: int) -> None:
    suite.set("name", _xml_text(translate("status.junit_suite")))
    suite.set("tests", str(tests))
    suite.set("failures", str(failures))
    suite.set("errors", str(len(result.issues)))
    suite.set("skipped", "0")
    suite.set("time", "0")
    suite.set("timestamp", result.at.isoformat())


def _xml_text(text: str) -> str:
    """Replace the characters XML cannot carry, such as control characters from a hand-edited title."""
    return _XML_INVALID.sub("\ufffd", text)


def render_record_slas(items: Sequence[SlaItem], at: datetime, zone: tzinfo) -> str:
    """Return the SLA section of ``commlog show``: one aligned line per SLA of the record."""
    heading = translate("show.sla_heading", at=short_time(at, zone))
    if not items:
        return f"{heading}\n  {translate('show.sla_none')}"
    rows = [
        [
            sla_label(item),
            state_label(item.state),
            short_time(item.deadline, zone),
            _time_and_notes(item, zone),
            _names(item.responsible),
        ]
        for item in items
    ]
    headers = [translate(f"status.col_{name}") for name in ("sla", "state", "deadline", "time", "responsible")]
    body = table(headers, rows, max_width=60)
    return heading + "\n" + "\n".join(f"  {line}" for line in body.split("\n"))
