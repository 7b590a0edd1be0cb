"""A first end-to-end run: init, new with every built-in type, show, list."""

from __future__ import annotations

import json

import pytest

from tests.conftest import FIELDS_BY_TYPE, git, set_args


@pytest.mark.parametrize("type_name", sorted(FIELDS_BY_TYPE))
def test_new_each_type_commits_record(cli, repo, type_name):
    result = cli("new", type_name, "--no-input", "--at", "2024-04-02 11:00", "--format", "json",
                 *set_args(FIELDS_BY_TYPE[type_name]))
    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout)
    assert (repo / created["path"]).is_file()
    assert created["path"].startswith(f"records/2024-Q2-{type_name}/")
    assert git(repo, "log", "-1", "--format=%H").strip() == created["commit"]
