"""Commit messages of record changes: subject, body and the ``Commlog-*`` trailers.

Subject: ``<action> <ID>: <title>``, cut to 72 characters. The trailers make
git history machine-readable: ``Commlog-Record`` and ``Commlog-Action`` on
every commit, ``Commlog-By`` when the person acting is not the git author.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

SUBJECT_LIMIT = 72
RECORD_TRAILER = "Commlog-Record"
ACTION_TRAILER = "Commlog-Action"
BY_TRAILER = "Commlog-By"
ACTIONS = ("new", "ack", "feedback", "update", "close", "reopen", "attach", "publish", "import")


def subject_line(action: str, record_id: str, title: str) -> str:
    """Return the commit subject, shortened with an ellipsis to at most 72 characters."""
    subject = f"{action} {record_id}: {' '.join(title.split())}"
    if len(subject) <= SUBJECT_LIMIT:
        return subject
    return subject[: SUBJECT_LIMIT - 1].rstrip() + "…"


def _trailer_value(value: str) -> str:
    return " ".join(value.split())


def build_message(
    action: str,
    record_id: str,
    title: str,
    body: Iterable[str] = (),
    by: str | None = None,
    extra_trailers: Mapping[str, str] | None = None,
) -> str:
    """Return the full commit message: subject, a body of one or two lines, then trailers."""
    lines = [subject_line(action, record_id, title), ""]
    body_lines = [line for line in body if line.strip()]
    if body_lines:
        lines.extend(body_lines)
        lines.append("")
    lines.append(f"{RECORD_TRAILER}: {record_id}")
    lines.append(f"{ACTION_TRAILER}: {action}")
    if by:
        lines.append(f"{BY_TRAILER}: {_trailer_value(by)}")
    for key, value in (extra_trailers or {}).items():
        lines.append(f"{key}: {_trailer_value(value)}")
    return "\n".join(lines) + "\n"


def parse_trailers(message: str) -> dict[str, list[str]]:
    """Return the trailers of the last paragraph of a commit message, by key."""
    paragraphs = message.strip().split("\n\n")
    trailers: dict[str, list[str]] = {}
    if len(paragraphs) < 2:
        return trailers
    for line in paragraphs[-1].splitlines():
        key, separator, value = line.partition(": ")
        if separator and key and " " not in key:
            trailers.setdefault(key, []).append(value.strip())
    return trailers
