"""Helpers shared by the check, reviewer and branch tests: create a record, edit its front matter."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from commlog.storage.records import parse_record_text, record_text
from tests.conftest import FIELDS_BY_TYPE, git, set_args


def create_record(cli: Any, type_name: str = "client", at: str = "2024-03-15 15:00", *extra: str, **fields: Any) -> str:
    """Create and commit a record of ``type_name``; return its repository-relative path."""
    values = {**FIELDS_BY_TYPE[type_name], **fields}
    result = cli("new", type_name, "--no-input", "--format", "json", "--at", at, *extra, *set_args(values))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["path"]


def edit_meta(repo: Path, relative: str, change: Callable[[dict[str, Any]], None]) -> None:
    """Load a record, let ``change`` edit its front matter in place, and write it back as commlog does."""
    path = repo / relative
    record = parse_record_text(path.read_text(encoding="utf-8"))
    change(record.meta)
    path.write_text(record_text(record), encoding="utf-8")


def edit_text(repo: Path, relative: str, old: str, new: str) -> None:
    """Replace the first ``old`` in a file's text with ``new``; fail when ``old`` is not there."""
    path = repo / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", message)


def findings(cli: Any, *args: str) -> tuple[int, list[dict[str, Any]]]:
    """Run ``commlog check --format json`` and return its exit code and findings."""
    result = cli("check", "--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)["findings"]


def codes(found: list[dict[str, Any]]) -> list[str]:
    return [finding["code"] for finding in found]
