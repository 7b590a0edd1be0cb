"""``commlog report``: the review of a month, a quarter or a range of days."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from commlog.cli.base import check_format, command_options, echo, open_from, parse_at
from commlog.i18n import translate

FORMATS = ("markdown", "html", "json")
EXTENSIONS = {"markdown": "md", "html": "html", "json": "json"}


def register(app: typer.Typer) -> None:
    app.command("report", help=translate("cli.report_help"), **command_options())(report)


def report(
    ctx: typer.Context,
    month: str = typer.Option(None, "--month", metavar="YYYY-MM", help=translate("cli.report_month")),
    quarter: str = typer.Option(None, "--quarter", metavar="YYYY-Qn", help=translate("cli.report_quarter")),
    first: str = typer.Option(None, "--from", metavar="YYYY-MM-DD", help=translate("cli.report_from")),
    last: str = typer.Option(None, "--to", metavar="YYYY-MM-DD", help=translate("cli.report_to")),
    at: str = typer.Option(None, "--at", metavar="TIME", help=translate("cli.report_at")),
    output_format: str = typer.Option("markdown", "--format", metavar="markdown|html|json",
                                      help=translate("cli.report_format")),
    output: Path = typer.Option(None, "--output", "-o", metavar="FILE", help=translate("cli.report_output")),
    commit: bool = typer.Option(False, "--commit", help=translate("cli.report_commit")),
    similarity: float = typer.Option(0.5, "--similarity", min=0.05, max=1.0, metavar="0-1",
                                     help=translate("cli.report_similarity")),
) -> None:
    from commlog.services.report import ReportRequest, build_report, commit_report, save_report

    check_format(output_format, FORMATS)
    workspace = open_from(ctx)
    period = _period(workspace, month, quarter, first, last)
    moment = workspace.moment(parse_at(at, workspace))

    with _ProgressBar() as progress:
        result = build_report(workspace, ReportRequest(period, moment, similarity), progress)
    text = _render(result, output_format)

    if output is not None:
        save_report(output, text)
        echo(translate("report.written", path=str(output)))
    if commit:
        path, sha = commit_report(workspace, period, text, EXTENSIONS[output_format])
        echo(translate("report.committed", path=path, commit=sha[:12]))
    if output is None and not commit:
        sys.stdout.write(text)
        sys.stdout.flush()


def _render(result: Any, output_format: str) -> str:
    if output_format == "json":
        from commlog.render import to_json

        return to_json(result.as_dict()) + "\n"
    if output_format == "html":
        from commlog.render.report_html import render_report_html

        return render_report_html(result)
    from commlog.render.report_markdown import render_report_markdown

    return render_report_markdown(result)


def _period(workspace: Any, month: str | None, quarter: str | None, first: str | None, last: str | None) -> Any:
    """Build the period from exactly one of --month, --quarter or --from/--to."""
    from commlog.core.periods import PeriodError, month_period, quarter_period, range_period
    from commlog.errors import InputError

    given = [name for name, value in (("month", month), ("quarter", quarter), ("range", first or last)) if value]
    if len(given) != 1:
        raise InputError("report.one_period")
    try:
        if month:
            return month_period(month, workspace.zone)
        if quarter:
            return quarter_period(quarter, workspace.zone)
        if not (first and last):
            raise InputError("report.range_needs_both")
        return range_period(first, last, workspace.zone)
    except PeriodError as error:
        raise InputError(f"report.bad_{error.kind}", value=error.value) from None


class _ProgressBar:
    """A progress bar on standard error while records are read; silent unless stderr is a terminal."""

    WIDTH = 30

    def __enter__(self) -> Any:
        self.active = sys.stderr.isatty()
        self.shown = -1
        return self.update if self.active else None

    def update(self, done: int, total: int) -> None:
        filled = self.WIDTH * done // max(total, 1)
        if filled == self.shown and done != total:
            return
        self.shown = filled
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        sys.stderr.write(f"\r{translate('report.progress')} [{bar}] {done}/{total}")
        sys.stderr.flush()

    def __exit__(self, *exc_info: Any) -> None:
        if self.active and self.shown >= 0:
            sys.stderr.write("\r" + " " * (self.WIDTH + 40) + "\r")
            sys.stderr.flush()
