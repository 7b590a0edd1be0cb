"""``commlog attach`` and ``commlog new --attach`` through the real CLI, in real repositories."""

from __future__ import annotations

import hashlib
import json
import os
import struct
import zlib
from pathlib import Path

import pytest

from commlog.storage.records import parse_record_text
from tests.conftest import AUTHOR_NAME, FIELDS_BY_TYPE, git, set_args

CREATED_AT = "2024-04-02 11:00"


def png_bytes(width: int = 3, height: int = 2) -> bytes:
    """Return a valid PNG image of red pixels."""
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def make_sources(folder: Path) -> dict[str, bytes]:
    """Write a text file, a PNG image and a binary file with Chinese names; return name → content."""
    contents = {
        "会议纪要.txt": "第一行\n第二行,含逗号\n".encode("utf-8"),
        "发送截图.png": png_bytes(),
        "参数文档.bin": bytes(range(256)) * 4,
    }
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in contents.items():
        (folder / name).write_bytes(content)
    return contents


def create(cli, type_name: str = "client", *extra: str) -> dict[str, str]:
    result = cli("new", type_name, "--no-input", "--format", "json", "--at", CREATED_AT,
                 *set_args(FIELDS_BY_TYPE[type_name]), *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def read_meta(repo: Path, path: str) -> dict:
    return parse_record_text((repo / path).read_text(encoding="utf-8")).meta


def read_body(repo: Path, path: str) -> str:
    return parse_record_text((repo / path).read_text(encoding="utf-8")).body


def committed_paths(repo: Path, revision: str = "HEAD") -> set[str]:
    out = git(repo, "-c", "core.quotePath=false", "show", "--name-only", "--format=", revision)
    return {line for line in out.splitlines() if line}


def head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD").strip()


def status(repo: Path) -> str:
    return git(repo, "status", "--porcelain", "--untracked-files=all")


@pytest.mark.parametrize("type_name", sorted(FIELDS_BY_TYPE))
def test_attach_three_files_each_type(cli, repo, tmp_path, type_name):
    created = create(cli, type_name)
    sources = make_sources(tmp_path / "src")
    result = cli("attach", created["id"], *(str(tmp_path / "src" / name) for name in sources),
                 "--note", "客户提供", "--at", "2024-04-02 12:00")
    assert result.exit_code == 0, result.output

    record_dir = Path(created["path"]).with_suffix("")
    meta = read_meta(repo, created["path"])
    body = read_body(repo, created["path"])
    for entry, (name, content) in zip(meta["attachments"], sources.items()):
        assert (repo / record_dir / name).read_bytes() == content
        assert entry == {"path": f"{created['id']}/{name}", "sha256": hashlib.sha256(content).hexdigest(),
                         "size": len(content), "added_at": "2024-04-02T12:00:00+08:00", "by": AUTHOR_NAME,
                         "note": "客户提供"}
        assert f"[{name}]({created['id']}/{name})" in body
    assert committed_paths(repo) == {created["path"], *(f"{record_dir}/{name}" for name in sources)}
    assert git(repo, "rev-list", "--count", f"{created['commit']}..HEAD").strip() == "1"


def test_attach_commit_trailers(cli, repo, tmp_path):
    created = create(cli)
    make_sources(tmp_path / "src")
    cli("attach", created["id"], str(tmp_path / "src" / "发送截图.png"), "--at", "2024-04-02 12:00")
    message = git(repo, "log", "-1", "--format=%B")
    assert message.startswith(f"attach {created['id']}: 系统后台数据导出功能异常\n")
    assert "attached: 发送截图.png (" in message
    assert f"Commlog-Record: {created['id']}" in message
    assert "Commlog-Action: attach" in message
    assert "Commlog-By" not in message


def test_attach_by_other_person(cli, repo, tmp_path):
    created = create(cli)
    make_sources(tmp_path / "src")
    cli("attach", created["id"], str(tmp_path / "src" / "发送截图.png"), "--by", "*专员", "--at", "2024-04-02 12:00")
    assert "Commlog-By: *专员" in git(repo, "log", "-1", "--format=%B")
    assert read_meta(repo, created["path"])["attachments"][0]["by"] == "*专员"


def test_attach_adds_progress_event(cli, repo, tmp_path):
    created = create(cli)
    make_sources(tmp_path / "src")
    cli("attach", created["id"], str(tmp_path / "src" / "发送截图.png"), str(tmp_path / "src" / "会议纪要.txt"),
        "--at", "2024-04-02 12:00")
    event = read_meta(repo, created["path"])["history"][-1]
    assert event["action"] == "attach"
    assert event["at"] == "2024-04-02T12:00:00+08:00"
    assert event["text"] == "添加附件：发送截图.png、会议纪要.txt"
    assert f"- 2024-04-02 12:00 {AUTHOR_NAME}: 添加附件：发送截图.png、会议纪要.txt" in read_body(repo, created["path"])


def test_attach_late_event_keeps_recording_time(cli, repo, tmp_path):
    created = create(cli)
    make_sources(tmp_path / "src")
    cli("attach", created["id"], str(tmp_path / "src" / "发送截图.png"), "--at", "2024-04-02 12:00")
    assert "recorded_at" in read_meta(repo, created["path"])["history"][-1]


def test_attach_keeps_hand_written_body(cli, repo, tmp_path):
    created = create(cli)
    record = repo / created["path"]
    edited = record.read_text(encoding="utf-8").replace("## 进展跟踪", "手写补充:客户要求周五前回复。\n\n## 进展跟踪")
    record.write_text(edited, encoding="utf-8")
    git(repo, "commit", "-qam", "hand edit")
    body_before = read_body(repo, created["path"])
    make_sources(tmp_path / "src")

    cli("attach", created["id"], str(tmp_path / "src" / "发送截图.png"), "--at", "2024-04-02 12:00")
    body_after = read_body(repo, created["path"])
    start = body_after.index("<!-- commlog:attachments -->")
    end = body_after.index("<!-- /commlog:attachments -->") + len("<!-- /commlog:attachments -->\n\n")
    without_block = body_after[:start] + body_after[end:]
    assert without_block.split("<!-- commlog:progress-log -->")[0] == body_before.split("<!-- commlog:progress-log -->")[0]


def test_attach_twice_one_block(cli, repo, tmp_path):
    created = create(cli)
    make_sources(tmp_path / "src")
    cli("attach", created["id"], str(tmp_path / "src" / "发送截图.png"), "--at", "2024-04-02 12:00")
    cli("attach", created["id"], str(tmp_path / "src" / "会议纪要.txt"), "--at", "2024-04-02 12:05")
    body = read_body(repo, created["path"])
    assert body.count("<!-- commlog:attachments -->") == 1
    assert body.index("发送截图.png") < body.index("会议纪要.txt") < body.index("## 进展跟踪")


def test_attach_existing_name_numbered(cli, repo, tmp_path):
    created = create(cli)
    first = tmp_path / "a" / "截图.png"
    second = tmp_path / "b" / "截图.png"
    for path, content in ((first, png_bytes(1, 1)), (second, png_bytes(2, 2))):
        path.parent.mkdir()
        path.write_bytes(content)
    cli("attach", created["id"], str(first), "--at", "2024-04-02 12:00")
    result = cli("attach", created["id"], str(second), "--at", "2024-04-02 12:05")

    folder = repo / Path(created["path"]).with_suffix("")
    assert (folder / "截图.png").read_bytes() == png_bytes(1, 1)
    assert (folder / "截图 (2).png").read_bytes() == png_bytes(2, 2)
    assert "saved as 截图 (2).png instead of 截图.png" in result.stdout
    assert f"[截图 (2).png](<{created['id']}/截图 (2).png>)" in read_body(repo, created["path"])


def test_attach_same_name_in_one_command(cli, repo, tmp_path):
    created = create(cli)
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "纪要.txt").write_text(folder, encoding="utf-8")
    cli("attach", created["id"], str(tmp_path / "a" / "纪要.txt"), str(tmp_path / "b" / "纪要.txt"),
        "--at", "2024-04-02 12:00")
    paths = [entry["path"] for entry in read_meta(repo, created["path"])["attachments"]]
    assert paths == [f"{created['id']}/纪要.txt", f"{created['id']}/纪要 (2).txt"]


def test_attach_cleans_unsafe_name(cli, repo, tmp_path):
    created = create(cli)
    source = tmp_path / "..\\..\\.evil:name.txt"
    source.write_text("x", encoding="utf-8")
    result = cli("attach", created["id"], str(source), "--at", "2024-04-02 12:00")
    assert result.exit_code == 0, result.output
    assert read_meta(repo, created["path"])["attachments"][0]["path"] == f"{created['id']}/evil_name.txt"
    assert status(repo) == ""


def test_attach_text_output(cli, repo, tmp_path):
    created = create(cli)
    make_sources(tmp_path / "src")
    result = cli("attach", created["id"], str(tmp_path / "src" / "会议纪要.txt"), "--at", "2024-04-02 12:00")
    folder = Path(created["path"]).with_suffix("")
    assert result.stdout.splitlines()[:2] == [f"Attached to {created['id']}:", f"  {folder}/会议纪要.txt (30 B)"]
    assert result.stdout.splitlines()[2].startswith("Committed as ")


def test_attach_json_output(cli, repo, tmp_path):
    created = create(cli)
    make_sources(tmp_path / "src")
    result = cli("attach", created["id"], str(tmp_path / "src" / "会议纪要.txt"), "--at", "2024-04-02 12:00",
                 "--format", "json")
    data = json.loads(result.stdout)
    assert data["commit"] == head(repo)
    assert data["attachments"][0]["file"] == f"{Path(created['path']).with_suffix('')}/会议纪要.txt"


def test_attach_by_id_prefix(cli, repo, tmp_path):
    created = create(cli)
    make_sources(tmp_path / "src")
    result = cli("attach", created["id"][:-1].lower(), str(tmp_path / "src" / "会议纪要.txt"), "--at", "2024-04-02 12:00")
    assert result.exit_code == 0, result.output


def test_attach_adopts_unlisted_file_in_folder(cli, repo, tmp_path):
    created = create(cli)
    folder = repo / Path(created["path"]).with_suffix("")
    folder.mkdir()
    (folder / "手动放入.txt").write_text("evidence", encoding="utf-8")
    result = cli("attach", created["id"], str(folder / "手动放入.txt"), "--at", "2024-04-02 12:00")
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in folder.iterdir()) == ["手动放入.txt"]
    assert read_meta(repo, created["path"])["attachments"][0]["path"] == f"{created['id']}/手动放入.txt"
    assert f"{Path(created['path']).with_suffix('')}/手动放入.txt" in committed_paths(repo)


def test_attach_listed_file_again_rejected(cli, repo, tmp_path):
    created = create(cli)
    make_sources(tmp_path / "src")
    cli("attach", created["id"], str(tmp_path / "src" / "会议纪要.txt"), "--at", "2024-04-02 12:00")
    folder = repo / Path(created["path"]).with_suffix("")
    result = cli("attach", created["id"], str(folder / "会议纪要.txt"), "--at", "2024-04-02 12:05")
    assert result.exit_code == 2
    assert "is already attached to" in result.stderr


def test_new_with_attachments_one_commit(cli, repo, tmp_path):
    sources = make_sources(tmp_path / "src")
    created = create(cli, "client", *(arg for name in sources for arg in ("--attach", str(tmp_path / "src" / name))))

    record_dir = Path(created["path"]).with_suffix("")
    meta = read_meta(repo, created["path"])
    assert [entry["path"] for entry in meta["attachments"]] == [f"{created['id']}/{name}" for name in sources]
    assert [event["action"] for event in meta["history"]] == ["new", "attach"]
    assert committed_paths(repo) == {created["path"], *(f"{record_dir}/{name}" for name in sources)}
    assert "Commlog-Action: new" in git(repo, "log", "-1", "--format=%B")
    assert [item["file"] for item in created["attachments"]] == [f"{record_dir}/{name}" for name in sources]


def test_new_attach_no_commit(cli, repo, tmp_path):
    make_sources(tmp_path / "src")
    before = head(repo)
    created = create(cli, "client", "--attach", str(tmp_path / "src" / "发送截图.png"), "--no-commit")
    assert head(repo) == before
    assert (repo / Path(created["path"]).with_suffix("") / "发送截图.png").is_file()


def test_new_bad_attachment_creates_nothing(cli, repo, tmp_path):
    before = head(repo)
    result = cli("new", "client", "--no-input", "--at", CREATED_AT, *set_args(FIELDS_BY_TYPE["client"]),
                 "--attach", str(tmp_path / "没有这个文件.png"))
    assert result.exit_code == 2
    assert "没有这个文件.png" in result.stderr
    assert head(repo) == before
    assert status(repo) == ""


# Bad paths: each is rejected with exit 2, and nothing is written or committed.


def _bad_path(tmp_path: Path, kind: str) -> Path:
    if kind == "directory":
        path = tmp_path / "文件夹"
        path.mkdir()
    elif kind == "symlink":
        (tmp_path / "目标.png").write_bytes(png_bytes())
        path = tmp_path / "链接.png"
        path.symlink_to(tmp_path / "目标.png")
    elif kind == "fifo":
        path = tmp_path / "管道"
        os.mkfifo(path)
    elif kind == "device":
        path = Path("/dev/null")
    elif kind == "missing":
        path = tmp_path / "不存在.png"
    else:
        # 300 bytes of UTF-8 exceed the 255-byte name limit of common file
        # systems, so even root cannot open this file. The chmod 000 case
        # below is skipped when running as root.
        path = tmp_path / ("长" * 100 + ".png")
    return path


BAD_PATHS = {
    "directory": "is a folder, not a file",
    "symlink": "is a symbolic link",
    "fifo": "is not a regular file (a FIFO, socket or device)",
    "device": "is not a regular file (a FIFO, socket or device)",
    "missing": "not found",
    "name_too_long": "cannot read",
}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs, devices and POSIX symlinks need a POSIX system")
@pytest.mark.parametrize("kind", sorted(BAD_PATHS))
def test_attach_bad_path_rejected(cli, repo, tmp_path, kind):
    created = create(cli)
    record_before = (repo / created["path"]).read_bytes()
    bad = _bad_path(tmp_path, kind)
    result = cli("attach", created["id"], str(bad), "--at", "2024-04-02 12:00")
    assert result.exit_code == 2
    assert str(bad) in result.stderr
    assert BAD_PATHS[kind] in result.stderr
    assert head(repo) == created["commit"]
    assert status(repo) == ""
    assert (repo / created["path"]).read_bytes() == record_before


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read a file with mode 000")
def test_attach_unreadable_file_rejected(cli, repo, tmp_path):
    created = create(cli)
    locked = tmp_path / "锁定.txt"
    locked.write_text("secret", encoding="utf-8")
    locked.chmod(0)
    try:
        result = cli("attach", created["id"], str(locked), "--at", "2024-04-02 12:00")
    finally:
        locked.chmod(0o600)
    assert result.exit_code == 2
    assert "cannot read" in result.stderr
    assert head(repo) == created["commit"]


def test_attach_bad_path_after_good_one_writes_nothing(cli, repo, tmp_path):
    created = create(cli)
    make_sources(tmp_path / "src")
    result = cli("attach", created["id"], str(tmp_path / "src" / "发送截图.png"), str(tmp_path / "missing.png"),
                 "--at", "2024-04-02 12:00")
    assert result.exit_code == 2
    assert status(repo) == ""
    assert not (repo / Path(created["path"]).with_suffix("")).exists()


def test_attach_bad_path_in_chinese(cli, repo, tmp_path):
    created = create(cli)
    result = cli("--lang", "zh-CN", "attach", created["id"], str(tmp_path), "--at", "2024-04-02 12:00")
    assert "是文件夹而不是文件" in result.stderr


def test_attach_note_with_line_break_rejected(cli, repo, tmp_path):
    created = create(cli)
    make_sources(tmp_path / "src")
    result = cli("attach", created["id"], str(tmp_path / "src" / "发送截图.png"), "--note", "两\n行")
    assert result.exit_code == 2
    assert "invalid --note" in result.stderr


def test_attach_before_creation_rejected(cli, repo, tmp_path):
    created = create(cli)
    make_sources(tmp_path / "src")
    result = cli("attach", created["id"], str(tmp_path / "src" / "发送截图.png"), "--at", "2024-04-01 09:00")
    assert result.exit_code == 2
    assert "is before the record was created" in result.stderr


def test_attach_dirty_record_rejected(cli, repo, tmp_path):
    created = create(cli)
    record = repo / created["path"]
    record.write_text(record.read_text(encoding="utf-8") + "未提交的修改\n", encoding="utf-8")
    make_sources(tmp_path / "src")
    result = cli("attach", created["id"], str(tmp_path / "src" / "发送截图.png"), "--at", "2024-04-02 12:00")
    assert result.exit_code == 2
    assert "has uncommitted changes" in result.stderr
    assert head(repo) == created["commit"]


def test_attach_unknown_record(cli, repo, tmp_path):
    make_sources(tmp_path / "src")
    result = cli("attach", "CLI-NOPE", str(tmp_path / "src" / "发送截图.png"))
    assert result.exit_code == 2
    assert "no record matches 'CLI-NOPE'" in result.stderr


def test_attach_ignored_file_committed(cli, repo, tmp_path):
    created = create(cli)
    (repo / ".gitignore").write_text("*.log\n", encoding="utf-8")
    git(repo, "add", ".gitignore")
    git(repo, "commit", "-qm", "ignore logs")
    log = tmp_path / "服务日志.log"
    log.write_text("ERROR export failed\n", encoding="utf-8")
    result = cli("attach", created["id"], str(log), "--at", "2024-04-02 12:00")
    assert result.exit_code == 0, result.output
    assert f"{Path(created['path']).with_suffix('')}/服务日志.log" in committed_paths(repo)


def test_attach_failed_add_leaves_index_clean(cli, repo, tmp_path):
    created = create(cli)
    (repo / ".gitattributes").write_text("*.pdf filter=broken\n", encoding="utf-8")
    git(repo, "add", ".gitattributes")
    git(repo, "commit", "-qm", "a filter that always fails")
    git(repo, "config", "filter.broken.clean", "false")
    git(repo, "config", "filter.broken.required", "true")
    document = tmp_path / "合同.pdf"
    document.write_bytes(b"%PDF-1.4\n")
    before = head(repo)
    result = cli("attach", created["id"], str(document), "--at", "2024-04-02 12:00")
    assert result.exit_code == 2
    assert "git add" in result.stderr
    assert head(repo) == before
    assert status(repo) == ""


def test_attach_linked_folder_rejected(cli, repo, tmp_path):
    created = create(cli)
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo / Path(created["path"]).with_suffix("")).symlink_to(outside, target_is_directory=True)
    make_sources(tmp_path / "src")
    result = cli("attach", created["id"], str(tmp_path / "src" / "发送截图.png"), "--at", "2024-04-02 12:00")
    assert result.exit_code == 2
    assert "is a symbolic link" in result.stderr
    assert list(outside.iterdir()) == []


def test_attach_failed_commit_restores(cli, repo, tmp_path):
    created = create(cli)
    record_before = (repo / created["path"]).read_bytes()
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho rejected by hook >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    make_sources(tmp_path / "src")
    result = cli("attach", created["id"], str(tmp_path / "src" / "发送截图.png"), "--at", "2024-04-02 12:00")
    assert result.exit_code == 2
    assert "rejected by hook" in result.stderr
    assert (repo / created["path"]).read_bytes() == record_before
    assert status(repo) == ""


# Size limit.


def _set_limit(repo: Path, value: str) -> None:
    config = repo / "commlog.yaml"
    text = config.read_text(encoding="utf-8").replace("  max_size_mb: 20", f"  max_size_mb: {value}")
    config.write_text(text, encoding="utf-8")
    git(repo, "commit", "-qam", "set attachment limit")


def test_attach_over_limit_rejected(cli, repo, tmp_path):
    created = create(cli)
    _set_limit(repo, "0.001")
    big = tmp_path / "录像.mp4"
    big.write_bytes(b"\0" * 2000)
    result = cli("attach", created["id"], str(big), "--at", "2024-04-02 12:00")
    assert result.exit_code == 2
    assert "is 2.0 KB, larger than the attachment limit of 0.001 MB" in result.stderr
    assert "attachments.max_size_mb" in result.stderr
    assert "git lfs track '*.mp4'" in result.stderr
    assert status(repo) == ""


def test_attach_at_limit_accepted(cli, repo, tmp_path):
    created = create(cli)
    _set_limit(repo, "0.001")
    exact = tmp_path / "刚好.bin"
    exact.write_bytes(b"\1" * 1048)
    result = cli("attach", created["id"], str(exact), "--at", "2024-04-02 12:00")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("value", ["0", "-1", "big", "true", ".inf"])
def test_config_bad_attachment_limit(cli, repo, tmp_path, value):
    _set_limit(repo, value)
    result = cli("list")
    assert result.exit_code == 2
    assert "attachments.max_size_mb" in result.stderr


def test_config_unknown_attachment_key(cli, repo):
    config = repo / "commlog.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("max_size_mb: 20", "max_size: 20"), encoding="utf-8")
    result = cli("list")
    assert result.exit_code == 2
    assert "attachments.max_size" in result.stderr


# show, list and the evidence fields.


def test_show_lists_attachments(cli, repo, tmp_path):
    created = create(cli)
    make_sources(tmp_path / "src")
    cli("attach", created["id"], str(tmp_path / "src" / "参数文档.bin"), "--note", "最终版参数", "--at", "2024-04-02 12:00")
    result = cli("show", created["id"])
    assert "Attachments:" in result.stdout
    assert f"  {created['id']}/参数文档.bin  1.0 KB  最终版参数" in result.stdout


def test_show_lists_attachments_in_chinese(cli, repo, tmp_path):
    created = create(cli)
    make_sources(tmp_path / "src")
    cli("attach", created["id"], str(tmp_path / "src" / "参数文档.bin"), "--at", "2024-04-02 12:00")
    assert "附件：" in cli("--lang", "zh-CN", "show", created["id"]).stdout


def test_show_json_attachments(cli, repo, tmp_path):
    created = create(cli)
    make_sources(tmp_path / "src")
    cli("attach", created["id"], str(tmp_path / "src" / "参数文档.bin"), "--at", "2024-04-02 12:00")
    data = json.loads(cli("show", created["id"], "--format", "json").stdout)
    assert data["attachments"][0]["file"] == f"{Path(created['path']).with_suffix('')}/参数文档.bin"
    assert data["attachments"][0]["size"] == 1024


def test_new_accepts_channel_and_reference(cli, repo):
    created = create(cli, "notice", "--set", "channel=OA系统", "--set", "reference=OA-2024-0042")
    meta = read_meta(repo, created["path"])
    assert meta["channel"] == "oa"
    assert meta["reference"] == "OA-2024-0042"


def test_show_channel_and_reference(cli, repo):
    created = create(cli, "notice", "--set", "channel=email", "--set", "reference=Re: 五一值班")
    result = cli("show", created["id"])
    assert "Channel" in result.stdout
    assert "E-mail" in result.stdout
    assert "Re: 五一值班" in result.stdout


def test_list_channel_and_reference(cli, repo):
    create(cli, "notice", "--set", "channel=oa", "--set", "reference=OA-2024-0042")
    result = cli("list")
    header, _, row = result.stdout.splitlines()[:3]
    assert "Channel" in header
    assert "Reference" in header
    assert "OA system" in row
    assert "OA-2024-0042" in row


def test_list_json_channel_and_reference(cli, repo):
    create(cli, "notice", *(["--set", "channel=im"]), "--set", "reference=msg-123")
    item = json.loads(cli("list", "--format", "json").stdout)[0]
    assert item["channel"] == "im"
    assert item["reference"] == "msg-123"


def test_client_channel_still_required(cli, repo):
    fields = {key: value for key, value in FIELDS_BY_TYPE["client"].items() if key != "channel"}
    result = cli("new", "client", "--no-input", "--at", CREATED_AT, *set_args(fields))
    assert result.exit_code == 2
    assert "channel" in result.stderr
