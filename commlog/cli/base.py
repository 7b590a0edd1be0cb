"""Parts every command shares: global options, the error handler, output helpers."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from commlog.errors import EXIT_INTERRUPTED, EXIT_USAGE, CommlogError, FieldErrors
from commlog.i18n import translate

BUG_EXIT = 3
ISSUES_HINT = "https://github.com/commlog/commlog/issues"


def echo(text: str = "", *, err: bool = False) -> None:
    """Print a line to standard output (or standard error) without crashing on encoding."""
    stream = sys.stderr if err else sys.stdout
    try:
        stream.write(text + "\n")
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "ascii"
        stream.write(text.encode(encoding, "backslashreplace").decode(encoding) + "\n")
    stream.flush()


def report_error(error: CommlogError) -> None:
    """Print an error to standard error: the message, then each detail on its own line."""
    echo(translate("cli.error_prefix", message=str(error)), err=True)
    if isinstance(error, FieldErrors):
        for line in error.details:
            echo(f"  - {line}", err=True)
    else:
        for line in error.details:
            echo(f"  {line}", err=True)


def _handle(invoke: Any, ctx: Any) -> Any:
    try:
        return invoke(ctx)
    except CommlogError as error:
        if isinstance(error, FieldErrors) and not error.details:
            from commlog.cli.fields import describe_problems

            error.details = describe_problems(ctx, error)
        report_error(error)
        ctx.exit(error.exit_code)
    except BrokenPipeError:
        # The reader (such as `head`) closed the pipe; stop quietly, as other
        # command-line tools do, and keep Python from complaining at exit.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        ctx.exit(0)
    except (KeyboardInterrupt, typer.Abort):
        # Typer's prompts turn Ctrl-C and the end of input into Abort.
        echo("", err=True)
        echo(translate("cli.interrupted"), err=True)
        ctx.exit(EXIT_INTERRUPTED)
    except (typer.Exit, SystemExit):
        raise
    except Exception as error:  # noqa: BLE001 - the last resort for bugs, reported without local values
        if getattr(error, "exit_code", None) is not None and type(error).__module__.startswith("typer"):
            raise
        echo(translate("cli.bug", kind=type(error).__name__, message=str(error)[:200], url=ISSUES_HINT), err=True)
        ctx.exit(BUG_EXIT)


class CommlogCommand(TyperCommand):
    """A command whose ``--help`` option is described in the user's language."""

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = translate("cli.help_option")
        return option


class CommlogGroup(TyperGroup):
    """The top-level group: turns commlog errors into messages and exit statuses."""

    def invoke(self, ctx: Any) -> Any:
        return _handle(super().invoke, ctx)

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = translate("cli.help_option")
        return option


def _print_version(value: bool) -> None:
    """Print the version and stop before Typer requires a command."""
    if value:
        from commlog import __version__

        echo(f"commlog {__version__}")
        raise typer.Exit(0)


def global_options(
    ctx: typer.Context,
    repo: Path = typer.Option(None, "--repo", metavar="PATH", help=translate("cli.opt_repo"), show_default=False),
    lang: str = typer.Option(None, "--lang", metavar="zh-CN|en", help=translate("cli.opt_lang"), show_default=False),
    version: bool = typer.Option(
        False, "--version", help=translate("cli.opt_version"), is_eager=True, callback=_print_version
    ),
) -> None:
    if lang is not None:
        from commlog.i18n import normalize_language

        if normalize_language(lang) is None:
            echo(translate("cli.error_prefix", message=translate("cli.bad_language", value=lang)), err=True)
            raise typer.Exit(EXIT_USAGE)
    ctx.obj = {"repo": repo}


def command_options() -> dict[str, Any]:
    """Return the keyword arguments every ``app.command`` call passes."""
    return {"cls": CommlogCommand}


def open_from(ctx: typer.Context) -> Any:
    """Open the workspace of the ``--repo`` option (or the current directory)."""
    from commlog.services.workspace import open_workspace

    obj = ctx.find_root().obj or {}
    return open_workspace(obj.get("repo"))


def parse_at(value: str | None, workspace: Any) -> datetime | None:
    """Parse an ``--at`` value in the workspace's time zone; None means now."""
    if value is None:
        return None
    from commlog.core.timeparse import TimeFormatError, parse_datetime
    from commlog.errors import InputError

    try:
        return parse_datetime(value, workspace.zone)
    except TimeFormatError:
        raise InputError("input.bad_at", value=value) from None


def check_format(value: str, allowed: tuple[str, ...]) -> str:
    """Validate a ``--format`` value."""
    from commlog.errors import InputError

    if value not in allowed:
        raise InputError("input.bad_format", value=value, allowed=", ".join(allowed))
    return value
