"""Strict checks of stored front-matter values against their field kinds.

``commlog`` writes every value in one form: an enumeration's English key, an
ISO 8601 datetime with a UTC offset, a ``YYYY-MM-DD`` date, text as a string.
A hand edit that leaves that form is reported with a message key, so a
renderer can print it in the user's language.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from commlog.core.pii import DETECTORS, find_pii
from commlog.core.schema import FieldSpec

Location = tuple[str | int, ...]
Problem = tuple[Location, str, dict[str, Any]]


def value_problems(spec: FieldSpec, value: Any, where: Location) -> list[Problem]:
    """List what is wrong with a stored value of ``spec``: (location, message key, parameters).

    Stored values are checked strictly: an enumeration contains its English
    key, not a label, and a datetime has an offset, as ``commlog`` writes them.
    """
    if spec.kind == "list":
        if not isinstance(value, list):
            return [(where, "check.not_list", {})]
        assert spec.item is not None
        return [problem for index, item in enumerate(value)
                for problem in value_problems(spec.item, item, (*where, index))]
    if spec.kind == "object":
        return _object_problems(spec, value, where)
    problem = scalar_problem(spec, value)
    return [] if problem is None else [(where, problem[0], problem[1])]


def _object_problems(spec: FieldSpec, value: Any, where: Location) -> list[Problem]:
    if not isinstance(value, dict):
        return [(where, "check.not_mapping_value", {})]
    problems: list[Problem] = []
    known = {sub.key for sub in spec.fields}
    for key in value:
        if str(key) not in known:
            problems.append(((*where, str(key)), "check.unknown_part", {"allowed": ", ".join(sorted(known))}))
    for sub in spec.fields:
        item = value.get(sub.key)
        if is_blank(item):
            if sub.required:
                problems.append((where, "check.missing_part", {"part": sub.key}))
            continue
        problems.extend(value_problems(sub, item, (*where, sub.key)))
    return problems


def scalar_problem(spec: FieldSpec, value: Any) -> tuple[str, dict[str, Any]] | None:
    """Return (message key, parameters) when a stored scalar does not fit its kind, else None."""
    kind = spec.kind
    if kind == "enum":
        keys = [choice.key for choice in spec.choices]
        if isinstance(value, str) and value in keys:
            return None
        return ("check.not_a_choice", {"value": preview(value), "allowed": ", ".join(keys)})
    valid = SCALAR_TESTS.get(kind)
    if valid is None or valid(value):
        return None
    return (f"check.not_{'text' if kind in TEXT_KINDS else kind}", {"value": preview(value)})


TEXT_KINDS = ("text", "person", "department", "party")
# Kinds whose values cannot contain personal data, so the detectors skip them.
NON_TEXT_KINDS = frozenset({"datetime", "date", "enum", "bool", "integer"})


def is_stored_datetime(value: Any) -> bool:
    """Tell whether a value is an ISO 8601 datetime with a UTC offset (or a YAML timestamp with one)."""
    if isinstance(value, datetime):
        return value.tzinfo is not None
    if not isinstance(value, str):
        return False
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None
    except ValueError:
        return False


def _is_stored_date(value: Any) -> bool:
    if isinstance(value, date) and not isinstance(value, datetime):
        return True
    if not isinstance(value, str):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


SCALAR_TESTS: dict[str, Callable[[Any], bool]] = {
    **{kind: (lambda value: isinstance(value, str)) for kind in TEXT_KINDS},
    "bool": lambda value: isinstance(value, bool),
    "integer": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "datetime": is_stored_datetime,
    "date": _is_stored_date,
}


def is_blank(value: Any) -> bool:
    """Tell whether a value counts as not given: None, blank text, an empty list or mapping."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, dict)):
        return not value
    return False


def preview(value: Any, limit: int = 40) -> str:
    """Return a short form of a value for a message, with any personal data in it masked."""
    text = str(value).replace("\n", "⏎")
    for match in reversed(find_pii(text, DETECTORS)):
        text = text[: match.start] + match.masked + text[match.end :]
    return text if len(text) <= limit else text[: limit - 1] + "…"
