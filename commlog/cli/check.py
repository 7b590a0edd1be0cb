"""``commlog check``: validate record files for CI, pre-commit and pull requests."""

from __future__ import annotations

from pathlib import Path

import typer

from commlog.cli.base import check_format, command_options, echo, open_from
from commlog.i18n import translate


def register(app: typer.Typer) -> None:
    app.command("check", help=translate("cli.check_help"), **command_options())(check)


def check(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(None, metavar="[PATH]...", help=translate("cli.check_paths"), show_default=False),
    base: str = typer.Option(None, "--base", metavar="REV", help=translate("cli.check_base")),
    output: str = typer.Option("text", "--format", metavar="text|json|github|junit", help=translate("cli.check_format")),
    strict: bool = typer.Option(False, "--strict", help=translate("cli.check_strict")),
) -> None:
    from commlog.errors import EXIT_FINDINGS, InputError
    from commlog.render.findings import FORMATS, RENDERERS
    from commlog.services.check import CheckRequest, run_check

    check_format(output, FORMATS)
    if base is not None and paths:
        raise InputError("check.base_and_paths")
    workspace = open_from(ctx)
    request = CheckRequest(paths=tuple(str(path) for path in paths or ()), base=base, strict=strict)
    report = run_check(workspace, request)
    echo(RENDERERS[output](report))
    if report.errors:
        raise typer.Exit(EXIT_FINDINGS)
