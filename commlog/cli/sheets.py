"""``commlog export`` and ``commlog import``: records to and from CSV and Excel ledgers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from commlog.cli.base import check_format, command_options, echo, open_from, parse_at
from commlog.i18n import get_language, translate


def register(app: typer.Typer) -> None:
    app.command("export", help=translate("cli.export_help"), **command_options())(export)
    app.command("import", help=translate("cli.import_help"), **command_options())(import_command)


def export(
    ctx: typer.Context,
    output: Path = typer.Option(..., "--output", "-o", metavar="FILE", help=translate("cli.export_output")),
    output_format: str = typer.Option(None, "--format", metavar="csv|xlsx", help=translate("cli.export_format")),
    type_name: str = typer.Option(None, "--type", metavar="TYPE", help=translate("cli.list_type")),
    status: str = typer.Option(None, "--status", metavar="STATUS", help=translate("cli.list_status")),
    quarter: str = typer.Option(None, "--quarter", metavar="YYYY-Qn", help=translate("cli.list_quarter")),
    person: str = typer.Option(None, "--person", metavar="PERSON", help=translate("cli.list_person")),
    department: str = typer.Option(None, "--department", metavar="DEPARTMENT", help=translate("cli.list_department")),
    encoding: str = typer.Option("utf-8-sig", "--encoding", metavar="utf-8|utf-8-sig|gbk",
                                 help=translate("cli.export_encoding")),
) -> None:
    from commlog.services.query import ListFilters
    from commlog.services.sheets import EXPORT_FORMATS, ExportRequest, export_records

    chosen = output_format or (output.suffix.lower().lstrip(".") if output.suffix.lower() in (".csv", ".xlsx") else "")
    check_format(chosen, EXPORT_FORMATS)
    workspace = open_from(ctx)
    if type_name:
        workspace.templates.schema(type_name)
    filters = ListFilters(type=type_name, status=status, quarter=_quarter(quarter), person=person,
                          department=department)
    result = export_records(workspace, ExportRequest(filters, chosen, output, encoding, get_language()))
    for item in result.unreadable:
        echo(translate("list.unreadable", path=item.path, reason=translate(item.key, **item.params)), err=True)
    for written in result.files:
        place = f"{written.path} [{written.sheet}]" if written.sheet else str(written.path)
        echo(translate("export.written", count=written.count, type=written.type, path=place))


def _quarter(value: str | None) -> str | None:
    from commlog.core.periods import PeriodError, check_quarter
    from commlog.errors import InputError

    if value is None:
        return None
    try:
        return check_quarter(value)
    except PeriodError:
        raise InputError("input.bad_quarter", value=value) from None


def import_command(
    ctx: typer.Context,
    source: str = typer.Argument(..., metavar="FILE", help=translate("cli.import_file")),
    type_name: str = typer.Option(..., "--type", metavar="TYPE", help=translate("cli.import_type")),
    mapping: Path = typer.Option(None, "--mapping", metavar="MAP.yaml", help=translate("cli.import_mapping")),
    sheet: str = typer.Option(None, "--sheet", metavar="NAME", help=translate("cli.import_sheet")),
    encoding: str = typer.Option(None, "--encoding", metavar="ENCODING", help=translate("cli.import_encoding")),
    at: str = typer.Option(None, "--at", metavar="TIME", help=translate("cli.import_at")),
    by: str = typer.Option(None, "--by", metavar="PERSON", help=translate("cli.opt_by")),
    dry_run: bool = typer.Option(False, "--dry-run", help=translate("cli.import_dry_run")),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help=translate("cli.import_skip_invalid")),
) -> None:
    from commlog.services.sheets_import import ImportRequest, InvalidRows, import_records

    workspace = open_from(ctx)
    request = ImportRequest(Path(source), type_name, parse_at(at, workspace), mapping, sheet, encoding, dry_run,
                            skip_invalid, by)
    try:
        result = import_records(workspace, request)
    except InvalidRows as error:
        error.details = _row_lines(error.schema, error.rows)
        raise
    _print_import(workspace, result)


def _row_lines(schema: Any, rows: Any) -> list[str]:
    from commlog.cli.fields import describe_problem

    return [translate("import.row_problem", row=row.row, problem=describe_problem(schema, problem))
            for row in rows for problem in row.problems]


def _print_import(workspace: Any, result: Any) -> None:
    from commlog.core.timeparse import display_datetime
    from commlog.render import table

    if result.ignored_columns:
        echo(translate("import.ignored_columns", columns=", ".join(result.ignored_columns)), err=True)
    if result.invalid:
        schema = workspace.templates.schema(result.type)
        echo(translate("import.skipped", count=len(result.invalid)), err=True)
        for line in _row_lines(schema, result.invalid):
            echo(f"  - {line}", err=True)
    if result.dry_run:
        echo(translate("import.dry_run", count=len(result.rows), source=result.source))
        rows = [[str(row.row), display_datetime(row.created, workspace.zone), row.title] for row in result.rows]
        if rows:
            echo(table([translate("import.col_row"), translate("import.col_created"), translate("import.col_title")],
                       rows))
        return
    if not result.created:
        echo(translate("import.nothing", source=result.source))
        return
    for row, record_id, path in result.created:
        echo(translate("import.created_row", row=row, id=record_id, path=path))
    echo(translate("import.committed", count=len(result.created), commit=(result.commit or "")[:12]))
