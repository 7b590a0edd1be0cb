"""``commlog log``: a record's history read from git, after hand edits, moves and in shallow clones."""

from __future__ import annotations

import json
import subprocess

from tests.conftest import git, run_cli
from tests.lifecycle_helpers import create


def _walk(cli, record_id):
    assert cli("ack", record_id, "--by", "*经理", "--at", "2024-04-02 11:10").exit_code == 0
    assert cli("update", record_id, "--status", "in_progress", "--set", "follow_up=每周回访", "--at", "2024-04-02 13:00").exit_code == 0
    assert cli("close", record_id, "--resolution", "已修复", "--at", "2024-04-03 10:00").exit_code == 0


def _trail(cli, record_id, *args):
    result = cli("log", record_id, "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _git_trace_commands(trace_file) -> list[str]:
    lines = trace_file.read_text(encoding="utf-8").splitlines()
    return [line.split("trace: built-in: ", 1)[1] for line in lines if "trace: built-in: " in line]


def test_log_one_entry_per_commit(cli, repo):
    record_id, path = create(cli, "client")
    _walk(cli, record_id)
    trail = _trail(cli, record_id)
    assert [entry["action"] for entry in trail["entries"]] == ["new", "ack", "update", "close"]
    assert [entry["commit"] for entry in trail["entries"]] == git(repo, "log", "--reverse", "--format=%H", "--", path).split()


def test_log_reads_changes_from_front_matter(cli, repo):
    record_id, _ = create(cli, "client")
    _walk(cli, record_id)
    new, ack, update, close = _trail(cli, record_id)["entries"]
    assert (new["status_from"], new["status_to"]) == (None, "open")
    assert ack["by"] == "*经理"
    assert ack["fields_changed"] == ["acks"]
    assert (update["status_from"], update["status_to"]) == ("open", "in_progress")
    assert update["fields_changed"] == ["follow_up"]
    assert close["fields_changed"] == ["completed_at", "closed_at"]
    assert close["events"][0]["text"] == "关闭（已解决）：已修复"


def test_log_author_and_actor(cli, repo):
    record_id, _ = create(cli, "client")
    _walk(cli, record_id)
    ack = _trail(cli, record_id)["entries"][1]
    assert ack["author"] == "Test Author"
    assert ack["author_email"] == "author@example.com"
    assert ack["by"] == "*经理"


def test_log_text(cli, repo):
    record_id, _ = create(cli, "client")
    assert cli("ack", record_id, "--by", "*经理", "--at", "2024-04-02 11:10").exit_code == 0
    result = cli("--lang", "zh-CN", "log", record_id[:8])
    lines = result.stdout.splitlines()
    assert result.exit_code == 0
    assert lines[0] == f"{record_id}：共 2 次提交，按时间先后排列"
    assert lines[2].endswith("  new  Test Author")
    assert lines[3] == "    状态：待处理"
    assert lines[6].endswith("  ack  *经理（提交人：Test Author）")
    assert lines[7] == "    修改的字段：确认接收"
    assert lines[8].startswith("    2024-04-02 11:10 *经理: 确认接收 (补录于 ")


def test_log_shows_hand_edit(cli, repo):
    record_id, path = create(cli, "client")
    file = repo / path
    text = file.read_text(encoding="utf-8").replace("status: open", "status: resolved").replace("## 进展跟踪", "手写:已电话确认\n\n## 进展跟踪")
    file.write_text(text, encoding="utf-8")
    git(repo, "commit", "-qam", "Mark resolved by hand")
    entry = _trail(cli, record_id)["entries"][-1]
    assert entry["action"] is None
    assert (entry["status_from"], entry["status_to"]) == ("open", "resolved")
    assert entry["body_edited"] is True
    assert "hand edit" in cli("log", record_id).stdout


def test_log_shows_rewritten_history(cli, repo):
    record_id, path = create(cli, "client")
    assert cli("ack", record_id, "--by", "*经理", "--at", "2024-04-02 11:10").exit_code == 0
    file = repo / path
    file.write_text(file.read_text(encoding="utf-8").replace("at: '2024-04-02T11:10:00+08:00'", "at: '2024-04-02T11:01:00+08:00'"), encoding="utf-8")
    git(repo, "commit", "-qam", "Fix the ack time")
    entry = _trail(cli, record_id)["entries"][-1]
    assert entry["history_rewritten"] is True
    assert entry["fields_changed"] == ["acks"]


def test_log_follows_moved_file(cli, repo):
    record_id, path = create(cli, "client")
    cli("ack", record_id, "--by", "*经理", "--at", "2024-04-02 11:10")
    (repo / "records" / "2024-Q1-client").mkdir()
    moved = f"records/2024-Q1-client/{record_id}.md"
    git(repo, "mv", path, moved)
    git(repo, "commit", "-qm", "File the record in Q1")
    assert cli("update", record_id, "--status", "in_progress", "--at", "2024-04-02 13:00").exit_code == 0

    entries = _trail(cli, record_id)["entries"]
    assert [entry["action"] for entry in entries] == ["new", "ack", None, "update"]
    assert entries[2]["renamed_from"] == path
    assert entries[2]["fields_changed"] == []
    assert entries[3]["path"] == moved
    assert (entries[3]["status_from"], entries[3]["status_to"]) == ("open", "in_progress")


def test_log_of_deleted_record_by_full_id(cli, repo):
    record_id, path = create(cli, "client")
    git(repo, "rm", "-q", path)
    git(repo, "commit", "-qm", "Remove the record")
    entries = _trail(cli, record_id)["entries"]
    assert [entry["change"] for entry in entries] == ["A", "D"]


def test_log_unknown_record(cli, repo):
    result = cli("log", "CLI-2099")
    assert result.exit_code == 2
    assert "no record matches 'CLI-2099'" in result.stderr


def test_log_uncommitted_record(cli, repo):
    result = cli("new", "client", "--no-input", "--no-commit", "--at", "2024-04-02 11:00", "--set", "title=x", "--set", "client=c",
                 "--set", "client_contact=*总监", "--set", "category=issue", "--set", "occurred_at=2024-04-02 10:00",
                 "--set", "channel=phone", "--set", "brief=b", "--set", "response_plan=p", "--set", "owners=技术部|*经理",
                 "--set", "due=2024-04-03 12:00")
    assert result.exit_code == 0, result.output
    record_id = result.stdout.split()[1].rstrip(":")
    assert cli("log", record_id).stdout.strip() == f"No commit touches {record_id} yet."


def test_log_git_calls_independent_of_commits(cli, repo, tmp_path):
    record_id, _ = create(cli, "client")
    _walk(cli, record_id)
    trace = tmp_path / "trace.txt"
    result = cli("log", record_id, env={"GIT_TRACE": str(trace)})
    assert result.exit_code == 0
    commands = _git_trace_commands(trace)
    record_logs = [command for command in commands if command.startswith("git log ") and "--merges" not in command]
    merge_logs = [command for command in commands if command.startswith("git log ") and "--merges" in command]
    assert len(record_logs) == 1
    assert len(merge_logs) == 1


def test_log_in_shallow_clone(cli, repo, tmp_path):
    record_id, _ = create(cli, "client")
    _walk(cli, record_id)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(clone)], check=True)

    trail = json.loads(run_cli(["--repo", str(clone), "log", record_id, "--format", "json"]).stdout)
    assert trail["shallow"] is True
    assert trail["complete"] is False
    assert [entry["action"] for entry in trail["entries"]] == ["close"]
    text = run_cli(["--repo", str(clone), "log", record_id]).stdout
    assert text.startswith("Note: this is a shallow clone")
    assert "git fetch --unshallow" in text


def test_log_full_clone_is_complete(cli, repo):
    record_id, _ = create(cli, "client")
    assert _trail(cli, record_id)["complete"] is True


def test_log_shows_merge_request(cli, repo):
    record_id, _ = create(cli, "client")
    git(repo, "checkout", "-q", "-b", "feature")
    assert cli("ack", record_id, "--by", "*经理", "--at", "2024-04-02 11:10").exit_code == 0
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge pull request #12 from team/feature", "feature")
    merge = git(repo, "rev-parse", "HEAD").strip()

    result = cli("log", record_id, "--format", "json")
    entries = json.loads(result.stdout)["entries"]
    assert entries[0]["merged_in"] is None
    assert entries[1]["merged_in"] == merge
    assert entries[1]["merge_request"] == "#12"
    text = cli("log", record_id).stdout
    assert f"merged in {merge[:10]} (#12)" in text
