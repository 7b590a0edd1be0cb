"""Attachments of a record: file names, the Markdown block that lists them, and integrity rules.

A record ``records/2024-Q1-client/CLI-20240315-7K3Q.md`` keeps its attached
files in the folder beside it named after its ID,
``records/2024-Q1-client/CLI-20240315-7K3Q/``. The front matter lists each one
under ``attachments`` with a path relative to the record file's folder
(``CLI-20240315-7K3Q/截图.png``), so a record moved together with its folder
keeps its attachments. Everything here is pure: files are read by
:mod:`commlog.services.attachments`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from commlog.core.record import LOG_START, RECORDS_DIR, append_block

BLOCK_START = "<!-- commlog:attachments -->"
BLOCK_END = "<!-- /commlog:attachments -->"

# Characters Windows does not allow in file names. Path separators are removed before these are replaced.
WINDOWS_FORBIDDEN = frozenset('<>:"|?*')
WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10)), *(f"LPT{n}" for n in range(1, 10))}
)
# Bidirectional controls are dropped, because they can make "a\u202egnp.exe" display as "aexe.png".
BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Most file systems allow 255 bytes per name, so 240 leaves room for a number such as " (99)".
MAX_NAME_BYTES = 240
FALLBACK_NAME = "attachment"
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")

MISSING = "attachment-missing"
UNLISTED = "attachment-unlisted"
CHANGED = "attachment-changed"
INVALID = "attachment-invalid"
REPLACED = "attachment-replaced"
DELETED = "attachment-deleted"


def clean_name(name: str) -> str:
    """Return ``name`` made safe as one file name on Linux, macOS and Windows.

    Path separators (``/`` and ``\\``) and the ``.``/``..`` parts between them
    are removed, so the name cannot leave the record's folder. Control
    characters and bidirectional overrides are dropped, characters Windows
    forbids become ``_``, runs of dots become one dot, and leading dots,
    trailing dots and surrounding spaces go. Chinese and other letters stay.
    """
    name = unicodedata.normalize("NFC", name)
    parts = [part for part in re.split(r"[/\\]", name) if part.strip() not in ("", ".", "..")]
    text = "_".join(parts)
    text = "".join(
        "_" if character in WINDOWS_FORBIDDEN else character
        for character in text
        if unicodedata.category(character) != "Cc" and character not in BIDI_CONTROLS
    )
    text = re.sub(r"\.{2,}", ".", text).strip().lstrip(".").rstrip(". ").strip()
    if not text:
        return FALLBACK_NAME
    stem = text.split(".", 1)[0]
    if stem.upper() in WINDOWS_RESERVED:
        text = "_" + text
    return _shorten(text, MAX_NAME_BYTES)


def _shorten(name: str, limit: int) -> str:
    """Cut the stem of ``name`` until its UTF-8 form fits ``limit`` bytes, keeping the extension."""
    if len(name.encode("utf-8")) <= limit:
        return name
    path = PurePosixPath(name)
    suffix = path.suffix if len(path.suffix.encode("utf-8")) < limit // 2 else ""
    stem = name[: len(name) - len(suffix)]
    while stem and len((stem + suffix).encode("utf-8")) > limit:
        stem = stem[:-1]
    return stem.rstrip(". ") + suffix


def numbered_name(name: str, number: int) -> str:
    """Return ``name`` with `` (number)`` before its extension: ``截图 (2).png``."""
    path = PurePosixPath(name)
    suffix = path.suffix if path.suffix != name else ""
    return f"{name[: len(name) - len(suffix)]} ({number}){suffix}"


def unique_name(name: str, taken: Iterable[str]) -> str:
    """Return ``name``, or its first numbered form that is not in ``taken``.

    Names are compared case-insensitively and in Unicode NFC form, because
    Windows and macOS treat ``A.png`` and ``a.png`` as the same file.
    """
    used = {_name_key(item) for item in taken}
    candidate = name
    number = 2
    while _name_key(candidate) in used:
        candidate = numbered_name(name, number)
        number += 1
    return candidate


def _name_key(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


def attachment_folder(record_path: PurePosixPath) -> PurePosixPath:
    """Return the repository-relative folder of a record's attachments: beside it, named by its ID."""
    return record_path.parent / record_path.stem


def resolve_entry(record_path: PurePosixPath, path: Any) -> PurePosixPath | None:
    """Return the repository-relative file of an entry's ``path``, or None when it is not valid.

    A valid path is relative, uses ``/``, and lies inside the record's own
    attachment folder, so a hand-edited entry cannot point anywhere else.
    """
    if not isinstance(path, str) or not path or "\\" in path or path.startswith("/"):
        return None
    parts = PurePosixPath(path).parts
    if len(parts) < 2 or parts[0] != record_path.stem or any(part in (".", "..") for part in parts):
        return None
    return record_path.parent.joinpath(*parts)


def is_attachment_file(path: PurePosixPath) -> bool:
    """Tell whether a repository path lies in a record's attachment folder: ``records/<folder>/<ID>/…``."""
    return len(path.parts) >= 4 and path.parts[0] == RECORDS_DIR


def new_entry(path: str, sha256: str, size: int, added_at: str, by: str, note: str | None) -> dict[str, Any]:
    """Return the front-matter entry of one attachment, without ``note`` when it is empty."""
    entry: dict[str, Any] = {"path": path, "sha256": sha256, "size": size, "added_at": added_at, "by": by}
    if note:
        entry["note"] = note
    return entry


def format_size(size: int) -> str:
    """Return a byte count for people: ``512 B``, ``12.3 KB``, ``4.0 MB`` (1 KB = 1024 bytes)."""
    if size < 1024:
        return f"{size} B"
    value = float(size)
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1024
        if value < 1024 or unit == "TB":
            break
    return f"{value:.1f} {unit}"


def format_limit(megabytes: float) -> str:
    """Return a configured limit in MB without a needless ``.0``."""
    return f"{megabytes:g} MB"


# Attachment block of the Markdown body.


def markdown_link(text: str, target: str) -> str:
    """Return a Markdown link, with a target that contains spaces or brackets inside ``<…>``."""
    label = re.sub(r"([\\\[\]`])", r"\\\1", text)
    if re.search(r"[\s()<>]", target):
        target = "<" + re.sub(r"([<>])", r"\\\1", target) + ">"
    return f"[{label}]({target})"


def note_separator(language: str) -> str:
    """Return the separator between an attachment and its note: a full-width colon in Chinese."""
    return "\uff1a" if language == "zh-CN" else ": "


def block_line(entry: Mapping[str, Any], separator: str) -> str:
    """Return one list item of the attachment block: link, size and note."""
    path = str(entry.get("path", ""))
    name = path.split("/", 1)[1] if "/" in path else path
    line = f"- {markdown_link(name, path)}"
    if isinstance(entry.get("size"), int):
        line += f" ({format_size(entry['size'])})"
    if entry.get("note"):
        line += f"{separator}{entry['note']}"
    return line


def render_block(entries: Sequence[Mapping[str, Any]], heading: str, separator: str) -> str:
    """Return the attachment block between its markers: a heading and one line per attachment."""
    lines = [block_line(entry, separator) for entry in entries if isinstance(entry, Mapping)]
    return "\n".join([BLOCK_START, f"## {heading}", "", *lines, BLOCK_END])


def replace_block(body: str, block: str) -> str:
    """Swap the attachment block in ``body`` for ``block``, leaving every other byte alone.

    A body without the block gets it just before the heading of the progress
    log, when a heading directly precedes the log, and at the end otherwise.
    """
    start = body.find(BLOCK_START)
    end = body.find(BLOCK_END, start + 1) if start >= 0 else -1
    if start >= 0 and end >= 0:
        return body[:start] + block + body[end + len(BLOCK_END):]
    position = _log_heading_position(body)
    if position is not None:
        return f"{body[:position]}{block}\n\n{body[position:]}"
    return append_block(body, block)


def _log_heading_position(body: str) -> int | None:
    """Return where the heading line right above the progress log starts, if there is one."""
    log_start = body.find(LOG_START)
    if log_start < 0:
        return None
    above = body[:log_start].rstrip()
    line_start = above.rfind("\n") + 1
    if not above[line_start:].startswith("#"):
        return None
    return line_start


# Integrity of the files against the front matter.


@dataclass(frozen=True)
class AttachmentFinding:
    """A problem with a record's attachments: stable code, files involved, message key and parameters."""

    code: str
    record: str
    path: str
    key: str
    params: Mapping[str, Any] = field(default_factory=dict)


def listed_files(record_path: PurePosixPath, entries: Any) -> tuple[dict[PurePosixPath, Mapping[str, Any]], list[AttachmentFinding]]:
    """Return the files the front matter lists (repository path → entry) and findings for invalid entries."""
    listed: dict[PurePosixPath, Mapping[str, Any]] = {}
    findings = []
    record = str(record_path)
    if entries in (None, []):
        return listed, findings
    if not isinstance(entries, list):
        return listed, [AttachmentFinding(INVALID, record, record, "attach.finding_not_list")]
    for index, entry in enumerate(entries):
        raw_path = entry.get("path") if isinstance(entry, Mapping) else None
        target = resolve_entry(record_path, raw_path)
        if target is None:
            findings.append(AttachmentFinding(INVALID, record, record, "attach.finding_bad_path",
                                              {"index": index + 1, "value": str(raw_path), "folder": record_path.stem}))
        elif not SHA256_RE.match(str(entry.get("sha256", ""))):
            findings.append(AttachmentFinding(INVALID, record, str(target), "attach.finding_bad_hash",
                                              {"index": index + 1}))
        else:
            listed[target] = entry
    return listed, findings


def compare_files(
    record_path: PurePosixPath,
    listed: Mapping[PurePosixPath, Mapping[str, Any]],
    present: Iterable[PurePosixPath],
    hashes: Mapping[PurePosixPath, str | None],
) -> list[AttachmentFinding]:
    """Compare listed attachments with the files present in the record's attachment folder.

    ``hashes`` maps each listed file that is present to its SHA-256, or to
    None when it is not a readable regular file. Returns findings sorted by path.
    """
    record = str(record_path)
    present_set = set(present)
    findings = []
    for target, entry in listed.items():
        if target not in present_set:
            findings.append(AttachmentFinding(MISSING, record, str(target), "attach.finding_missing"))
        elif hashes.get(target) != entry.get("sha256"):
            findings.append(AttachmentFinding(CHANGED, record, str(target), "attach.finding_changed",
                                              {"expected": str(entry.get("sha256"))[:12],
                                               "actual": (hashes.get(target) or "-")[:12]}))
    for path in present_set - set(listed):
        findings.append(AttachmentFinding(UNLISTED, record, str(path), "attach.finding_unlisted",
                                          {"id": record_path.stem}))
    return sorted(findings, key=lambda finding: (finding.path, finding.code))


# Changes to attachment files in git history.


@dataclass(frozen=True)
class HistoryChange:
    """One change of one file in one commit, as ``git log --raw`` reports it."""

    commit: str
    at: str
    author: str
    status: str
    path: str
    old_path: str | None = None
    old_blob: str | None = None
    new_blob: str | None = None


def history_findings(changes: Iterable[HistoryChange]) -> list[AttachmentFinding]:
    """Return a finding for each attachment file modified or deleted after it was added.

    Attached files are never overwritten by commlog, so any later change to
    one is a replacement of evidence. A move together with the record (a
    rename with the same content into the same ID folder) is not a finding.
    A rename that also changed the content is a replacement, and a move out
    of the record's folder is a deletion.
    """
    findings = []
    for change in changes:
        path = PurePosixPath(change.old_path or change.path)
        if not is_attachment_file(path):
            continue
        code = _history_code(change, path)
        if code is None:
            continue
        params = {"commit": change.commit[:12], "at": change.at, "author": change.author,
                  "old_blob": (change.old_blob or "")[:12], "new_blob": (change.new_blob or "")[:12]}
        record = PurePosixPath(*path.parts[:2], f"{path.parts[2]}.md")
        findings.append(AttachmentFinding(code, str(record), str(path), f"attach.finding_{code.split('-')[1]}", params))
    return findings


def _history_code(change: HistoryChange, old: PurePosixPath) -> str | None:
    kind = change.status[:1]
    if kind == "D":
        return DELETED
    if kind in ("M", "T"):
        return REPLACED
    if kind != "R":
        return None
    new = PurePosixPath(change.path)
    if not is_attachment_file(new) or new.parts[2] != old.parts[2]:
        return DELETED
    if change.old_blob != change.new_blob:
        return REPLACED
    return None
