"""``commlog export`` and ``commlog import``: records to and from CSV and Excel ledgers."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    return None
