"""``commlog new`` with missing or invalid fields: exit 2, every problem listed, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CLIENT_FIELDS, COLLAB_FIELDS, URGENT_FIELDS, git, set_args, write_files


def repository_state(repo: Path) -> tuple[str, str, list[str]]:
    files = sorted(str(path.relative_to(repo)) for path in (repo / "records").rglob("*") if path.is_file())
    return git(repo, "rev-parse", "HEAD"), git(repo, "status", "--porcelain", "--untracked-files=all"), files


def without(fields: dict, *keys: str) -> dict:
    return {key: value for key, value in fields.items() if key not in keys}


INVALID_CASES = [
    ("missing_required", "client", without(CLIENT_FIELDS, "brief"), "Customer's request (brief): required"),
    ("bad_enum", "client", {**CLIENT_FIELDS, "category": "投诉"}, "Category (category): '投诉' is not one of the allowed values"),
    ("bad_datetime", "client", {**CLIENT_FIELDS, "due": "tomorrow noon"}, "Due (due): 'tomorrow noon' is not a date and time"),
    ("impossible_date", "client", {**CLIENT_FIELDS, "due": "2024-02-30 12:00"}, "Due (due): '2024-02-30 12:00' is not a date and time"),
    ("bad_date", "collab", {**COLLAB_FIELDS, "milestones": ["初稿提交|someday"]}, "Milestones (milestones): 'Due' of an item is invalid"),
    ("bad_object", "collab", {**COLLAB_FIELDS, "milestones": ["a|05-20|2024-05-21 10:00|extra"]}, "Milestones (milestones):"),
    ("unknown_field", "client", {**CLIENT_FIELDS, "colour": "red"}, "colour (colour): not a field of type 'client'"),
    ("system_field", "client", {**CLIENT_FIELDS, "acks": "x"}, "Acknowledgements (acks): is set by commlog"),
    ("status_field", "client", {**CLIENT_FIELDS, "status": "resolved"}, "Status (status): is set by commlog, not with --set"),
    ("separator_in_name", "urgent", {**URGENT_FIELDS, "owners": ["技术部|*经理"]}, "Owners (owners): '技术部|*经理' contains '|'"),
    ("bad_owner_item", "client", {**CLIENT_FIELDS, "owners": ["财务部|*会计|多余"]}, "separated by '|' (Department|Person)"),
    ("lead_missing", "client", without(CLIENT_FIELDS, "lead"), "Lead (lead): required because there are 2 recipients"),
    ("lead_not_recipient", "client", {**CLIENT_FIELDS, "lead": "*路人"}, "Lead (lead): '*路人' is not one of the recipients"),
    ("multiline_title", "client", {**CLIENT_FIELDS, "title": "第一行\n第二行"}, "Subject (title):"),
    ("bad_bool", "client", {**CLIENT_FIELDS, "important": "maybe"}, "Important (important): 'maybe' is not yes or no"),
    ("single_value_twice", "urgent", {**URGENT_FIELDS, "reporter": ["*甲", "*乙"]}, "Reporter (reporter): takes a single value"),
]


@pytest.mark.parametrize(("case", "type_name", "fields", "expected"), INVALID_CASES, ids=[case[0] for case in INVALID_CASES])
def test_new_invalid_field_rejected(cli, repo, case, type_name, fields, expected):
    before = repository_state(repo)
    result = cli("new", type_name, "--no-input", *set_args(fields))
    assert result.exit_code == 2
    assert expected in result.stderr
    assert "Nothing was written or committed" in result.stderr
    assert result.stdout == ""
    assert repository_state(repo) == before


def test_new_lists_every_problem_at_once(cli, repo):
    fields = {**without(CLIENT_FIELDS, "brief", "due"), "category": "投诉", "occurred_at": "昨天"}
    result = cli("new", "client", "--no-input", *set_args(fields))
    assert result.exit_code == 2
    problem_lines = [line for line in result.stderr.splitlines() if line.startswith("  - ")]
    assert len(problem_lines) == 4
    assert "4 field problem(s)" in result.stderr
    for key in ("(brief)", "(due)", "(category)", "(occurred_at)"):
        assert any(key in line for line in problem_lines), key


def test_new_unknown_keys_list_settable_fields_once(cli, repo):
    result = cli("new", "client", "--no-input", *set_args({**CLIENT_FIELDS, "colour": "red", "size": "L"}))
    assert result.exit_code == 2
    assert "colour (colour): not a field of type 'client'." in result.stderr
    assert "size (size): not a field of type 'client'." in result.stderr
    assert result.stderr.count("Fields you can set for type 'client':") == 1


def test_new_draft_rejected_for_type_without_draft(cli, repo):
    before = repository_state(repo)
    result = cli("new", "client", "--no-input", "--draft", *set_args(CLIENT_FIELDS))
    assert result.exit_code == 2
    assert "--draft applies only to types with a draft state" in result.stderr
    assert repository_state(repo) == before


def test_new_missing_repo_path(tmp_path):
    from tests.conftest import run_cli

    result = run_cli(["--repo", str(tmp_path / "absent"), "list"])
    assert result.exit_code == 2
    assert "absent' does not exist" in result.stderr


def test_new_no_fields_lists_all_required(cli, repo):
    result = cli("new", "urgent", "--no-input")
    assert result.exit_code == 2
    for key in ("title", "occurred_at", "reporter", "im_channel", "impact", "brief", "actions", "owners"):
        assert f"({key}): required" in result.stderr


def test_new_problems_in_chinese(cli, repo):
    result = cli("--lang", "zh-CN", "new", "client", "--no-input", *set_args({**without(CLIENT_FIELDS, "brief"), "category": "投诉"}))
    assert result.exit_code == 2
    assert "错误：记录未创建：有 2 个字段问题" in result.stderr
    assert "客户需求描述 (brief): 必填" in result.stderr
    assert "沟通类型 (category): “投诉”不是允许的取值：需求对接 (requirement)" in result.stderr


def test_new_unknown_type(cli, repo):
    result = cli("new", "memo", "--no-input")
    assert result.exit_code == 2
    assert "unknown record type 'memo'" in result.stderr
    assert "client, collab, notice, urgent" in result.stderr


@pytest.mark.parametrize("type_name", ["../client", "_common", "client.en"])
def test_new_type_name_cannot_escape_templates(cli, repo, type_name):
    result = cli("new", type_name, "--no-input")
    assert result.exit_code == 2
    assert "unknown record type" in result.stderr


def test_new_bad_set_syntax(cli, repo):
    result = cli("new", "client", "--no-input", "--set", "title")
    assert result.exit_code == 2
    assert "invalid --set value 'title'" in result.stderr


def test_new_bad_at(cli, repo):
    result = cli("new", "client", "--no-input", "--at", "next monday", *set_args(CLIENT_FIELDS))
    assert result.exit_code == 2
    assert "invalid time 'next monday'" in result.stderr


def test_new_fields_file_missing(cli, repo, tmp_path):
    result = cli("new", "client", "--no-input", "--file", str(tmp_path / "absent.yaml"))
    assert result.exit_code == 2
    assert "absent.yaml' not found" in result.stderr


def test_new_fields_file_not_mapping(cli, repo, tmp_path):
    write_files(tmp_path, {"list.yaml": "- a\n- b\n"})
    result = cli("new", "client", "--no-input", "--file", str(tmp_path / "list.yaml"))
    assert result.exit_code == 2
    assert "must be a YAML mapping" in result.stderr


def test_new_fields_file_bad_yaml(cli, repo, tmp_path):
    write_files(tmp_path, {"bad.yaml": "title: [unclosed\n"})
    result = cli("new", "client", "--no-input", "--file", str(tmp_path / "bad.yaml"))
    assert result.exit_code == 2
    assert "is not valid YAML" in result.stderr


def test_new_outside_repository(tmp_path):
    from tests.conftest import run_cli

    result = run_cli(["--repo", str(tmp_path), "new", "client", "--no-input"])
    assert result.exit_code == 2
    assert "is not inside a git repository" in result.stderr
    assert "commlog init" in result.stderr
