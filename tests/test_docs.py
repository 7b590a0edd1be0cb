"""The READMEs cannot drift from the command line: every command and option is documented."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
READMES = ("README.md", "README.zh-CN.md")


def command_options() -> list[tuple[str, str]]:
    """Return (command, option) for every option of every command, from the real Typer app."""
    import typer.main

    from commlog.cli.app import build_app

    group = typer.main.get_command(build_app())
    pairs = []
    for name, command in sorted(group.commands.items()):
        pairs.append((name, ""))
        for parameter in command.params:
            for option in parameter.opts:
                if option.startswith("--"):
                    pairs.append((name, option))
    return pairs


@pytest.mark.parametrize("readme", READMES)
def test_readme_documents_every_command_and_option(readme):
    text = (ROOT / readme).read_text(encoding="utf-8")
    missing = []
    for command, option in command_options():
        if f"commlog {command}" not in text:
            missing.append(f"commlog {command}")
        elif option and option not in text:
            missing.append(f"commlog {command} {option}")
    assert missing == []


@pytest.mark.parametrize("readme", READMES)
def test_readme_starts_with_setup_commands(readme):
    text = (ROOT / readme).read_text(encoding="utf-8")
    blocks = text.split("```sh\n")[1:3]
    assert blocks[0].startswith("python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/commlog list")
    assert blocks[1].startswith("python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/pytest")


def test_ci_runs_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    test_command = readme.split("```sh\n")[2].split("\n", 1)[0]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command.replace("pip install -e", "pip install --quiet -e") in ci
