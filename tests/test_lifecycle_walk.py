"""Each built-in type walked through its whole life cycle, one commit per step."""

from __future__ import annotations

import json

import pytest

from tests.conftest import AUTHOR_NAME
from tests.lifecycle_helpers import commit_count, create, front_matter, log_lines, subject, trailer

# Each step: command and arguments after the ID, --at, the commit's action,
# the status afterwards, and the person acting (None: the git author).
WALKS = {
    "collab": [
        (("ack", "--by", "设计部总监"), "2024-04-02 11:20", "ack", "pending", "设计部总监"),
        (("ack", "--by", "产品部主管"), "2024-04-02 11:30", "ack", "pending", "产品部主管"),
        (("update", "--status", "in_progress", "--note", "设计部已开工"), "2024-04-03 09:00", "update", "in_progress", None),
        (("feedback", "建议5月22日增加一次内部评审", "--by", "产品部主管"), "2024-04-03 10:00", "feedback", "in_progress", "产品部主管"),
        (("update", "--set", "risks=设计部人力紧张"), "2024-04-10 09:00", "update", "in_progress", None),
        (("close", "--resolution", "物料已交付"), "2024-05-25 18:00", "close", "done", None),
        (("reopen", "--reason", "需补充一版"), "2024-05-26 10:00", "reopen", "in_progress", None),
        (("close", "--status", "已取消", "--resolution", "活动取消"), "2024-05-28 10:00", "close", "cancelled", None),
    ],
    "client": [
        (("ack", "--by", "*经理"), "2024-04-02 11:10", "ack", "open", "*经理"),
        (("ack", "--by", "*专员"), "2024-04-02 11:40", "ack", "open", "*专员"),
        (("update", "--status", "处理中"), "2024-04-02 13:00", "update", "in_progress", None),
        (("update", "--status", "follow_up", "--set", "follow_up=每周回访一次"), "2024-04-03 12:00", "update", "follow_up", None),
        (("close", "--resolution", "临时修复版已上线"), "2024-04-05 10:00", "close", "resolved", None),
        (("reopen", "--reason", "客户再次反馈导出异常"), "2024-04-08 09:30", "reopen", "in_progress", None),
        (("close", "--resolution", "根因已修复"), "2024-04-09 17:00", "close", "resolved", None),
    ],
    "notice": [
        (("publish",), "2024-04-02 12:00", "publish", "published", None),
        (("ack", "--by", "技术部"), "2024-04-02 12:30", "ack", "published", "技术部"),
        (("ack", "--by", "客户成功部"), "2024-04-02 13:00", "ack", "published", "客户成功部"),
        (("close", "--resolution", "假期结束"), "2024-05-06 09:00", "close", "withdrawn", None),
        (("reopen", "--reason", "延长值班一天"), "2024-05-06 10:00", "reopen", "published", None),
    ],
    "urgent": [
        (("ack", "--by", "*架构师"), "2024-04-02 11:05", "ack", "handling", "*架构师"),
        (("ack", "--by", "*运维"), "2024-04-02 11:08", "ack", "handling", "*运维"),
        (("update", "--status", "resolved", "--note", "回滚完成"), "2024-04-02 11:30", "update", "resolved", None),
        (("close", "--resolution", "复盘完成"), "2024-04-03 15:00", "close", "reviewed", None),
        (("reopen", "--reason", "问题复现"), "2024-04-04 09:00", "reopen", "handling", None),
        (("update", "--status", "已解决"), "2024-04-04 10:00", "update", "resolved", None),
    ],
}


def _iso(at: str) -> str:
    return at.replace(" ", "T") + ":00+08:00"


def _run(cli, record_id: str, steps) -> None:
    """Run walk steps on a record, each of which must succeed."""
    for args, at, *_ in steps:
        result = cli(args[0], record_id, *args[1:], "--at", at)
        assert result.exit_code == 0, result.output


@pytest.mark.parametrize("type_name", sorted(WALKS))
def test_walk_one_commit_per_step(cli, repo, type_name):
    extra = ("--draft",) if type_name == "notice" else ()
    record_id, path = create(cli, type_name, "2024-04-02 11:00", *extra)

    for step, (args, at, action, status, by) in enumerate(WALKS[type_name], start=2):
        before = commit_count(repo)
        command, *rest = args
        result = cli(command, record_id, *rest, "--at", at)
        assert result.exit_code == 0, result.output
        assert commit_count(repo) == before + 1
        assert subject(repo).startswith(f"{action} {record_id}: ")
        assert trailer(repo, "Commlog-Record") == record_id
        assert trailer(repo, "Commlog-Action") == action
        assert trailer(repo, "Commlog-By") == (by or "")
        meta = front_matter(repo, path)
        assert meta["status"] == status
        assert len(meta["history"]) == step
        assert meta["history"][-1]["action"] == action
        assert meta["history"][-1]["at"] == _iso(at)
        assert meta["history"][-1]["by"] == (by or AUTHOR_NAME)
        assert len(log_lines(repo, path)) == step
        assert log_lines(repo, path)[-1].startswith(f"- {at} {by or AUTHOR_NAME}: ")


def test_walk_collab_dates(cli, repo):
    record_id, path = create(cli, "collab")
    _run(cli, record_id, WALKS["collab"][:6])
    closed = front_matter(repo, path)
    assert closed["completed_at"] == "2024-05-25T18:00:00+08:00"
    assert closed["closed_at"] == "2024-05-25T18:00:00+08:00"

    _run(cli, record_id, WALKS["collab"][6:7])
    reopened = front_matter(repo, path)
    assert "completed_at" not in reopened
    assert "closed_at" not in reopened

    _run(cli, record_id, WALKS["collab"][7:8])
    cancelled = front_matter(repo, path)
    assert cancelled["closed_at"] == "2024-05-28T10:00:00+08:00"
    assert "completed_at" not in cancelled


def test_walk_collab_front_matter(cli, repo):
    record_id, path = create(cli, "collab")
    _run(cli, record_id, WALKS["collab"][:5])
    meta = front_matter(repo, path)
    assert [ack["by"] for ack in meta["acks"]] == ["设计部总监", "产品部主管"]
    assert meta["feedback"][0]["text"] == "建议5月22日增加一次内部评审"
    assert meta["feedback"][0]["by"] == "产品部主管"
    assert meta["risks"] == "设计部人力紧张"
    assert meta["history"][3]["from"] == "pending"
    assert meta["history"][3]["to"] == "in_progress"
    assert meta["history"][5]["fields"] == ["risks"]


def test_walk_collab_log_text(cli, repo):
    record_id, path = create(cli, "collab")
    _run(cli, record_id, WALKS["collab"][:6])
    lines = [line.split(" (补录于 ")[0] for line in log_lines(repo, path)]
    assert lines[1:] == [
        "- 2024-04-02 11:20 设计部总监: 确认接收",
        "- 2024-04-02 11:30 产品部主管: 确认接收",
        "- 2024-04-03 09:00 Test Author: 状态：待启动 → 进行中。说明：设计部已开工",
        "- 2024-04-03 10:00 产品部主管: 反馈：建议5月22日增加一次内部评审",
        "- 2024-04-10 09:00 Test Author: 修改：风险与问题",
        "- 2024-05-25 18:00 Test Author: 关闭（已完成）：物料已交付",
    ]


def test_walk_client_dates(cli, repo):
    record_id, path = create(cli, "client")
    _run(cli, record_id, WALKS["client"][:5])
    meta = front_matter(repo, path)
    assert meta["follow_up"] == "每周回访一次"
    assert meta["completed_at"] == "2024-04-05T10:00:00+08:00"
    assert meta["closed_at"] == "2024-04-05T10:00:00+08:00"


def test_walk_notice_publish_sets_sent_at(cli, repo):
    record_id, path = create(cli, "notice", "2024-04-02 11:00", "--draft")
    assert "sent_at" not in front_matter(repo, path)
    _run(cli, record_id, WALKS["notice"][:1])
    assert front_matter(repo, path)["sent_at"] == "2024-04-02T12:00:00+08:00"


def test_walk_notice_closed_is_withdrawn(cli, repo):
    record_id, path = create(cli, "notice", "2024-04-02 11:00", "--draft")
    _run(cli, record_id, WALKS["notice"][:4])
    meta = front_matter(repo, path)
    assert meta["closed_at"] == "2024-05-06T09:00:00+08:00"
    assert "completed_at" not in meta


def test_walk_urgent_dates(cli, repo):
    record_id, path = create(cli, "urgent")
    _run(cli, record_id, WALKS["urgent"][:4])
    reviewed = front_matter(repo, path)
    assert reviewed["completed_at"] == "2024-04-02T11:30:00+08:00"
    assert reviewed["closed_at"] == "2024-04-03T15:00:00+08:00"

    _run(cli, record_id, WALKS["urgent"][4:5])
    reopened = front_matter(repo, path)
    assert "completed_at" not in reopened
    assert "closed_at" not in reopened


def test_walk_custom_type_brings_its_lifecycle(cli, repo):
    (repo / "templates" / "memo.yaml").write_text(
        "type: memo\nprefix: MEM\nlabel: {zh-CN: 备忘, en: Memo}\nlead_required: false\n"
        "fields:\n"
        "  - {key: title, label: {zh-CN: 标题, en: Title}, kind: text, required: true}\n"
        "  - key: status\n    label: {zh-CN: 状态, en: Status}\n    kind: enum\n    choices:\n"
        "      - {key: open, label: {zh-CN: 未读, en: Unread}}\n"
        "      - {key: seen, label: {zh-CN: 已读, en: Seen}}\n"
        "      - {key: filed, label: {zh-CN: 已归档, en: Filed}}\n"
        "lifecycle:\n  initial: open\n  transitions: {open: [seen], seen: [filed]}\n"
        "  completed: [seen]\n  final: [filed]\n  reopen_to: seen\n",
        encoding="utf-8",
    )
    (repo / "templates" / "memo.md.j2").write_text("# {{ record.title }}\n\n{{ progress_log }}\n", encoding="utf-8")
    created = cli("new", "memo", "--no-input", "--at", "2024-04-02 11:00", "--set", "title=周会纪要")
    assert created.exit_code == 0, created.output
    rejected = cli("close", "MEM", "--resolution", "归档", "--at", "2024-04-02 12:00")
    assert rejected.exit_code == 2
    assert "Allowed next statuses: Seen." in rejected.stderr
    assert cli("update", "MEM", "--status", "seen", "--at", "2024-04-02 12:00").exit_code == 0
    assert cli("close", "MEM", "--resolution", "归档", "--at", "2024-04-02 13:00").exit_code == 0
    assert cli("reopen", "MEM", "--reason", "再看一遍", "--at", "2024-04-02 14:00").exit_code == 0
    shown = json.loads(cli("show", "MEM", "--format", "json").stdout)
    assert shown["fields"]["status"] == "seen"
