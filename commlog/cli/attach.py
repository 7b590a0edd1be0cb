"""The ``attach`` command: add files and proof of sending to a record."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from commlog.cli.base import check_format, command_options, echo, open_from, parse_at
from commlog.i18n import translate


def register(app: typer.Typer) -> None:
    app.command("attach", help=translate("cli.attach_help"), **command_options())(attach)


def attach(
    ctx: typer.Context,
    record_id: str = typer.Argument(..., metavar="ID", help=translate("cli.opt_id")),
    files: list[Path] = typer.Argument(..., metavar="FILE...", help=translate("cli.attach_files"), show_default=False),
    note: str = typer.Option(None, "--note", metavar="TEXT", help=translate("cli.attach_note")),
    by: str = typer.Option(None, "--by", metavar="PERSON", help=translate("cli.opt_by")),
    at: str = typer.Option(None, "--at", metavar="TIME", help=translate("cli.attach_at")),
    output: str = typer.Option("text", "--format", metavar="text|json", help=translate("cli.opt_format_text_json")),
) -> None:
    from commlog.services.attachments import AttachRequest, attach_files

    check_format(output, ("text", "json"))
    workspace = open_from(ctx)
    request = AttachRequest(record_id=record_id, files=files, note=note, by=by, at=parse_at(at, workspace))
    result = attach_files(workspace, request)
    if output == "json":
        from commlog.render import to_json

        echo(to_json({"id": result.id, "path": result.path, "commit": result.commit,
                      "attachments": attached_json(result.files)}))
        return
    echo(translate("attach.done", id=result.id))
    print_attached(result.files)
    if result.commit:
        echo(translate("attach.committed", commit=result.commit[:12]))


def print_attached(files: list[Any]) -> None:
    """Print each attached file's path and size, and its original name when it was saved under another."""
    from commlog.core.attachments import format_size

    for file in files:
        echo(f"  {file.path} ({format_size(file.entry['size'])})")
        if file.renamed_from:
            echo(translate("attach.renamed", name=Path(file.path).name, original=file.renamed_from))


def attached_json(files: list[Any]) -> list[dict[str, Any]]:
    """Return attached files for ``--format json``: repository path, source and front-matter entry."""
    return [{"file": file.path, "source": file.source, **file.entry} for file in files]
