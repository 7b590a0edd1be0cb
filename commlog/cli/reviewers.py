"""``commlog reviewers``: write the CODEOWNERS block that assigns reviewers to open records."""

from __future__ import annotations

import typer

from commlog.cli.base import check_format, command_options, echo, open_from
from commlog.i18n import translate


def register(app: typer.Typer) -> None:
    app.command("reviewers", help=translate("cli.reviewers_help"), **command_options())(reviewers)


def reviewers(
    ctx: typer.Context,
    forge: str = typer.Option(None, "--forge", metavar="github|gitlab", help=translate("cli.reviewers_forge")),
    check_only: bool = typer.Option(False, "--check", help=translate("cli.reviewers_check")),
) -> None:
    from commlog.errors import EXIT_FINDINGS
    from commlog.services.reviewers import FORGES, plan_reviewers, write_reviewers

    if forge is not None:
        check_format(forge, FORGES)
    workspace = open_from(ctx)
    plan = plan_reviewers(workspace, forge)
    for item in plan.missing:
        key = "reviewers.no_handle" if item.people else "reviewers.no_reviewer"
        echo(translate(key, path=item.path, id=item.id, people="、".join(item.people)), err=True)
    if check_only:
        echo(translate("reviewers.stale" if plan.stale else "reviewers.up_to_date", path=plan.path))
        if plan.stale:
            raise typer.Exit(EXIT_FINDINGS)
        return
    if plan.stale:
        write_reviewers(workspace, plan)
        echo(translate("reviewers.written", path=plan.path, count=len(plan.lines)))
        echo(translate("reviewers.next", path=plan.path))
    else:
        echo(translate("reviewers.up_to_date", path=plan.path))
