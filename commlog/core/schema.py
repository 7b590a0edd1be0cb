"""Record type schemas: fields, kinds, labels, enumerations and life cycles.

A schema is read from ``templates/<type>.yaml``. This module only turns the
loaded mapping into typed objects and validates it; reading files is done by
:mod:`commlog.templates`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from commlog.errors import ConfigError
from commlog.i18n import pick_label

SCALAR_KINDS = frozenset(
    {"text", "person", "department", "party", "datetime", "date", "bool", "integer", "enum"}
)
KINDS = SCALAR_KINDS | {"list", "object"}
PERSON_KINDS = frozenset({"person", "party"})
TYPE_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
PREFIX_RE = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")
FIELD_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Choice:
    """One value of an enumeration: the stored English key and its labels."""

    key: str
    labels: Mapping[str, str]

    def label(self, language: str | None = None) -> str:
        return pick_label(self.labels, self.key, language)


@dataclass(frozen=True)
class FieldSpec:
    """A field of a record type: key, labels, kind and constraints."""

    key: str
    labels: Mapping[str, str]
    kind: str
    required: bool = False
    default: Any = None
    choices: tuple[Choice, ...] = ()
    item: FieldSpec | None = None
    fields: tuple[FieldSpec, ...] = ()
    help: Mapping[str, str] = field(default_factory=dict)
    multiline: bool = False
    system: bool = False

    def label(self, language: str | None = None) -> str:
        return pick_label(self.labels, self.key, language)

    def choice(self, value: str) -> Choice | None:
        """Find the enumeration value matching a key or a label in any language."""
        wanted = value.strip()
        folded = wanted.casefold()
        for choice in self.choices:
            if choice.key.casefold() == folded:
                return choice
            if any(label == wanted or label.casefold() == folded for label in choice.labels.values()):
                return choice
        return None

    @property
    def is_person(self) -> bool:
        kind = self.item.kind if self.kind == "list" and self.item else self.kind
        return kind in PERSON_KINDS


@dataclass(frozen=True)
class Lifecycle:
    """The states a record of one type goes through and the allowed steps between them."""

    initial: str
    final: frozenset[str]
    transitions: Mapping[str, tuple[str, ...]]
    reopen_to: str | None = None
    draft: str | None = None
    completed: frozenset[str] = frozenset()

    def allowed_from(self, state: str) -> tuple[str, ...]:
        return self.transitions.get(state, ())

    def is_final(self, state: str) -> bool:
        return state in self.final


@dataclass(frozen=True)
class TypeSchema:
    """The schema of one record type, as defined by ``templates/<type>.yaml``."""

    name: str
    prefix: str
    labels: Mapping[str, str]
    fields: tuple[FieldSpec, ...]
    lifecycle: Lifecycle
    recipients_from: str | None = None
    important: bool = False
    priority: str = "normal"
    lead_required: bool = True
    source: str = ""

    def label(self, language: str | None = None) -> str:
        return pick_label(self.labels, self.name, language)

    def field(self, key: str) -> FieldSpec | None:
        for spec in self.fields:
            if spec.key == key:
                return spec
        return None

    @property
    def status_field(self) -> FieldSpec:
        spec = self.field("status")
        assert spec is not None, "parse_schema guarantees a status field"
        return spec


def _labels(value: Any, where: str, source: str) -> dict[str, str]:
    if isinstance(value, str):
        return {"zh-CN": value, "en": value}
    if not isinstance(value, Mapping) or not value:
        raise ConfigError("schema.invalid", file=source, key=where, allowed="{zh-CN: …, en: …}")
    return {str(language): str(text) for language, text in value.items()}


def _choice(value: Any, where: str, source: str) -> Choice:
    if isinstance(value, Mapping) and "key" in value:
        return Choice(str(value["key"]), _labels(value.get("label", value["key"]), f"{where}.label", source))
    if isinstance(value, str):
        return Choice(value, {"en": value})
    raise ConfigError("schema.invalid", file=source, key=where, allowed="{key: …, label: {zh-CN: …, en: …}}")


def parse_field(raw: Any, where: str, source: str, *, system: bool = False) -> FieldSpec:
    """Build a FieldSpec from its schema mapping; ``where`` names it in errors."""
    if not isinstance(raw, Mapping):
        raise ConfigError("schema.invalid", file=source, key=where, allowed="{key, label, kind, required}")
    key = str(raw.get("key", ""))
    if not FIELD_KEY_RE.match(key):
        raise ConfigError("schema.invalid", file=source, key=f"{where}.key", allowed="snake_case")
    kind = str(raw.get("kind", "text"))
    if kind not in KINDS:
        raise ConfigError("schema.invalid", file=source, key=f"{where}.kind", allowed=", ".join(sorted(KINDS)))

    item = None
    if kind == "list":
        item_raw = raw.get("item", "text")
        if isinstance(item_raw, str):
            item_raw = {"key": "item", "kind": item_raw}
        item = parse_field({"key": "item", **item_raw}, f"{where}.item", source)
    fields = tuple(
        parse_field(sub, f"{where}.fields[{index}]", source) for index, sub in enumerate(raw.get("fields") or ())
    )
    if kind == "object" and not fields:
        raise ConfigError("schema.invalid", file=source, key=f"{where}.fields", allowed="a list of fields")
    choices = tuple(_choice(choice, f"{where}.choices[{i}]", source) for i, choice in enumerate(raw.get("choices") or ()))
    if kind == "enum" and not choices:
        raise ConfigError("schema.invalid", file=source, key=f"{where}.choices", allowed="a list of {key, label}")

    return FieldSpec(
        key=key,
        labels=_labels(raw.get("label", key), f"{where}.label", source),
        kind=kind,
        required=bool(raw.get("required", False)),
        default=raw.get("default"),
        choices=choices,
        item=item,
        fields=fields,
        help=_labels(raw["help"], f"{where}.help", source) if raw.get("help") else {},
        multiline=bool(raw.get("multiline", False)),
        system=system,
    )


def parse_lifecycle(raw: Any, states: tuple[str, ...], source: str) -> Lifecycle:
    """Build the life cycle and check that it only names states of the status enumeration."""
    if not isinstance(raw, Mapping):
        raise ConfigError("schema.invalid", file=source, key="lifecycle", allowed="{initial, final, transitions}")
    known = set(states)

    def state(value: Any, where: str) -> str:
        if str(value) not in known:
            raise ConfigError("schema.invalid", file=source, key=where, allowed=", ".join(states))
        return str(value)

    transitions_raw = raw.get("transitions") or {}
    if not isinstance(transitions_raw, Mapping):
        raise ConfigError("schema.invalid", file=source, key="lifecycle.transitions", allowed="{state: [states]}")
    transitions = {
        state(origin, "lifecycle.transitions"): tuple(
            state(target, f"lifecycle.transitions.{origin}") for target in (targets or ())
        )
        for origin, targets in transitions_raw.items()
    }
    return Lifecycle(
        initial=state(raw.get("initial", states[0]), "lifecycle.initial"),
        final=frozenset(state(value, "lifecycle.final") for value in raw.get("final") or ()),
        transitions=transitions,
        reopen_to=state(raw["reopen_to"], "lifecycle.reopen_to") if raw.get("reopen_to") else None,
        draft=state(raw["draft"], "lifecycle.draft") if raw.get("draft") else None,
        completed=frozenset(state(value, "lifecycle.completed") for value in raw.get("completed") or ()),
    )


def parse_schema(raw: Any, source: str, common: tuple[FieldSpec, ...] = ()) -> TypeSchema:
    """Build a TypeSchema from a loaded ``templates/<type>.yaml`` mapping.

    ``common`` contains the fields every record has. A type's own field of the
    same key (for example a required ``channel``) takes its place.
    """
    if not isinstance(raw, Mapping):
        raise ConfigError("schema.invalid", file=source, key="(top level)", allowed="a mapping")
    name = str(raw.get("type", ""))
    if not TYPE_NAME_RE.match(name):
        raise ConfigError("schema.invalid", file=source, key="type", allowed="lower-case snake_case, up to 32 characters")
    prefix = str(raw.get("prefix") or name[:3].upper())
    if not PREFIX_RE.match(prefix):
        raise ConfigError("schema.invalid", file=source, key="prefix", allowed="2-8 upper-case letters or digits")
    raw_fields = raw.get("fields")
    if not isinstance(raw_fields, list) or not raw_fields:
        raise ConfigError("schema.invalid", file=source, key="fields", allowed="a list of fields")

    own = tuple(parse_field(item, f"fields[{index}]", source) for index, item in enumerate(raw_fields))
    own_keys = [spec.key for spec in own]
    duplicates = {key for key in own_keys if own_keys.count(key) > 1}
    if duplicates:
        raise ConfigError("schema.duplicate_field", file=source, key=", ".join(sorted(duplicates)))
    for required_key in ("title", "status"):
        if required_key not in own_keys:
            raise ConfigError("schema.missing_field", file=source, key=required_key)
    status = next(spec for spec in own if spec.key == "status")
    if status.kind != "enum":
        raise ConfigError("schema.invalid", file=source, key="status.kind", allowed="enum")

    states = tuple(choice.key for choice in status.choices)
    lifecycle = parse_lifecycle(raw.get("lifecycle") or {"initial": states[0]}, states, source)
    recipients_from = raw.get("recipients_from")
    if recipients_from and recipients_from.split(".")[0] not in own_keys:
        raise ConfigError("schema.invalid", file=source, key="recipients_from", allowed=", ".join(own_keys))

    return TypeSchema(
        name=name,
        prefix=prefix,
        labels=_labels(raw.get("label", name), "label", source),
        fields=own + tuple(spec for spec in common if spec.key not in own_keys),
        lifecycle=lifecycle,
        recipients_from=recipients_from,
        important=bool(raw.get("important", False)),
        priority=str(raw.get("priority", "normal")),
        lead_required=bool(raw.get("lead_required", True)),
        source=source,
    )
