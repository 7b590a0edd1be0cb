"""``commlog init``: set up a records repository."""

from __future__ import annotations

from pathlib import Path

import typer

from commlog.cli.base import check_format, command_options, echo
from commlog.i18n import get_language, translate


def register(app: typer.Typer) -> None:
    app.command("init", help=translate("cli.init_help"), **command_options())(init)


def init(
    directory: Path = typer.Argument(Path("."), metavar="[DIR]", help=translate("cli.init_dir"), show_default=False),
    no_commit: bool = typer.Option(False, "--no-commit", help=translate("cli.init_no_commit")),
    ci: str = typer.Option(None, "--ci", metavar="github|gitlab", help=translate("cli.init_ci")),
) -> None:
    from commlog.services.setup import CI_PATHS, init_repository

    if ci is not None:
        check_format(ci, tuple(CI_PATHS))
    result = init_repository(directory, get_language(), commit=not no_commit, ci=ci)
    key = "init.created_repository" if result.created_repository else "init.adopted_repository"
    echo(translate(key, path=result.root))
    for name in result.created:
        echo(f"  + {name}")
    for name in result.kept:
        echo(f"  = {name} " + translate("init.kept"))
    if result.commit:
        echo(translate("init.committed", commit=result.commit[:12]))
    elif not result.created:
        echo(translate("init.nothing_to_do"))
    if ci is not None:
        key = "init.ci_written" if CI_PATHS[ci] in result.created else "init.ci_kept"
        echo(translate(key, path=CI_PATHS[ci], forge=ci))
    echo(translate("init.next_steps"))
