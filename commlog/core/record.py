"""The record model: identifiers, file locations, key order and the progress log.

A record is its front matter and a Markdown body. The front matter is a
mapping of plain YAML values (strings, numbers, booleans, lists, mappings),
with datetimes as ISO 8601 strings. Everything here is pure, because files
are read and written by :mod:`commlog.storage.records`.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import PurePosixPath
from typing import Any

from commlog.core.schema import TypeSchema
from commlog.core.timeparse import display_datetime

# Crockford's base32 alphabet: no I, L, O or U, so an ID read aloud or typed
# by hand is not mistaken for another.
ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ID_SUFFIX_LENGTH = 4
ID_RE = re.compile(r"^(?P<prefix>[A-Z][A-Z0-9]{1,7})-(?P<date>\d{8})-(?P<suffix>[0-9A-HJKMNP-TV-Z]{4})$")
FOLDER_RE = re.compile(r"^(?P<year>\d{4})-Q(?P<quarter>[1-4])-(?P<type>[a-z][a-z0-9_]*)$")

RECORDS_DIR = "records"
SYSTEM_KEYS = (
    "id",
    "type",
    "acks",
    "feedback",
    "history",
    "completed_at",
    "closed_at",
    "deadlines",
    "attachments",
)
# Keys that come after the type's fields and the common fields, in this order.
TRAILING_KEYS = ("acks", "feedback", "history", "completed_at", "closed_at", "deadlines", "attachments")

LOG_START = "<!-- commlog:progress-log -->"
LOG_END = "<!-- /commlog:progress-log -->"


@dataclass
class Record:
    """A record file's content: front matter in key order, and the Markdown body."""

    meta: dict[str, Any]
    body: str
    path: PurePosixPath | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return str(self.meta.get("id", ""))

    @property
    def type(self) -> str:
        return str(self.meta.get("type", ""))

    @property
    def title(self) -> str:
        return str(self.meta.get("title", ""))

    @property
    def status(self) -> str:
        return str(self.meta.get("status", ""))


def new_id(prefix: str, created: datetime, taken: Iterable[str] = ()) -> str:
    """Make an ID such as ``CLI-20240315-7K3Q`` that no ID in ``taken`` has.

    The random part makes IDs unique without coordination between people who
    create records on different branches at the same time.
    """
    used = set(taken)
    day = created.strftime("%Y%m%d")
    while True:
        suffix = "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_SUFFIX_LENGTH))
        candidate = f"{prefix}-{day}-{suffix}"
        if candidate not in used:
            return candidate


def quarter_of(moment: datetime) -> str:
    """Return ``YYYY-Qn`` for a datetime, in the time zone it carries."""
    return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"


def record_folder(created: datetime, type_name: str) -> PurePosixPath:
    """Return the folder of a record: ``records/YYYY-Qn-<type>``."""
    return PurePosixPath(RECORDS_DIR, f"{quarter_of(created)}-{type_name}")


def record_path(created: datetime, type_name: str, record_id: str) -> PurePosixPath:
    """Return the repository-relative path of a record file."""
    return record_folder(created, type_name) / f"{record_id}.md"


def ordered_meta(schema: TypeSchema, meta: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``meta`` with keys in schema order: id, type, fields, system keys, then unknown keys.

    Unknown keys (added by hand or by a newer schema) are kept at the end
    rather than dropped.
    """
    order = ["id", "type", *(spec.key for spec in schema.fields), *TRAILING_KEYS]
    result = {key: meta[key] for key in order if key in meta}
    for key, value in meta.items():
        if key not in result:
            result[key] = value
    return result


@dataclass(frozen=True)
class LogEntry:
    """One line of the progress log: when, who, what."""

    at: str
    by: str
    text: str
    recorded_at: str | None = None


def format_log_line(entry: LogEntry, zone: tzinfo, late_word: str) -> str:
    """Return one Markdown list item of the progress log."""
    line = f"- {display_datetime(entry.at, zone)} {entry.by}: {entry.text}"
    if entry.recorded_at:
        line += f" ({late_word} {display_datetime(entry.recorded_at, zone)})"
    return line


def render_log_block(entries: Iterable[LogEntry], zone: tzinfo, late_word: str) -> str:
    """Return the progress-log block, newest entry last, between its markers."""
    lines = [format_log_line(entry, zone, late_word) for entry in entries]
    return "\n".join([LOG_START, *lines, LOG_END])


def replace_log_block(body: str, block: str) -> str:
    """Swap the progress-log block in ``body`` for ``block``, leaving every other byte alone.

    A body without the markers (written by hand) gets the block appended at the end.
    """
    start = body.find(LOG_START)
    end = body.find(LOG_END, start + 1) if start >= 0 else -1
    if start < 0 or end < 0:
        return append_block(body, block)
    return body[:start] + block + body[end + len(LOG_END):]


def without_log_block(body: str) -> str:
    """Return ``body`` with the progress-log block (markers included) taken out."""
    start = body.find(LOG_START)
    end = body.find(LOG_END, start + 1) if start >= 0 else -1
    if start < 0 or end < 0:
        return body
    return body[:start] + body[end + len(LOG_END) :]


def record_id_of_path(path: str) -> str | None:
    """Return the record ID a repository path belongs to, or None for a path outside any record.

    ``records/<folder>/<ID>.md`` is the record itself and
    ``records/<folder>/<ID>/…`` contains its attachments.
    """
    parts = PurePosixPath(path).parts
    if len(parts) < 3 or parts[0] != RECORDS_DIR:
        return None
    if len(parts) == 3:
        name = PurePosixPath(parts[2])
        return name.stem if name.suffix == ".md" and not name.name.startswith(".") else None
    return parts[2]


def append_block(body: str, block: str) -> str:
    """Append ``block`` to ``body`` as its own paragraph, ending the text with one newline."""
    if not body or body.endswith("\n\n"):
        separator = ""
    elif body.endswith("\n"):
        separator = "\n"
    else:
        separator = "\n\n"
    return f"{body}{separator}{block}\n"
