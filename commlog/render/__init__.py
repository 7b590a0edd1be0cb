"""Renderers shared by the commands: aligned text tables and JSON.

Table widths count East Asian wide characters as two columns, so columns
stay aligned when cells hold Chinese text.
"""

from __future__ import annotations

import functools
import json
import unicodedata
from collections.abc import Sequence
from typing import Any


@functools.lru_cache(maxsize=65536)
def display_width(text: str) -> int:
    """Return the number of terminal columns ``text`` takes."""
    if text.isascii():
        return len(text)
    width = 0
    for character in text:
        if unicodedata.combining(character):
            continue
        width += 2 if unicodedata.east_asian_width(character) in ("W", "F") else 1
    return width


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` columns, ending with ``…`` when cut."""
    if display_width(text) <= limit:
        return text
    result = []
    used = 0
    for character in text:
        size = display_width(character)
        if used + size > limit - 1:
            break
        result.append(character)
        used += size
    return "".join(result) + "…"


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], max_width: int = 48) -> str:
    """Return a plain-text table with a header rule; cells wider than ``max_width`` are cut."""
    cells = [[truncate(" ".join(str(cell).split()), max_width) for cell in row] for row in rows]
    widths = [display_width(header) for header in headers]
    for row in cells:
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], display_width(cell))
    lines = ["  ".join(pad(header, widths[i]) for i, header in enumerate(headers)).rstrip()]
    lines.append("  ".join("-" * width for width in widths))
    for row in cells:
        lines.append("  ".join(pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip())
    return "\n".join(lines)


def to_json(data: Any) -> str:
    """Serialise ``data`` as indented JSON with Unicode kept as characters."""
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)
