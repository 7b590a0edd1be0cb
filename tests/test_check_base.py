"""``commlog check --base``: pull-request checks on real branches and merges."""

from __future__ import annotations

import pytest

from tests.check_helpers import codes, commit_all, create_record, edit_meta, findings
from tests.conftest import git


@pytest.fixture
def collab(cli, repo) -> str:
    """Return a collab record committed on main, with a feature branch checked out from there."""
    path = create_record(cli, "collab", "2024-05-06 10:00")
    git(repo, "switch", "--quiet", "-c", "feature")
    return path


def move_to(status, previous, at="2024-05-07T10:00:00+08:00"):
    def change(meta):
        meta["status"] = status
        meta["history"].append({"action": "update", "at": at, "by": "*经理", "from": previous, "to": status,
                                "text": f"{previous} → {status}"})
    return change


def test_base_no_changes(cli, repo, collab):
    code, found = findings(cli, "--base", "main")
    assert (code, found) == (0, [])


def test_base_legal_transition(cli, repo, collab):
    edit_meta(repo, collab, move_to("in_progress", "pending"))
    commit_all(repo, "start")
    assert findings(cli, "--base", "main") == (0, [])


def test_base_several_legal_steps(cli, repo, collab):
    edit_meta(repo, collab, move_to("in_progress", "pending"))
    edit_meta(repo, collab, move_to("done", "in_progress", "2024-05-08T10:00:00+08:00"))
    commit_all(repo, "finish")
    assert findings(cli, "--base", "main") == (0, [])


def test_base_illegal_transition(cli, repo, collab):
    edit_meta(repo, collab, move_to("done", "pending"))
    commit_all(repo, "skip ahead")
    code, found = findings(cli, "--base", "main")
    assert code == 1
    assert codes(found) == ["illegal-transition"]
    assert found[0]["message"] == "status 'pending' cannot change to 'done'. Allowed next states: in_progress, cancelled."


def test_base_hand_edited_status_checked(cli, repo, collab):
    edit_meta(repo, collab, lambda meta: meta.update(status="done"))
    code, found = findings(cli, "--base", "main")
    assert codes(found) == ["illegal-transition"]


def test_base_rewritten_history(cli, repo, collab):
    edit_meta(repo, collab, lambda meta: meta["history"][0].update(by="*别人"))
    commit_all(repo, "rewrite")
    code, found = findings(cli, "--base", "main")
    assert code == 1
    assert codes(found) == ["history-rewritten"]
    assert found[0]["line"] == 34


def test_base_removed_feedback(cli, repo):
    path = create_record(cli, "collab", "2024-05-06 10:00")
    edit_meta(repo, path, lambda meta: meta.update(feedback=[{"by": "*经理", "at": "2024-05-06T11:00:00+08:00", "text": "收到"}]))
    commit_all(repo, "feedback")
    git(repo, "switch", "--quiet", "-c", "feature")
    edit_meta(repo, path, lambda meta: meta.update(feedback=[]))
    assert codes(findings(cli, "--base", "main")[1]) == ["history-rewritten"]


def test_base_rewritten_progress_log(cli, repo, collab):
    text = (repo / collab).read_text(encoding="utf-8")
    (repo / collab).write_text(text.replace("创建记录", "新建记录", 1).replace("创建记录", "新建记录"), encoding="utf-8")
    edit_meta(repo, collab, lambda meta: None)
    found = findings(cli, "--base", "main")[1]
    assert "history-rewritten" in codes(found)


def test_base_deleted_record(cli, repo, collab):
    git(repo, "rm", "--quiet", collab)
    commit_all(repo, "delete")
    code, found = findings(cli, "--base", "main")
    assert code == 1
    assert [(item["code"], item["path"], item["line"]) for item in found] == [("record-deleted", collab, None)]


def test_base_record_moved_out(cli, repo, collab):
    (repo / "archive").mkdir()
    git(repo, "mv", collab, "archive/")
    commit_all(repo, "archive")
    code, found = findings(cli, "--base", "main")
    assert codes(found) == ["record-moved-out"]


def test_base_record_moved_inside_records(cli, repo, collab):
    target = collab.replace("2024-Q2-collab", "2024-Q3-collab")
    (repo / target).parent.mkdir(parents=True)
    git(repo, "mv", collab, target)
    commit_all(repo, "move")
    assert codes(findings(cli, "--base", "main")[1]) == ["folder-mismatch"]


@pytest.fixture
def closed(cli, repo) -> str:
    """Return a collab record that main took to ``done``, with a feature branch checked out after it."""
    path = create_record(cli, "collab", "2024-05-06 10:00")
    edit_meta(repo, path, move_to("in_progress", "pending"))
    edit_meta(repo, path, move_to("done", "in_progress", "2024-05-08T10:00:00+08:00"))
    commit_all(repo, "finish")
    git(repo, "switch", "--quiet", "-c", "feature")
    return path


def test_base_closed_record_edited(cli, repo, closed):
    edit_meta(repo, closed, lambda meta: meta.update(title="改过的标题"))
    commit_all(repo, "edit")
    code, found = findings(cli, "--base", "main")
    assert code == 1
    assert codes(found) == ["closed-record-edited"]
    assert found[0]["line"] == 4


def test_base_closed_record_reopened(cli, repo, closed):
    edit_meta(repo, closed, move_to("in_progress", "done", "2024-05-09T10:00:00+08:00"))
    edit_meta(repo, closed, lambda meta: meta.update(title="改过的标题"))
    commit_all(repo, "reopen")
    assert findings(cli, "--base", "main") == (0, [])


def test_base_new_record_on_branch(cli, repo, collab):
    create_record(cli, "client")
    assert findings(cli, "--base", "main") == (0, [])


def test_base_new_record_must_start_initial(cli, repo, collab):
    path = create_record(cli, "collab", "2024-05-06 11:00")
    edit_meta(repo, path, lambda meta: meta.update(status="done"))
    code, found = findings(cli, "--base", "main")
    assert codes(found) == ["illegal-transition"]


def test_base_uncommitted_new_record(cli, repo, collab):
    path = create_record(cli, "client", "2024-03-15 15:00", "--no-commit")
    edit_meta(repo, path, lambda meta: meta.pop("title"))
    assert codes(findings(cli, "--base", "main")[1]) == ["missing-field"]


def test_base_ignores_changes_merged_from_main(cli, repo, collab):
    edit_meta(repo, collab, move_to("in_progress", "pending"))
    commit_all(repo, "start")
    git(repo, "switch", "--quiet", "main")
    other = create_record(cli, "client")
    edit_meta(repo, other, lambda meta: meta.update(mood="good"))
    commit_all(repo, "hand edit on main")
    git(repo, "switch", "--quiet", "feature")
    git(repo, "merge", "--quiet", "--no-edit", "main")
    code, found = findings(cli, "--base", "main")
    assert (code, found) == (0, [])


def test_base_after_merge_into_main(cli, repo, collab):
    edit_meta(repo, collab, move_to("done", "pending"))
    commit_all(repo, "skip ahead")
    git(repo, "switch", "--quiet", "main")
    git(repo, "merge", "--quiet", "--no-ff", "-m", "Merge pull request #7 from team/feature", "feature")
    assert findings(cli, "--base", "HEAD~1")[1][0]["code"] == "illegal-transition"


def test_base_only_checks_changed_files(cli, repo, collab):
    git(repo, "switch", "--quiet", "main")
    broken = create_record(cli, "client")
    edit_meta(repo, broken, lambda meta: meta.pop("title"))
    commit_all(repo, "broken on main")
    git(repo, "switch", "--quiet", "-c", "feature2")
    edit_meta(repo, collab, move_to("in_progress", "pending"))
    data = findings(cli, "--base", "main")
    assert data == (0, [])


def test_base_unknown_revision(cli, repo, collab):
    result = cli("check", "--base", "origin/nowhere")
    assert result.exit_code == 2
    assert "fetch-depth: 0" in result.stderr


def test_base_with_paths_rejected(cli, repo, collab):
    assert cli("check", "--base", "main", "records").exit_code == 2
