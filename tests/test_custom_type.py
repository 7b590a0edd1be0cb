"""A team adds its own record type by adding files under templates/, without code changes."""

from __future__ import annotations

import json

from commlog.storage.records import parse_record_text
from tests.conftest import git, write_files

VISIT_SCHEMA = """
    schema_version: 1
    type: visit
    prefix: VIS
    label: {zh-CN: 客户拜访记录, en: Customer visit}
    recipients_from: hosts
    fields:
      - key: title
        label: {zh-CN: 拜访主题, en: Subject}
        kind: text
        required: true
      - key: hosts
        label: {zh-CN: 接待人, en: Hosts}
        kind: list
        item: person
        required: true
      - key: mood
        label: {zh-CN: 客户态度, en: Customer mood}
        kind: enum
        required: true
        choices:
          - {key: happy, label: {zh-CN: 满意, en: Happy}}
          - {key: upset, label: {zh-CN: 不满, en: Upset}}
      - key: visited_on
        label: {zh-CN: 拜访日期, en: Visited on}
        kind: date
      - key: status
        label: {zh-CN: 状态, en: Status}
        kind: enum
        required: true
        choices:
          - {key: planned, label: {zh-CN: 计划中, en: Planned}}
          - {key: done, label: {zh-CN: 已完成, en: Done}}
    lifecycle:
      initial: planned
      transitions:
        planned: [done]
      final: [done]
"""
VISIT_BODY = """
    # 拜访:{{ record.title }}

    {{ label("mood") }}:{{ show("mood") }}

    ## 进展跟踪

    {{ progress_log }}
"""


def test_custom_type_created_from_files(cli, repo):
    write_files(repo, {"templates/visit.yaml": VISIT_SCHEMA, "templates/visit.md.j2": VISIT_BODY})
    git(repo, "add", "templates")
    git(repo, "commit", "-q", "-m", "add visit type")

    result = cli("new", "visit", "--no-input", "--format", "json", "--at", "2024-07-01 09:30",
                 "--set", "title=季度回访", "--set", "hosts=*销售", "--set", "mood=满意", "--set", "visited_on=07-01")
    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout)
    assert created["id"].startswith("VIS-20240701-")
    assert created["path"].startswith("records/2024-Q3-visit/")
    record = parse_record_text((repo / created["path"]).read_text(encoding="utf-8"))
    assert record.meta["mood"] == "happy"
    assert record.meta["status"] == "planned"
    assert record.meta["visited_on"] == "2024-07-01"
    assert record.meta["recipients"] == ["*销售"]
    assert record.body.startswith("# 拜访:季度回访\n")
    assert "客户态度:满意" in record.body


def test_custom_type_listed_and_shown(cli, repo):
    write_files(repo, {"templates/visit.yaml": VISIT_SCHEMA, "templates/visit.md.j2": VISIT_BODY})
    cli("new", "visit", "--no-input", "--set", "title=季度回访", "--set", "hosts=*销售", "--set", "mood=upset")
    listed = cli("--lang", "zh-CN", "list", "--type", "visit")
    assert listed.exit_code == 0, listed.output
    assert "客户拜访记录" in listed.stdout
    assert "计划中" in listed.stdout
    shown = cli("--lang", "en", "show", "VIS")
    assert "Customer mood  Upset" in shown.stdout


def test_custom_type_unknown_in_error_list(cli, repo):
    write_files(repo, {"templates/visit.yaml": VISIT_SCHEMA, "templates/visit.md.j2": VISIT_BODY})
    result = cli("new", "memo", "--no-input")
    assert "client, collab, notice, urgent, visit" in result.stderr


def test_custom_type_bad_schema_names_file_and_key(cli, repo):
    write_files(repo, {"templates/broken.yaml": "type: broken\nfields:\n  - key: title\n    kind: colour\n"})
    result = cli("new", "broken", "--no-input")
    assert result.exit_code == 2
    assert "broken.yaml" in result.stderr
    assert "fields[0].kind" in result.stderr
    assert "enum" in result.stderr


def test_custom_type_without_body_template(cli, repo):
    write_files(repo, {"templates/visit.yaml": VISIT_SCHEMA})
    result = cli("new", "visit", "--no-input", "--set", "title=t", "--set", "hosts=*销售", "--set", "mood=happy")
    assert result.exit_code == 2
    assert "no body template for type 'visit'" in result.stderr
    assert not (repo / "records" / "2024-Q3-visit").exists()


def test_template_without_progress_log_rejected(cli, repo):
    write_files(repo, {"templates/visit.yaml": VISIT_SCHEMA, "templates/visit.md.j2": "# {{ record.title }}\n"})
    result = cli("new", "visit", "--no-input", "--set", "title=t", "--set", "hosts=*销售", "--set", "mood=happy")
    assert result.exit_code == 2
    assert "progress_log" in result.stderr


def test_template_undefined_name_is_error(cli, repo):
    write_files(repo, {"templates/visit.yaml": VISIT_SCHEMA, "templates/visit.md.j2": "{{ nothing.here }}\n{{ progress_log }}\n"})
    result = cli("new", "visit", "--no-input", "--set", "title=t", "--set", "hosts=*销售", "--set", "mood=happy")
    assert result.exit_code == 2
    assert "visit.md.j2 failed at line 1" in result.stderr


def test_template_sandbox_blocks_internals(cli, repo):
    body = "{{ label.__globals__ }}\n{{ progress_log }}\n"
    write_files(repo, {"templates/visit.yaml": VISIT_SCHEMA, "templates/visit.md.j2": body})
    result = cli("new", "visit", "--no-input", "--set", "title=t", "--set", "hosts=*销售", "--set", "mood=happy")
    assert result.exit_code == 2
    assert "visit.md.j2" in result.stderr


def test_team_edit_of_builtin_template_wins(cli, repo):
    write_files(repo, {"templates/client.md.j2": "团队版 {{ record.title }}\n\n{{ progress_log }}\n"})
    from tests.conftest import CLIENT_FIELDS, set_args

    result = cli("new", "client", "--no-input", "--format", "json", *set_args(CLIENT_FIELDS))
    body = parse_record_text((repo / json.loads(result.stdout)["path"]).read_text(encoding="utf-8")).body
    assert body.startswith("团队版 系统后台数据导出功能异常\n")
