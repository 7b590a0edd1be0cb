"""Turning typed-in values into stored field values, with every problem listed.

Values arrive as strings (``--set`` and prompts) or as YAML values (``--file``).
Each field kind has one coercion; a problem becomes a :class:`FieldProblem`
keyed by a message, so all problems of a record are reported at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

import yaml

from commlog.core.schema import FieldSpec, TypeSchema
from commlog.core.timeparse import TimeFormatError, format_datetime, load_datetime, parse_date, parse_datetime
from commlog.errors import FieldProblem

TRUE_WORDS = frozenset({"true", "yes", "y", "on", "1", "是", "真", "对"})
FALSE_WORDS = frozenset({"false", "no", "n", "off", "0", "否", "假", "不"})
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Invalid(Exception):
    """A value that does not fit its field; carries the message key and parameters."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class CoercionContext:
    """Settings of coercion besides the value: the time zone and the year for short dates."""

    zone: tzinfo
    default_year: int
    not_before: date | None = None


def _text(spec: FieldSpec, value: Any) -> str:
    if isinstance(value, bool) or isinstance(value, (list, dict)):
        raise Invalid("value.not_text", value=_preview(value))
    if isinstance(value, datetime):
        raise Invalid("value.not_text", value=_preview(value))
    text = str(value)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if CONTROL_RE.search(text):
        raise Invalid("value.control_characters", value=_preview(text))
    if "\n" in text.strip("\n") and not spec.multiline:
        raise Invalid("value.single_line", value=_preview(text))
    return text.strip() if not spec.multiline else text.strip("\n").rstrip()


def _preview(value: Any, limit: int = 40) -> str:
    text = str(value).replace("\n", "⏎")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def coerce_scalar(spec: FieldSpec, value: Any, context: CoercionContext) -> Any:
    """Coerce one scalar value to the stored form of ``spec.kind``; raise Invalid."""
    kind = spec.kind
    if kind in ("text", "person", "department", "party"):
        text = _text(spec, value)
        if kind != "text" and "|" in text:
            raise Invalid("value.separator_in_name", value=_preview(text))
        return text
    if kind == "enum":
        choice = spec.choice(str(value))
        if choice is None:
            raise Invalid("value.not_a_choice", value=_preview(value))
        return choice.key
    if kind == "bool":
        if isinstance(value, bool):
            return value
        word = str(value).strip().casefold()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise Invalid("value.not_bool", value=_preview(value))
    if kind == "integer":
        if isinstance(value, bool):
            raise Invalid("value.not_integer", value=_preview(value))
        try:
            return int(str(value).strip())
        except ValueError:
            raise Invalid("value.not_integer", value=_preview(value)) from None
    if kind == "datetime":
        if isinstance(value, (datetime, date)):
            return format_datetime(load_datetime(value, context.zone))
        try:
            return format_datetime(parse_datetime(str(value), context.zone))
        except TimeFormatError:
            raise Invalid("value.not_datetime", value=_preview(value)) from None
    if kind == "date":
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        try:
            return parse_date(str(value), context.default_year, context.not_before).isoformat()
        except TimeFormatError:
            raise Invalid("value.not_date", value=_preview(value)) from None
    raise Invalid("value.unsupported_kind", value=kind)


def _parts(spec: FieldSpec) -> str:
    """Return the one-line form of an object item, such as ``节点|截止日期``, in the user's language."""
    return "|".join(sub.label() for sub in spec.fields)


def _object_from_text(spec: FieldSpec, text: str) -> Mapping[str, Any]:
    """Read an object item typed on one line.

    Two forms: a YAML flow mapping ``{name: 初稿提交, due: 05-20}``, or the
    sub-field values in schema order separated by ``|`` (``初稿提交|05-20``).
    """
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            loaded = yaml.safe_load(stripped)
        except yaml.YAMLError:
            raise Invalid("value.not_object", value=_preview(text), parts=_parts(spec)) from None
        if not isinstance(loaded, Mapping):
            raise Invalid("value.not_object", value=_preview(text), parts=_parts(spec))
        return loaded
    parts = [part.strip() for part in stripped.split("|")]
    if len(parts) > len(spec.fields):
        raise Invalid("value.not_object", value=_preview(text), parts=_parts(spec))
    return {sub.key: part for sub, part in zip(spec.fields, parts) if part != ""}


def coerce_object(spec: FieldSpec, value: Any, context: CoercionContext) -> dict[str, Any]:
    """Coerce a mapping (or its one-line form) to an object with sub-fields in schema order."""
    if isinstance(value, str):
        value = _object_from_text(spec, value)
    if not isinstance(value, Mapping):
        raise Invalid("value.not_object", value=_preview(value), parts=_parts(spec))
    known = {sub.key for sub in spec.fields}
    unknown = [str(key) for key in value if str(key) not in known]
    if unknown:
        raise Invalid("value.unknown_subfield", value=", ".join(unknown), allowed=", ".join(sorted(known)))

    result: dict[str, Any] = {}
    for sub in spec.fields:
        raw = value.get(sub.key)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if sub.required:
                raise Invalid("value.missing_subfield", subfield=sub.label())
            continue
        try:
            result[sub.key] = coerce_scalar(sub, raw, context)
        except Invalid as error:
            raise Invalid("value.invalid_subfield", subfield=sub.label(), reason_key=error.key, **error.params) from None
    return result


def coerce_item(spec: FieldSpec, value: Any, context: CoercionContext) -> Any:
    """Coerce one value of a field (one item, for a list field)."""
    if spec.kind == "object":
        return coerce_object(spec, value, context)
    return coerce_scalar(spec, value, context)


def is_empty(value: Any) -> bool:
    """Tell whether a value counts as not given."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, dict)):
        return len(value) == 0
    return False


def coerce_field(spec: FieldSpec, value: Any, context: CoercionContext) -> Any:
    """Coerce the whole value of a field; lists are coerced item by item."""
    if spec.kind != "list":
        if isinstance(value, (list, tuple)):
            if len(value) != 1:
                raise Invalid("value.not_a_list_field", value=_preview(value))
            value = value[0]
        return coerce_item(spec, value, context)
    assert spec.item is not None
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    result = []
    for item in items:
        if is_empty(item):
            continue
        result.append(coerce_item(spec.item, item, context))
    return result


def coerce_fields(
    schema: TypeSchema,
    values: Mapping[str, Any],
    context: CoercionContext,
    settable: frozenset[str] | None = None,
) -> tuple[dict[str, Any], list[FieldProblem]]:
    """Coerce every given value; return the stored values and the problems found.

    Unknown keys and keys outside ``settable`` are problems too, so a typo in
    ``--set`` is never silently ignored.
    """
    stored: dict[str, Any] = {}
    problems: list[FieldProblem] = []
    for key, raw in values.items():
        spec = schema.field(key)
        if spec is not None and (spec.system or (settable is not None and key not in settable)):
            problems.append(FieldProblem(key, "field.not_settable"))
            continue
        if spec is None:
            problems.append(FieldProblem(key, "field.unknown", type=schema.name))
            continue
        try:
            stored[key] = coerce_field(spec, raw, context)
        except Invalid as error:
            problems.append(FieldProblem(key, error.key, **error.params))
    return stored, problems


def missing_required(schema: TypeSchema, values: Mapping[str, Any]) -> list[FieldProblem]:
    """List the required fields that have no value."""
    return [
        FieldProblem(spec.key, "field.missing")
        for spec in schema.fields
        if spec.required and not spec.system and is_empty(values.get(spec.key))
    ]
