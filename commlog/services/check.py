"""``commlog check``: read record files and collect findings, for CI, pre-commit and pull requests."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from commlog.config import Config
from commlog.core.changes import RecordChange, change_findings, is_record_path
from commlog.core.checks import (
    CODES,
    ERROR,
    WARNING,
    CheckPolicy,
    FileCheck,
    Finding,
    PiiPolicy,
    apply_severities,
    check_record,
    duplicate_id_findings,
)
from commlog.core.pii import DETECTORS
from commlog.core.record import RECORDS_DIR
from commlog.core.schema import TypeSchema
from commlog.errors import ConfigError, GitStateError, InputError
from commlog.services.workspace import Workspace


@dataclass(frozen=True)
class CheckRequest:
    """The files to check: explicit paths, or the changes since ``base``, or (neither) every record."""

    paths: tuple[str, ...] = ()
    base: str | None = None
    strict: bool = False


@dataclass
class CheckReport:
    """The findings of one run and the files that were checked."""

    findings: list[Finding]
    checked: list[str]
    base: str | None = None
    merge_base: str | None = None
    changed: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for finding in self.findings if finding.severity == ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for finding in self.findings if finding.severity == WARNING)


def check_policy(config: Config, zone: Any) -> CheckPolicy:
    """Build the check policy from the ``check`` section of ``commlog.yaml``; raise ConfigError on a bad value."""
    raw = config.check
    _only_keys(config, raw, ("pii", "severity"), "check.")
    pii_raw = _mapping(config, raw.get("pii"), "check.pii")
    _only_keys(config, pii_raw, ("person", "text", "body", "keys", "allowed_email_domains"), "check.pii.")

    defaults = PiiPolicy()
    keys = {
        str(key): _detectors(config, value, f"check.pii.keys.{key}")
        for key, value in _mapping(config, pii_raw.get("keys"), "check.pii.keys").items()
    }
    domains = pii_raw.get("allowed_email_domains") or []
    if not isinstance(domains, list):
        raise ConfigError("config.invalid", file=config.source, key="check.pii.allowed_email_domains",
                          allowed="a list of domains such as [example.com]")
    pii = PiiPolicy(
        person=_detectors(config, pii_raw.get("person", list(defaults.person)), "check.pii.person"),
        text=_detectors(config, pii_raw.get("text", list(defaults.text)), "check.pii.text"),
        body=_detectors(config, pii_raw.get("body", list(defaults.body)), "check.pii.body"),
        keys=keys,
        allowed_email_domains=tuple(str(domain) for domain in domains),
    )

    severities = {}
    for code, severity in _mapping(config, raw.get("severity"), "check.severity").items():
        if code not in CODES:
            raise ConfigError("config.invalid", file=config.source, key=f"check.severity.{code}", allowed=", ".join(CODES))
        if severity not in (ERROR, WARNING, "off"):
            raise ConfigError("config.invalid", file=config.source, key=f"check.severity.{code}",
                              allowed="error, warning, off")
        severities[str(code)] = str(severity)
    return CheckPolicy(zone=zone, pii=pii, severities=severities)


def _mapping(config: Config, value: Any, key: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError("config.invalid", file=config.source, key=key, allowed="a mapping")
    return value


def _only_keys(config: Config, raw: Mapping[str, Any], allowed: tuple[str, ...], prefix: str) -> None:
    for key in raw:
        if key not in allowed:
            raise ConfigError("config.invalid", file=config.source, key=f"{prefix}{key}",
                              allowed=", ".join(prefix + name for name in allowed))


def _detectors(config: Config, value: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or any(item not in DETECTORS for item in value):
        raise ConfigError("config.invalid", file=config.source, key=key,
                          allowed="a list of " + ", ".join(DETECTORS) + " (or [] for none)")
    return tuple(value)


def run_check(workspace: Workspace, request: CheckRequest) -> CheckReport:
    """Check the requested record files and return every finding, sorted by file and line."""
    policy = check_policy(workspace.config, workspace.zone)
    schemas = _SchemaCache(workspace)
    report = CheckReport(findings=[], checked=[], base=request.base)
    if request.base is not None:
        targets = _changed_targets(workspace, request.base, schemas, report)
    elif request.paths:
        targets = _explicit_targets(workspace, request.paths)
    else:
        targets = all_record_files(workspace.root)

    checks = [check_record(path, (workspace.root / path).read_bytes(), schemas.lookup, policy) for path in targets]
    report.checked = list(targets)
    for check in checks:
        report.findings.extend(check.findings)
    report.findings.extend(duplicate_id_findings(checks, _id_index(workspace.root, checks)))
    report.findings.extend(_attachment_findings(workspace, checks))
    if not request.paths:
        report.findings.extend(_codeowners_findings(workspace))
    report.findings = apply_severities(report.findings, policy.severities, request.strict)
    return report


def _attachment_findings(workspace: Workspace, checks: list[Any]) -> list[Finding]:
    """Turn the attachment checks of every parsed record into check findings."""
    from commlog.services.attachments import check_record_attachments

    findings = []
    for check in checks:
        if check.meta is None:
            continue
        path = PurePosixPath(check.path)
        for found in check_record_attachments(workspace.root, path, check.meta):
            line = check.lines.get(("attachments",))
            findings.append(Finding(check.path, line, found.code, ERROR, found.key, dict(found.params)))
    return findings


class _SchemaCache:
    """Type schemas loaded once per run; an unknown or broken type is None."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.cache: dict[str, TypeSchema | None] = {}

    def lookup(self, type_name: str) -> TypeSchema | None:
        if type_name not in self.cache:
            try:
                self.cache[type_name] = self.workspace.templates.schema(type_name)
            except InputError:
                self.cache[type_name] = None
        return self.cache[type_name]


def all_record_files(root: Path) -> list[str]:
    """Return every Markdown file directly in ``records/`` or in one of its folders, sorted.

    Deeper files belong to attachment folders (``records/<folder>/<ID>/``) and are not records.
    """
    base = root / RECORDS_DIR
    if not base.is_dir():
        return []
    found = []
    for entry in os.scandir(base):
        if entry.is_file() and entry.name.endswith(".md"):
            found.append(f"{RECORDS_DIR}/{entry.name}")
        elif entry.is_dir() and not entry.name.startswith("."):
            found.extend(
                f"{RECORDS_DIR}/{entry.name}/{child.name}"
                for child in os.scandir(entry.path)
                if child.is_file() and child.name.endswith(".md") and not child.name.startswith(".")
            )
    return sorted(found)


def _explicit_targets(workspace: Workspace, paths: Iterable[str]) -> list[str]:
    """Turn PATH arguments into record files; folders are searched, other files are skipped."""
    root = workspace.root.resolve()
    targets: list[str] = []
    for argument in paths:
        absolute = Path(argument) if Path(argument).is_absolute() else Path.cwd() / argument
        absolute = absolute.resolve()
        if absolute != root and root not in absolute.parents:
            raise InputError("check.path_outside", path=argument, root=str(root))
        if not absolute.exists():
            raise InputError("check.path_missing", path=argument)
        relative = absolute.relative_to(root).as_posix()
        if absolute.is_dir():
            prefix = "" if relative == "." else relative.rstrip("/") + "/"
            targets.extend(path for path in all_record_files(root) if path.startswith(prefix) or not prefix)
        elif is_record_path(relative):
            targets.append(relative)
    return sorted(dict.fromkeys(targets))


def _changed_targets(workspace: Workspace, base: str, schemas: _SchemaCache, report: CheckReport) -> list[str]:
    """Find the records changed since the merge base with ``base`` and add the findings of each change."""
    git = workspace.git
    if git.resolve_commit(base) is None:
        raise GitStateError("check.base_unknown", base=base)
    head = git.resolve_commit("HEAD")
    merge_base = git.merge_base(base, "HEAD") if head else None
    if merge_base is None:
        raise GitStateError("check.no_merge_base", base=base)
    report.merge_base = merge_base

    entries = [entry for entry in git.changes_since(merge_base, RECORDS_DIR)
               if is_record_path(entry.old) or is_record_path(entry.new)]
    old_texts = git.read_blobs(merge_base, [entry.old for entry in entries if entry.status != "A"])
    targets = []
    for entry in entries:
        new_file = workspace.root / entry.new
        new_text = _text_or_none(new_file.read_bytes()) if entry.status != "D" and new_file.is_file() else None
        old_bytes = old_texts.get(entry.old) if entry.status != "A" else None
        change = RecordChange(entry.status if entry.status in "ADR" else "M", entry.old, entry.new,
                              _text_or_none(old_bytes), new_text)
        report.findings.extend(change_findings(change, schemas.lookup))
        report.changed.append(entry.new if entry.status != "D" else entry.old)
        if entry.status != "D" and is_record_path(entry.new) and new_file.is_file():
            targets.append(entry.new)
    return sorted(dict.fromkeys(targets))


def _text_or_none(data: bytes | None) -> str | None:
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _id_index(root: Path, checks: list[FileCheck]) -> dict[str, list[str]]:
    """Map every record ID under ``records/`` to its paths: file names of all, front matter of the checked."""
    index: dict[str, list[str]] = {}
    checked = {check.path: check for check in checks}
    for path in all_record_files(root):
        check = checked.get(path)
        record_id = str(check.meta.get("id") or PurePosixPath(path).stem) if check and check.meta else PurePosixPath(path).stem
        index.setdefault(record_id, []).append(path)
    return index


def _codeowners_findings(workspace: Workspace) -> list[Finding]:
    from commlog.services.reviewers import stale_codeowners

    stale = stale_codeowners(workspace)
    if stale is None:
        return []
    path, line = stale
    return [Finding(path, line, "codeowners-stale", WARNING, "check.codeowners_stale", {"path": path})]
