"""Integrity of attachments after hand changes: files against the front matter, and git history."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from commlog.services.attachments import audit_attachments, check_orphan_folders, check_record_attachments
from commlog.services.workspace import open_workspace
from commlog.storage.records import parse_record_text
from tests.conftest import git
from tests.test_attach import create, make_sources


@pytest.fixture
def attached(cli, repo, tmp_path):
    """Return a client record with two attachments, committed."""
    created = create(cli)
    make_sources(tmp_path / "src")
    result = cli("attach", created["id"], str(tmp_path / "src" / "发送截图.png"), str(tmp_path / "src" / "会议纪要.txt"),
                 "--at", "2024-04-02 12:00")
    assert result.exit_code == 0, result.output
    folder = repo / Path(created["path"]).with_suffix("")
    return {**created, "folder": folder}


def check(repo: Path, record_path: str) -> set[tuple[str, str]]:
    meta = parse_record_text((repo / record_path).read_text(encoding="utf-8")).meta
    findings = check_record_attachments(repo, PurePosixPath(record_path), meta)
    return {(finding.code, PurePosixPath(finding.path).name) for finding in findings}


def audit(repo: Path, record_id: str | None = None) -> list[tuple[str, str]]:
    findings = audit_attachments(open_workspace(repo), record_id)
    return [(finding.code, PurePosixPath(finding.path).name) for finding in findings]


def move_record(repo: Path, attached: dict, with_folder: bool = True) -> str:
    """Move the record file (and its attachment folder) to another quarter with git mv; return the new path."""
    target = "records/2024-Q3-client"
    (repo / target).mkdir()
    git(repo, "mv", attached["path"], target)
    if with_folder:
        git(repo, "mv", str(attached["folder"].relative_to(repo)), target)
    return f"{target}/{attached['id']}.md"


def test_check_clean_after_attach(repo, attached):
    assert check(repo, attached["path"]) == set()


def test_check_missing_file(repo, attached):
    (attached["folder"] / "发送截图.png").unlink()
    assert check(repo, attached["path"]) == {("attachment-missing", "发送截图.png")}


def test_check_changed_file(repo, attached):
    (attached["folder"] / "会议纪要.txt").write_text("改过的纪要\n", encoding="utf-8")
    assert check(repo, attached["path"]) == {("attachment-changed", "会议纪要.txt")}


def test_check_file_replaced_by_link(repo, attached, tmp_path):
    target = attached["folder"] / "会议纪要.txt"
    target.unlink()
    target.symlink_to(tmp_path / "src" / "会议纪要.txt")
    assert check(repo, attached["path"]) == {("attachment-changed", "会议纪要.txt")}


def test_check_unlisted_file(repo, attached):
    (attached["folder"] / "多出来的.docx").write_bytes(b"PK\x03\x04")
    assert check(repo, attached["path"]) == {("attachment-unlisted", "多出来的.docx")}


def test_check_ignores_system_files(repo, attached):
    (attached["folder"] / ".DS_Store").write_bytes(b"\0")
    assert check(repo, attached["path"]) == set()


def test_check_entry_outside_folder(repo, attached):
    record = repo / attached["path"]
    text = record.read_text(encoding="utf-8").replace(f"path: {attached['id']}/会议纪要.txt", "path: ../../commlog.yaml")
    record.write_text(text, encoding="utf-8")
    assert check(repo, attached["path"]) == {("attachment-invalid", Path(attached["path"]).name),
                                             ("attachment-unlisted", "会议纪要.txt")}


def test_check_after_record_moved(repo, attached):
    moved = move_record(repo, attached)
    git(repo, "commit", "-qm", "move record to another quarter")
    assert check(repo, moved) == set()


def test_check_record_moved_without_folder(repo, attached):
    moved = move_record(repo, attached, with_folder=False)
    assert check(repo, moved) == {("attachment-missing", "发送截图.png"), ("attachment-missing", "会议纪要.txt")}
    orphans = {(finding.code, PurePosixPath(finding.path).name) for finding in check_orphan_folders(repo)}
    assert orphans == {("attachment-unlisted", "发送截图.png"), ("attachment-unlisted", "会议纪要.txt")}


def test_orphan_check_ignores_folders_beside_records(repo, attached):
    assert check_orphan_folders(repo) == []


def test_audit_clean_history(repo, attached):
    assert audit(repo) == []


def test_audit_replaced_file(repo, attached):
    (attached["folder"] / "会议纪要.txt").write_text("换掉的内容\n", encoding="utf-8")
    git(repo, "commit", "-qam", "replace minutes")
    assert audit(repo) == [("attachment-replaced", "会议纪要.txt")]


def test_audit_deleted_file(repo, attached):
    git(repo, "rm", "-q", str((attached["folder"] / "发送截图.png").relative_to(repo)))
    git(repo, "commit", "-qm", "remove screenshot")
    assert audit(repo) == [("attachment-deleted", "发送截图.png")]


def test_audit_finding_names_commit(repo, attached):
    git(repo, "rm", "-q", str((attached["folder"] / "发送截图.png").relative_to(repo)))
    git(repo, "commit", "-qm", "remove screenshot")
    finding = audit_attachments(open_workspace(repo))[0]
    assert finding.params["commit"] == git(repo, "rev-parse", "HEAD").strip()[:12]
    assert finding.record == attached["path"]


def test_audit_record_moved_with_folder(repo, attached):
    move_record(repo, attached)
    git(repo, "commit", "-qm", "move record")
    assert audit(repo) == []


def test_audit_move_with_changed_content(repo, attached):
    moved = (repo / move_record(repo, attached)).with_suffix("") / "会议纪要.txt"
    moved.write_text(moved.read_text(encoding="utf-8") + "多加一行\n", encoding="utf-8")
    git(repo, "commit", "-qam", "move and edit")
    assert audit(repo) == [("attachment-replaced", "会议纪要.txt")]


def test_audit_one_record(cli, repo, attached, tmp_path):
    other = create(cli)
    cli("attach", other["id"], str(tmp_path / "src" / "参数文档.bin"), "--at", "2024-04-02 12:00")
    (repo / Path(other["path"]).with_suffix("") / "参数文档.bin").write_bytes(b"changed")
    git(repo, "commit", "-qam", "change other record's file")
    assert audit(repo, attached["id"]) == []
    assert audit(repo, other["id"]) == [("attachment-replaced", "参数文档.bin")]
