"""Record type templates: schema files and Jinja body templates.

A type is ``templates/<type>.yaml`` (its schema) plus ``templates/<type>.md.j2``
(the body, Chinese for the built-in types) and optionally
``templates/<type>.en.md.j2`` (English). Files in the repository's own
``templates/`` folder take precedence over the built-in ones shipped with
commlog, so a team edits a copy or adds a type without changing code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from commlog.core.schema import FieldSpec, TypeSchema, parse_field, parse_schema
from commlog.errors import CommlogError, ConfigError, InputError

TEMPLATES_DIR = "templates"
COMMON_NAME = "_common.yaml"
SYSTEM_FIELDS = (
    {"key": "id", "label": {"zh-CN": "编号", "en": "ID"}, "kind": "text"},
    {"key": "type", "label": {"zh-CN": "类型", "en": "Type"}, "kind": "text"},
    {"key": "acks", "label": {"zh-CN": "确认接收", "en": "Acknowledgements"}, "kind": "text"},
    {"key": "feedback", "label": {"zh-CN": "反馈", "en": "Feedback"}, "kind": "text"},
    {"key": "history", "label": {"zh-CN": "变更记录", "en": "History"}, "kind": "text"},
    {"key": "completed_at", "label": {"zh-CN": "完成时间", "en": "Completed at"}, "kind": "datetime"},
    {"key": "closed_at", "label": {"zh-CN": "关闭时间", "en": "Closed at"}, "kind": "datetime"},
    {"key": "deadlines", "label": {"zh-CN": "时限", "en": "Deadlines"}, "kind": "text"},
    {"key": "attachments", "label": {"zh-CN": "附件", "en": "Attachments"}, "kind": "text"},
)


def builtin_dir() -> Path:
    """Return the folder of the built-in templates inside the installed package."""
    return Path(str(resources.files("commlog.builtin_templates")))


@dataclass
class TemplateSet:
    """The record types of one repository: its own templates over the built-in ones."""

    repo_dir: Path | None
    _schemas: dict[str, TypeSchema] = field(default_factory=dict, repr=False)

    def _locate(self, name: str) -> Path | None:
        if self.repo_dir is not None:
            candidate = self.repo_dir / name
            if candidate.is_file():
                return candidate
        candidate = builtin_dir() / name
        return candidate if candidate.is_file() else None

    def type_names(self) -> list[str]:
        names = {path.stem for path in builtin_dir().glob("*.yaml") if not path.name.startswith("_")}
        if self.repo_dir is not None and self.repo_dir.is_dir():
            names.update(path.stem for path in self.repo_dir.glob("*.yaml") if not path.name.startswith("_"))
        return sorted(names)

    def resolve_type(self, value: str) -> str:
        """Return the type name for a name or a label in any language; raise InputError if none matches."""
        wanted = value.strip()
        names = self.type_names()
        if wanted in names:
            return wanted
        for name in names:
            if wanted.casefold() in (label.casefold() for label in self.schema(name).labels.values()):
                return name
        raise InputError("type.unknown", type=value, allowed=", ".join(names))

    def resolve_status(self, value: str, type_name: str | None) -> str:
        """Return the status key for a key or label of ``type_name`` (any type when None)."""
        names = [type_name] if type_name else self.type_names()
        allowed: list[str] = []
        for name in names:
            spec = self.schema(name).status_field
            choice = spec.choice(value)
            if choice is not None:
                return choice.key
            allowed.extend(choice.key for choice in spec.choices if choice.key not in allowed)
        raise InputError("input.bad_status", value=value, allowed=", ".join(allowed))

    @cached_property
    def common_fields(self) -> tuple[FieldSpec, ...]:
        path = self._locate(COMMON_NAME)
        raw = _load_yaml(path) if path else {}
        source = str(path) if path else COMMON_NAME
        user = tuple(parse_field(item, f"fields[{i}]", source) for i, item in enumerate(raw.get("fields") or ()))
        system = tuple(parse_field(item, item["key"], "commlog", system=True) for item in SYSTEM_FIELDS)
        return user + system

    def schema(self, type_name: str) -> TypeSchema:
        """Load and validate the schema of ``type_name`` once; raise InputError for an unknown type."""
        cached = self._schemas.get(type_name)
        if cached is not None:
            return cached
        if type_name.startswith("_") or "/" in type_name or "\\" in type_name or "." in type_name:
            raise InputError("type.unknown", type=type_name, allowed=", ".join(self.type_names()))
        path = self._locate(f"{type_name}.yaml")
        if path is None:
            raise InputError("type.unknown", type=type_name, allowed=", ".join(self.type_names()))
        schema = parse_schema(_load_yaml(path), str(path), self.common_fields)
        if schema.name != type_name:
            raise ConfigError("schema.invalid", file=str(path), key="type", allowed=type_name)
        self._schemas[type_name] = schema
        return schema

    def find_schema(self, type_name: str) -> TypeSchema | None:
        """Return the schema of ``type_name``, or None when the type is unknown or its schema is broken."""
        try:
            return self.schema(type_name)
        except CommlogError:
            return None

    def body_template(self, type_name: str, language: str) -> tuple[str, str]:
        """Return (source text, file name) of the body template for ``language``."""
        names = [f"{type_name}.md.j2"]
        if language == "en":
            names.insert(0, f"{type_name}.en.md.j2")
        for name in names:
            path = self._locate(name)
            if path is not None:
                return path.read_text(encoding="utf-8"), str(path)
        raise ConfigError("template.missing_body", file=f"{TEMPLATES_DIR}/{type_name}.md.j2", type=type_name)


def _load_yaml(path: Path) -> Mapping[str, Any]:
    from commlog.storage import yamlio

    try:
        loaded = yamlio.load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ConfigError("config.not_utf8", file=str(path)) from None
    except Exception as error:  # yaml.YAMLError
        mark = getattr(error, "problem_mark", None)
        raise ConfigError("config.unparsable", file=str(path), line=(mark.line + 1) if mark else 1) from error
    if not isinstance(loaded, Mapping):
        raise ConfigError("schema.invalid", file=str(path), key="(top level)", allowed="a mapping")
    return loaded


def _quote(value: Any) -> str:
    """Prefix every line with ``> `` so multi-line text stays inside a Markdown quote."""
    return "\n".join(f"> {line}" if line else ">" for line in str(value).split("\n"))


def _oneline(value: Any) -> str:
    return " ".join(str(value).split("\n"))


def render_body(
    source: str,
    file_name: str,
    record: Mapping[str, Any],
    label: Callable[[str], str],
    show: Callable[[str], str],
    progress_log: str,
) -> str:
    """Render a body template in a sandbox; undefined names are errors.

    The template has no loader, so it cannot include files, and the sandbox
    blocks access to unsafe attributes. Record values are passed as data and
    are never themselves rendered as templates.
    """
    from jinja2 import StrictUndefined, TemplateError
    from jinja2.sandbox import SandboxedEnvironment

    environment = SandboxedEnvironment(
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=False,
    )
    environment.filters["quote"] = _quote
    environment.filters["oneline"] = _oneline
    try:
        template = environment.from_string(source)
        text = template.render(record=dict(record), label=label, show=show, progress_log=progress_log)
    except TemplateError as error:
        line = getattr(error, "lineno", None) or 1
        raise ConfigError("template.render_failed", file=file_name, line=line, reason=str(error)) from error
    if progress_log not in text:
        raise ConfigError("template.no_progress_log", file=file_name)
    return _tidy(text)


def _tidy(text: str) -> str:
    """Collapse runs of blank lines left by empty optional sections, and end with one newline."""
    lines = text.split("\n")
    result: list[str] = []
    for line in lines:
        if not line.strip() and result and not result[-1].strip():
            continue
        result.append(line.rstrip() if not line.strip() else line)
    return "\n".join(result).strip("\n") + "\n"
