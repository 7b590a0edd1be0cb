"""``commlog status``: SLA evaluation for people and CI."""

from __future__ import annotations

import typer

from commlog.cli.base import check_format, command_options, echo, open_from, parse_at
from commlog.i18n import translate

FORMATS = ("table", "json", "github", "junit")


def register(app: typer.Typer) -> None:
    app.command("status", help=translate("cli.status_help"), **command_options())(status)


def status(
    ctx: typer.Context,
    at: str = typer.Option(None, "--at", metavar="TIME", help=translate("cli.status_at")),
    include_all: bool = typer.Option(False, "--all", help=translate("cli.status_all")),
    types: list[str] = typer.Option([], "--type", metavar="TYPE", help=translate("cli.status_type")),
    person: str = typer.Option(None, "--person", metavar="PERSON", help=translate("cli.status_person")),
    department: str = typer.Option(None, "--department", metavar="DEPARTMENT", help=translate("cli.status_department")),
    slas: list[str] = typer.Option([], "--sla", metavar="SLA", help=translate("cli.status_sla")),
    output: str = typer.Option("table", "--format", metavar="table|json|github|junit", help=translate("cli.status_format")),
    fail_on: str = typer.Option("overdue", "--fail-on", metavar="overdue|at-risk|never", help=translate("cli.status_fail_on")),
    strict: bool = typer.Option(False, "--strict", help=translate("cli.status_strict")),
    recompute: bool = typer.Option(False, "--recompute", help=translate("cli.status_recompute")),
) -> None:
    from commlog.render import status as render
    from commlog.services.evaluate import FAIL_ON, StatusQuery, evaluate_status, status_exit_code

    check_format(output, FORMATS)
    _check_fail_on(fail_on, FAIL_ON)
    workspace = open_from(ctx)
    query = StatusQuery(
        at=parse_at(at, workspace),
        types=tuple(types),
        slas=tuple(slas),
        person=person,
        department=department,
        include_all=include_all,
        recompute=recompute,
    )
    result = evaluate_status(workspace, query)

    zone = workspace.zone
    for issue in result.issues:
        echo(translate("status.issue", path=issue.path, message=render.describe_issue(issue)), err=True)
    if output != "github":
        for warning in render.provisional_warnings(result):
            echo(warning, err=True)
    if output == "json":
        echo(render.render_status_json(result))
    elif output == "github":
        echo(render.render_status_github(result, zone, fail_on))
    elif output == "junit":
        echo(render.render_status_junit(result, zone, fail_on, strict))
    else:
        echo(render.render_status_table(result, zone, include_all))

    code = status_exit_code(result, fail_on, strict)
    if strict and result.provisional_years():
        years = ", ".join(str(year) for year in result.provisional_years())
        echo(translate("status.strict_failed", years=years), err=True)
    raise typer.Exit(code)


def _check_fail_on(value: str, allowed: tuple[str, ...]) -> None:
    from commlog.errors import InputError

    if value not in allowed:
        raise InputError("status.bad_fail_on", value=value, allowed=", ".join(allowed))
