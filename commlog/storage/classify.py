"""Reading ``type`` and ``status`` from a record's raw bytes without parsing its YAML.

A record in a final state has no open SLA, so the default ``status`` report
does not need its fields, and parsing YAML is the slow part of a scan. On a
2-core Linux machine, PyYAML's C loader took about 13 s for the front matter
of 100,000 records, against 1 s to read their bytes.

``classify`` returns (type, status) only when nothing in the front matter
could make YAML read them differently. It gives up, so that the file is parsed
in full, on any of these:

- more than one ``type:`` or ``status:`` line at the top level, or a value of
  either that is not a plain word or that continues on the next line;
- a line with an odd number of single or of double quotes (a quoted scalar
  left open), a backslash before a double quote, or a quote in a key;
- a flow collection other than ``[]`` and ``{}``;
- a tab, a carriage return, a tag, anchor, alias, directive, document marker
  or complex key, and a second ``: `` in an unquoted value.

NOTE: ``classify`` proves what ``status`` YAML would read, not that the rest of
the front matter parses. A final-state record with another YAML error (such
as a wrong indentation) is reported only by a full parse: ``status --all``
and ``commlog check``.
"""

from __future__ import annotations

import re
import sys

_BOM = b"\xef\xbb\xbf"
# The type and status lines, and top-level lines that are neither a plain key, a comment nor a
# sequence item: a quote, bracket, tag, anchor, alias, "%", ".", "?" or "-" without a space.
_LINE_STARTS = re.compile(rb"\n(?:(status|type)[ \t]*:([^\n]*)|[^A-Za-z0-9_#\n -]|-[^ \n])")
_PLAIN_VALUE = re.compile(rb" ([a-z][a-z0-9_]*)[ \t]*")
# A value after "key: " that starts with an anchor, alias, tag, reserved indicator or a second
# space, or a flow collection other than [] and {}.
_VALUE_INDICATOR = re.compile(rb": (?:[&*!%@` ]|\[(?!\]\n)|\{(?!\}\n))")
# A flow collection at the start of an indented line or sequence item.
_LINE_FLOW = re.compile(rb"\n *(?:- +)*[\[{](?![\]}]\n)")
# A line of the front matter reduced to quotes, colons, spaces and backslashes (its "shape"). The
# first branch finds a quote in a key: a quote before the first ": " of a line with a later ": ".
# It also matches a sequence item whose quoted value contains ": ", which only costs a full
# parse. The second finds a second ": " in an unquoted value, which YAML rejects.
_BAD_SHAPE = re.compile(rb"(?:[ ]|:(?! ))*(?:['\"][^\n]*: |: [ :]*: )")
_NOT_IN_SHAPE = bytes(byte for byte in range(256) if byte not in b"'\"\n: \\")
# Line shapes already checked and found safe; records repeat a few dozen shapes.
_SAFE_SHAPES: set[bytes] = set()
_SAFE_SHAPES_LIMIT = 4096


def classify(data: bytes) -> tuple[str, str] | None:
    """Return (type, status) read from a record's raw bytes, or None when only a full parse can tell.

    The module docstring lists what the check rejects.
    """
    start = 3 + len(_BOM) if data.startswith(_BOM) else 3
    if data[start - 3 : start + 1] != b"---\n":
        return None
    end = data.find(b"\n---\n", start)
    if end < 0:
        return None
    front = data[start : end + 1]
    if not _simple_scalars(front):
        return None

    found: dict[bytes, bytes] = {}
    for match in _LINE_STARTS.finditer(front):
        name = match.group(1)
        if name is None:
            return None
        value = _PLAIN_VALUE.fullmatch(match.group(2))
        # A second key, a value that is not plain, or an indented next line (a multi-line value) needs YAML.
        if name in found or value is None or front[match.end() + 1 : match.end() + 2] in (b" ", b"\t", b"\n"):
            return None
        found[name] = value.group(1)
    if len(found) != 2 or not (front[1:2].isalpha() or front[1:2] == b"_"):
        return None
    return sys.intern(found[b"type"].decode("ascii")), sys.intern(found[b"status"].decode("ascii"))


def _simple_scalars(front: bytes) -> bool:
    """Tell whether every quoted scalar and flow collection in ``front`` closes on its own line.

    The module docstring lists what fails the check.
    """
    if b"\r" in front or b"\t" in front:
        return False
    if _VALUE_INDICATOR.search(front) is not None:
        return False
    if (b"[" in front or b"{" in front) and _LINE_FLOW.search(front) is not None:
        return False
    shapes = set(front.translate(None, _NOT_IN_SHAPE).split(b"\n"))
    for shape in shapes - _SAFE_SHAPES:
        if not _safe_shape(shape):
            return False
        if len(_SAFE_SHAPES) < _SAFE_SHAPES_LIMIT:
            _SAFE_SHAPES.add(shape)
    return True


def _safe_shape(shape: bytes) -> bool:
    """Tell whether a line's shape closes its quoted scalars and has no quote in its key.

    A quoted scalar left open makes the line's count of single or of double
    quotes odd (escaped ``''`` pairs included). A backslash before a double
    quote could hide one, so it fails too.
    """
    if shape.count(b"'") % 2 or shape.count(b'"') % 2 or b'\\"' in shape:
        return False
    return _BAD_SHAPE.match(shape) is None
