"""Record files on disk: parsing, serialising, atomic writes and lookup by ID.

A record file is ``---``, the YAML front matter, ``---``, then the Markdown
body, in UTF-8 with ``\\n`` line ends. The body is kept byte for byte: nothing
outside the front matter is touched when a record is rewritten.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from commlog.core.record import ID_RE, RECORDS_DIR, Record
from commlog.errors import RecordFileError, RecordNotFound
from commlog.storage import yamlio

FENCE = "---"


class FrontMatterError(ValueError):
    """A text that is not ``---``, YAML mapping, ``---``, body."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


def split_front_matter(text: str) -> tuple[str, str, int]:
    """Split a record's text into front matter, body, and the body's first line number.

    Only the first two fence lines count, so a ``---`` in the body (a Markdown
    rule) or inside a YAML block scalar (which is indented) is left alone.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    first_end = text.find("\n")
    if first_end < 0 or text[:first_end].rstrip("\r") != FENCE:
        raise FrontMatterError("no-front-matter", 1)
    position = first_end + 1
    line = 2
    while position <= len(text):
        end = text.find("\n", position)
        current = text[position:] if end < 0 else text[position:end]
        if current.rstrip("\r") == FENCE:
            body_start = len(text) if end < 0 else end + 1
            return text[first_end + 1 : position], text[body_start:], line + 1
        if end < 0:
            break
        position = end + 1
        line += 1
    raise FrontMatterError("unterminated-front-matter", line)


def parse_record_text(text: str, path: PurePosixPath | None = None) -> Record:
    """Parse a record file's text; raise FrontMatterError when it has no valid front matter."""
    front, body, _ = split_front_matter(text)
    try:
        meta = yamlio.load(front)
    except Exception as error:  # yaml.YAMLError, kept generic so yaml loads lazily
        mark = getattr(error, "problem_mark", None)
        raise FrontMatterError("invalid-yaml", (mark.line + 2) if mark else None) from error
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise FrontMatterError("front-matter-not-mapping", 2)
    return Record(meta=meta, body=body, path=path)


def record_text(record: Record) -> str:
    """Serialise a record: fences, front matter dumped by the YAML library, body unchanged."""
    return f"{FENCE}\n{yamlio.dump(record.meta)}{FENCE}\n{record.body}"


def write_atomic(path: Path, text: str) -> None:
    """Write UTF-8 text through a temporary file in the same folder and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


COPY_CHUNK = 1024 * 1024


def open_regular_file(path: Path) -> BinaryIO:
    """Open a regular file for reading without following a symbolic link or blocking on a FIFO.

    Raises IsADirectoryError, NotADirectoryError or another OSError when
    ``path`` is anything but a regular file, so a file swapped for a link
    after it was checked is still not read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(path, flags)
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise OSError(errno.EINVAL, "not a regular file", str(path))
    return os.fdopen(descriptor, "rb")


def copy_atomic(source: Path, target: Path, sha256: str) -> None:
    """Copy ``source`` to the new file ``target`` through a temporary file, checking its SHA-256.

    Raises FileExistsError when ``target`` exists, because an attached file
    is never overwritten, and ValueError when the content read does not hash
    to ``sha256`` (the source changed after it was checked).
    """
    import hashlib

    if target.exists() or target.is_symlink():
        raise FileExistsError(errno.EEXIST, "file exists", str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    digest = hashlib.sha256()
    try:
        with os.fdopen(handle, "wb") as writer, open_regular_file(source) as reader:
            while chunk := reader.read(COPY_CHUNK):
                digest.update(chunk)
                writer.write(chunk)
            writer.flush()
            os.fsync(writer.fileno())
        if digest.hexdigest() != sha256:
            raise ValueError(str(source))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_record(root: Path, relative: PurePosixPath) -> Record:
    """Read and parse the record at ``relative`` under the repository ``root``."""
    path = root / relative
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise RecordFileError("record.not_utf8", path=str(relative)) from error
    except OSError as error:
        raise RecordFileError("record.unreadable", path=str(relative), reason=error.strerror) from error
    try:
        return parse_record_text(text, relative)
    except FrontMatterError as error:
        raise RecordFileError(
            "record.unparsable", path=str(relative), reason=error.reason, line=error.line or 1
        ) from error


def iter_record_paths(root: Path) -> Iterator[PurePosixPath]:
    """Yield every ``records/<folder>/<name>.md`` path, sorted, without reading the files.

    Attachment folders beside the records (``records/<folder>/<ID>/``) are not descended into.
    """
    base = root / RECORDS_DIR
    if not base.is_dir():
        return
    folders = sorted(entry.name for entry in os.scandir(base) if entry.is_dir() and not entry.name.startswith("."))
    for folder in folders:
        names = sorted(
            entry.name
            for entry in os.scandir(base / folder)
            if entry.name.endswith(".md") and not entry.name.startswith(".") and entry.is_file()
        )
        for name in names:
            yield PurePosixPath(RECORDS_DIR, folder, name)


def existing_ids(root: Path) -> set[str]:
    """Return the IDs of all record files, read from their file names."""
    return {path.stem for path in iter_record_paths(root)}


def find_record_path(root: Path, wanted: str) -> PurePosixPath:
    """Find the one record whose ID is ``wanted`` or starts with it (case-insensitive)."""
    key = wanted.strip().upper()
    if not key:
        raise RecordNotFound("record.not_found", id=wanted)
    exact = []
    prefixed = []
    for path in iter_record_paths(root):
        stem = path.stem.upper()
        if stem == key:
            exact.append(path)
        elif stem.startswith(key):
            prefixed.append(path)
    if len(exact) == 1:
        return exact[0]
    matches = exact or prefixed
    if not matches:
        raise RecordNotFound("record.not_found", id=wanted)
    if len(matches) > 1:
        shown = ", ".join(path.stem for path in matches[:5])
        more = len(matches) - 5
        raise RecordNotFound("record.ambiguous", id=wanted, matches=shown + (f" (+{more})" if more > 0 else ""))
    return matches[0]


def looks_like_id(value: str) -> bool:
    """Tell whether ``value`` is a whole record ID."""
    return ID_RE.match(value) is not None


def load_meta(root: Path, relative: PurePosixPath) -> dict[str, Any]:
    """Return only the front matter of a record."""
    return read_record(root, relative).meta
