"""Every write either completes with one commit or leaves the repository exactly as it was."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import git, run_process
from tests.lifecycle_helpers import commit_count, create, front_matter, repository_state, trailer

UPDATE = ("update", "--status", "in_progress", "--note", "开始处理", "--at", "2024-04-02 13:00")


def _conflict(repo: Path, command: list[str]) -> None:
    """Leave a real conflict in README.md: a merge or a rebase that stops half way."""
    git(repo, "switch", "-q", "-c", "side")
    (repo / "README.md").write_text("side\n", encoding="utf-8")
    git(repo, "commit", "-qam", "Change README on side")
    git(repo, "switch", "-q", "main")
    (repo / "README.md").write_text("main\n", encoding="utf-8")
    git(repo, "commit", "-qam", "Change README on main")
    completed = subprocess.run(["git", *command], cwd=repo, capture_output=True, check=False)
    assert completed.returncode != 0


def _index_lock(repo: Path, path: str) -> None:
    (repo / ".git" / "index.lock").write_text("", encoding="utf-8")


def _no_identity(repo: Path, path: str) -> None:
    config = Path.home() / ".gitconfig"
    config.write_text("[init]\n\tdefaultBranch = main\n", encoding="utf-8")


def _detached(repo: Path, path: str) -> None:
    git(repo, "checkout", "-q", "--detach")


def _merge(repo: Path, path: str) -> None:
    _conflict(repo, ["merge", "-q", "side"])


def _rebase(repo: Path, path: str) -> None:
    _conflict(repo, ["rebase", "side"])


def _hand_edit(repo: Path, path: str) -> None:
    file = repo / path
    file.write_text(file.read_text(encoding="utf-8") + "\n手写补充:客户要求周报\n", encoding="utf-8")


def _staged_hand_edit(repo: Path, path: str) -> None:
    _hand_edit(repo, path)
    git(repo, "add", path)


def _failing_hook(repo: Path, path: str) -> None:
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'hook says no: fix the typo first'\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)


def _unparsable(repo: Path, path: str) -> None:
    file = repo / path
    file.write_text(file.read_text(encoding="utf-8").replace("status: open", "status: [open"), encoding="utf-8")
    git(repo, "commit", "-qam", "Break the record by hand")


# Each case: how to break the repository, then fragments of the message in English and in Chinese.
CASES = {
    "index_lock": (_index_lock, ("index.lock exists: another git process is running", "commlog did not touch it"), ("index.lock 已存在", "commlog 没有动它")),
    "no_identity": (_no_identity, ("git has no user name and e-mail configured", "git config --global user.email"), ("git 没有配置用户名和邮箱", "git config --global user.name")),
    "detached_head": (_detached, ("HEAD is detached", "git switch main"), ("HEAD 处于分离状态", "git switch main")),
    "merge": (_merge, ("a git merge is in progress", "git merge --continue or --abort"), ("git merge 尚未完成", "--abort")),
    "rebase": (_rebase, ("a git rebase is in progress", "git rebase --continue or --abort"), ("git rebase 尚未完成", "--abort")),
    "hand_edit": (_hand_edit, ("has uncommitted changes (git status 'M')", "--include-edits"), ("有尚未提交的修改", "--include-edits")),
    "staged_hand_edit": (_staged_hand_edit, ("has uncommitted changes (git status 'M')", "git restore --staged --worktree"), ("有尚未提交的修改", "git restore")),
    "hook": (_failing_hook, ("the commit failed and the record file was restored as it was", "hook says no: fix the typo first"), ("提交失败，记录文件已恢复原状", "hook says no: fix the typo first")),
    "unparsable": (_unparsable, ("the record does not parse (invalid-yaml)", "Fix the front matter"), ("记录无法解析", "请修正两行“---”之间的头部信息")),
}


@pytest.mark.parametrize("language", ["en", "zh-CN"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_failed_write_leaves_repository(cli, repo, case, language):
    record_id, path = create(cli, "client")
    breaks, english, chinese = CASES[case]
    breaks(repo, path)
    before = repository_state(repo)
    content = (repo / path).read_bytes()

    result = cli("--lang", language, *UPDATE[:1], record_id, *UPDATE[1:])
    assert result.exit_code == 2
    for fragment in english if language == "en" else chinese:
        assert fragment in result.stderr
    assert repository_state(repo) == before
    assert (repo / path).read_bytes() == content


@pytest.mark.parametrize("case", ["index_lock", "hook", "merge"])
def test_failed_new_leaves_repository(cli, repo, case):
    breaks = CASES[case][0]
    breaks(repo, "")
    before = repository_state(repo)
    records = sorted(path.name for path in (repo / "records").rglob("*"))
    result = cli("new", "urgent", "--no-input", "--at", "2024-04-02 11:00", "--set", "title=t", "--set", "occurred_at=2024-04-02 10:05",
                 "--set", "reporter=*值班员", "--set", "im_channel=群", "--set", "impact=i", "--set", "brief=b", "--set", "actions=a",
                 "--set", "owners=*运维")
    assert result.exit_code == 2
    assert repository_state(repo) == before
    assert sorted(path.name for path in (repo / "records").rglob("*")) == records


def test_index_lock_is_kept(cli, repo):
    record_id, _ = create(cli, "client")
    _index_lock(repo, "")
    cli(*UPDATE[:1], record_id, *UPDATE[1:])
    assert (repo / ".git" / "index.lock").exists()


def test_no_identity_never_invents_author(cli, repo, monkeypatch):
    record_id, _ = create(cli, "client")
    _no_identity(repo, "")
    monkeypatch.setenv("EMAIL", "")
    count = commit_count(repo)
    result = cli("ack", record_id, "--by", "*经理")
    assert result.exit_code == 2
    assert commit_count(repo) == count


def test_hook_failure_keeps_staged_edits(cli, repo):
    record_id, path = create(cli, "client")
    _staged_hand_edit(repo, path)
    _failing_hook(repo, path)
    before = repository_state(repo)
    staged = git(repo, "diff", "--cached")
    result = cli(*UPDATE[:1], record_id, *UPDATE[1:], "--include-edits")
    assert result.exit_code == 2
    assert repository_state(repo) == before
    assert git(repo, "diff", "--cached") == staged


def test_include_edits_commits_them(cli, repo):
    record_id, path = create(cli, "client")
    _hand_edit(repo, path)
    result = cli(*UPDATE[:1], record_id, *UPDATE[1:], "--include-edits")
    assert result.exit_code == 0, result.output
    assert "Uncommitted hand edits of the file were committed with this change." in result.stdout
    assert "手写补充:客户要求周报" in git(repo, "show", f"HEAD:{path}")
    assert git(repo, "status", "--porcelain") == ""
    assert "Includes uncommitted edits made to the file by hand (--include-edits)." in git(repo, "log", "-1", "--format=%b")


def test_commit_only_takes_the_record(cli, repo):
    record_id, path = create(cli, "client")
    (repo / "README.md").write_text("staged change\n", encoding="utf-8")
    git(repo, "add", "README.md")
    (repo / "notes.txt").write_text("untracked\n", encoding="utf-8")
    assert cli(*UPDATE[:1], record_id, *UPDATE[1:]).exit_code == 0
    assert git(repo, "show", "--name-only", "--format=", "HEAD").split() == [path]
    assert git(repo, "status", "--porcelain") == "M  README.md\n?? notes.txt\n"


def test_record_not_found(cli, repo):
    before = repository_state(repo)
    result = cli("ack", "CLI-1999")
    assert result.exit_code == 2
    assert "no record matches 'CLI-1999'" in result.stderr
    assert repository_state(repo) == before


def _hold_lock(repo: Path) -> subprocess.Popen[str]:
    script = (
        "import sys, time\nfrom filelock import FileLock\n"
        "lock = FileLock(sys.argv[1]); lock.acquire(); print('held', flush=True); time.sleep(60)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", script, str(repo / ".git" / "commlog.lock")], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_lock_held_by_other_process(cli, repo):
    record_id, path = create(cli, "client")
    before = repository_state(repo)
    holder = _hold_lock(repo)
    try:
        result = cli(*UPDATE[:1], record_id, *UPDATE[1:])
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 2
    assert "another commlog process is writing to this repository" in result.stderr
    assert repository_state(repo) == before


def test_concurrent_acks_both_kept(cli, repo):
    record_id, path = create(cli, "client")
    count = commit_count(repo)
    processes = [
        subprocess.Popen([sys.executable, "-m", "commlog", "ack", record_id, "--by", name, "--at", "2024-04-02 11:30"], cwd=repo,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for name in ("*经理", "*专员")
    ]
    codes = [process.wait(timeout=60) for process in processes]
    assert codes == [0, 0]
    assert sorted(ack["by"] for ack in front_matter(repo, path)["acks"]) == ["*专员", "*经理"]
    assert commit_count(repo) == count + 2
    assert git(repo, "status", "--porcelain") == ""


def test_subprocess_error_exit_status(repo):
    completed = run_process(["update", "CLI-1999", "--status", "x"], cwd=repo)
    assert completed.returncode == 2
    assert b"no record matches" in completed.stderr


def test_commit_trailers_after_retry(cli, repo):
    record_id, path = create(cli, "client")
    _index_lock(repo, path)
    assert cli(*UPDATE[:1], record_id, *UPDATE[1:]).exit_code == 2
    (repo / ".git" / "index.lock").unlink()
    assert cli(*UPDATE[:1], record_id, *UPDATE[1:]).exit_code == 0
    assert trailer(repo, "Commlog-Action") == "update"
