"""Commands that create and read records: ``new``, ``show``, ``list``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from commlog.cli.base import check_format, command_options, echo, open_from, parse_at
from commlog.i18n import translate


def register(app: typer.Typer) -> None:
    app.command("new", help=translate("cli.new_help"), **command_options())(new)
    app.command("show", help=translate("cli.show_help"), **command_options())(show)
    app.command("list", help=translate("cli.list_help"), **command_options())(list_command)


def new(
    ctx: typer.Context,
    type_name: str = typer.Argument(..., metavar="TYPE", help=translate("cli.new_type")),
    set_values: list[str] = typer.Option([], "--set", metavar="KEY=VALUE", help=translate("cli.new_set")),
    fields_file: Path = typer.Option(None, "--file", metavar="FIELDS.yaml", help=translate("cli.new_file")),
    at: str = typer.Option(None, "--at", metavar="TIME", help=translate("cli.opt_at_created")),
    urgent: bool = typer.Option(False, "--urgent", help=translate("cli.new_urgent")),
    draft: bool = typer.Option(False, "--draft", help=translate("cli.new_draft")),
    by: str = typer.Option(None, "--by", metavar="PERSON", help=translate("cli.opt_by")),
    no_input: bool = typer.Option(False, "--no-input", help=translate("cli.new_no_input")),
    interactive: bool = typer.Option(False, "--interactive", "-i", help=translate("cli.new_interactive")),
    no_commit: bool = typer.Option(False, "--no-commit", help=translate("cli.new_no_commit")),
    attach: list[Path] = typer.Option([], "--attach", metavar="FILE", help=translate("cli.new_attach")),
    output: str = typer.Option("text", "--format", metavar="text|json", help=translate("cli.opt_format_text_json")),
) -> None:
    from commlog.cli.attach import attached_json, print_attached
    from commlog.cli.fields import parse_set_options, read_fields_file
    from commlog.services.create import CreateRequest, create_record

    check_format(output, ("text", "json"))
    workspace = open_from(ctx)
    moment = parse_at(at, workspace)
    values: dict[str, Any] = read_fields_file(fields_file) if fields_file else {}
    values.update(parse_set_options(set_values))
    if interactive or (not no_input and sys.stdin.isatty()):
        values = _prompt_missing(workspace, type_name, values, moment)

    request = CreateRequest(
        type_name=type_name,
        values=values,
        at=moment,
        urgent=urgent,
        draft=draft,
        commit=not no_commit,
        by=by,
        attachments=tuple(attach),
    )
    result = create_record(workspace, request)
    if output == "json":
        from commlog.render import to_json

        echo(to_json({"id": result.id, "path": result.path, "commit": result.commit,
                      "attachments": attached_json(result.attached)}))
        return
    echo(translate("new.created", id=result.id, path=result.path))
    print_attached(result.attached)
    if result.commit:
        echo(translate("new.committed", commit=result.commit[:12]))
    else:
        echo(translate("new.not_committed", path=result.path))


def _prompt_missing(workspace: Any, type_name: str, values: dict[str, Any], moment: Any) -> dict[str, Any]:
    """Ask on the terminal for each field not given on the command line."""
    from commlog.cli.fields import Prompter, describe_problem
    from commlog.services.create import check_value, prompt_fields

    schema = workspace.templates.schema(type_name)
    created = workspace.moment(moment)

    def check(spec: Any, answer: Any) -> str | None:
        problem = check_value(workspace, spec, answer, created)
        return None if problem is None else describe_problem(schema, problem, spec)

    prompter = Prompter(check)
    echo(translate("prompt.intro", type=schema.label()))
    for spec in prompt_fields(schema):
        if spec.key in values or spec.key == "lead":
            continue
        answer = prompter.ask_field(spec)
        if answer not in (None, []):
            values[spec.key] = answer
    if "lead" not in values:
        lead = _prompt_lead(schema, values, prompter)
        if lead:
            values["lead"] = lead
    return values


def _prompt_lead(schema: Any, values: dict[str, Any], prompter: Any) -> str | None:
    """Ask for the lead when the record will have more than one recipient."""
    from commlog.services.create import natural_recipients

    recipients = values.get("recipients") or natural_recipients(schema, values)
    if not isinstance(recipients, list) or len(recipients) < 2:
        return None
    from commlog.render.records import join_names

    numbered = [f"{index}) {name}" for index, name in enumerate(recipients, 1)]
    echo(translate("prompt.lead", recipients=join_names(numbered)))
    spec = schema.field("lead")
    while True:
        answer = prompter.ask_field(spec, required=True)
        if answer and answer.strip().isdigit() and 0 < int(answer) <= len(recipients):
            return str(recipients[int(answer) - 1])
        if answer in recipients:
            return answer
        echo(translate("prompt.lead_not_recipient"), err=True)


def show(
    ctx: typer.Context,
    record_id: str = typer.Argument(..., metavar="ID", help=translate("cli.opt_id")),
    at: str = typer.Option(None, "--at", metavar="TIME", help=translate("cli.opt_at_now")),
    output: str = typer.Option("text", "--format", metavar="text|json", help=translate("cli.opt_format_text_json")),
) -> None:
    from commlog.render.records import render_record_json, render_record_text
    from commlog.render.status import render_record_slas
    from commlog.services.evaluate import record_sla_items
    from commlog.services.query import show_record

    check_format(output, ("text", "json"))
    workspace = open_from(ctx)
    moment = workspace.moment(parse_at(at, workspace))
    shown = show_record(workspace, record_id)
    slas = record_sla_items(workspace, shown.record, shown.schema, moment)
    if output == "json":
        echo(render_record_json(shown, slas))
    else:
        echo(render_record_text(shown, workspace.zone))
        echo("")
        echo(render_record_slas(slas, moment, workspace.zone))


def list_command(
    ctx: typer.Context,
    type_name: str = typer.Option(None, "--type", metavar="TYPE", help=translate("cli.list_type")),
    status: str = typer.Option(None, "--status", metavar="STATUS", help=translate("cli.list_status")),
    quarter: str = typer.Option(None, "--quarter", metavar="YYYY-Qn", help=translate("cli.list_quarter")),
    person: str = typer.Option(None, "--person", metavar="PERSON", help=translate("cli.list_person")),
    department: str = typer.Option(None, "--department", metavar="DEPARTMENT", help=translate("cli.list_department")),
    output: str = typer.Option("table", "--format", metavar="table|json", help=translate("cli.opt_format_table_json")),
) -> None:
    from commlog.render.records import render_list_json, render_list_table
    from commlog.services.query import ListFilters, list_records

    check_format(output, ("table", "json"))
    _check_quarter(quarter)
    workspace = open_from(ctx)
    if type_name:
        type_name = workspace.templates.resolve_type(type_name)
    if status:
        status = workspace.templates.resolve_status(status, type_name)
    filters = ListFilters(type=type_name, status=status, quarter=quarter, person=person, department=department)
    listed, unreadable = list_records(workspace, filters)
    for item in unreadable:
        echo(translate("list.unreadable", path=item.path, reason=translate(item.key, **item.params)), err=True)
    if output == "json":
        echo(render_list_json(listed))
    elif listed:
        echo(render_list_table(listed, workspace.zone))
    else:
        echo(translate("list.empty"))


def _check_quarter(quarter: str | None) -> None:
    import re

    from commlog.errors import InputError

    if quarter and not re.match(r"^\d{4}-[Qq][1-4]$", quarter):
        raise InputError("input.bad_quarter", value=quarter)
