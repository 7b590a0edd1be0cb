"""Commands that record life-cycle events: ``ack``, ``feedback``, ``update``, ``publish``, ``close``, ``reopen``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from commlog.cli.base import check_format, command_options, echo, open_from, parse_at
from commlog.i18n import translate

RecordId = Annotated[str, typer.Argument(metavar="ID", help=translate("cli.opt_id"))]
By = Annotated[str | None, typer.Option("--by", metavar="PERSON", help=translate("cli.opt_by"))]
At = Annotated[str | None, typer.Option("--at", metavar="TIME", help=translate("cli.opt_at_event"))]
IncludeEdits = Annotated[bool, typer.Option("--include-edits", help=translate("cli.opt_include_edits"))]
Branch = Annotated[bool, typer.Option("--branch", help=translate("cli.opt_event_branch"))]
Output = Annotated[str, typer.Option("--format", metavar="text|json", help=translate("cli.opt_format_text_json"))]
Note = Annotated[str | None, typer.Option("--note", metavar="TEXT", help=translate("cli.update_note"))]


def register(app: typer.Typer) -> None:
    app.command("ack", help=translate("cli.ack_help"), **command_options())(ack)
    app.command("feedback", help=translate("cli.feedback_help"), **command_options())(feedback)
    app.command("update", help=translate("cli.update_help"), **command_options())(update)
    app.command("publish", help=translate("cli.publish_help"), **command_options())(publish)
    app.command("close", help=translate("cli.close_help"), **command_options())(close)
    app.command("reopen", help=translate("cli.reopen_help"), **command_options())(reopen)


def ack(
    ctx: typer.Context,
    record_id: RecordId,
    by: By = None,
    at: At = None,
    for_: Annotated[str | None, typer.Option("--for", metavar="RECIPIENT", help=translate("cli.ack_for"))] = None,
    force: Annotated[bool, typer.Option("--force", help=translate("cli.ack_force"))] = False,
    include_edits: IncludeEdits = False,
    branch: Branch = False,
    output: Output = "text",
) -> None:
    from commlog.services.transition import acknowledge

    workspace, options = _prepare(ctx, output, by, at, include_edits, branch)
    _report(workspace, acknowledge(workspace, record_id, options, recipient=for_, force=force), output)


def feedback(
    ctx: typer.Context,
    record_id: RecordId,
    text: Annotated[str, typer.Argument(metavar="TEXT", help=translate("cli.feedback_text"))],
    by: By = None,
    at: At = None,
    include_edits: IncludeEdits = False,
    branch: Branch = False,
    output: Output = "text",
) -> None:
    from commlog.services.transition import add_feedback

    workspace, options = _prepare(ctx, output, by, at, include_edits, branch)
    _report(workspace, add_feedback(workspace, record_id, options, text), output)


def update(
    ctx: typer.Context,
    record_id: RecordId,
    status: Annotated[str | None, typer.Option("--status", metavar="STATUS", help=translate("cli.update_status"))] = None,
    set_values: Annotated[list[str], typer.Option("--set", metavar="KEY=VALUE", help=translate("cli.update_set"))] = [],  # noqa: B006 - Typer reads the default, never mutates it
    note: Note = None,
    by: By = None,
    at: At = None,
    include_edits: IncludeEdits = False,
    branch: Branch = False,
    output: Output = "text",
) -> None:
    from commlog.cli.fields import parse_set_options
    from commlog.services.transition import update_record

    workspace, options = _prepare(ctx, output, by, at, include_edits, branch)
    values = parse_set_options(set_values)
    _report(workspace, update_record(workspace, record_id, options, status=status, values=values, note=note), output)


def publish(
    ctx: typer.Context,
    record_id: RecordId,
    note: Note = None,
    by: By = None,
    at: At = None,
    include_edits: IncludeEdits = False,
    branch: Branch = False,
    output: Output = "text",
) -> None:
    from commlog.services.transition import publish_record

    workspace, options = _prepare(ctx, output, by, at, include_edits, branch)
    _report(workspace, publish_record(workspace, record_id, options, note=note), output)


def close(
    ctx: typer.Context,
    record_id: RecordId,
    resolution: Annotated[str, typer.Option("--resolution", metavar="TEXT", help=translate("cli.close_resolution"))],
    status: Annotated[str | None, typer.Option("--status", metavar="STATUS", help=translate("cli.close_status"))] = None,
    by: By = None,
    at: At = None,
    include_edits: IncludeEdits = False,
    branch: Branch = False,
    output: Output = "text",
) -> None:
    from commlog.services.transition import close_record

    workspace, options = _prepare(ctx, output, by, at, include_edits, branch)
    _report(workspace, close_record(workspace, record_id, options, resolution, status=status), output)


def reopen(
    ctx: typer.Context,
    record_id: RecordId,
    reason: Annotated[str, typer.Option("--reason", metavar="TEXT", help=translate("cli.reopen_reason"))],
    by: By = None,
    at: At = None,
    include_edits: IncludeEdits = False,
    branch: Branch = False,
    output: Output = "text",
) -> None:
    from commlog.services.transition import reopen_record

    workspace, options = _prepare(ctx, output, by, at, include_edits, branch)
    _report(workspace, reopen_record(workspace, record_id, options, reason), output)


def _prepare(
    ctx: typer.Context, output: str, by: str | None, at: str | None, include_edits: bool, branch: bool = False
) -> tuple[Any, Any]:
    """Check the output format, open the workspace and collect the options every event takes."""
    from commlog.services.transition import EventOptions

    check_format(output, ("text", "json"))
    workspace = open_from(ctx)
    return workspace, EventOptions(by=by, at=parse_at(at, workspace), include_edits=include_edits, branch=branch)


def _report(workspace: Any, result: Any, output: str) -> None:
    if output == "json":
        from commlog.render import to_json

        echo(to_json(result.to_dict()))
        return
    from commlog.render.history import render_transition_text

    echo(render_transition_text(result, workspace.templates.schema(result.type), workspace.zone))
    if result.branch and result.commit:
        from commlog.cli.records import echo_branch_hint

        echo_branch_hint(workspace, result.commit, result.branch)
