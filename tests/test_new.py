"""``commlog new``: every way of giving fields, every kind of bad field, the one commit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from commlog.storage.records import parse_record_text
from tests.conftest import AUTHOR_NAME, CLIENT_FIELDS, COLLAB_FIELDS, FIELDS_BY_TYPE, git, set_args, write_files


def read_front_matter(repo: Path, relative: str) -> dict:
    return parse_record_text((repo / relative).read_text(encoding="utf-8")).meta


def create(cli, type_name: str, fields: dict, *extra: str):
    return cli("new", type_name, "--no-input", "--format", "json", *extra, *set_args(fields))


@pytest.mark.parametrize("type_name", sorted(FIELDS_BY_TYPE))
def test_new_through_set_stores_fields(cli, repo, type_name):
    result = create(cli, type_name, FIELDS_BY_TYPE[type_name], "--at", "2024-04-02 11:00")
    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout)
    meta = read_front_matter(repo, created["path"])
    assert meta["id"] == created["id"]
    assert meta["type"] == type_name
    assert meta["title"] == FIELDS_BY_TYPE[type_name]["title"]
    assert meta["created_at"] == "2024-04-02T11:00:00+08:00"
    assert created["path"] == f"records/2024-Q2-{type_name}/{created['id']}.md"


def test_new_client_example_front_matter(cli, repo):
    result = create(cli, "client", CLIENT_FIELDS, "--at", "2024-03-15 15:00")
    meta = read_front_matter(repo, json.loads(result.stdout)["path"])
    assert meta["category"] == "issue"
    assert meta["channel"] == "remote_meeting"
    assert meta["occurred_at"] == "2024-03-15T14:30:00+08:00"
    assert meta["due"] == "2024-03-16T12:00:00+08:00"
    assert meta["owners"] == [{"department": "技术部", "person": "*经理"}, {"department": "客户成功部", "person": "*专员"}]
    assert meta["recipients"] == ["*经理", "*专员"]
    assert meta["status"] == "open"
    assert meta["priority"] == "normal"
    assert meta["important"] is True
    assert meta["sent_at"] == meta["created_at"]
    assert list(meta)[:3] == ["id", "type", "client"]


def test_new_collab_milestones_and_commas(cli, repo):
    result = create(cli, "collab", COLLAB_FIELDS, "--at", "2024-05-06 10:00")
    meta = read_front_matter(repo, json.loads(result.stdout)["path"])
    assert meta["milestones"] == [{"name": "初稿提交", "due": "2024-05-20"}, {"name": "定稿", "due": "2024-05-25"}]
    assert meta["tasks"][0] == "主海报设计(3版初稿,符合品牌VI)"
    assert meta["target_departments"] == ["设计部", "产品部", "销售部"]
    assert meta["status"] == "pending"


def test_new_through_fields_file(cli, repo, tmp_path):
    write_files(tmp_path, {"fields.yaml": """
        client: 某科技有限公司
        client_contact: "*总监"
        category: issue
        title: 系统后台数据导出功能异常
        occurred_at: 2024-03-15 14:30
        channel: 远程会议
        brief: |
          导出Excel时格式错乱,部分数据丢失。
          需24小时内解决。
        response_plan:
          - 技术部立即排查系统日志
        owners:
          - {department: 技术部, person: "*经理"}
        due: 2024-03-16 12:00
        reference: OA-2024-0315
    """})
    result = cli("new", "client", "--no-input", "--format", "json", "--at", "2024-03-15 15:00",
                 "--file", str(tmp_path / "fields.yaml"))
    assert result.exit_code == 0, result.output
    meta = read_front_matter(repo, json.loads(result.stdout)["path"])
    assert meta["brief"] == "导出Excel时格式错乱,部分数据丢失。\n需24小时内解决。"
    assert meta["owners"] == [{"department": "技术部", "person": "*经理"}]
    assert meta["reference"] == "OA-2024-0315"
    assert "lead" not in meta


def test_new_set_overrides_file(cli, repo, tmp_path):
    write_files(tmp_path, {"fields.yaml": "title: 文件中的标题\n"})
    fields = {key: value for key, value in CLIENT_FIELDS.items() if key != "title"}
    result = cli("new", "client", "--no-input", "--format", "json", "--file", str(tmp_path / "fields.yaml"),
                 "--set", "title=命令行标题", *set_args(fields))
    meta = read_front_matter(repo, json.loads(result.stdout)["path"])
    assert meta["title"] == "命令行标题"


def test_new_urgent_flag_sets_priority(cli, repo):
    result = create(cli, "client", CLIENT_FIELDS, "--urgent")
    meta = read_front_matter(repo, json.loads(result.stdout)["path"])
    assert meta["priority"] == "urgent"


def test_new_urgent_type_always_urgent(cli, repo):
    result = create(cli, "urgent", FIELDS_BY_TYPE["urgent"])
    meta = read_front_matter(repo, json.loads(result.stdout)["path"])
    assert meta["priority"] == "urgent"


def test_new_notice_draft_has_no_sent_at(cli, repo):
    result = create(cli, "notice", FIELDS_BY_TYPE["notice"], "--draft")
    meta = read_front_matter(repo, json.loads(result.stdout)["path"])
    assert meta["status"] == "draft"
    assert "sent_at" not in meta


def test_new_enum_accepts_key_and_label(cli, repo):
    by_key = create(cli, "client", {**CLIENT_FIELDS, "category": "after_sales", "channel": "email"})
    by_label = create(cli, "client", {**CLIENT_FIELDS, "category": "售后跟进", "channel": "邮件"})
    assert read_front_matter(repo, json.loads(by_key.stdout)["path"])["category"] == "after_sales"
    assert read_front_matter(repo, json.loads(by_label.stdout)["path"])["category"] == "after_sales"
    assert read_front_matter(repo, json.loads(by_label.stdout)["path"])["channel"] == "email"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("2024-03-15 14:30", "2024-03-15T14:30:00+08:00"),
        ("2024-03-15T14:30", "2024-03-15T14:30:00+08:00"),
        ("2024/3/15 14:30", "2024-03-15T14:30:00+08:00"),
        ("2024年3月15日 14:30", "2024-03-15T14:30:00+08:00"),
        ("2024-03-15T06:30Z", "2024-03-15T14:30:00+08:00"),
        ("2024-03-15 14:30+09:00", "2024-03-15T13:30:00+08:00"),
    ],
)
def test_new_datetime_input_forms(cli, repo, typed, stored):
    result = create(cli, "client", {**CLIENT_FIELDS, "occurred_at": typed})
    assert result.exit_code == 0, result.output
    assert read_front_matter(repo, json.loads(result.stdout)["path"])["occurred_at"] == stored


def test_new_quarter_uses_configured_zone(cli, repo):
    result = create(cli, "client", CLIENT_FIELDS, "--at", "2024-03-31T17:00:00Z")
    created = json.loads(result.stdout)
    assert created["path"].startswith("records/2024-Q2-client/")
    assert created["id"].startswith("CLI-20240401-")


def test_new_id_format(cli, repo):
    result = create(cli, "client", CLIENT_FIELDS, "--at", "2024-03-15 15:00")
    record_id = json.loads(result.stdout)["id"]
    prefix, day, suffix = record_id.split("-")
    assert prefix == "CLI"
    assert day == "20240315"
    assert len(suffix) == 4
    assert set(suffix) <= set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")


def test_new_commit_has_subject_and_trailers(cli, repo):
    result = create(cli, "client", CLIENT_FIELDS, "--at", "2024-03-15 15:00")
    record_id = json.loads(result.stdout)["id"]
    message = git(repo, "log", "-1", "--format=%B")
    assert message.splitlines()[0] == f"new {record_id}: 系统后台数据导出功能异常"
    assert f"Commlog-Record: {record_id}" in message
    assert "Commlog-Action: new" in message
    assert "Commlog-By" not in message
    assert git(repo, "log", "-1", "--format=%an").strip() == AUTHOR_NAME


def test_new_by_other_person_adds_trailer(cli, repo):
    result = create(cli, "client", CLIENT_FIELDS, "--by", "*专员")
    assert result.exit_code == 0, result.output
    message = git(repo, "log", "-1", "--format=%B")
    assert "Commlog-By: *专员" in message


def test_new_long_title_subject_cut_to_72(cli, repo):
    title = "关于" + "第三季度客户满意度调研结果与改进措施" * 5
    create(cli, "client", {**CLIENT_FIELDS, "title": title})
    subject = git(repo, "log", "-1", "--format=%s").strip()
    assert len(subject) == 72
    assert subject.endswith("…")


def test_new_short_date_before_creation_takes_next_year(cli, repo):
    fields = {**COLLAB_FIELDS, "milestones": ["初稿提交|05-20", "定稿|2027-01-10"]}
    result = create(cli, "collab", fields, "--at", "2026-12-05 10:00")
    meta = read_front_matter(repo, json.loads(result.stdout)["path"])
    assert meta["milestones"][0]["due"] == "2027-05-20"
    assert meta["milestones"][1]["due"] == "2027-01-10"


def test_new_backdated_records_recording_time(cli, repo):
    result = create(cli, "client", CLIENT_FIELDS, "--at", "2024-03-15 15:00")
    meta = read_front_matter(repo, json.loads(result.stdout)["path"])
    event = meta["history"][0]
    assert event["at"] == "2024-03-15T15:00:00+08:00"
    assert event["recorded_at"] > "2025"
    body = (repo / json.loads(result.stdout)["path"]).read_text(encoding="utf-8")
    assert "(补录于 " in body


def test_new_current_time_has_no_recording_time(cli, repo):
    result = create(cli, "client", CLIENT_FIELDS)
    meta = read_front_matter(repo, json.loads(result.stdout)["path"])
    assert "recorded_at" not in meta["history"][0]


def test_new_no_commit_without_identity_needs_by(cli, repo, tmp_path, monkeypatch):
    empty = tmp_path / "empty.gitconfig"
    empty.write_text("", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    refused = create(cli, "client", CLIENT_FIELDS, "--no-commit")
    assert refused.exit_code == 2
    assert "Pass --by PERSON" in refused.stderr
    accepted = create(cli, "client", CLIENT_FIELDS, "--no-commit", "--by", "*专员")
    assert accepted.exit_code == 0, accepted.output


def test_new_commit_contains_only_record(cli, repo):
    write_files(repo, {"staged.txt": "staged\n", "unstaged.txt": "v1\n", "untracked.txt": "new\n"})
    git(repo, "add", "staged.txt", "unstaged.txt")
    git(repo, "commit", "-q", "-m", "add unstaged.txt")
    (repo / "unstaged.txt").write_text("v2\n", encoding="utf-8")
    (repo / "staged.txt").write_text("staged again\n", encoding="utf-8")
    git(repo, "add", "staged.txt")
    before = git(repo, "status", "--porcelain")

    result = create(cli, "client", CLIENT_FIELDS)
    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout)
    changed = git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert changed == [created["path"]]
    assert git(repo, "status", "--porcelain") == before
    assert git(repo, "diff", "--cached", "--name-only").split() == ["staged.txt"]


def test_new_no_commit_writes_file_only(cli, repo):
    head = git(repo, "rev-parse", "HEAD")
    result = create(cli, "client", CLIENT_FIELDS, "--no-commit")
    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout)
    assert created["commit"] is None
    assert (repo / created["path"]).is_file()
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "status", "--porcelain", "--untracked-files=all").strip() == f"?? {created['path']}"


def test_new_text_output_names_id_and_path(cli, repo):
    result = cli("new", "client", "--no-input", *set_args(CLIENT_FIELDS))
    assert result.exit_code == 0, result.output
    assert "Created CLI-" in result.stdout
    assert "records/" in result.stdout
    assert "Committed as" in result.stdout
