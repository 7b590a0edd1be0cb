"""``commlog new --branch`` and merge evidence: proposals on their own branch, merges traced on main."""

from __future__ import annotations

import json
from pathlib import PurePosixPath

import pytest

from commlog.core.merges import RequestRef, assign_to_main_line, parse_request_ref
from commlog.errors import GitStateError
from commlog.services.branching import merge_evidence_for
from commlog.services.workspace import open_workspace
from commlog.services.writer import FileChange, commit_on_new_branch
from tests.check_helpers import commit_all
from tests.conftest import CLIENT_FIELDS, git, set_args, write_files


def new_on_branch(cli, *extra: str):
    return cli("new", "client", "--no-input", "--branch", "--at", "2024-03-15 15:00", *extra, *set_args(CLIENT_FIELDS))


def test_branch_commit_on_new_branch(cli, repo):
    result = new_on_branch(cli, "--format", "json")
    created = json.loads(result.stdout)
    assert created["branch"] == f"commlog/{created['id']}"
    assert git(repo, "rev-parse", created["branch"]).strip() == created["commit"]
    assert git(repo, "show", "--name-only", "--format=", created["branch"]).split() == [created["path"]]


def test_branch_leaves_checkout_alone(cli, repo):
    head = git(repo, "rev-parse", "HEAD")
    write_files(repo, {"staged.txt": "staged\n", "notes.txt": "draft\n"})
    git(repo, "add", "staged.txt")
    (repo / "README.md").write_text("edited by hand\n", encoding="utf-8")
    status = git(repo, "status", "--porcelain")
    result = new_on_branch(cli, "--format", "json")
    created = json.loads(result.stdout)
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "branch", "--show-current").strip() == "main"
    assert git(repo, "status", "--porcelain") == status
    assert not (repo / created["path"]).exists()


def test_branch_commit_message_and_parent(cli, repo):
    head = git(repo, "rev-parse", "HEAD").strip()
    created = json.loads(new_on_branch(cli, "--format", "json").stdout)
    message = git(repo, "log", "-1", "--format=%B", created["branch"])
    assert message.startswith(f"new {created['id']}: ")
    assert f"Commlog-Record: {created['id']}" in message
    assert git(repo, "rev-parse", f"{created['branch']}^").strip() == head


def test_branch_prints_push_command(cli, repo):
    result = new_on_branch(cli)
    branch = "commlog/" + result.stdout.split()[1].rstrip(":")
    assert f"  git push -u origin {branch}\n" in result.stdout
    assert "gh pr create" in result.stdout


def test_branch_forge_hint_from_config(cli, repo):
    (repo / "commlog.yaml").write_text("reviewers:\n  forge: gitlab\n", encoding="utf-8")
    result = new_on_branch(cli)
    assert "merge_request.create" in result.stdout
    assert "gh pr create" not in result.stdout


def test_branch_skips_commit_hooks(cli, repo):
    hook = repo / ".git/hooks/pre-commit"
    hook.write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    assert new_on_branch(cli).exit_code == 0


def test_branch_with_no_commit_rejected(cli, repo):
    result = new_on_branch(cli, "--no-commit")
    assert result.exit_code == 2
    assert "--no-commit" in result.stderr


def test_branch_existing_name_rejected(repo):
    git(repo, "branch", "commlog/taken")
    workspace = open_workspace(repo)
    change = FileChange(PurePosixPath("records/x.md"), "text\n", None)
    with pytest.raises(GitStateError):
        commit_on_new_branch(workspace, [change], "message\n", "commlog/taken")


def test_branch_then_check_base(cli, repo):
    created = json.loads(new_on_branch(cli, "--format", "json").stdout)
    git(repo, "switch", "--quiet", created["branch"])
    result = cli("check", "--base", "main")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Merge pull request #12 from team/commlog/CLI-1\n\nReview done", RequestRef("github", 12)),
        ("Merge branch 'x' into 'main'\n\nTitle\n\nSee merge request group/proj!34\n", RequestRef("gitlab", 34, "group/proj")),
        ("Merge branch 'feature'", None),
    ],
)
def test_merge_request_parser(message, expected):
    assert parse_request_ref(message) == expected


def test_request_ref_text():
    assert (str(RequestRef("github", 12)), str(RequestRef("gitlab", 34, "g/p"))) == ("#12", "g/p!34")


def test_assign_to_main_line_graph():
    # main: a - b - m (merge of c), side: a - c
    graph = {"a": (), "b": ("a",), "c": ("a",), "m": ("b", "c")}
    assert assign_to_main_line(graph, "m") == {"a": "a", "b": "b", "m": "m", "c": "m"}


def test_merge_evidence_from_repository(cli, repo):
    created = json.loads(new_on_branch(cli, "--format", "json").stdout)
    git(repo, "merge", "--quiet", "--no-ff", "-m", "Merge pull request #12 from team/x", created["branch"])
    write_files(repo, {"direct.txt": "direct\n"})
    commit_all(repo, "direct commit")
    direct = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "switch", "--quiet", "-c", "unmerged")
    git(repo, "commit", "--quiet", "--allow-empty", "-m", "not merged")
    unmerged = git(repo, "rev-parse", "HEAD").strip()

    evidence = merge_evidence_for(open_workspace(repo), [created["commit"], direct, unmerged], "main")
    merged = evidence[created["commit"]]
    assert merged.merge_commit == git(repo, "rev-parse", "main~1").strip()
    assert str(merged.request) == "#12"
    assert evidence[direct].direct
    assert unmerged not in evidence


def test_ack_on_branch_leaves_checkout(cli, repo):
    from tests.conftest import CLIENT_FIELDS, set_args

    created = cli("new", "client", "--no-input", "--format", "json", "--at", "2024-04-02 11:00", *set_args(CLIENT_FIELDS))
    record_id = json.loads(created.stdout)["id"]
    path = json.loads(created.stdout)["path"]
    head = git(repo, "rev-parse", "HEAD")
    before = (repo / path).read_bytes()

    result = cli("ack", record_id, "--by", "*经理", "--at", "2024-04-02 11:10", "--branch", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["branch"] == f"commlog/{record_id}-ack"
    assert git(repo, "rev-parse", "HEAD") == head
    assert (repo / path).read_bytes() == before
    assert git(repo, "status", "--porcelain") == ""
    message = git(repo, "log", "-1", "--format=%B", data["branch"])
    assert "Commlog-Action: ack" in message
    on_branch = git(repo, "show", f"{data['branch']}:{path}")
    assert "by: '*经理'" in on_branch
