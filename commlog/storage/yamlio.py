"""YAML loading and dumping with the safe loaders only.

The C implementations are used when PyYAML was built with libyaml. Dumping
keeps Unicode as characters and key order as given, and writes multi-line
strings as literal blocks, so records stay readable in a diff.
"""

from __future__ import annotations

from typing import Any

import yaml

try:
    from yaml import CSafeDumper as _BaseDumper
    from yaml import CSafeLoader as FastSafeLoader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeDumper as _BaseDumper  # type: ignore[assignment]
    from yaml import SafeLoader as FastSafeLoader  # type: ignore[assignment]


class RecordDumper(_BaseDumper):  # type: ignore[misc,valid-type]
    """Safe dumper that writes multi-line strings as ``|`` blocks and never writes anchors.

    Two fields holding the same list object would otherwise come out as
    ``&id001`` and ``*id001``, which people cannot read and which force the
    status scan to parse the file in full.
    """

    def ignore_aliases(self, data: object) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


RecordDumper.add_representer(str, _represent_str)


class StringLoader(yaml.SafeLoader):
    """Safe loader that reads every plain scalar as a string, except an empty value.

    Fields files are read with it, so ``no`` stays ``no`` and ``14:30`` stays
    ``14:30`` (YAML 1.1 would read a boolean and the number 870); each field's
    kind then decides what the text means.
    """


StringLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag == "tag:yaml.org,2002:null"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def dump(data: Any) -> str:
    """Serialise ``data`` as block-style YAML with Unicode kept and keys unsorted."""
    return yaml.dump(
        data,
        Dumper=RecordDumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=1_000_000,
    )


def load(text: str) -> Any:
    """Parse YAML with the safe loader (C implementation when available)."""
    return yaml.load(text, Loader=FastSafeLoader)


def load_strings(text: str) -> Any:
    """Parse YAML with every plain scalar read as a string; see :class:`StringLoader`."""
    return yaml.load(text, Loader=StringLoader)
