"""The ``commlog`` command line: global options, language, error handling, command modules.

The language is chosen before any command module is imported, because help
texts are looked up when the commands are declared. Command modules import
only Typer and the message catalogue at module level. Services and their
libraries are imported inside the command functions, so ``commlog --help``
stays fast.
"""

from __future__ import annotations

import os
import sys
from importlib import import_module
from pathlib import Path
from typing import Any

# Each module defines register(app) and adds its commands to the app.
COMMAND_MODULES = ("commlog.cli.setup", "commlog.cli.records", "commlog.cli.status", "commlog.cli.attach")


def _option_value(argv: list[str], name: str) -> str | None:
    """Return the value of ``--name VALUE`` or ``--name=VALUE`` before any ``--``."""
    for index, argument in enumerate(argv):
        if argument == "--":
            return None
        if argument == name and index + 1 < len(argv):
            return argv[index + 1]
        if argument.startswith(name + "="):
            return argument.split("=", 1)[1]
    return None


def choose_language(argv: list[str]) -> str:
    """Resolve the language from ``--lang``, the environment, ``commlog.yaml`` and the locale."""
    from commlog.config import read_language_setting
    from commlog.i18n import resolve_language

    configured = None
    repo = _option_value(argv, "--repo")
    start = Path(repo) if repo else Path.cwd()
    try:
        for folder in (start.resolve(), *start.resolve().parents):
            if (folder / ".git").exists():
                configured = read_language_setting(folder)
                break
    except OSError:
        configured = None
    return resolve_language(_option_value(argv, "--lang"), configured)


def protect_streams() -> None:
    """Let output that the console cannot encode (Chinese on an ASCII pipe) degrade instead of crash."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass


def build_app() -> Any:
    """Build the Typer application with every command module registered."""
    import typer

    from commlog.cli.base import CommlogGroup, global_options
    from commlog.i18n import translate

    app = typer.Typer(
        cls=CommlogGroup,
        name="commlog",
        help=translate("cli.app_help"),
        add_completion=False,
        no_args_is_help=True,
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    )
    app.callback()(global_options)
    for name in COMMAND_MODULES:
        import_module(name).register(app)
    return app


def main(argv: list[str] | None = None) -> None:
    """Run commlog with ``argv`` (default: the process arguments) and exit with its status."""
    from commlog.i18n import set_language

    arguments = list(sys.argv[1:] if argv is None else argv)
    protect_streams()
    set_language(choose_language(arguments))
    from commlog.cli.localize import localize_typer

    localize_typer()
    app = build_app()
    os.environ.setdefault("GIT_TERMINAL_PROMPT", "0")
    app(args=arguments, prog_name="commlog")
