"""The rules of ack, feedback, update, publish, close and reopen, as a user meets them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from tests.conftest import AUTHOR_EMAIL, git
from tests.lifecycle_helpers import body, commit_count, create, front_matter, log_lines, repository_state, subject, trailer


def _add_directory(repo, people: str) -> None:
    config = repo / "commlog.yaml"
    text = config.read_text(encoding="utf-8").replace("  people: []\n", f"  people:\n{people}")
    config.write_text(text, encoding="utf-8")
    git(repo, "commit", "-qam", "Add people to the directory")


# --- ack -----------------------------------------------------------------------------------------


def test_ack_rejects_non_recipient(cli, repo):
    record_id, path = create(cli, "client")
    before = repository_state(repo)
    result = cli("ack", record_id, "--by", "*路人", "--at", "2024-04-02 11:10")
    assert result.exit_code == 2
    assert "*路人 is not a recipient of this record (recipients: *经理, *专员)" in result.stderr
    assert "--force" in result.stderr
    assert repository_state(repo) == before


def test_ack_force_records_non_recipient(cli, repo):
    record_id, path = create(cli, "client")
    result = cli("ack", record_id, "--by", "*路人", "--force", "--at", "2024-04-02 11:10")
    assert result.exit_code == 0, result.output
    assert front_matter(repo, path)["acks"][0]["by"] == "*路人"
    assert "Acknowledged: 0 of 2" in cli("show", record_id).stdout


def test_ack_twice_is_noop(cli, repo):
    record_id, path = create(cli, "client")
    assert cli("ack", record_id, "--by", "*经理", "--at", "2024-04-02 11:10").exit_code == 0
    count = commit_count(repo)
    result = cli("ack", record_id, "--by", "*经理", "--at", "2024-04-02 11:20")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"*经理 already acknowledged {record_id} at 2024-04-02 11:10; nothing was changed."
    assert commit_count(repo) == count
    assert len(front_matter(repo, path)["acks"]) == 1


def test_ack_twice_json(cli, repo):
    record_id, _ = create(cli, "client")
    cli("ack", record_id, "--by", "*经理", "--at", "2024-04-02 11:10")
    result = json.loads(cli("ack", record_id, "--by", "*经理", "--format", "json").stdout)
    assert result["changed"] is False
    assert result["commit"] is None
    assert result["previous_at"] == "2024-04-02T11:10:00+08:00"


def test_ack_notice_each_member_separately(cli, repo):
    record_id, _ = create(cli, "notice")
    assert cli("ack", record_id, "--by", "技术部", "--at", "2024-04-02 11:30").exit_code == 0
    shown = cli("show", record_id).stdout
    assert "Acknowledged: 1 of 2" in shown
    assert "Waiting for: 客户成功部" in shown
    assert cli("ack", record_id, "--by", "客户成功部", "--at", "2024-04-02 11:40").exit_code == 0
    shown = cli("show", record_id).stdout
    assert "Acknowledged: 2 of 2" in shown
    assert "Waiting for" not in shown


def test_ack_for_department_from_directory(cli, repo):
    _add_directory(repo, '  - {name: "*工程师", department: 技术部}\n')
    record_id, path = create(cli, "notice")
    result = cli("ack", record_id, "--by", "*工程师", "--at", "2024-04-02 11:30")
    assert result.exit_code == 0, result.output
    assert front_matter(repo, path)["acks"][0] == {"by": "*工程师", "for": "技术部", "at": "2024-04-02T11:30:00+08:00"} | _recorded(path, repo)
    assert log_lines(repo, path)[-1].startswith("- 2024-04-02 11:30 *工程师: 代表技术部确认接收")
    assert "Waiting for: 客户成功部" in cli("show", record_id).stdout


def _recorded(path, repo):
    recorded = front_matter(repo, path)["acks"][0].get("recorded_at")
    return {"recorded_at": recorded} if recorded else {}


def test_ack_for_option(cli, repo):
    record_id, path = create(cli, "notice")
    result = cli("ack", record_id, "--by", "*值班员", "--for", "客户成功部", "--at", "2024-04-02 11:30")
    assert result.exit_code == 0, result.output
    assert front_matter(repo, path)["acks"][0]["for"] == "客户成功部"


def test_ack_for_rejects_non_recipient(cli, repo):
    record_id, _ = create(cli, "notice")
    result = cli("ack", record_id, "--for", "销售部", "--at", "2024-04-02 11:30")
    assert result.exit_code == 2
    assert "销售部 is not a recipient" in result.stderr


def test_ack_draft_rejected(cli, repo):
    record_id, _ = create(cli, "notice", "2024-04-02 11:00", "--draft")
    result = cli("ack", record_id, "--by", "技术部")
    assert result.exit_code == 2
    assert f"Publish it first with 'commlog publish {record_id}'" in result.stderr


def test_ack_commit_by_trailer_only_for_others(cli, repo):
    _add_directory(repo, f'  - {{name: "*经理", email: {AUTHOR_EMAIL}}}\n')
    record_id, path = create(cli, "client")
    assert cli("ack", record_id, "--at", "2024-04-02 11:10").exit_code == 0
    assert front_matter(repo, path)["acks"][0]["by"] == "*经理"
    assert trailer(repo, "Commlog-By") == ""


# --- feedback ------------------------------------------------------------------------------------


def test_feedback_keeps_whole_text(cli, repo):
    record_id, path = create(cli, "collab")
    text = "第一行\n第二行: 包含 # 与 ---"
    assert cli("feedback", record_id, text, "--by", "产品部主管", "--at", "2024-04-02 12:00").exit_code == 0
    meta = front_matter(repo, path)
    assert meta["feedback"][0]["text"] == text
    assert log_lines(repo, path)[-1].startswith("- 2024-04-02 12:00 产品部主管: 反馈：第一行 第二行: 包含 # 与 ---")


def test_feedback_empty_rejected(cli, repo):
    record_id, _ = create(cli, "collab")
    before = repository_state(repo)
    result = cli("feedback", record_id, "   ")
    assert result.exit_code == 2
    assert "TEXT is empty" in result.stderr
    assert repository_state(repo) == before


# --- update --------------------------------------------------------------------------------------


def test_update_invalid_transition_names_allowed(cli, repo):
    record_id, _ = create(cli, "collab")
    before = repository_state(repo)
    result = cli("update", record_id, "--status", "done")
    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: the status cannot change from Pending to Done. Allowed next statuses: In progress, Cancelled."
    assert repository_state(repo) == before


def test_update_invalid_transition_in_chinese(cli, repo):
    record_id, _ = create(cli, "urgent")
    result = cli("--lang", "zh-CN", "update", record_id, "--status", "已复盘")
    assert result.exit_code == 2
    assert result.stderr.strip() == "错误：状态不能从“处理中”改为“已复盘”。允许的下一状态：已解决。"


def test_update_set_status_label(cli, repo):
    record_id, path = create(cli, "client")
    result = cli("update", record_id, "--set", "status=已解决", "--at", "2024-04-03 10:00")
    assert result.exit_code == 0, result.output
    assert front_matter(repo, path)["status"] == "resolved"


def test_update_two_statuses_rejected(cli, repo):
    record_id, _ = create(cli, "client")
    result = cli("update", record_id, "--status", "in_progress", "--set", "status=resolved")
    assert result.exit_code == 2
    assert "two different statuses" in result.stderr


def test_update_nothing_rejected(cli, repo):
    record_id, _ = create(cli, "client")
    result = cli("update", record_id)
    assert result.exit_code == 2
    assert f"nothing to change in {record_id}" in result.stderr


def test_update_same_value_is_nothing(cli, repo):
    record_id, _ = create(cli, "client")
    result = cli("update", record_id, "--set", "client=某科技有限公司")
    assert result.exit_code == 2
    assert "nothing to change" in result.stderr


def test_update_note_only(cli, repo):
    record_id, path = create(cli, "client")
    assert cli("update", record_id, "--note", "已电话联系客户", "--at", "2024-04-02 15:00").exit_code == 0
    event = front_matter(repo, path)["history"][-1]
    assert event["text"] == "已电话联系客户"
    assert "to" not in event


def test_update_unknown_field_lists_problem(cli, repo):
    record_id, _ = create(cli, "client")
    before = repository_state(repo)
    result = cli("update", record_id, "--set", "colour=red")
    assert result.exit_code == 2
    assert "the record was not changed: 1 field problem(s)" in result.stderr
    assert "colour (colour): not a field of type 'client'" in result.stderr
    assert repository_state(repo) == before


def test_update_created_at_not_settable(cli, repo):
    record_id, _ = create(cli, "client")
    result = cli("update", record_id, "--set", "created_at=2024-01-01 10:00")
    assert result.exit_code == 2
    assert "Created at (created_at): is set by commlog" in result.stderr


def test_update_lead_required(cli, repo):
    record_id, _ = create(cli, "client")
    result = cli("update", record_id, "--set", "lead=")
    assert result.exit_code == 2
    assert "required because there are 2 recipients" in result.stderr


def test_update_lead_must_be_recipient(cli, repo):
    record_id, _ = create(cli, "collab")
    before = repository_state(repo)
    result = cli("update", record_id, "--set", "leads=产品部主管", "--set", "leads=销售部经理")
    assert result.exit_code == 2
    assert "'设计部总监' is not one of the recipients (产品部主管、销售部经理)" in result.stderr
    assert repository_state(repo) == before


def test_update_leads_follow_recipients(cli, repo):
    record_id, path = create(cli, "collab")
    result = cli("update", record_id, "--set", "leads=设计部总监", "--set", "leads=销售部经理", "--at", "2024-04-02 12:00", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["fields_changed"] == ["leads", "recipients"]
    assert front_matter(repo, path)["recipients"] == ["设计部总监", "销售部经理"]


def test_update_clears_optional_field(cli, repo):
    record_id, path = create(cli, "collab")
    assert cli("update", record_id, "--set", "resources=", "--at", "2024-04-02 12:00").exit_code == 0
    assert "resources" not in front_matter(repo, path)


def test_update_required_field_cannot_be_cleared(cli, repo):
    record_id, _ = create(cli, "collab")
    result = cli("update", record_id, "--set", "brief=")
    assert result.exit_code == 2
    assert "Background and goal (brief): required" in result.stderr


def test_update_title_in_subject(cli, repo):
    record_id, _ = create(cli, "client")
    assert cli("update", record_id, "--set", "title=导出功能修复跟进", "--at", "2024-04-02 12:00").exit_code == 0
    assert subject(repo) == f"update {record_id}: 导出功能修复跟进"


def test_update_status_publishes_draft(cli, repo):
    record_id, path = create(cli, "notice", "2024-04-02 11:00", "--draft")
    result = cli("update", record_id, "--status", "published", "--at", "2024-04-02 12:00", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["action"] == "publish"
    assert trailer(repo, "Commlog-Action") == "publish"
    assert front_matter(repo, path)["sent_at"] == "2024-04-02T12:00:00+08:00"


def test_update_json_output(cli, repo):
    record_id, path = create(cli, "collab")
    result = cli("update", record_id, "--status", "进行中", "--set", "risks=人力紧张", "--at", "2024-04-03 09:00", "--format", "json")
    assert json.loads(result.stdout) == {
        "id": record_id,
        "type": "collab",
        "path": path,
        "action": "update",
        "by": "Test Author",
        "commit": git(repo, "rev-parse", "HEAD").strip(),
        "status_from": "pending",
        "status_to": "in_progress",
        "fields_changed": ["risks"],
        "changed": True,
        "recipient": None,
        "previous_at": None,
        "included_edits": False,
        "branch": None,
    }


def test_update_text_output(cli, repo):
    record_id, _ = create(cli, "collab")
    result = cli("--lang", "zh-CN", "update", record_id, "--status", "进行中", "--set", "risks=人力紧张", "--at", "2024-04-03 09:00")
    commit = git(repo, "rev-parse", "HEAD").strip()[:12]
    assert result.stdout == f"已更新 {record_id}。\n状态：待启动 → 进行中\n修改的字段：风险与问题\n已提交：{commit}。\n"


def test_update_accepts_id_prefix(cli, repo):
    record_id, path = create(cli, "client")
    assert cli("update", record_id[:6], "--status", "in_progress", "--at", "2024-04-02 12:00").exit_code == 0
    assert front_matter(repo, path)["status"] == "in_progress"


def test_update_commit_message_body(cli, repo):
    record_id, _ = create(cli, "collab")
    cli("update", record_id, "--status", "in_progress", "--set", "risks=人力紧张", "--note", "设计部已开工", "--at", "2024-04-03 09:00")
    message = git(repo, "log", "-1", "--format=%B")
    assert message == (
        f"update {record_id}: Q2新品上市营销物料制作协作\n\n"
        "status: pending -> in_progress; fields: risks\n设计部已开工\n\n"
        f"Commlog-Record: {record_id}\nCommlog-Action: update\n\n"
    )


# --- publish, close, reopen ----------------------------------------------------------------------


def test_publish_rejects_published_notice(cli, repo):
    record_id, _ = create(cli, "notice")
    result = cli("publish", record_id)
    assert result.exit_code == 2
    assert "is not a draft (status Published)" in result.stderr


def test_close_requires_resolution(cli, repo):
    record_id, _ = create(cli, "client")
    result = cli("close", record_id)
    assert result.exit_code == 2
    assert "--resolution" in result.stderr


def test_close_twice_rejected(cli, repo):
    record_id, _ = create(cli, "client")
    assert cli("close", record_id, "--resolution", "已解决", "--at", "2024-04-03 10:00").exit_code == 0
    result = cli("close", record_id, "--resolution", "再次关闭")
    assert result.exit_code == 2
    assert "already closed (Resolved)" in result.stderr


def test_close_non_final_status_rejected(cli, repo):
    record_id, _ = create(cli, "collab")
    result = cli("close", record_id, "--status", "in_progress", "--resolution", "x")
    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: In progress is not a final status. Close with one of: Done, Cancelled."


def test_reopen_open_record_rejected(cli, repo):
    record_id, _ = create(cli, "client")
    result = cli("reopen", record_id, "--reason", "x")
    assert result.exit_code == 2
    assert "not closed (status Open)" in result.stderr


# --- times ---------------------------------------------------------------------------------------


def test_event_late_stores_recorded_at(cli, repo):
    record_id, path = create(cli, "client")
    started = datetime.now().astimezone()
    assert cli("ack", record_id, "--by", "*经理", "--at", "2024-04-02 11:10").exit_code == 0
    ack = front_matter(repo, path)["acks"][0]
    recorded = datetime.fromisoformat(ack["recorded_at"])
    assert ack["at"] == "2024-04-02T11:10:00+08:00"
    assert abs(recorded - started) < timedelta(minutes=5)
    assert "(补录于 " in log_lines(repo, path)[-1]


def test_event_now_has_no_recorded_at(cli, repo):
    now = datetime.now().astimezone()
    record_id, path = create(cli, "client", now.strftime("%Y-%m-%d %H:%M%z"))
    assert cli("ack", record_id, "--by", "*经理").exit_code == 0
    meta = front_matter(repo, path)
    assert "recorded_at" not in meta["acks"][0]
    assert "recorded_at" not in meta["history"][-1]


def test_event_within_tolerance_has_no_recorded_at(cli, repo):
    now = datetime.now().astimezone()
    record_id, path = create(cli, "client", (now - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M%z"))
    at = (now - timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M%z")
    assert cli("feedback", record_id, "已收到", "--at", at).exit_code == 0
    assert "recorded_at" not in front_matter(repo, path)["feedback"][0]


def test_event_before_creation_rejected(cli, repo):
    record_id, _ = create(cli, "client")
    result = cli("ack", record_id, "--by", "*经理", "--at", "2024-04-01 09:00")
    assert result.exit_code == 2
    assert f"the time 2024-04-01 09:00 is before {record_id} was created" in result.stderr


def test_log_ordered_by_event_time(cli, repo):
    record_id, path = create(cli, "client")
    cli("ack", record_id, "--by", "*经理", "--at", "2024-04-02 14:00")
    cli("ack", record_id, "--by", "*专员", "--at", "2024-04-02 12:00")
    lines = log_lines(repo, path)
    assert lines[1].startswith("- 2024-04-02 12:00 *专员")
    assert lines[2].startswith("- 2024-04-02 14:00 *经理")


# --- the body ------------------------------------------------------------------------------------


def test_hand_edits_around_log_kept(cli, repo):
    record_id, path = create(cli, "collab")
    file = repo / path
    text = file.read_text(encoding="utf-8")
    above = "\n手写说明：请在周五前反馈。  \n\n| 表格 | 保留 |\n|---|---|\n"
    below = "\n## 会议纪要\n\n- 第一次评审：通过\t（手写）\n"
    start = text.index("<!-- commlog:progress-log -->")
    text = text[:start] + above.lstrip("\n") + "\n" + text[start:] + below
    file.write_text(text, encoding="utf-8")
    git(repo, "commit", "-qam", "Add meeting notes by hand")
    before = body(repo, path)

    assert cli("update", record_id, "--status", "in_progress", "--at", "2024-04-03 09:00").exit_code == 0
    after = body(repo, path)
    head, _, rest = before.partition("<!-- commlog:progress-log -->")
    _, _, tail = rest.partition("<!-- /commlog:progress-log -->")
    assert after.startswith(head)
    assert after.endswith(tail)
    assert after.count("- 2024-04-03 09:00 Test Author: 状态：待启动 → 进行中") == 1


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_help_lists_lifecycle_commands(cli, language):
    result = cli("--lang", language, "--help")
    for command in ("ack", "feedback", "update", "publish", "close", "reopen", "log", "audit"):
        assert f"  {command} " in result.stdout


def test_deadlines_hook_on_publish_and_completion(cli, repo, monkeypatch):
    calls = []

    def record_call(workspace, schema, meta, at):
        calls.append((meta["status"], at.isoformat()))
        meta["deadlines"] = {"hook": meta["status"]}

    monkeypatch.setattr("commlog.services.transition.refresh_deadlines", record_call)
    record_id, path = create(cli, "notice", "2024-04-02 11:00", "--draft")
    cli("publish", record_id, "--at", "2024-04-02 12:00")
    cli("ack", record_id, "--by", "技术部", "--at", "2024-04-02 12:30")
    assert calls == [("published", "2024-04-02T12:00:00+08:00")]
    assert front_matter(repo, path)["deadlines"] == {"hook": "published"}

    urgent_id, _ = create(cli, "urgent")
    cli("update", urgent_id, "--status", "resolved", "--at", "2024-04-02 12:00")
    cli("close", urgent_id, "--resolution", "复盘完成", "--at", "2024-04-03 12:00")
    assert calls[1:] == [("resolved", "2024-04-02T12:00:00+08:00")]
