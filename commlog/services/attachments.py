"""Attaching files to records, and checking attached files against the front matter and git history.

``commlog attach`` and ``commlog new --attach`` copy each file into the folder
beside the record named after its ID and list it under ``attachments`` with
its SHA-256. The record's attachment block and progress log get a line each,
and the record and the files are committed together.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from commlog.core import attachments as core
from commlog.core.attachments import AttachmentFinding
from commlog.core.commitmsg import build_message
from commlog.core.display import list_separator
from commlog.core.record import RECORDS_DIR, Record, ordered_meta, replace_log_block
from commlog.core.timeparse import format_datetime, load_datetime
from commlog.core.validate import CONTROL_RE
from commlog.errors import CommlogError, GitStateError, InputError
from commlog.i18n import translate
from commlog.services.bodies import progress_log_block
from commlog.services.people import resolve_actor
from commlog.services.workspace import Workspace
from commlog.services.writer import FileChange, FileCopy, write_and_commit
from commlog.storage.records import COPY_CHUNK, find_record_path, open_regular_file, read_record, record_text

# Files that operating systems create in folders on their own. They are never reported as unlisted.
SYSTEM_FILES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})


@dataclass(frozen=True)
class SourceFile:
    """A file to attach, checked and hashed: where it is, the name it gets, its size and SHA-256."""

    source: Path
    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class AttachedFile:
    """One attached file: its repository path, the file it came from and its front-matter entry.

    ``renamed_from`` is the original file name when the file was saved under
    another one (a name already taken, or characters not allowed in names).
    """

    path: str
    source: str
    entry: dict[str, Any]
    renamed_from: str | None = None


@dataclass(frozen=True)
class AttachmentPlan:
    """The effect of attaching files to one record: entries to list, and files to copy or adopt."""

    files: list[AttachedFile]
    copies: list[FileCopy]
    adopted: list[PurePosixPath]


@dataclass(frozen=True)
class AttachRequest:
    """The arguments of ``commlog attach``."""

    record_id: str
    files: Sequence[Path]
    note: str | None = None
    by: str | None = None
    at: datetime | None = None


@dataclass(frozen=True)
class AttachResult:
    """The record that got attachments, its path, the commit and each attached file."""

    id: str
    path: str
    commit: str | None
    files: list[AttachedFile] = field(default_factory=list)


# Reading the files to attach.


def read_source(path: Path) -> SourceFile:
    """Check that ``path`` is a readable regular file and hash it.

    Raises InputError naming the path and the fix for a missing file, a
    folder, a symbolic link, a FIFO, socket or device, and an unreadable file.
    """
    shown = str(path)
    try:
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise InputError("attach.missing", path=shown) from None
    except OSError as error:
        raise InputError("attach.unreadable", path=shown, reason=error.strerror or str(error)) from None
    if stat.S_ISLNK(info.st_mode):
        raise InputError("attach.symlink", path=shown, target=os.path.realpath(path))
    if stat.S_ISDIR(info.st_mode):
        raise InputError("attach.directory", path=shown)
    if not stat.S_ISREG(info.st_mode):
        raise InputError("attach.special", path=shown)
    try:
        size, sha256 = hash_file(path)
    except OSError as error:
        raise InputError("attach.unreadable", path=shown, reason=error.strerror or str(error)) from None
    return SourceFile(source=path, name=core.clean_name(path.name), size=size, sha256=sha256)


def read_sources(paths: Sequence[Path]) -> list[SourceFile]:
    """Check and hash every file before anything is written. The first bad path raises InputError."""
    return [read_source(Path(path)) for path in paths]


def hash_file(path: Path) -> tuple[int, str]:
    """Return the size and SHA-256 of a regular file, read without following a symbolic link."""
    digest = hashlib.sha256()
    size = 0
    with open_regular_file(path) as stream:
        while chunk := stream.read(COPY_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def check_note(note: str | None) -> str | None:
    """Return the stripped note, or None when it is empty. Raise InputError for line breaks and control characters."""
    if note is None or not note.strip():
        return None
    if "\n" in note.strip() or "\r" in note or CONTROL_RE.search(note):
        raise InputError("attach.bad_note", value=note.strip()[:40])
    return note.strip()


# Planning: names, size limit and Git LFS.


def plan_attachments(
    workspace: Workspace,
    record_path: PurePosixPath,
    entries: Any,
    sources: Sequence[SourceFile],
    event: Mapping[str, str],
    note: str | None,
) -> AttachmentPlan:
    """Choose each file's name and entry, and check the size limit and Git LFS, before anything is written.

    A file that already sits in the record's attachment folder and is not
    listed is adopted where it is instead of copied. ``event`` contains the
    ``at`` and ``by`` of the entries.
    """
    folder = core.attachment_folder(record_path)
    if (workspace.root / folder).is_symlink():
        raise InputError("attach.folder_is_link", path=str(folder))
    listed = {str(target) for target in core.listed_files(record_path, entries)[0]}
    taken = _names_in(workspace.root / folder) | {PurePosixPath(path).name for path in listed}
    files: list[AttachedFile] = []
    copies: list[FileCopy] = []
    adopted: list[PurePosixPath] = []
    for source in sources:
        inside = _inside_folder(workspace.root, folder, source.source)
        if inside is not None and str(inside) in listed | {file.path for file in files}:
            raise InputError("attach.already_listed", path=str(source.source), id=record_path.stem)
        if inside is not None:
            target = inside
            adopted.append(target)
        else:
            name = core.unique_name(source.name, taken)
            taken.add(name)
            target = folder / name
            copies.append(FileCopy(target, source.source, source.sha256))
        relative = "/".join(target.parts[len(folder.parts) - 1:])
        entry = core.new_entry(relative, source.sha256, source.size, event["at"], event["by"], note)
        original = source.source.name
        renamed_from = original if target.name != original else None
        files.append(AttachedFile(str(target), str(source.source), entry, renamed_from))
    check_storage(workspace, files)
    return AttachmentPlan(files, copies, adopted)


def _names_in(folder: Path) -> set[str]:
    try:
        return set(os.listdir(folder))
    except OSError:
        return set()


def _inside_folder(root: Path, folder: PurePosixPath, source: Path) -> PurePosixPath | None:
    """Return the repository path of ``source`` when it lies inside ``folder``, else None."""
    try:
        relative = source.resolve().relative_to((root / folder).resolve())
    except (ValueError, OSError):
        return None
    return folder.joinpath(*relative.parts)


def check_storage(workspace: Workspace, files: Sequence[AttachedFile]) -> None:
    """Reject files over ``attachments.max_size_mb`` unless Git LFS stores them, and LFS files without LFS.

    A path whose ``filter`` attribute is ``lfs`` is committed as an LFS
    pointer by ``git add``, which only works once git-lfs is installed and
    ``git lfs install`` has set up its filter.
    """
    if not files:
        return
    limit = workspace.config.attachments
    filters = workspace.git.attribute_values("filter", [file.path for file in files])
    lfs_state = None
    for file in files:
        size = file.entry["size"]
        if filters.get(file.path) == "lfs":
            lfs_state = lfs_state or workspace.git.lfs_state()
            if lfs_state != "ready":
                raise InputError(f"attach.lfs_{lfs_state}", path=file.source, size=core.format_size(size))
        elif size > limit.max_size_bytes:
            raise _too_large(file, limit.max_size_mb)


def _too_large(file: AttachedFile, limit_mb: float) -> InputError:
    """Return the error for a file over the limit, with the ``git lfs track`` pattern of its kind."""
    path = PurePosixPath(file.path)
    pattern = f"*{path.suffix}" if path.suffix else path.name
    return InputError("attach.too_large", path=file.source, size=core.format_size(file.entry["size"]),
                      limit=core.format_limit(limit_mb), pattern=pattern)


# Changing the record.


def event_moment(workspace: Workspace, at: datetime | None) -> tuple[datetime, str | None]:
    """Return the moment of an event and, when ``--at`` is far from now, the time it was recorded.

    "Far" is more than ``events.late_tolerance_minutes`` of commlog.yaml.
    """
    from commlog.core.lifecycle import event_times

    moment = workspace.moment(at)
    times = event_times(moment, workspace.now(), workspace.config.late_tolerance_minutes)
    return moment, times.get("recorded_at")


def attach_event(workspace: Workspace, plan: AttachmentPlan, at: str, actor: str, recorded_at: str | None) -> dict[str, Any]:
    """Return the history event of an attachment, with its progress-log text in the record language."""
    language = workspace.config.record_language
    names = list_separator(language).join(PurePosixPath(file.path).name for file in plan.files)
    event: dict[str, Any] = {"action": "attach", "at": at, "by": actor,
                             "text": translate("log.attached", language=language, names=names)}
    if recorded_at:
        event["recorded_at"] = recorded_at
    return event


def add_to_record(workspace: Workspace, record: Record, plan: AttachmentPlan, event: Mapping[str, Any]) -> None:
    """Add the planned entries and the history event to ``record`` and redraw its body blocks."""
    entries = record.meta.get("attachments")
    entries = list(entries) if isinstance(entries, list) else []
    entries.extend(file.entry for file in plan.files)
    record.meta["attachments"] = entries
    history = record.meta.get("history")
    record.meta["history"] = [*(history if isinstance(history, list) else []), dict(event)]
    schema = _schema_or_none(workspace, record.type)
    if schema is not None:
        record.meta = ordered_meta(schema, record.meta)
    record.body = replace_log_block(record.body, progress_log_block(workspace, record.meta))
    record.body = core.replace_block(record.body, attachment_block(workspace, entries))


def attachment_block(workspace: Workspace, entries: Sequence[Mapping[str, Any]]) -> str:
    """Return the body block that lists ``entries``, in the record language."""
    language = workspace.config.record_language
    heading = translate("attach.body_heading", language=language)
    return core.render_block(entries, heading, core.note_separator(language))


def _schema_or_none(workspace: Workspace, type_name: str) -> Any:
    try:
        return workspace.templates.schema(type_name)
    except CommlogError:
        return None


def commit_body(plan: AttachmentPlan) -> str:
    """Return the commit-message line that names each attached file and its size."""
    names = ", ".join(f"{PurePosixPath(file.path).name} ({core.format_size(file.entry['size'])})" for file in plan.files)
    return f"attached: {names}"


def attach_files(workspace: Workspace, request: AttachRequest) -> AttachResult:
    """Attach files to a record and commit the record and the files together."""
    note = check_note(request.note)
    sources = read_sources(request.files)
    record_path = find_record_path(workspace.root, request.record_id)
    record = read_record(workspace.root, record_path)
    _check_clean(workspace, record_path)

    actor = resolve_actor(workspace, request.by, workspace.git.identity())
    moment, recorded_at = event_moment(workspace, request.at)
    _check_after_creation(workspace, record, moment)
    at = format_datetime(moment)
    plan = plan_attachments(workspace, record_path, record.meta.get("attachments"), sources,
                            {"at": at, "by": actor.name}, note)
    previous = record_text(record)
    add_to_record(workspace, record, plan, attach_event(workspace, plan, at, actor.name, recorded_at))

    message = build_message("attach", record.id, record.title, body=[commit_body(plan)],
                            by=actor.name if actor.differs_from_author else None)
    changes = [*plan.copies, FileChange(record_path, record_text(record), previous)]
    sha = commit_attachments(workspace, changes, message, plan.adopted)
    return AttachResult(id=record.id, path=str(record_path), commit=sha, files=plan.files)


def commit_attachments(
    workspace: Workspace,
    changes: Sequence[FileChange | FileCopy],
    message: str | None,
    adopted: Sequence[PurePosixPath],
    branch: str | None = None,
) -> str | None:
    """Write and commit ``changes``, and raise InputError when a source or target changed meanwhile."""
    try:
        return write_and_commit(workspace, changes, message, branch, unchanged=adopted)
    except FileExistsError as error:
        raise InputError("attach.target_exists", path=str(error.filename)) from None
    except ValueError as error:
        raise InputError("attach.source_changed", path=str(error)) from None


def _check_clean(workspace: Workspace, record_path: PurePosixPath) -> None:
    if workspace.git.changed_paths([record_path]):
        raise GitStateError("attach.record_dirty", path=str(record_path))


def _check_after_creation(workspace: Workspace, record: Record, moment: datetime) -> None:
    created = record.meta.get("created_at")
    try:
        created_at = load_datetime(created, workspace.zone) if created else None
    except (TypeError, ValueError):
        return
    if created_at is not None and moment < created_at:
        raise InputError("attach.before_created", at=format_datetime(moment), created=format_datetime(created_at))


# Integrity: files against the front matter, and against git history.


def check_record_attachments(root: Path, record_path: PurePosixPath, meta: Mapping[str, Any]) -> list[AttachmentFinding]:
    """Return attachment findings of one record: invalid entries, missing, changed and unlisted files.

    Paths are looked up relative to the record file, so a record moved with
    its folder is checked where it is now.
    """
    listed, findings = core.listed_files(record_path, meta.get("attachments"))
    present = scan_folder(root, core.attachment_folder(record_path))
    hashes = {target: _hash_or_none(root / target) for target in listed if target in present}
    return findings + core.compare_files(record_path, listed, present, hashes)


def check_orphan_folders(root: Path) -> list[AttachmentFinding]:
    """Return an ``attachment-unlisted`` finding for each file in a folder beside no record.

    Such a folder is left behind when a record file is moved or deleted
    without its attachment folder.
    """
    findings = []
    base = root / RECORDS_DIR
    for quarter in _subfolders(base):
        for folder in _subfolders(base / quarter):
            if (base / quarter / f"{folder}.md").exists():
                continue
            record_path = PurePosixPath(RECORDS_DIR, quarter, f"{folder}.md")
            for path in sorted(scan_folder(root, core.attachment_folder(record_path))):
                findings.append(AttachmentFinding(core.UNLISTED, str(record_path), str(path),
                                                  "attach.finding_orphan", {"id": folder}))
    return findings


def _subfolders(folder: Path) -> list[str]:
    try:
        return sorted(entry.name for entry in os.scandir(folder)
                      if entry.is_dir(follow_symlinks=False) and not entry.name.startswith("."))
    except OSError:
        return []


def scan_folder(root: Path, folder: PurePosixPath) -> set[PurePosixPath]:
    """Return the repository path of every file under ``folder``, without following links."""
    found: set[PurePosixPath] = set()
    for current, folders, names in os.walk(root / folder):
        folders[:] = [name for name in folders if not (Path(current) / name).is_symlink()]
        relative = Path(current).relative_to(root)
        found.update(PurePosixPath(*relative.parts, name) for name in names if name not in SYSTEM_FILES)
    return found


def _hash_or_none(path: Path) -> str | None:
    try:
        return hash_file(path)[1]
    except OSError:
        return None


def audit_attachments(workspace: Workspace, record_id: str | None = None) -> list[AttachmentFinding]:
    """Return each attachment replaced or deleted after it was added, from the history of HEAD.

    With ``record_id`` only that record's attachments are reported. The whole
    ``records/`` history is read either way, so a record's files are followed
    through moves between folders.
    """
    findings = core.history_findings(workspace.git.path_changes(RECORDS_DIR))
    if record_id is None:
        return findings
    return [finding for finding in findings if PurePosixPath(finding.record).stem == record_id]
