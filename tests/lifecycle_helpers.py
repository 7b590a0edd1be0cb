"""Helpers shared by the life-cycle, log, audit and write-safety tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import FIELDS_BY_TYPE, git, set_args


def create(cli: Any, type_name: str, at: str = "2024-04-02 11:00", *extra: str) -> tuple[str, str]:
    """Create a record of ``type_name`` from the example fields; return its ID and path."""
    result = cli("new", type_name, "--no-input", "--at", at, "--format", "json", *set_args(FIELDS_BY_TYPE[type_name]), *extra)
    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout)
    return created["id"], created["path"]


def front_matter(repo: Path, path: str) -> dict[str, Any]:
    """Return the front matter of the record file at ``path``."""
    return _split(repo, path)[0]


def body(repo: Path, path: str) -> str:
    """Return the Markdown body of the record file at ``path``."""
    return _split(repo, path)[1]


def _split(repo: Path, path: str) -> tuple[dict[str, Any], str]:
    lines = (repo / path).read_text(encoding="utf-8").split("\n")
    end = lines.index("---", 1)
    return yaml.safe_load("\n".join(lines[1:end])), "\n".join(lines[end + 1 :])


def log_lines(repo: Path, path: str) -> list[str]:
    """Return the lines of the progress-log block, without its markers."""
    text = body(repo, path)
    block = text.split("<!-- commlog:progress-log -->\n", 1)[1].split("<!-- /commlog:progress-log -->", 1)[0]
    return block.splitlines()


def commit_count(repo: Path) -> int:
    return int(git(repo, "rev-list", "--count", "HEAD").strip())


def trailer(repo: Path, key: str, rev: str = "HEAD") -> str:
    """Return the values of trailer ``key`` of commit ``rev``, one per line."""
    return git(repo, "log", "-1", f"--format=%(trailers:key={key},valueonly)", rev).strip()


def subject(repo: Path, rev: str = "HEAD") -> str:
    return git(repo, "log", "-1", "--format=%s", rev).strip()


def repository_state(repo: Path) -> tuple[str, str]:
    """Return what a failed command must leave unchanged: ``git status --porcelain`` and the log."""
    return git(repo, "status", "--porcelain", "--untracked-files=all"), git(repo, "log", "--format=%H %s", "--all")
