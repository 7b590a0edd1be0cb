"""The message catalogue of one language, merged from one module per command group."""

from importlib import import_module

# Each module defines MESSAGES; a key must not appear in two modules.
DOMAINS = ("base", "records", "sla", "attach")

MESSAGES: dict[str, str] = {}
for _domain in DOMAINS:
    MESSAGES.update(import_module(f"{__name__}.{_domain}").MESSAGES)
