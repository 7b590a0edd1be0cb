"""Scanning every record under ``records/`` quickly, with a cache outside version control.

Three things keep a scan close to the cost of reading the files:

1. A record in a final state is recognised from its bytes by
   :func:`commlog.storage.classify.classify` and not parsed, unless the caller
   needs every record (``parse_all``). Other records are parsed by
   :func:`commlog.storage.blockyaml.load_block_yaml`, with PyYAML for what it
   leaves aside.
2. The cache keeps what the last scan learnt about each file (its type and
   status, its front matter, or why it does not parse) under the file's size,
   mtime, ctime and inode. A file whose stat differs is read again, and a file
   changed within ``RACY_SECONDS`` before a scan is not cached at all, because
   a second change in the same timestamp tick would leave its stat unchanged.
3. When many files must be read, worker processes share the reading, on
   Linux only, where ``fork`` gives them the caller's state at no cost.
"""

from __future__ import annotations

import gc
import logging
import marshal
import multiprocessing
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from commlog.core.record import RECORDS_DIR
from commlog.storage.classify import classify
from commlog.storage.blockyaml import load_block_yaml
from commlog.storage.records import FrontMatterError, parse_record_text, split_front_matter

LOG = logging.getLogger(__name__)

CACHE_DIR = "commlog-cache"
CACHE_FILE = "scan.marshal"
CACHE_FORMAT = 1
RACY_SECONDS = 2
# Below this many files to read, starting worker processes costs more than it saves.
PARALLEL_MIN_FILES = 4000
MAX_WORKERS = 8

# Cache values, which describe a file's content as (kind, first, second).
KIND_STATE = 0  # first = type, second = status; the front matter itself is not kept
KIND_META = 1  # first = front matter mapping
KIND_PROBLEM = 2  # first = message key, second = message parameters

Predicate = Callable[[str, str], bool]
StatKey = tuple[int, int, int, int]
# The outcome of reading one file: folder, name, stat key (None if unreadable), parsed in full, value.
Outcome = tuple[str, str, "StatKey | None", bool, tuple[Any, Any, Any]]


@dataclass(frozen=True)
class ScannedRecord:
    """A record's repository-relative path (with ``/``) and its front matter."""

    path: str
    meta: dict[str, Any]


@dataclass(frozen=True)
class ScanProblem:
    """A record file that could not be read or parsed, with the reason as a message key."""

    path: str
    key: str
    params: dict[str, Any]


@dataclass
class ScanStats:
    """Counts of the files of a scan: read, parsed in full, taken from the cache, and skipped as final."""

    files: int = 0
    read: int = 0
    parsed: int = 0
    cached: int = 0
    skipped: int = 0


@dataclass
class ScanResult:
    """The parsed records of a scan, the files that did not parse, and counts."""

    records: list[ScannedRecord] = field(default_factory=list)
    problems: list[ScanProblem] = field(default_factory=list)
    stats: ScanStats = field(default_factory=ScanStats)


def scan_records(
    root: Path,
    is_final: Predicate,
    *,
    parse_all: bool = False,
    cache_dir: Path | None = None,
    workers: int | None = None,
) -> ScanResult:
    """Read every record under ``root/records``; skip final ones unless ``parse_all``.

    ``is_final(type, status)`` returns whether a record needs no front matter.
    With ``cache_dir`` the previous scan's results are reused for unchanged
    files and the cache is updated. ``workers`` caps the reading processes
    (default: the CPUs available). A file that does not parse becomes a
    ScanProblem and the scan goes on. Records and problems come in path order.
    """
    cache = _Cache(cache_dir)
    scanner = _Scanner(os.path.join(root, RECORDS_DIR), is_final, parse_all, cache)
    pending: list[tuple[str, str]] = []
    for folder, names in list_record_files(root):
        scanner.reuse_folder(folder, names, pending)
    scanner.read(pending, _worker_count(workers, len(pending)))
    cache.save()
    scanner.result.records.sort(key=lambda record: record.path)
    scanner.result.problems.sort(key=lambda problem: problem.path)
    return scanner.result


def list_record_files(root: Path) -> list[tuple[str, list[str]]]:
    """Return each folder under ``records/`` with its record file names, both sorted.

    The same files as :func:`commlog.storage.records.iter_record_paths`, as
    plain strings, because building a path object per file costs more than
    the rest of a cached scan.
    """
    base = os.path.join(root, RECORDS_DIR)
    try:
        folders = sorted(entry.name for entry in os.scandir(base) if entry.is_dir() and not entry.name.startswith("."))
    except (FileNotFoundError, NotADirectoryError):
        return []
    listing = []
    for folder in folders:
        names = sorted(
            entry.name
            for entry in os.scandir(os.path.join(base, folder))
            if entry.name.endswith(".md") and not entry.name.startswith(".") and entry.is_file()
        )
        listing.append((folder, names))
    return listing


def read_file(base: str, folder: str, name: str, is_final: Predicate, parse_all: bool) -> Outcome:
    """Read one record file and return what it contains, for the cache and the result."""
    relative = f"{RECORDS_DIR}/{folder}/{name}"
    try:
        with open(os.path.join(base, folder, name), "rb") as stream:
            stat = os.fstat(stream.fileno())
            data = stream.read()
    except OSError as error:
        problem = ("record.unreadable", {"path": relative, "reason": error.strerror or str(error)})
        return folder, name, None, False, (KIND_PROBLEM, *problem)
    key = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)

    state = classify(data)
    if state is not None and not parse_all and is_final(*state):
        return folder, name, key, False, (KIND_STATE, *state)
    try:
        meta = _parse_meta(data)
    except UnicodeDecodeError:
        return folder, name, key, True, (KIND_PROBLEM, "record.not_utf8", {"path": relative})
    except FrontMatterError as error:
        params = {"path": relative, "reason": error.reason, "line": error.line or 1}
        return folder, name, key, True, (KIND_PROBLEM, "record.unparsable", params)
    return folder, name, key, True, (KIND_META, meta, None)


def _parse_meta(data: bytes) -> dict[str, Any]:
    """Return a record's front matter: the block-style loader first, PyYAML for anything else."""
    text = data.decode("utf-8")
    front, _, _ = split_front_matter(text)
    meta = load_block_yaml(front)
    if meta is not None:
        return meta
    return parse_record_text(text).meta


class _Scanner:
    """One pass over the record files: reuses cache entries, reads the rest, and builds the result."""

    def __init__(self, base: str, is_final: Predicate, parse_all: bool, cache: _Cache) -> None:
        self.base = base
        self.is_final = is_final
        self.parse_all = parse_all
        self.cache = cache
        self.result = ScanResult()

    def reuse_folder(self, folder: str, names: list[str], pending: list[tuple[str, str]]) -> None:
        """Apply the cache entries of unchanged files in ``folder``; add the other files to ``pending``."""
        cached = self.cache.folder(folder)
        kept = self.cache.new_folder(folder)
        directory = os.path.join(self.base, folder)
        self.result.stats.files += len(names)
        for name in names:
            entry = cached.get(name)
            if entry is not None and self._reuse(folder, name, os.path.join(directory, name), entry):
                kept[name] = entry
            else:
                pending.append((folder, name))

    def _reuse(self, folder: str, name: str, path: str, entry: tuple[Any, ...]) -> bool:
        """Apply a cached entry if the file's stat still matches; return False when it must be read."""
        try:
            stat = os.stat(path)
        except OSError:
            return False
        if (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino) != entry[:4]:
            return False
        kind, first, second = entry[4:7]
        if kind == KIND_STATE and (self.parse_all or not self.is_final(first, second)):
            return False
        self._add(f"{RECORDS_DIR}/{folder}/{name}", entry[4:7])
        self.result.stats.cached += 1
        return True

    def read(self, pending: list[tuple[str, str]], workers: int) -> None:
        """Read the files in ``pending``, in worker processes when ``workers`` is above 1."""
        if workers > 1:
            outcomes: Iterable[Outcome] = _read_in_workers(self, pending, workers)
        else:
            outcomes = (read_file(self.base, folder, name, self.is_final, self.parse_all) for folder, name in pending)
        for outcome in outcomes:
            self._apply(outcome)

    def _apply(self, outcome: Outcome) -> None:
        folder, name, key, parsed, value = outcome
        stats = self.result.stats
        stats.read += 1
        stats.parsed += 1 if parsed else 0
        if value[0] == KIND_META:
            meta = value[1]
            type_name, status = meta.get("type"), meta.get("status")
            self.result.records.append(ScannedRecord(f"{RECORDS_DIR}/{folder}/{name}", meta))
            if isinstance(type_name, str) and isinstance(status, str) and self.is_final(type_name, status):
                # Keep the cache small: a final record needs only its state to be skipped next time.
                value = (KIND_STATE, sys.intern(type_name), sys.intern(status))
        else:
            self._add(f"{RECORDS_DIR}/{folder}/{name}", value)
        if key is not None:
            self.cache.store(self.cache.new_folder(folder), name, key, value)

    def _add(self, relative: str, value: tuple[Any, Any, Any]) -> None:
        """Add a cached or freshly read value that is not a parsed record to the result."""
        kind, first, second = value
        if kind == KIND_STATE:
            self.result.stats.skipped += 1
        elif kind == KIND_META:
            self.result.records.append(ScannedRecord(relative, first))
        else:
            self.result.problems.append(ScanProblem(relative, first, second))


def _worker_count(requested: int | None, files: int) -> int:
    """Return how many processes should read ``files`` files: 1 unless it pays off and fork is safe."""
    if files < PARALLEL_MIN_FILES or not sys.platform.startswith("linux"):
        return 1
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(requested or available, available, MAX_WORKERS))


# The scanner the worker processes read for; set just before they are forked.
_WORKER_SCANNER: _Scanner | None = None


def _read_in_workers(scanner: _Scanner, pending: list[tuple[str, str]], workers: int) -> Iterable[Outcome]:
    """Yield the outcomes of ``pending`` in order, read by ``workers`` forked processes."""
    global _WORKER_SCANNER
    size = max(1, len(pending) // (workers * 4))
    chunks = [pending[index : index + size] for index in range(0, len(pending), size)]
    _WORKER_SCANNER = scanner
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for packed in pool.imap(_read_chunk, chunks):
                yield from _unpack(packed)
    finally:
        _WORKER_SCANNER = None


def _read_chunk(chunk: list[tuple[str, str]]) -> tuple[str, bytes]:
    """Read a chunk of files in a worker process and return the outcomes packed as bytes."""
    scanner = _WORKER_SCANNER
    assert scanner is not None, "set by _read_in_workers before the fork"
    outcomes = [read_file(scanner.base, folder, name, scanner.is_final, scanner.parse_all) for folder, name in chunk]
    try:
        return "marshal", marshal.dumps(outcomes)
    except ValueError:
        # A front matter with YAML dates or times, which marshal cannot store.
        return "pickle", pickle.dumps(outcomes, protocol=pickle.HIGHEST_PROTOCOL)


def _unpack(packed: tuple[str, bytes]) -> list[Outcome]:
    kind, data = packed
    return marshal.loads(data) if kind == "marshal" else pickle.loads(data)


class _Cache:
    """The scan cache file: entries by folder and file name, written back when anything changed."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self.started_ns = time.time_ns()
        self.old: dict[str, dict[str, tuple[Any, ...]]] = self._load() if directory is not None else {}
        self.new: dict[str, dict[str, tuple[Any, ...]]] = {}
        self.changed = False

    def folder(self, folder: str) -> dict[str, tuple[Any, ...]]:
        return self.old.get(folder, {})

    def new_folder(self, folder: str) -> dict[str, tuple[Any, ...]]:
        return self.new.setdefault(folder, {})

    def store(self, kept: dict[str, tuple[Any, ...]], name: str, key: StatKey, value: tuple[Any, ...]) -> None:
        """Remember what a file contained, unless it changed too recently to trust its stat."""
        self.changed = True
        if max(key[1], key[2]) >= self.started_ns - RACY_SECONDS * 1_000_000_000:
            return
        kept[name] = (*key, *value)

    def _header(self) -> tuple[Any, ...]:
        return ("commlog-scan", CACHE_FORMAT, tuple(sys.version_info[:2]), marshal.version)

    def _load(self) -> dict[str, dict[str, tuple[Any, ...]]]:
        assert self.directory is not None
        try:
            with open(self.directory / CACHE_FILE, "rb") as stream:
                data = stream.read()
            # marshal.loads on the whole file was several times faster than marshal.load on the
            # stream (CPython 3.11), and turning off garbage collection while it builds the many
            # small tuples saves more.
            gc.disable()
            try:
                header, entries = marshal.loads(data)
            finally:
                gc.enable()
        except FileNotFoundError:
            return {}
        except (OSError, EOFError, ValueError, TypeError) as error:
            LOG.debug("ignoring the unreadable scan cache in %s: %s", self.directory, error)
            return {}
        if header != self._header() or not isinstance(entries, dict):
            return {}
        return entries

    def _dump(self) -> bytes:
        """Return the cache file's content; front matter that marshal cannot store is left out."""
        try:
            return marshal.dumps((self._header(), self.new))
        except ValueError:
            for entries in self.new.values():
                unstorable = [name for name, entry in entries.items() if entry[4] == KIND_META and not _marshallable(entry[5])]
                for name in unstorable:
                    del entries[name]
            return marshal.dumps((self._header(), self.new))

    def save(self) -> None:
        """Write the cache through a temporary file and an atomic rename; a failure only costs speed."""
        removed = any(len(self.new.get(folder, ())) != len(entries) for folder, entries in self.old.items())
        if self.directory is None or not (self.changed or removed):
            return
        temporary = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=".scan.", dir=self.directory)
            with os.fdopen(handle, "wb") as stream:
                stream.write(self._dump())
            os.replace(temporary, self.directory / CACHE_FILE)
        except OSError as error:
            LOG.debug("could not write the scan cache in %s: %s", self.directory, error)
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)


def _marshallable(value: Any) -> bool:
    """Tell whether marshal can store ``value``: YAML may give dates, which it cannot."""
    try:
        marshal.dumps(value)
    except ValueError:
        return False
    return True
