"""``commlog audit``: findings on real histories, their severities and the exit status."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta

from tests.conftest import git, run_cli
from tests.lifecycle_helpers import create


def _now(offset_minutes: int = 0) -> str:
    return (datetime.now().astimezone() + timedelta(minutes=offset_minutes)).strftime("%Y-%m-%d %H:%M%z")


def _audit(cli, *args):
    result = cli("audit", "--format", "json", *args)
    return result.exit_code, json.loads(result.stdout)


def _codes(report) -> list[tuple[str, str]]:
    return [(finding["severity"], finding["code"]) for finding in report["findings"]]


def _hand_commit(repo, path, old, new, message="Edit by hand"):
    file = repo / path
    file.write_text(file.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    git(repo, "commit", "-qam", message)


def test_audit_clean_history(cli, repo):
    record_id, _ = create(cli, "client", _now(-5))
    assert cli("ack", record_id, "--by", "*经理").exit_code == 0
    assert cli("update", record_id, "--status", "in_progress", "--note", "排查中").exit_code == 0
    result = cli("audit")
    assert result.exit_code == 0
    assert result.stdout.strip() == "No findings: 1 record(s) and 4 commit(s) checked."


def test_audit_backdated_at_is_a_note(cli, repo):
    record_id, _ = create(cli, "client", _now(-3 * 60))
    assert cli("feedback", record_id, "客户已确认", "--at", _now(-4)).exit_code == 0
    assert cli("ack", record_id, "--by", "*经理", "--at", _now(-3)).exit_code == 0
    assert cli("ack", record_id, "--by", "*专员", "--at", _now(-2 * 60)).exit_code == 0
    status, report = _audit(cli)
    assert status == 0
    assert _codes(report) == [("info", "late_entry"), ("info", "late_entry")]
    assert [finding["params"]["action"] for finding in report["findings"]] == ["new", "ack"]


def test_audit_backfilled_records_pass(cli, repo):
    record_id, _ = create(cli, "collab", "2024-04-02 11:00")
    cli("ack", record_id, "--by", "设计部总监", "--at", "2024-04-02 11:20")
    cli("close", record_id, "--status", "cancelled", "--resolution", "取消", "--at", "2024-04-03 09:00")
    status, report = _audit(cli)
    assert status == 0
    assert {code for _, code in _codes(report)} == {"late_entry"}


def test_audit_hand_edit_is_warning(cli, repo):
    record_id, path = create(cli, "client", _now(-5))
    _hand_commit(repo, path, "brief: ", "brief: 补充:")
    status, report = _audit(cli)
    assert status == 1
    assert _codes(report) == [("warning", "hand_edit")]
    assert report["findings"][0]["commit"] == git(repo, "rev-parse", "HEAD").strip()
    assert cli("audit", "--fail-on", "error").exit_code == 0


def test_audit_hand_status_change_is_error(cli, repo):
    record_id, path = create(cli, "client", _now(-5))
    _hand_commit(repo, path, "status: open", "status: resolved")
    status, report = _audit(cli)
    assert status == 1
    assert _codes(report) == [("error", "lifecycle"), ("error", "lifecycle"), ("warning", "hand_edit")]
    assert [finding["params"].get("last") for finding in report["findings"][:2]] == ["Open", None]


def test_audit_invalid_step_is_error(cli, repo):
    record_id, path = create(cli, "collab", _now(-5))
    from commlog.storage.records import parse_record_text, record_text

    record = parse_record_text((repo / path).read_text(encoding="utf-8"))
    now = datetime.now().astimezone().replace(microsecond=0).isoformat()
    record.meta["history"].append({"action": "update", "at": now, "by": "x", "from": "pending", "to": "done", "text": "done"})
    record.meta["status"] = "done"
    record.meta["closed_at"] = "2024-04-02T11:00:00+08:00"
    (repo / path).write_text(record_text(record), encoding="utf-8")
    git(repo, "commit", "-qam", "Finish by hand")
    status, report = _audit(cli)
    messages = [finding["message"] for finding in report["findings"]]
    assert status == 1
    assert "event 2 (update): the life cycle does not allow Pending → Done." in messages
    assert ("warning", "event_without_commit") in _codes(report)


def test_audit_uncommitted_edit_is_error(cli, repo):
    record_id, path = create(cli, "client", _now(-5))
    file = repo / path
    file.write_text(file.read_text(encoding="utf-8") + "\n手写补充\n", encoding="utf-8")
    status, report = _audit(cli)
    assert status == 1
    assert _codes(report) == [("error", "uncommitted")]
    assert report["findings"][0]["path"] == path


def test_audit_uncommitted_new_record(cli, repo):
    result = cli("new", "notice", "--no-input", "--no-commit", "--at", _now(), "--set", "title=t", "--set", "issuing_department=行政部",
                 "--set", "issuer=*主管", "--set", "audience=技术部", "--set", "brief=b")
    assert result.exit_code == 0, result.output
    status, report = _audit(cli)
    assert status == 1
    assert _codes(report) == [("error", "uncommitted")]
    assert report["findings"][0]["params"]["state"] == "??"


def test_audit_commit_made_hours_later(cli, repo):
    result = cli("new", "notice", "--no-input", "--no-commit", "--at", _now(), "--set", "title=t", "--set", "issuing_department=行政部",
                 "--set", "issuer=*主管", "--set", "audience=技术部", "--set", "brief=b")
    assert result.exit_code == 0, result.output
    later = (datetime.now().astimezone() + timedelta(hours=3)).isoformat()
    git(repo, "add", "records")
    subprocess.run(["git", "commit", "-qm", "Add notice"], cwd=repo, check=True, env=_env(GIT_COMMITTER_DATE=later))
    status, report = _audit(cli)
    assert status == 1
    assert ("warning", "hand_edit") in _codes(report)
    assert ("warning", "event_without_commit") in _codes(report)


def _env(**values):
    import os

    return {**os.environ, **values}


def test_audit_backdated_commit_date_is_error(cli, repo):
    record_id, _ = create(cli, "client", "2024-04-02 11:00")
    result = cli("ack", record_id, "--by", "*经理", "--at", "2024-04-02 11:10", env={"GIT_COMMITTER_DATE": "2024-04-02T11:10:00+08:00"})
    assert result.exit_code == 0, result.output
    status, report = _audit(cli)
    assert status == 1
    assert ("error", "backdated_commit") in _codes(report)
    finding = next(finding for finding in report["findings"] if finding["code"] == "backdated_commit")
    assert finding["commit"] == git(repo, "rev-parse", "HEAD").strip()
    assert "the commit date was set back or the clock was wrong" in finding["message"]


def test_audit_backdated_event_is_error(cli, repo):
    record_id, path = create(cli, "client", _now(-5))
    assert cli("ack", record_id, "--by", "*经理").exit_code == 0
    at = front_matter_ack_at(repo, path)
    earlier = (datetime.fromisoformat(at) - timedelta(hours=5)).isoformat()
    file = repo / path
    file.write_text(file.read_text(encoding="utf-8").replace(f"at: '{at}'", f"at: '{earlier}'"), encoding="utf-8")
    git(repo, "commit", "-qam", "Fix the time")
    status, report = _audit(cli)
    assert status == 1
    assert _codes(report) == [("error", "backdated_event"), ("warning", "hand_edit")]


def test_audit_ack_changed_without_event(cli, repo):
    record_id, path = create(cli, "client", _now(-5))
    assert cli("ack", record_id, "--by", "*经理").exit_code == 0
    at = front_matter_ack_at(repo, path)
    _hand_commit(repo, path, f"at: '{at}'", "at: '2024-01-01T09:00:00+08:00'", "Fix the time")
    status, report = _audit(cli)
    assert status == 1
    assert _codes(report) == [("error", "lifecycle"), ("warning", "hand_edit")]
    assert report["findings"][0]["message"] == "ack 1 (*经理 at 2024-01-01 09:00) has no matching ack event in the history, so the entry was changed by hand."


def front_matter_ack_at(repo, path) -> str:
    from tests.lifecycle_helpers import front_matter

    return front_matter(repo, path)["acks"][0]["at"]


def test_audit_moved_record_keeps_trail(cli, repo):
    record_id, path = create(cli, "client", _now(-5))
    (repo / "records" / "2024-Q1-client").mkdir()
    git(repo, "mv", path, f"records/2024-Q1-client/{record_id}.md")
    git(repo, "commit", "-qm", "Refile the record")
    assert cli("ack", record_id, "--by", "*经理").exit_code == 0
    status, report = _audit(cli)
    assert _codes(report) == [("warning", "hand_edit")]
    assert report["findings"][0]["params"]["change"] == "R"


def test_audit_unparsable_record(cli, repo):
    record_id, path = create(cli, "client", _now(-5))
    _hand_commit(repo, path, "status: open", "status: [open")
    status, report = _audit(cli)
    assert status == 1
    assert ("error", "unparsable") in _codes(report)


def test_audit_selected_records_only(cli, repo):
    first, first_path = create(cli, "client", _now(-5))
    second, _ = create(cli, "urgent", _now(-5))
    _hand_commit(repo, first_path, "brief: ", "brief: 补充:")
    assert cli("audit", second).exit_code == 0
    status, report = _audit(cli, first[:8])
    assert status == 1
    assert report["records"] == 1
    assert {finding["record"] for finding in report["findings"]} == {first}


def test_audit_shallow_clone_is_warning(cli, repo, tmp_path):
    record_id, _ = create(cli, "client", _now(-5))
    cli("ack", record_id, "--by", "*经理")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(clone)], check=True)
    result = run_cli(["--repo", str(clone), "audit", "--format", "json"])
    report = json.loads(result.stdout)
    assert result.exit_code == 1
    assert report["shallow"] is True
    assert _codes(report) == [("warning", "shallow_clone")]


def test_audit_text_in_chinese(cli, repo):
    record_id, path = create(cli, "client", _now(-5))
    _hand_commit(repo, path, "brief: ", "brief: 补充：", "手工补充")
    result = cli("--lang", "zh-CN", "audit")
    lines = result.stdout.splitlines()
    assert result.exit_code == 1
    assert lines[0].startswith(f"警告  hand_edit  {record_id}: 提交 ")
    assert "（“手工补充”，" in lines[0]
    assert lines[-1] == "0 个错误、1 个警告、0 条提示；检查了 1 条记录、3 次提交。"


def test_audit_bad_fail_on(cli, repo):
    result = cli("audit", "--fail-on", "info")
    assert result.exit_code == 2
    assert "invalid --fail-on value 'info'" in result.stderr


def _git_processes(cli, tmp_path, name: str) -> int:
    trace = tmp_path / name
    assert cli("audit", env={"GIT_TRACE": str(trace)}).exit_code in (0, 1)
    return sum(1 for line in trace.read_text(encoding="utf-8").splitlines() if "trace: built-in: git " in line)


def test_audit_git_processes_independent_of_records(cli, repo, tmp_path):
    create(cli, "client", _now(-5))
    one = _git_processes(cli, tmp_path, "one.txt")
    for type_name in ("collab", "notice", "urgent", "client"):
        create(cli, type_name, _now(-5))
    assert _git_processes(cli, tmp_path, "five.txt") == one
