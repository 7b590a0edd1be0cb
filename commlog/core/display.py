"""Field values as people read them: enumeration labels, short datetimes, joined lists."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from commlog.core.schema import FieldSpec
from commlog.core.timeparse import display_datetime


def list_separator(language: str) -> str:
    return "、" if language == "zh-CN" else ", "


def display_value(spec: FieldSpec | None, value: Any, zone: tzinfo, language: str) -> str:
    """Return ``value`` of field ``spec`` as text in ``language``; empty values give ``""``."""
    if value is None or value == "" or value == []:
        return ""
    if spec is None:
        return _plain(value, language)
    if spec.kind == "list" and isinstance(value, list):
        return list_separator(language).join(display_value(spec.item, item, zone, language) for item in value)
    if spec.kind == "object" and isinstance(value, dict):
        parts = [display_value(sub, value.get(sub.key), zone, language) for sub in spec.fields]
        return " / ".join(part for part in parts if part)
    if spec.kind == "enum":
        choice = spec.choice(str(value))
        return choice.label(language) if choice else str(value)
    if spec.kind == "datetime":
        try:
            return display_datetime(value, zone)
        except ValueError:
            return str(value)
    if spec.kind == "bool":
        if language == "zh-CN":
            return "是" if value else "否"
        return "yes" if value else "no"
    return str(value)


def _plain(value: Any, language: str) -> str:
    if isinstance(value, list):
        return list_separator(language).join(_plain(item, language) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key}={_plain(item, language)}" for key, item in value.items())
    return str(value)
