"""The pure attachment rules: names, sizes, links, the body block and integrity findings."""

from __future__ import annotations

import unicodedata
from pathlib import PurePosixPath

import pytest

from commlog.core import attachments as core
from commlog.core.attachments import HistoryChange
from commlog.core.record import LOG_END, LOG_START

RECORD = PurePosixPath("records/2024-Q1-client/CLI-20240315-7K3Q.md")
FOLDER = "records/2024-Q1-client/CLI-20240315-7K3Q"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("客户截图.png", "客户截图.png"),
        ("a/b.png", "a_b.png"),
        ("..\\..\\evil.txt", "evil.txt"),
        ("../../etc/passwd", "etc_passwd"),
        (".hidden", "hidden"),
        ("...trick.pdf", "trick.pdf"),
        ("a..b.txt", "a.b.txt"),
        ('re:port?<1>|"x"*.pdf', "re_port__1___x__.pdf"),
        ("ctrl\x01\x1f\x7f.txt", "ctrl.txt"),
        ("line\nbreak.txt", "linebreak.txt"),
        ("a\u202egnp.exe", "agnp.exe"),
        ("CON.txt", "_CON.txt"),
        ("lpt1", "_lpt1"),
        ("trailing. . ", "trailing"),
        ("  spaced  .png", "spaced  .png"),
        ("", "attachment"),
        ("..", "attachment"),
        ("/", "attachment"),
    ],
)
def test_clean_name_cases(given, expected):
    assert core.clean_name(given) == expected


def test_clean_name_composes_unicode():
    decomposed = unicodedata.normalize("NFD", "café.png")
    assert core.clean_name(decomposed) == "café.png"


def test_clean_name_shortens_long_name():
    cleaned = core.clean_name("报" * 200 + ".png")
    assert len(cleaned.encode("utf-8")) <= core.MAX_NAME_BYTES
    assert cleaned.endswith("报.png")


def test_numbered_name_before_extension():
    assert core.numbered_name("截图.png", 2) == "截图 (2).png"
    assert core.numbered_name("README", 3) == "README (3)"


def test_unique_name_ignores_case():
    assert core.unique_name("Photo.PNG", {"photo.png", "photo (2).png"}) == "Photo (3).PNG"


def test_unique_name_free_name_kept():
    assert core.unique_name("截图.png", {"其他.png"}) == "截图.png"


@pytest.mark.parametrize(
    ("size", "expected"),
    [(0, "0 B"), (1023, "1023 B"), (1024, "1.0 KB"), (12_600, "12.3 KB"), (20 * 1024 * 1024, "20.0 MB"),
     (3 * 1024**3, "3.0 GB")],
)
def test_format_size_cases(size, expected):
    assert core.format_size(size) == expected


def test_format_limit_drops_zero_fraction():
    assert core.format_limit(20) == "20 MB"
    assert core.format_limit(0.5) == "0.5 MB"


def test_markdown_link_plain_target():
    assert core.markdown_link("截图.png", "ID/截图.png") == "[截图.png](ID/截图.png)"


def test_markdown_link_target_with_spaces():
    assert core.markdown_link("a (2).png", "ID/a (2).png") == "[a (2).png](<ID/a (2).png>)"


def test_markdown_link_escapes_brackets():
    assert core.markdown_link("[v1].png", "ID/[v1].png") == "[\\[v1\\].png](ID/[v1].png)"


def test_resolve_entry_inside_folder():
    assert core.resolve_entry(RECORD, "CLI-20240315-7K3Q/截图.png") == PurePosixPath(FOLDER, "截图.png")


@pytest.mark.parametrize(
    "path",
    ["../secret.txt", "CLI-20240315-7K3Q/../x.txt", "/etc/passwd", "CLI-20240315-7K3Q\\x.txt",
     "OTHER-ID/x.txt", "CLI-20240315-7K3Q", "", None, 42],
)
def test_resolve_entry_rejects(path):
    assert core.resolve_entry(RECORD, path) is None


def test_attachment_folder_beside_record():
    assert core.attachment_folder(RECORD) == PurePosixPath(FOLDER)


def test_new_entry_leaves_out_empty_note():
    entry = core.new_entry("ID/a.png", "0" * 64, 3, "2024-03-15T15:00:00+08:00", "*经理", None)
    assert list(entry) == ["path", "sha256", "size", "added_at", "by"]


def _body_with_log() -> str:
    return f"# 标题\n\n手写的说明\n\n## 进展跟踪\n\n{LOG_START}\n- 2024-03-15 15:00 *经理: 创建\n{LOG_END}\n"


def _block(*names: str) -> str:
    entries = [{"path": f"CLI-20240315-7K3Q/{name}", "size": 10} for name in names]
    return core.render_block(entries, "附件", core.note_separator("zh-CN"))


def test_replace_block_before_log_heading():
    body = core.replace_block(_body_with_log(), _block("a.png"))
    assert body.index("## 附件") < body.index("## 进展跟踪")
    assert body.replace(_block("a.png") + "\n\n", "") == _body_with_log()


def test_replace_block_swaps_existing_block():
    once = core.replace_block(_body_with_log(), _block("a.png"))
    twice = core.replace_block(once, _block("a.png", "b.png"))
    assert twice.count(core.BLOCK_START) == 1
    assert twice.replace(_block("a.png", "b.png"), _block("a.png")) == once


def test_replace_block_appended_without_log():
    body = core.replace_block("# 标题\n\n正文\n", _block("a.png"))
    assert body == "# 标题\n\n正文\n\n" + _block("a.png") + "\n"


def test_replace_block_log_without_heading_appends():
    original = f"# 标题\n\n段落\n{LOG_START}\n{LOG_END}\n"
    assert core.replace_block(original, _block("a.png")).startswith(original)


def test_block_line_size_and_note():
    entry = {"path": "CLI-20240315-7K3Q/发送截图.png", "size": 2048, "note": "已发送邮件截图"}
    assert core.block_line(entry, "：") == "- [发送截图.png](CLI-20240315-7K3Q/发送截图.png) (2.0 KB)：已发送邮件截图"


def _entry(name: str, sha: str) -> dict[str, object]:
    return {"path": f"CLI-20240315-7K3Q/{name}", "sha256": sha, "size": 1}


def test_compare_files_reports_each_problem():
    listed, invalid = core.listed_files(RECORD, [_entry("gone.png", "a" * 64), _entry("edited.txt", "b" * 64),
                                                 _entry("ok.txt", "c" * 64)])
    present = {PurePosixPath(FOLDER, "edited.txt"), PurePosixPath(FOLDER, "ok.txt"), PurePosixPath(FOLDER, "extra.doc")}
    hashes = {PurePosixPath(FOLDER, "edited.txt"): "d" * 64, PurePosixPath(FOLDER, "ok.txt"): "c" * 64}
    found = {(finding.code, PurePosixPath(finding.path).name) for finding in core.compare_files(RECORD, listed, present, hashes)}
    assert invalid == []
    assert found == {("attachment-missing", "gone.png"), ("attachment-changed", "edited.txt"),
                     ("attachment-unlisted", "extra.doc")}


def test_listed_files_invalid_entries():
    entries = [{"path": "../x.txt", "sha256": "a" * 64}, {"path": "CLI-20240315-7K3Q/y.txt", "sha256": "short"}, "text"]
    listed, findings = core.listed_files(RECORD, entries)
    assert listed == {}
    assert [finding.code for finding in findings] == ["attachment-invalid"] * 3


def test_listed_files_not_a_list():
    _, findings = core.listed_files(RECORD, "CLI-20240315-7K3Q/x.txt")
    assert findings[0].key == "attach.finding_not_list"


def _change(status: str, path: str, old_path: str | None = None, old: str = "1" * 40, new: str = "2" * 40) -> HistoryChange:
    return HistoryChange("f" * 40, "2024-03-16T10:00:00+08:00", "Someone", status, path, old_path, old, new)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (_change("M", f"{FOLDER}/a.png"), "attachment-replaced"),
        (_change("T", f"{FOLDER}/a.png"), "attachment-replaced"),
        (_change("D", f"{FOLDER}/a.png", new="0" * 40), "attachment-deleted"),
        (_change("R085", f"records/2024-Q2-client/CLI-20240315-7K3Q/a.png", f"{FOLDER}/a.png"), "attachment-replaced"),
        (_change("R100", "records/tmp/a.png", f"{FOLDER}/a.png", new="1" * 40), "attachment-deleted"),
        (_change("R100", "records/2024-Q1-client/OTHER/a.png", f"{FOLDER}/a.png", new="1" * 40), "attachment-deleted"),
    ],
)
def test_history_findings_codes(change, code):
    findings = core.history_findings([change])
    assert [finding.code for finding in findings] == [code]
    assert findings[0].record == str(RECORD)


@pytest.mark.parametrize(
    "change",
    [
        _change("A", f"{FOLDER}/a.png", old="0" * 40),
        _change("R100", f"records/2024-Q2-client/CLI-20240315-7K3Q/a.png", f"{FOLDER}/a.png", new="1" * 40),
        _change("M", str(RECORD)),
        _change("M", "commlog.yaml"),
    ],
)
def test_history_findings_ignores(change):
    assert core.history_findings([change]) == []
