"""Commands that read the audit trail from git: ``log`` and ``audit``."""

from __future__ import annotations

from typing import Annotated

import typer

from commlog.cli.base import check_format, command_options, echo, open_from
from commlog.i18n import translate

FAIL_LEVELS = ("warning", "error")


def register(app: typer.Typer) -> None:
    app.command("log", help=translate("cli.log_help"), **command_options())(log)
    app.command("audit", help=translate("cli.audit_help"), **command_options())(audit)


def log(
    ctx: typer.Context,
    record_id: Annotated[str, typer.Argument(metavar="ID", help=translate("cli.opt_id"))],
    output: Annotated[str, typer.Option("--format", metavar="text|json", help=translate("cli.opt_format_text_json"))] = "text",
) -> None:
    from commlog.render import to_json
    from commlog.render.history import render_trail_text
    from commlog.services.history import record_trail

    check_format(output, ("text", "json"))
    workspace = open_from(ctx)
    trail = record_trail(workspace, record_id)
    if output == "json":
        echo(to_json(trail.to_dict()))
        return
    schema = workspace.templates.schema(trail.type) if trail.type in workspace.templates.type_names() else None
    echo(render_trail_text(trail, schema, workspace.zone, workspace.config.record_language))


def audit(
    ctx: typer.Context,
    record_ids: Annotated[list[str] | None, typer.Argument(metavar="[ID]...", help=translate("cli.audit_ids"), show_default=False)] = None,
    fail_on: Annotated[str, typer.Option("--fail-on", metavar="warning|error", help=translate("cli.audit_fail_on"))] = "warning",
    output: Annotated[str, typer.Option("--format", metavar="text|json", help=translate("cli.opt_format_text_json"))] = "text",
) -> None:
    from commlog.errors import InputError
    from commlog.render.history import render_audit_json, render_audit_text
    from commlog.services.history import audit as run_audit

    check_format(output, ("text", "json"))
    if fail_on not in FAIL_LEVELS:
        raise InputError("input.bad_fail_on", value=fail_on)
    workspace = open_from(ctx)
    result = run_audit(workspace, record_ids or ())
    if output == "json":
        echo(render_audit_json(result, workspace.zone))
    else:
        echo(render_audit_text(result, workspace.zone))
    if result.failed(fail_on):
        raise typer.Exit(1)
