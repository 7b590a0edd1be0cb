"""A fast loader for the block-style YAML that commlog writes, with PyYAML as the fallback.

PyYAML's C loader still builds and resolves every node through Python calls.
That took about 0.34 ms for a 1.8 KB record front matter on a 2-core Linux
machine, against 0.09 ms for this loader (``benchmarks/status.py`` records). Records written by :func:`commlog.storage.yamlio.dump` use a small
part of YAML: block mappings and sequences, one-line plain and single-quoted
scalars, ``|`` literal blocks, and ``[]`` and ``{}``. ``load_block_yaml``
reads exactly that part and returns None for anything else (double quotes,
flow collections, comments, anchors, tags, folded or indented block scalars,
multi-line plain scalars, blank lines), so that the caller parses the text
with PyYAML instead.

Plain scalars are typed with the SafeLoader's own implicit resolvers and
constructors, so ``yes``, ``12:30``, ``2024-03-15`` or ``~`` load exactly as
PyYAML loads them.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.nodes import ScalarNode

_STR = "tag:yaml.org,2002:str"
# Characters that PyYAML's reader rejects (yaml.reader.Reader.NON_PRINTABLE).
_NON_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# A plain scalar may not start with these, except "-", "?" and ":" before a non-space character.
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
# Tabs, and the line breaks other than "\n" and the byte order mark, which YAML treats specially.
_UNSUPPORTED_CHARACTERS = ("\t", "\r", "\x85", "\u2028", "\u2029", "\ufeff")
_BLOCK_HEADERS = {"|": "clip", "|-": "strip", "|+": "keep"}


class _Unsupported(Exception):
    """The text uses YAML that this loader leaves to PyYAML."""


class _Resolver(yaml.SafeLoader):
    """The SafeLoader's resolver and constructors, used without its scanner."""

    def __init__(self) -> None:
        yaml.SafeLoader.__init__(self, "")


_resolver: _Resolver | None = None
# Plain scalars and keys already typed; records repeat many of them ("normal", "at", "clock").
_plain_values: dict[str, Any] = {}
_keys: dict[str, str] = {}
_CACHE_LIMIT = 4096
_MISSING = object()


def load_block_yaml(text: str) -> Any:
    """Return the data of a YAML mapping written in commlog's block style, or None when unsupported.

    None means "parse it with PyYAML", never "the text is empty": an empty
    text returns None too.
    """
    if _NON_PRINTABLE.search(text) or any(character in text for character in _UNSUPPORTED_CHARACTERS):
        return None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if lines and lines[-1] == "...":
        # The document end marker, which the dumper writes after a "|+" scalar.
        lines.pop()
    parser = _Parser(lines)
    if not lines or parser.indents[0] != 0:
        return None
    try:
        value, end = parser.mapping(0, 0)
    except _Unsupported:
        return None
    return value if end == len(lines) else None


class _Parser:
    """Recursive descent over the lines of one document.

    ``indents[i]`` is the indentation of line ``i`` and ``texts[i]`` the line
    after it. A blank line has its length as indentation and an empty text.
    """

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.texts = [line.lstrip(" ") for line in lines]
        self.indents = [len(line) - len(text) for line, text in zip(lines, self.texts)]
        self.count = len(lines)

    def block(self, index: int, indent: int) -> tuple[Any, int]:
        """Parse the mapping or sequence whose first line is ``index``, at column ``indent``."""
        text = self.texts[index]
        if text == "-" or text.startswith("- "):
            return self.sequence(index, indent)
        return self.mapping(index, indent)

    def mapping(self, index: int, indent: int, first: str | None = None) -> tuple[dict[str, Any], int]:
        """Parse mapping entries at ``indent``; ``first`` is the text of an entry that starts after "- "."""
        result: dict[str, Any] = {}
        texts, indents = self.texts, self.indents
        while True:
            if first is None:
                text = texts[index]
                if not text or indents[index] != indent:
                    raise _Unsupported(index)
            else:
                text, first = first, None
            key, rest = _split_entry(text)
            result[key], index = self.value(rest, index, indent, in_mapping=True)
            if index >= self.count or indents[index] < indent:
                return result, index
            if indents[index] > indent or texts[index].startswith("-"):
                raise _Unsupported(index)

    def sequence(self, index: int, indent: int) -> tuple[list[Any], int]:
        """Parse "- " items at ``indent``."""
        result: list[Any] = []
        texts, indents = self.texts, self.indents
        while index < self.count:
            text = texts[index]
            if indents[index] != indent or not (text == "-" or text.startswith("- ")):
                break
            rest = text[2:]
            if rest and not rest.startswith(("'", "|", "[]", "{}")) and _is_entry(rest):
                item, index = self.mapping(index, indent + 2, first=rest)
            else:
                item, index = self.value(rest, index, indent, in_mapping=False)
            result.append(item)
        return result, index

    def value(self, rest: str, index: int, indent: int, in_mapping: bool) -> tuple[Any, int]:
        """Parse the value after "key:" or "-" on line ``index``; return it and the next line's index."""
        following = index + 1
        if rest == "":
            if following < self.count and self.texts[following]:
                deeper = self.indents[following]
                if deeper > indent:
                    return self.block(following, deeper)
                if in_mapping and deeper == indent and self.texts[following].startswith("- "):
                    return self.sequence(following, indent)
            return None, following
        if rest in _BLOCK_HEADERS:
            return self.literal(_BLOCK_HEADERS[rest], following, indent)
        return _scalar(rest), following

    def literal(self, chomping: str, index: int, parent: int) -> tuple[str, int]:
        """Parse a ``|`` block scalar whose content starts at line ``index``, indented beyond ``parent``."""
        lines, texts, indents = self.lines, self.texts, self.indents
        if index >= self.count or not texts[index]:
            raise _Unsupported(index)
        indent = indents[index]
        if indent <= parent:
            raise _Unsupported(index)
        content: list[str] = []
        while index < self.count:
            if texts[index]:
                if indents[index] < indent:
                    break
            elif len(lines[index]) > indent:
                raise _Unsupported(index)
            content.append(lines[index][indent:])
            index += 1
        return _chomp(content, chomping), index


def _chomp(content: list[str], chomping: str) -> str:
    """Join the lines of a literal block scalar and apply its chomping indicator."""
    trailing = 0
    while trailing < len(content) and content[len(content) - 1 - trailing] == "":
        trailing += 1
    body = "\n".join(content[: len(content) - trailing])
    if chomping == "strip":
        return body
    if chomping == "keep":
        return body + "\n" * (trailing + 1)
    return body + "\n"


def _is_entry(text: str) -> bool:
    """Tell whether ``text`` is a "key: value" or "key:" mapping entry."""
    return ": " in text or text.endswith(":")


def _split_entry(text: str) -> tuple[str, str]:
    """Split "key: value" into the key and the value text; raise for anything else."""
    key, separator, rest = text.partition(": ")
    if not separator:
        if not text.endswith(":"):
            raise _Unsupported(text)
        key = text[:-1]
    resolved = _keys.get(key)
    if resolved is None:
        resolved = _check_key(key)
    return resolved, rest


def _check_key(key: str) -> str:
    """Return a plain key that loads as a string, remembering it; raise for any other key."""
    if not key or key != key.strip() or key[0] in _INDICATORS or " #" in key:
        raise _Unsupported(key)
    resolved = _plain(key)
    if not isinstance(resolved, str):
        raise _Unsupported(key)
    if len(_keys) < _CACHE_LIMIT:
        _keys[key] = resolved
    return resolved


def _scalar(text: str) -> Any:
    """Return the value of a one-line scalar: single-quoted, ``[]``, ``{}`` or plain."""
    if text[0] == "'":
        inner = text[1:-1]
        if len(text) < 2 or not text.endswith("'") or "'" in inner.replace("''", ""):
            raise _Unsupported(text)
        return inner.replace("''", "'")
    cached = _plain_values.get(text, _MISSING)
    if cached is not _MISSING:
        return cached
    if text == "[]":
        return []
    if text == "{}":
        return {}
    first = text[0]
    if first in _INDICATORS and not (first in "-?:" and len(text) > 1 and text[1] != " "):
        raise _Unsupported(text)
    if text != text.strip() or " #" in text or ": " in text or text.endswith(":"):
        raise _Unsupported(text)
    return _plain(text)


def _plain(text: str) -> Any:
    """Type a plain scalar with the SafeLoader's implicit resolvers and constructors, remembering it."""
    global _resolver
    if _resolver is None:
        _resolver = _Resolver()
    tag = _resolver.resolve(ScalarNode, text, (True, False))
    if tag == _STR:
        value: Any = text
    else:
        try:
            value = _resolver.construct_object(ScalarNode(tag, text), deep=True)
        except yaml.YAMLError:
            raise _Unsupported(text) from None
    # Only immutable values may be shared between records.
    if len(_plain_values) < _CACHE_LIMIT and isinstance(value, (str, bool, int, float, type(None))):
        _plain_values[text] = value
    return value
