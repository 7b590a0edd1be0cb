"""Validation of record files: findings from a file's text, its schema and the check policy.

Everything here is pure: the caller reads the files and passes their text, a
way to look up type schemas, and the policy from ``commlog.yaml``. A finding
has a stable code (``missing-field``, ``pii-mobile``…), a severity, the file
and line it is about, and a message key with parameters, so renderers can
print it in the user's language.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import PurePosixPath
from typing import Any

import yaml

from commlog.core.pii import DETECTORS, find_pii
from commlog.core.record import FOLDER_RE, ID_RE, LOG_END, LOG_START, RECORDS_DIR, SYSTEM_KEYS, quarter_of
from commlog.core.schema import PERSON_KINDS, FieldSpec, TypeSchema
from commlog.core.stored import NON_TEXT_KINDS, is_blank, is_stored_datetime, preview, value_problems
from commlog.core.timeparse import load_datetime

ERROR = "error"
WARNING = "warning"
DEFAULT_SEVERITY = {
    "invalid-yaml": ERROR,
    "missing-field": ERROR,
    "invalid-value": ERROR,
    "id-mismatch": ERROR,
    "folder-mismatch": ERROR,
    "duplicate-id": ERROR,
    "conflict-markers": ERROR,
    "no-front-matter": ERROR,
    "not-utf8": ERROR,
    "unknown-key": WARNING,
    "pii-mobile": ERROR,
    "pii-id-card": ERROR,
    "pii-email": ERROR,
    "pii-bank-card": ERROR,
    "illegal-transition": ERROR,
    "record-deleted": ERROR,
    "record-moved-out": ERROR,
    "history-rewritten": ERROR,
    "closed-record-edited": ERROR,
    "codeowners-stale": WARNING,
    "attachment-missing": ERROR,
    "attachment-changed": ERROR,
    "attachment-unlisted": ERROR,
    "attachment-invalid": ERROR,
}
CODES = tuple(DEFAULT_SEVERITY)
CONFLICT_MARKER_RE = re.compile(r"^(?:<{7}(?: |$)|\|{7}(?: |$)|={7}$|>{7}(?: |$))")
# Sub-keys of the event lists commlog keeps; the first tuple is required.
EVENT_KEYS = {
    "acks": (("by", "at"), ("recorded_at",)),
    "feedback": (("by", "at", "text"), ("recorded_at",)),
    "history": (("action", "at", "by"), ("from", "to", "text", "fields", "recorded_at")),
    "attachments": (("path", "sha256"), ("size", "added_at", "by", "note")),
}
EVENT_DATETIMES = ("at", "recorded_at", "added_at")
Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Finding:
    """One problem found in a record file, with a stable code and a message key."""

    path: str
    line: int | None
    code: str
    severity: str
    key: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PiiPolicy:
    """Personal-data detectors per kind of value, from the ``check.pii`` section of ``commlog.yaml``.

    ``person`` applies to person fields (kind person or party, and the ``by``
    of events), ``text`` to every other text value, ``body`` to the Markdown
    body. ``keys`` replaces the detectors of one key, written as a dotted path
    without list indexes (``owners.person``, ``feedback.text``, ``reference``).
    """

    person: tuple[str, ...] = DETECTORS
    text: tuple[str, ...] = ("mobile", "id_card", "bank_card")
    body: tuple[str, ...] = DETECTORS
    keys: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    allowed_email_domains: tuple[str, ...] = ()

    def detectors_for(self, dotted: str, is_person: bool) -> tuple[str, ...]:
        """Return the detectors of a front-matter value at ``dotted``; the most specific key wins."""
        parts = dotted.split(".")
        for length in range(len(parts), 0, -1):
            configured = self.keys.get(".".join(parts[:length]))
            if configured is not None:
                return configured
        return self.person if is_person else self.text


@dataclass(frozen=True)
class CheckPolicy:
    """Settings of a check besides the files: the time zone, the PII policy and severity overrides."""

    zone: tzinfo
    pii: PiiPolicy = field(default_factory=PiiPolicy)
    severities: Mapping[str, str] = field(default_factory=dict)


@dataclass
class FileCheck:
    """The result of checking one file: its findings and, when it parsed, its front matter and body."""

    path: str
    findings: list[Finding]
    meta: dict[str, Any] | None = None
    body: str | None = None
    front: str = ""
    body_line: int = 0
    _lines: dict[Path, int] | None = field(default=None, repr=False)

    @property
    def lines(self) -> dict[Path, int]:
        """Map each front-matter key and list item to its line, computed on first use.

        Most files have no finding and never need it, and composing the YAML
        again is the slowest step of a check.
        """
        if self._lines is None:
            self._lines = key_lines(self.front, 2) if self.meta is not None else {}
        return self._lines


SchemaLookup = Callable[[str], "TypeSchema | None"]


class _Collector:
    """Collects the findings of one file, with the lines of its front-matter keys."""

    def __init__(self, path: str, parsed: FileCheck | None = None) -> None:
        self.path = path
        self.parsed = parsed
        self.findings: list[Finding] = []

    def line_of(self, where: Path) -> int | None:
        lines = self.parsed.lines if self.parsed is not None else {}
        for length in range(len(where), 0, -1):
            line = lines.get(where[:length])
            if line is not None:
                return line
        return None

    def add(self, code: str, key: str, where: Path = (), line: int | None = None, **params: Any) -> None:
        if line is None and where:
            line = self.line_of(where)
        self.findings.append(Finding(self.path, line, code, DEFAULT_SEVERITY[code], key, params))


def decode_record(path: str, data: bytes) -> tuple[str | None, list[Finding]]:
    """Decode a file as UTF-8; return its text, or None and a ``not-utf8`` finding at the first bad byte."""
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return None, [Finding(path, line, "not-utf8", ERROR, "check.not_utf8", {})]


def conflict_marker_lines(text: str) -> list[int]:
    """Return the numbers of the lines that are merge-conflict markers (``<<<<<<<``, ``=======``…)."""
    return [number for number, line in enumerate(text.splitlines(), 1) if CONFLICT_MARKER_RE.match(line)]


def key_lines(front: str, first_line: int) -> dict[Path, int]:
    """Map every key and list item of the front matter to its line number in the file.

    ``first_line`` is the file line of the front matter's first line. Composing
    builds nodes only, so no value is constructed and no tag is resolved.
    """
    from commlog.storage.yamlio import FastSafeLoader

    root = yaml.compose(front, Loader=FastSafeLoader)
    lines: dict[Path, int] = {}

    def walk(node: Any, where: Path) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                child = (*where, str(key_node.value))
                lines[child] = key_node.start_mark.line + first_line
                walk(value_node, child)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                child = (*where, index)
                lines[child] = item.start_mark.line + first_line
                walk(item, child)

    if root is not None:
        walk(root, ())
    return lines


def parse_record(path: str, text: str) -> FileCheck:
    """Split and parse a record's text; problems that stop parsing become findings."""
    from commlog.storage.records import FrontMatterError, split_front_matter
    from commlog.storage.yamlio import load

    markers = conflict_marker_lines(text)
    if markers:
        return FileCheck(path, [Finding(path, line, "conflict-markers", ERROR, "check.conflict_markers", {})
                                for line in markers])
    try:
        front, body, body_line = split_front_matter(text)
    except FrontMatterError as error:
        return FileCheck(path, [Finding(path, error.line, "no-front-matter", ERROR, f"check.{error.reason.replace('-', '_')}", {})])
    try:
        meta = load(front)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark else 2
        reason = str(getattr(error, "problem", "") or "")
        return FileCheck(path, [Finding(path, line, "invalid-yaml", ERROR, "check.invalid_yaml", {"reason": reason})])
    if not isinstance(meta, dict):
        return FileCheck(path, [Finding(path, 2, "invalid-yaml", ERROR, "check.not_mapping", {})])
    return FileCheck(path, [], meta, body, front, body_line)


def check_record(path: str, data: bytes, schemas: SchemaLookup, policy: CheckPolicy) -> FileCheck:
    """Check one record file's bytes: encoding, markers, front matter, schema, placement and personal data."""
    text, findings = decode_record(path, data)
    if text is None:
        return FileCheck(path, findings)
    parsed = parse_record(path, text)
    if parsed.meta is None:
        return parsed
    collector = _Collector(path, parsed)
    meta = parsed.meta
    schema = _check_type(collector, meta, schemas)
    _check_id(collector, meta, schema)
    _check_folder(collector, meta, policy.zone)
    if schema is not None:
        _check_fields(collector, meta, schema)
    _check_system_keys(collector, meta)
    _check_pii_front(collector, meta, schema, policy.pii)
    _check_pii_body(collector, parsed.body or "", parsed.body_line, policy.pii)
    parsed.findings = collector.findings
    return parsed


def _check_type(collector: _Collector, meta: Mapping[str, Any], schemas: SchemaLookup) -> TypeSchema | None:
    type_name = meta.get("type")
    if type_name is None or type_name == "":
        collector.add("missing-field", "check.missing_field", line=2, field="type")
        return None
    schema = schemas(str(type_name))
    if schema is None:
        collector.add("invalid-value", "check.unknown_type", ("type",), field="type", value=str(type_name))
    return schema


def _check_id(collector: _Collector, meta: Mapping[str, Any], schema: TypeSchema | None) -> None:
    record_id = meta.get("id")
    stem = PurePosixPath(collector.path).stem
    if record_id is None or record_id == "":
        collector.add("missing-field", "check.missing_field", line=2, field="id")
        return
    record_id = str(record_id)
    match = ID_RE.match(record_id)
    if match is None:
        collector.add("invalid-value", "check.bad_id", ("id",), field="id", value=record_id)
    elif schema is not None and match["prefix"] != schema.prefix:
        collector.add("invalid-value", "check.bad_id_prefix", ("id",), field="id", value=record_id, prefix=schema.prefix)
    if record_id != stem:
        collector.add("id-mismatch", "check.id_mismatch", ("id",), id=record_id, name=f"{stem}.md")


def expected_folder(meta: Mapping[str, Any], zone: tzinfo) -> str | None:
    """Return ``YYYY-Qn-<type>`` for a record, from its creation time in ``zone``; None if unknown."""
    created = meta.get("created_at")
    type_name = meta.get("type")
    if not created or not type_name:
        return None
    try:
        moment = load_datetime(created, zone)
    except ValueError:
        return None
    return f"{quarter_of(moment)}-{type_name}"


def _check_folder(collector: _Collector, meta: Mapping[str, Any], zone: tzinfo) -> None:
    path = PurePosixPath(collector.path)
    folder = path.parent.name
    expected = expected_folder(meta, zone)
    in_place = len(path.parts) == 3 and path.parts[0] == RECORDS_DIR and FOLDER_RE.match(folder) is not None
    if expected is None:
        match = FOLDER_RE.match(folder)
        if in_place and match and meta.get("type") and match["type"] != meta.get("type"):
            collector.add("folder-mismatch", "check.folder_type", ("type",), folder=folder, type=str(meta.get("type")))
        return
    if not in_place or folder != expected:
        collector.add("folder-mismatch", "check.folder_mismatch", ("created_at",),
                      folder=str(path.parent), expected=f"{RECORDS_DIR}/{expected}")


def _check_fields(collector: _Collector, meta: Mapping[str, Any], schema: TypeSchema) -> None:
    for spec in schema.fields:
        if spec.system:
            continue
        value = meta.get(spec.key)
        if is_blank(value):
            if spec.required:
                collector.add("missing-field", "check.missing_field", line=2, field=spec.key)
            continue
        for where, key, params in value_problems(spec, value, (spec.key,)):
            collector.add("invalid-value", key, where, field=_dotted(where), **params)
    known = {spec.key for spec in schema.fields} | set(SYSTEM_KEYS)
    for key in meta:
        if str(key) not in known:
            collector.add("unknown-key", "check.unknown_key", (str(key),), field=str(key), type=schema.name)


def _check_system_keys(collector: _Collector, meta: Mapping[str, Any]) -> None:
    for key in ("completed_at", "closed_at"):
        value = meta.get(key)
        if not is_blank(value) and not is_stored_datetime(value):
            collector.add("invalid-value", "check.not_datetime", (key,), field=key, value=preview(value))
    for key, (required, optional) in EVENT_KEYS.items():
        value = meta.get(key)
        if value is None:
            continue
        if not isinstance(value, list):
            collector.add("invalid-value", "check.not_list", (key,), field=key)
            continue
        for index, item in enumerate(value):
            _check_event(collector, key, index, item, required, optional)
    deadlines = meta.get("deadlines")
    if deadlines is not None and not isinstance(deadlines, (dict, list)):
        collector.add("invalid-value", "check.not_mapping_value", ("deadlines",), field="deadlines")


def _check_event(collector: _Collector, key: str, index: int, item: Any,
                 required: tuple[str, ...], optional: tuple[str, ...]) -> None:
    where: Path = (key, index)
    if not isinstance(item, dict):
        collector.add("invalid-value", "check.not_mapping_value", where, field=f"{key}[{index}]")
        return
    for sub in required:
        if is_blank(item.get(sub)):
            collector.add("missing-field", "check.missing_field", where, field=f"{key}[{index}].{sub}")
    for sub, value in item.items():
        if str(sub) not in required and str(sub) not in optional:
            collector.add("unknown-key", "check.unknown_subkey", (*where, str(sub)), field=f"{key}[{index}].{sub}")
        elif str(sub) in EVENT_DATETIMES and not is_blank(value) and not is_stored_datetime(value):
            collector.add("invalid-value", "check.not_datetime", (*where, str(sub)),
                          field=f"{key}[{index}].{sub}", value=preview(value))


def _check_pii_front(collector: _Collector, meta: Mapping[str, Any], schema: TypeSchema | None,
                     policy: PiiPolicy) -> None:
    for where, text, is_person in string_leaves(meta, schema):
        dotted = ".".join(str(part) for part in where if isinstance(part, str))
        detectors = policy.detectors_for(dotted, is_person)
        for match in find_pii(text, detectors, policy.allowed_email_domains):
            code = "pii-" + match.detector.replace("_", "-")
            collector.add(code, f"check.pii_{match.detector}", where, field=_dotted(where), value=match.masked)


def _check_pii_body(collector: _Collector, body: str, first_line: int, policy: PiiPolicy) -> None:
    for offset, line in enumerate(body.split("\n")):
        for match in find_pii(line, policy.body, policy.allowed_email_domains):
            code = "pii-" + match.detector.replace("_", "-")
            collector.add(code, f"check.pii_{match.detector}_body", line=first_line + offset, value=match.masked)


def string_leaves(meta: Mapping[str, Any], schema: TypeSchema | None) -> Iterator[tuple[Path, str, bool]]:
    """Yield (location, text, is a person field) for every string in the front matter."""

    def walk(value: Any, where: Path, spec: FieldSpec | None) -> Iterator[tuple[Path, str, bool]]:
        if isinstance(value, str):
            last = next((part for part in reversed(where) if isinstance(part, str)), "")
            if (spec is not None and spec.kind in NON_TEXT_KINDS) or last in EVENT_DATETIMES:
                return
            is_person = (spec is not None and spec.kind in PERSON_KINDS) or last in ("by", "lead", "recipients")
            yield where, value, is_person
        elif isinstance(value, list):
            item_spec = spec.item if spec is not None and spec.kind == "list" else spec
            for index, item in enumerate(value):
                yield from walk(item, (*where, index), item_spec)
        elif isinstance(value, dict):
            for key, item in value.items():
                sub = next((s for s in spec.fields if s.key == key), None) if spec is not None else None
                yield from walk(item, (*where, str(key)), sub)

    for key, value in meta.items():
        if key in ("id", "type"):
            continue
        spec = schema.field(str(key)) if schema is not None else None
        yield from walk(value, (str(key),), spec)


def progress_log_lines(body: str) -> list[str]:
    """Return the lines between the progress-log markers of a body (empty without markers)."""
    start = body.find(LOG_START)
    end = body.find(LOG_END, start + 1) if start >= 0 else -1
    if start < 0 or end < 0:
        return []
    return [line for line in body[start + len(LOG_START):end].split("\n") if line.strip()]


def duplicate_id_findings(checks: list[FileCheck], all_ids: Mapping[str, list[str]]) -> list[Finding]:
    """Report each checked file whose ID is also the ID (or file name) of another record.

    ``all_ids`` maps every ID found under ``records/`` (front matter or file
    name) to the paths that carry it.
    """
    findings = []
    for check in checks:
        record_id = str(check.meta.get("id", "")) if check.meta else PurePosixPath(check.path).stem
        others = sorted(path for path in all_ids.get(record_id, ()) if path != check.path)
        if record_id and others:
            findings.append(Finding(check.path, 2 if check.meta else None, "duplicate-id", ERROR,
                                    "check.duplicate_id", {"id": record_id, "others": ", ".join(others)}))
    return findings


def apply_severities(findings: list[Finding], overrides: Mapping[str, str], strict: bool) -> list[Finding]:
    """Apply ``check.severity`` overrides (``off`` drops a code) and ``--strict``; sort by path and line."""
    result = []
    for finding in findings:
        severity = overrides.get(finding.code, finding.severity)
        if severity == "off":
            continue
        if strict:
            severity = ERROR
        result.append(Finding(finding.path, finding.line, finding.code, severity, finding.key, finding.params))
    return sorted(result, key=lambda item: (item.path, item.line or 0, item.code))


def _dotted(where: Path) -> str:
    text = ""
    for part in where:
        if isinstance(part, int):
            text += f"[{part}]"
        elif text:
            text += f".{part}"
        else:
            text = part
    return text
