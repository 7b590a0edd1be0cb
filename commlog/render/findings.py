"""Renderers of ``commlog check`` findings: text, JSON, GitHub workflow commands and JUnit XML."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from commlog.core.checks import ERROR, Finding
from commlog.i18n import translate

FORMATS = ("text", "json", "github", "junit")


def finding_message(finding: Finding) -> str:
    """Return a finding's message in the user's language."""
    return translate(finding.key, **finding.params)


def _location(finding: Finding) -> str:
    return f"{finding.path}:{finding.line}" if finding.line else finding.path


def render_text(report: Any) -> str:
    """Return one line per finding (``path:line: severity [code] message``) and a summary line."""
    lines = []
    for finding in report.findings:
        severity = translate(f"check.severity_{finding.severity}")
        lines.append(f"{_location(finding)}: {severity} [{finding.code}] {finding_message(finding)}")
    lines.append(translate("check.summary", errors=report.errors, warnings=report.warnings, files=len(report.checked)))
    return "\n".join(lines)


def render_json(report: Any) -> str:
    """Return the report as JSON: counts, the base when given, and every finding with its message."""
    from commlog.render import to_json

    data: dict[str, Any] = {
        "checked": len(report.checked),
        "errors": report.errors,
        "warnings": report.warnings,
        "base": report.base,
        "merge_base": report.merge_base,
        "findings": [
            {
                "path": finding.path,
                "line": finding.line,
                "code": finding.code,
                "severity": finding.severity,
                "message": finding_message(finding),
            }
            for finding in report.findings
        ],
    }
    return to_json(data)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: Any) -> str:
    """Return GitHub Actions workflow commands (``::error file=…,line=…,title=…::message``), one per finding."""
    lines = []
    for finding in report.findings:
        command = "error" if finding.severity == ERROR else "warning"
        properties = [f"file={_escape_property(finding.path)}"]
        if finding.line:
            properties.append(f"line={finding.line}")
        properties.append(f"title={_escape_property('commlog ' + finding.code)}")
        lines.append(f"::{command} {','.join(properties)}::{_escape_data(finding_message(finding))}")
    lines.append(translate("check.summary", errors=report.errors, warnings=report.warnings, files=len(report.checked)))
    return "\n".join(lines)


def render_junit(report: Any, suite_name: str = "commlog check") -> str:
    """Return a JUnit XML report: one test case per file, a failure per error, warnings as system-out."""
    import xml.etree.ElementTree as ElementTree

    by_path: dict[str, list[Finding]] = {path: [] for path in report.checked}
    for finding in report.findings:
        by_path.setdefault(finding.path, []).append(finding)
    failed = sum(1 for findings in by_path.values() if any(item.severity == ERROR for item in findings))
    root = ElementTree.Element("testsuites", name=suite_name, tests=str(len(by_path)), failures=str(failed), errors="0")
    suite = ElementTree.SubElement(root, "testsuite", name=suite_name, tests=str(len(by_path)),
                                   failures=str(failed), errors="0", skipped="0")
    for path in sorted(by_path):
        case = ElementTree.SubElement(suite, "testcase", classname="commlog.check", name=path)
        warnings = []
        for finding in by_path[path]:
            text = f"{_location(finding)}: [{finding.code}] {finding_message(finding)}"
            if finding.severity == ERROR:
                failure = ElementTree.SubElement(case, "failure", type=finding.code, message=finding_message(finding))
                failure.text = text
            else:
                warnings.append(text)
        if warnings:
            ElementTree.SubElement(case, "system-out").text = "\n".join(warnings)
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode")


RENDERERS: dict[str, Callable[[Any], str]] = {
    "text": render_text,
    "json": render_json,
    "github": render_github,
    "junit": render_junit,
}
