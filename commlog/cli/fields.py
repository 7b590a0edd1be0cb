"""Field input on the command line: ``--set`` pairs, fields files, prompts, and problem lists."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from commlog.core.display import list_separator
from commlog.errors import FieldErrors, FieldProblem, InputError
from commlog.i18n import get_language, translate


def parse_set_options(pairs: list[str]) -> dict[str, Any]:
    """Turn repeated ``KEY=VALUE`` options into values; a repeated key makes a list.

    A comma never splits a value, because Chinese text often contains ASCII commas.
    """
    values: dict[str, Any] = {}
    for pair in pairs:
        key, separator, value = pair.partition("=")
        key = key.strip()
        if not separator or not key:
            raise InputError("input.bad_set", value=pair)
        if key in values:
            existing = values[key]
            values[key] = existing + [value] if isinstance(existing, list) else [existing, value]
        else:
            values[key] = value
    return values


def read_fields_file(path: Path) -> dict[str, Any]:
    """Read a ``--file`` YAML mapping of field values; every plain scalar is read as text."""
    from commlog.storage import yamlio

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("input.file_not_found", path=str(path)) from None
    except UnicodeDecodeError:
        raise InputError("input.file_not_utf8", path=str(path)) from None
    except OSError as error:
        raise InputError("input.file_unreadable", path=str(path), reason=error.strerror) from None
    try:
        loaded = yamlio.load_strings(text)
    except Exception as error:  # yaml.YAMLError
        mark = getattr(error, "problem_mark", None)
        raise InputError("input.file_not_yaml", path=str(path), line=(mark.line + 1) if mark else 1) from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise InputError("input.file_not_mapping", path=str(path))
    return {str(key): value for key, value in loaded.items()}


def describe_problem(schema: Any, problem: FieldProblem, spec: Any = None) -> str:
    """Return one problem as ``label (key): message`` in the user's language."""
    if spec is None and schema is not None:
        spec = schema.field(problem.field)
    label = spec.label() if spec else problem.field
    params = dict(problem.params)
    reason_key = params.pop("reason_key", None)
    if reason_key:
        params["reason"] = translate(reason_key, **params)
    if spec is not None and spec.kind in ("enum",) or (spec and spec.item and spec.item.kind == "enum"):
        enum_spec = spec.item if spec.kind == "list" else spec
        params.setdefault("choices", choices_text(enum_spec))
    message = translate(problem.key, **params)
    return f"{label} ({problem.field}): {message}"


def describe_problems(ctx: Any, error: FieldErrors) -> list[str]:
    """Return one line per problem, then the settable fields once if a key was unknown."""
    lines = [describe_problem(error.schema, problem) for problem in error.problems]
    if error.schema is not None and any(problem.key == "field.unknown" for problem in error.problems):
        from commlog.services.create import settable_fields

        keys = ", ".join(spec.key for spec in settable_fields(error.schema))
        lines.append(translate("field.settable", type=error.schema.name, allowed=keys))
    return lines


def choices_text(spec: Any, numbered: bool = False) -> str:
    """Return an enumeration's values as ``label (key)``, joined for the user's language."""
    separator = list_separator(get_language())
    if numbered:
        return separator.join(f"{index}) {choice.label()} ({choice.key})" for index, choice in enumerate(spec.choices, 1))
    return separator.join(f"{choice.label()} ({choice.key})" for choice in spec.choices)


class Prompter:
    """Asks for each missing field on the terminal, checking every answer at once."""

    def __init__(self, check: Any) -> None:
        self.check = check

    def ask_field(self, spec: Any, required: bool | None = None) -> Any:
        """Ask for one field; lists take one item per answer until an empty answer."""
        if spec.kind == "list":
            return self._ask_list(spec)
        return self._ask_scalar(spec, spec.label(), spec.required if required is None else required)

    def _title(self, label: str, required: bool, spec: Any) -> str:
        suffix = translate("prompt.required") if required else translate("prompt.optional")
        hint = spec.help.get(get_language()) if spec.help else None
        return f"{label}{suffix}" + (f" [{hint}]" if hint else "")

    def _ask_scalar(self, spec: Any, label: str, required: bool) -> Any:
        if spec.kind == "enum":
            typer.echo(translate("prompt.choices", choices=choices_text(spec, numbered=True)))
        while True:
            answer = typer.prompt(self._title(label, required, spec), default="", show_default=False)
            if spec.kind == "enum" and answer.strip().isdigit():
                index = int(answer.strip()) - 1
                if 0 <= index < len(spec.choices):
                    answer = spec.choices[index].key
            if not answer.strip():
                if not required:
                    return None
                typer.echo(translate("prompt.needed"), err=True)
                continue
            problem = self.check(spec, answer)
            if problem is None:
                return answer
            typer.echo(problem, err=True)

    def _ask_list(self, spec: Any) -> list[Any]:
        typer.echo(translate("prompt.list", label=spec.label()))
        items: list[Any] = []
        while True:
            item_label = f"{spec.label()} #{len(items) + 1}"
            if spec.item.kind == "object":
                item = self._ask_object(spec.item, item_label, required=spec.required and not items)
            else:
                item = self._ask_scalar(spec.item, item_label, required=spec.required and not items)
            if item is None:
                return items
            items.append(item)

    def _ask_object(self, spec: Any, label: str, required: bool) -> dict[str, Any] | None:
        item: dict[str, Any] = {}
        for index, sub in enumerate(spec.fields):
            answer = self._ask_scalar(sub, f"{label} {sub.label()}", required=(required or bool(item)) and sub.required)
            if answer is None and index == 0:
                return None
            if answer is not None:
                item[sub.key] = answer
        return item
