"""Headings of Typer's generated help (``Options``, ``Commands``) in the user's language."""

from __future__ import annotations

from commlog.i18n import get_language, translate

_HEADINGS = {"Options": "cli.heading_options", "Commands": "cli.heading_commands", "Arguments": "cli.heading_arguments"}


def localize_typer() -> None:
    """Route Typer's gettext lookups for help headings through the commlog catalogue."""
    if get_language() == "en":
        return
    import typer.core

    def lookup(message: str) -> str:
        key = _HEADINGS.get(message)
        return translate(key) if key else message

    typer.core._ = lookup  # type: ignore[attr-defined]
