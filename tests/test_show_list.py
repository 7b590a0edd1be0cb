"""``commlog show`` and ``commlog list`` on real records."""

from __future__ import annotations

import json

import pytest

from tests.conftest import CLIENT_FIELDS, COLLAB_FIELDS, NOTICE_FIELDS, set_args


@pytest.fixture
def filled(cli, repo):
    ids = {}
    for type_name, fields, at in (
        ("client", CLIENT_FIELDS, "2024-03-15 15:00"),
        ("collab", COLLAB_FIELDS, "2024-05-06 10:00"),
        ("notice", NOTICE_FIELDS, "2024-04-28 10:00"),
    ):
        result = cli("new", type_name, "--no-input", "--format", "json", "--at", at, *set_args(fields))
        assert result.exit_code == 0, result.output
        ids[type_name] = json.loads(result.stdout)["id"]
    return ids


def test_show_by_prefix(cli, filled):
    result = cli("show", filled["client"][:-2])
    assert result.exit_code == 0, result.output
    first_line = result.stdout.splitlines()[0]
    assert first_line == f"{filled['client']}  系统后台数据导出功能异常"
    assert "Due                 2024-03-16 12:00" in result.stdout
    assert "Acknowledged: 0 of 2" in result.stdout
    assert "Waiting for: *经理, *专员" in result.stdout


def test_show_lowercase_prefix(cli, filled):
    result = cli("show", filled["notice"].lower())
    assert result.exit_code == 0, result.output
    assert "五一假期值班安排" in result.stdout


def test_show_ambiguous_prefix(cli, filled):
    result = cli("show", "C")
    assert result.exit_code == 2
    assert "matches several records" in result.stderr
    assert filled["client"] in result.stderr
    assert filled["collab"] in result.stderr


def test_show_json(cli, filled):
    result = cli("show", filled["collab"], "--format", "json")
    data = json.loads(result.stdout)
    assert data["id"] == filled["collab"]
    assert data["fields"]["milestones"][1] == {"name": "定稿", "due": "2024-05-25"}
    assert data["body"].startswith("# Q2新品上市营销物料制作协作\n")


def test_show_chinese_labels(cli, filled):
    result = cli("--lang", "zh-CN", "show", filled["collab"])
    assert "时间节点" in result.stdout
    assert "初稿提交 / 2024-05-20、定稿 / 2024-05-25" in result.stdout
    assert "进展跟踪：" in result.stdout


def test_show_unparsable_record(cli, repo, filled):
    path = next((repo / "records").glob("2024-Q1-client/*.md"))
    path.write_text("---\ntitle: [broken\n---\nbody\n", encoding="utf-8")
    result = cli("show", filled["client"])
    assert result.exit_code == 2
    assert "does not parse (invalid-yaml)" in result.stderr
    assert str(path.relative_to(repo)) in result.stderr


def test_list_all_sorted_by_creation(cli, filled):
    result = cli("list", "--format", "json")
    listed = json.loads(result.stdout)
    assert [item["id"] for item in listed] == [filled["client"], filled["notice"], filled["collab"]]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--type", "collab"), ["collab"]),
        (("--status", "open"), ["client"]),
        (("--status", "待处理"), ["client"]),
        (("--status", "published"), ["notice"]),
        (("--quarter", "2024-Q2"), ["notice", "collab"]),
        (("--quarter", "2024-q1"), ["client"]),
        (("--person", "*专员"), ["client"]),
        (("--person", "设计部总监"), ["collab"]),
        (("--department", "产品部"), ["collab"]),
        (("--department", "技术部"), ["client", "notice"]),
        (("--type", "client", "--status", "resolved"), []),
    ],
)
def test_list_filters(cli, filled, args, expected):
    result = cli("list", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    assert [item["id"] for item in json.loads(result.stdout)] == [filled[name] for name in expected]


def test_list_table_aligned_with_chinese(cli, filled):
    from commlog.render import display_width

    result = cli("--lang", "zh-CN", "list")
    lines = result.stdout.splitlines()
    assert lines[0].split()[:4] == ["编号", "类型", "状态", "主题"]
    header_column = display_width(lines[0][: lines[0].index("状态")])
    title_column = display_width(lines[0][: lines[0].index("主题")])
    for line, status in zip(lines[2:], ("待处理", "已发布", "待启动")):
        assert display_width(line[: line.index(status)]) == header_column
        title_start = len(line[: line.index(status)]) + len(status) + len(line[line.index(status) + len(status):]) - len(line[line.index(status) + len(status):].lstrip())
        assert display_width(line[:title_start]) == title_column


def test_list_type_by_label(cli, filled):
    result = cli("list", "--format", "json", "--type", "客户沟通记录表")
    assert [item["id"] for item in json.loads(result.stdout)] == [filled["client"]]


def test_list_unknown_status(cli, filled):
    result = cli("list", "--status", "nosuch")
    assert result.exit_code == 2
    assert "invalid --status value 'nosuch'" in result.stderr
    assert "in_progress" in result.stderr


def test_list_empty(cli, repo):
    result = cli("list")
    assert result.exit_code == 0
    assert result.stdout.strip() == "No records match."


def test_list_bad_quarter(cli, repo):
    result = cli("list", "--quarter", "2024-5")
    assert result.exit_code == 2
    assert "invalid --quarter value '2024-5'" in result.stderr


def test_list_skips_unreadable_file(cli, repo, filled):
    bad = repo / "records" / "2024-Q1-client" / "CLI-20240101-XXXX.md"
    bad.write_text("no front matter\n", encoding="utf-8")
    result = cli("list", "--format", "json")
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)) == 3
    assert "skipped records/2024-Q1-client/CLI-20240101-XXXX.md" in result.stderr
