"""The audit trail from git: ``commlog log`` for one record and ``commlog audit`` for many.

``log`` reads the history of one record with a single ``git log`` run over the
files named ``<ID>.md`` under ``records/`` (the file name is the ID, so a moved
record keeps its history). Each commit's patch carries the whole file before
and after, so what changed is read from the front matter itself, not from
what the commit message claims; the trailers say which commlog action made
the commit and for whom.

``audit`` runs a fixed number of git processes whatever the number of records:
one ``git rev-parse``, one ``git status`` and one ``git log --name-status``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import PurePosixPath
from typing import Any

from commlog.core import lifecycle as rules
from commlog.core.commitmsg import ACTION_TRAILER, BY_TRAILER, RECORD_TRAILER
from commlog.core.record import RECORDS_DIR, Record, record_id_of_path, without_log_block
from commlog.core.schema import TypeSchema
from commlog.core.timeparse import load_datetime
from commlog.errors import CommlogError
from commlog.services.workspace import Workspace
from commlog.storage.gitrepo import LogCommit, PathChange, log_commits
from commlog.storage.records import (
    FrontMatterError,
    find_record_path,
    iter_record_paths,
    looks_like_id,
    parse_record_text,
    read_record,
)

# Actions whose commit adds exactly one event to the record's history.
EVENT_ACTIONS = frozenset({"new", "ack", "feedback", "update", "close", "reopen", "publish", "attach"})
SEVERITIES = ("error", "warning", "info")


# --- log ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrailEntry:
    """One commit in a record's history and what it changed in the record's front matter.

    ``action`` is None for a commit without commlog trailers for this record (a
    hand edit). ``events`` are the history events the commit added.
    """

    commit: str
    committed_at: str
    authored_at: str
    author: str
    author_email: str
    by: str | None
    action: str | None
    path: str
    change: str
    renamed_from: str | None = None
    status_from: str | None = None
    status_to: str | None = None
    fields_changed: tuple[str, ...] = ()
    events: tuple[dict[str, Any], ...] = ()
    body_edited: bool = False
    history_rewritten: bool = False
    unreadable: bool = False
    merged_in: str | None = None
    merge_request: str | None = None


@dataclass(frozen=True)
class RecordTrail:
    """The git history of one record, oldest first; ``shallow`` means older commits are missing."""

    id: str
    type: str | None
    entries: tuple[TrailEntry, ...]
    shallow: bool

    def to_dict(self) -> dict[str, Any]:
        """Return the trail as plain values for JSON output."""
        return {
            "id": self.id,
            "type": self.type,
            "shallow": self.shallow,
            "complete": not self.shallow,
            "entries": [_entry_dict(entry) for entry in self.entries],
        }


def _entry_dict(entry: TrailEntry) -> dict[str, Any]:
    values = asdict(entry)
    values["fields_changed"] = list(entry.fields_changed)
    values["events"] = list(entry.events)
    return values


def record_pathspecs(record_id: str) -> list[str]:
    """Return the git pathspecs of a record file and its attachments, in any folder under ``records/``."""
    return [f":(glob){RECORDS_DIR}/**/{record_id}.md", f":(glob){RECORDS_DIR}/*/{record_id}/**"]


def resolve_record_id(workspace: Workspace, id_or_prefix: str) -> str:
    """Return the full ID for ``id_or_prefix``: a record file's ID, or a whole ID whose file is gone."""
    try:
        return find_record_path(workspace.root, id_or_prefix).stem
    except CommlogError:
        if looks_like_id(id_or_prefix.strip().upper()):
            return id_or_prefix.strip().upper()
        raise


def record_trail(workspace: Workspace, id_or_prefix: str) -> RecordTrail:
    """Return the git history of the record ``id_or_prefix`` (an ID or unique prefix), oldest first."""
    record_id = resolve_record_id(workspace, id_or_prefix)
    commits = log_commits(workspace.git, record_pathspecs(record_id), patches=True)
    entries: list[TrailEntry] = []
    last_text: str | None = None
    record_type = None
    for commit in commits:
        for change in commit.changes:
            if record_id_of_path(change.path) != record_id or not change.path.endswith(".md"):
                continue
            old_text, new_text = _versions(change, last_text)
            entry, new = _trail_entry(commit, change, record_id, old_text, new_text)
            entries.append(entry)
            last_text = new_text
            record_type = new.type if new and new.type else record_type
    return RecordTrail(record_id, record_type, tuple(_with_merges(workspace, entries)), workspace.git.is_shallow())


def _with_merges(workspace: Workspace, entries: list[TrailEntry]) -> list[TrailEntry]:
    """Add the main-branch merge that brought each commit in, and its pull or merge request."""
    from dataclasses import replace

    from commlog.services.branching import merge_evidence_for

    evidence = merge_evidence_for(workspace, [entry.commit for entry in entries])
    result = []
    for entry in entries:
        found = evidence.get(entry.commit)
        if found is None or found.direct:
            result.append(entry)
            continue
        request = str(found.request) if found.request else None
        result.append(replace(entry, merged_in=found.merge_commit, merge_request=request))
    return result


def _versions(change: PathChange, previous: str | None) -> tuple[str | None, str | None]:
    """Return the file's text before and after a change; a rename without a patch keeps ``previous``."""
    old_text = change.old_text if change.old_text is not None or change.status == "A" else previous
    new_text = change.new_text if change.new_text is not None or change.status == "D" else old_text
    return old_text, new_text


def _parse_version(text: str | None) -> tuple[Record | None, bool]:
    """Parse one version of a record; return (record, unreadable)."""
    if text is None:
        return None, False
    try:
        return parse_record_text(text), False
    except FrontMatterError:
        return None, True


def _trail_entry(
    commit: LogCommit, change: PathChange, record_id: str, old_text: str | None, new_text: str | None
) -> tuple[TrailEntry, Record | None]:
    """Compare the versions before and after ``commit``; return the entry and the version after."""
    old, old_bad = _parse_version(old_text)
    new, new_bad = _parse_version(new_text)
    old_meta = old.meta if old else {}
    new_meta = new.meta if new else {}
    old_history = list(old_meta.get("history") or [])
    new_history = list(new_meta.get("history") or [])
    unchanged = _common_prefix(old_history, new_history)

    ours = record_id in commit.trailers.get(RECORD_TRAILER, ())
    entry = TrailEntry(
        commit=commit.sha,
        committed_at=commit.committed_at,
        authored_at=commit.authored_at,
        author=commit.author_name,
        author_email=commit.author_email,
        by=commit.trailer(BY_TRAILER) if ours else None,
        action=commit.trailer(ACTION_TRAILER) if ours else None,
        path=change.path,
        change=change.status,
        renamed_from=change.old_path if change.status == "R" else None,
        **_status_change(old_meta, new_meta),
        fields_changed=_changed_keys(old_meta, new_meta) if old is not None else (),
        events=tuple(event for event in new_history[unchanged:] if isinstance(event, Mapping)),
        body_edited=bool(old and new and without_log_block(old.body) != without_log_block(new.body)),
        history_rewritten=unchanged < len(old_history),
        unreadable=old_bad or new_bad,
    )
    return entry, new


def _status_change(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, str | None]:
    before, after = old.get("status"), new.get("status")
    if before == after:
        return {"status_from": None, "status_to": None}
    return {
        "status_from": None if before is None else str(before),
        "status_to": None if after is None else str(after),
    }


def _common_prefix(old: list[Any], new: list[Any]) -> int:
    count = 0
    for before, after in zip(old, new):
        if before != after:
            break
        count += 1
    return count


def _changed_keys(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[str, ...]:
    """Return the front-matter keys whose values differ, except the status and the history."""
    keys = list(old) + [key for key in new if key not in old]
    return tuple(key for key in keys if key not in ("status", "history") and old.get(key) != new.get(key))


# --- audit -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One thing that makes the audit trail less trustworthy.

    ``code`` is a stable name for scripts; ``key`` and ``params`` make the
    message in the user's language.
    """

    severity: str
    code: str
    record: str | None
    path: str | None
    commit: str | None
    key: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditResult:
    """The findings of an audit and what it looked at."""

    findings: tuple[Finding, ...]
    records: int
    commits: int
    shallow: bool

    def count(self, severity: str) -> int:
        """Return the number of findings of ``severity``."""
        return sum(1 for finding in self.findings if finding.severity == severity)

    def failed(self, fail_on: str) -> bool:
        """Tell whether the audit fails: any error, or with ``fail_on`` 'warning' any warning too."""
        levels = ("error",) if fail_on == "error" else ("error", "warning")
        return any(finding.severity in levels for finding in self.findings)


def audit(workspace: Workspace, ids_or_prefixes: Sequence[str] = ()) -> AuditResult:
    """Check that the git history of the records (all, or those in ``ids_or_prefixes``) can be trusted.

    Findings, by severity:

    - error: a record file with uncommitted changes, a record that does not
      parse, a status history that breaks the life cycle, or ack and feedback
      entries that no event records. An event whose recording time is earlier
      than its commit by more than the tolerance is a backdated event, and one
      recorded after its commit date means the commit was dated back.
    - warning: a commit that changed a record without commlog trailers for it
      (a hand edit), an event no commlog commit recorded, a record of an
      unknown type, an event dated in the future of its recording, a shallow
      clone whose older history cannot be checked.
    - info: an event recorded late with its recording time stated.
    """
    ids = [resolve_record_id(workspace, item) for item in ids_or_prefixes]
    pathspecs = [spec for record_id in ids for spec in record_pathspecs(record_id)] or [f"{RECORDS_DIR}/"]
    git = workspace.git
    shallow = git.is_shallow()
    dirty = _uncommitted(git.changed_paths(pathspecs), ids)
    commits = log_commits(git, pathspecs)

    findings = [Finding("warning", "shallow_clone", None, None, None, "audit.shallow_clone")] if shallow else []
    findings += dirty + _hand_edits(commits, ids)
    check = _RecordCheck(
        workspace=workspace,
        tolerance=timedelta(minutes=workspace.config.late_tolerance_minutes),
        actor_of=_actor_resolver(workspace),
        shallow=shallow,
        uncommitted=frozenset(finding.record for finding in dirty if finding.record),
    )
    by_record = _commits_by_record(commits)
    paths = [path for path in iter_record_paths(workspace.root) if not ids or path.stem in ids]
    for path in paths:
        findings.extend(_record_findings(check, path, by_record.get(path.stem, [])))
    findings.extend(_attachment_findings(workspace, ids))
    return AuditResult(tuple(_sorted(findings)), len(paths), len(commits), shallow)


def _attachment_findings(workspace: Workspace, ids: Sequence[str]) -> list[Finding]:
    """Return attachments replaced or deleted after they were added, as audit errors."""
    from commlog.services.attachments import audit_attachments

    found = []
    for record_id in ids or [None]:
        found.extend(audit_attachments(workspace, record_id))
    return [
        Finding("error", item.code, item.record, item.path, item.params.get("commit"), item.key, dict(item.params))
        for item in found
    ]


@dataclass(frozen=True)
class _RecordCheck:
    """Settings and facts about the whole history that checking one record needs."""

    workspace: Workspace
    tolerance: timedelta
    actor_of: Callable[[LogCommit], str]
    shallow: bool
    uncommitted: frozenset[str]

    def schema(self, type_name: str) -> TypeSchema | None:
        """Return the schema of ``type_name``; None for an unknown type."""
        return self.workspace.templates.find_schema(type_name)


def _sorted(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda finding: (SEVERITIES.index(finding.severity), finding.record or "", finding.code))


def _uncommitted(changes: Iterable[tuple[str, str]], ids: Sequence[str]) -> list[Finding]:
    findings = []
    for state, path in changes:
        record_id = record_id_of_path(path)
        if record_id is None or (ids and record_id not in ids):
            continue
        params = {"state": state.strip() or "?"}
        findings.append(Finding("error", "uncommitted", record_id, path, None, "audit.uncommitted", params))
    return findings


def _hand_edits(commits: Iterable[LogCommit], ids: Sequence[str]) -> list[Finding]:
    findings = []
    for commit in commits:
        named = commit.trailers.get(RECORD_TRAILER, ())
        reported: set[str] = set()
        for change in commit.changes:
            record_id = record_id_of_path(change.path)
            if record_id is None or record_id in named or record_id in reported or (ids and record_id not in ids):
                continue
            reported.add(record_id)
            params = {"change": change.status, "subject": commit.subject, "date": commit.committed_at}
            findings.append(Finding("warning", "hand_edit", record_id, change.path, commit.sha, "audit.hand_edit", params))
    return findings


def _commits_by_record(commits: Iterable[LogCommit]) -> dict[str, list[LogCommit]]:
    grouped: dict[str, list[LogCommit]] = {}
    for commit in commits:
        if commit.trailer(ACTION_TRAILER) not in EVENT_ACTIONS:
            continue
        for record_id in commit.trailers.get(RECORD_TRAILER, ()):
            grouped.setdefault(record_id, []).append(commit)
    return grouped


def _actor_resolver(workspace: Workspace) -> Callable[[LogCommit], str]:
    """Return a function giving the person a commlog commit acted for, as ``resolve_actor`` chose it."""
    people = {person.email.casefold(): person.name for person in workspace.config.people if person.email}

    def actor_of(commit: LogCommit) -> str:
        return commit.trailer(BY_TRAILER) or people.get(commit.author_email.casefold()) or commit.author_name

    return actor_of


def _record_findings(check: _RecordCheck, path: PurePosixPath, commits: list[LogCommit]) -> list[Finding]:
    """Check one record file: that it parses, its history against the life cycle, and its event times.

    Events of a record with uncommitted changes may not have a commit yet, so
    they are not reported as events without a commit.
    """
    workspace = check.workspace
    try:
        record = read_record(workspace.root, path)
    except CommlogError as error:
        return [Finding("error", "unparsable", path.stem, str(path), None, error.key, dict(error.params))]
    schema = check.schema(record.type)
    if schema is None:
        return [Finding("warning", "unknown_type", record.id or path.stem, str(path), None, "audit.unknown_type", {"type": record.type})]

    problems = rules.history_problems(schema, record.meta) + rules.entry_problems(record.meta)
    findings = [
        Finding("error", "lifecycle", path.stem, str(path), None, problem.key, {"event": _event_number(problem.index), **problem.params})
        for problem in problems
    ]
    history = [event for event in record.meta.get("history") or () if isinstance(event, Mapping)]
    pairs, unpaired = _pair_events(commits, history, check.actor_of)
    for commit, index in pairs:
        findings.extend(_time_findings(path, commit, history[index], index, check.tolerance, workspace.zone))
    if not check.shallow and path.stem not in check.uncommitted:
        for index in unpaired:
            params = _event_params(history[index], index)
            findings.append(Finding("warning", "event_without_commit", path.stem, str(path), None, "audit.event_without_commit", params))
    return findings


def _event_number(index: int | None) -> str:
    return "-" if index is None else str(index + 1)


def _event_params(event: Mapping[str, Any], index: int) -> dict[str, Any]:
    return {"event": index + 1, "action": event.get("action", ""), "by": event.get("by", ""), "at": event.get("at", "")}


def _pair_events(
    commits: list[LogCommit], history: list[Mapping[str, Any]], actor_of: Callable[[LogCommit], str]
) -> tuple[list[tuple[LogCommit, int]], list[int]]:
    """Match each commlog commit to the history event it added; return (commit, event index) pairs and the unmatched events.

    Each commlog commit adds one event of its action. A commit takes the
    earliest unmatched event of the same action by the same person, or by
    anyone when none matches the person. Events reordered by a merge of two
    branches therefore still find their commits.
    """
    open_events = [index for index, event in enumerate(history) if event.get("action") in EVENT_ACTIONS]
    pairs = []
    for commit in commits:
        action = commit.trailer(ACTION_TRAILER)
        candidates = [index for index in open_events if history[index].get("action") == action]
        if not candidates:
            continue
        actor = actor_of(commit)
        chosen = next((index for index in candidates if history[index].get("by") == actor), candidates[0])
        open_events.remove(chosen)
        pairs.append((commit, chosen))
    return pairs, open_events


def _time_findings(
    path: PurePosixPath, commit: LogCommit, event: Mapping[str, Any], index: int, tolerance: timedelta, zone: Any
) -> list[Finding]:
    """Compare an event's stated and recording times with the time of the commit that added it."""
    try:
        at = load_datetime(event["at"], zone)
        recorded = load_datetime(event["recorded_at"], zone) if event.get("recorded_at") else None
    except (KeyError, TypeError, ValueError):
        return [Finding("error", "lifecycle", path.stem, str(path), commit.sha, "audit.bad_event_time", _event_params(event, index))]
    committed = datetime.fromisoformat(commit.committed_at)
    claimed = recorded or at
    params = {**_event_params(event, index), "committed": commit.committed_at, "recorded": event.get("recorded_at", "")}
    findings = []

    def add(severity: str, code: str) -> None:
        findings.append(Finding(severity, code, path.stem, str(path), commit.sha, f"audit.{code}", params))

    if claimed < committed - tolerance:
        add("error", "backdated_event")
    elif claimed > committed + tolerance:
        add("error", "backdated_commit")
    if recorded is not None and at < recorded - tolerance:
        add("info", "late_entry")
    elif recorded is not None and at > recorded + tolerance:
        add("warning", "future_event")
    return findings
