"""Scanning records: the lexical fast path never disagrees with YAML, and the cache is never stale."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
import yaml

from commlog.storage import scan, yamlio
from commlog.storage.classify import classify
from commlog.storage.scan import scan_records

FINAL = {("client", "resolved"), ("collab", "done"), ("collab", "cancelled")}


def is_final(type_name: str, status: str) -> bool:
    return (type_name, status) in FINAL


def record_bytes(front: str, body: str = "# 标题\n\n正文\n") -> bytes:
    return f"---\n{textwrap.dedent(front).lstrip()}---\n{body}".encode("utf-8")


def parsed_state(data: bytes) -> tuple[str, str] | None:
    """Return (type, status) as the full YAML parse reads them, or None when the front matter does not parse."""
    text = data.decode("utf-8").lstrip("\ufeff")
    front = text.split("\n---\n", 1)[0].split("\n", 1)[1] + "\n"
    try:
        meta = yamlio.load(front)
    except yaml.YAMLError:
        return None
    if not isinstance(meta, dict):
        return None
    return meta.get("type"), meta.get("status")


CANONICAL = {
    "id": "CLI-20240315-7K3Q",
    "type": "client",
    "client": "某科技有限公司",
    "client_contact": "*总监",
    "title": "系统后台: 数据导出功能异常",
    "brief": "导出Excel时格式错乱\nstatus: open\n\"引号\"",
    "response_plan": ["技术部立即排查系统日志", "16:00前提供临时修复版"],
    "owners": [{"department": "技术部", "person": "*经理"}],
    "due": "2024-03-16T12:00:00+08:00",
    "status": "resolved",
    "priority": "normal",
    "important": True,
    "recipients": ["*经理"],
    "acks": [],
    "deadlines": {"priority": "normal", "backfill": False, "ack": {"at": "2024-03-15T16:00:00+08:00", "clock": "calendar"}},
}


def test_dumped_record_takes_the_fast_path():
    data = f"---\n{yamlio.dump(CANONICAL)}---\n# body\n".encode("utf-8")
    assert classify(data) == ("client", "resolved")


# Front matter where a line that reads "status: ..." may not be the top-level status. For each,
# classify must give up (None) or agree with the full parse.
TRICKY = [
    "type: client\ntitle: 'abc\nstatus: resolved'\nstatus: open\n",
    "type: client\ntitle: 'abc\nstatus: resolved\n  more'\n",
    'type: client\ntitle: "abc \\" x\nstatus: resolved"\nstatus: open\n',
    "type: client\ntitle: [a,\nstatus: resolved]\nstatus: open\n",
    "type: client\nowners:\n  [a,\nstatus: resolved,\n  b]\nstatus: open\n",
    "type: client\ntitle: {a: 1,\nstatus: resolved}\nstatus: open\n",
    "type: client\nit's: 'v\nstatus: resolved'\nstatus: open\n",
    "type: client\nstatus: resolved\nstatus: open\n",
    "type: client\nstatus: resolved\n\"status\": open\n",
    "type: client\nstatus: resolved\n'status': open\n",
    "type: client\nstatus : open\nstatus: resolved\n",
    "type: client\nstatus: resolved\n  extra\n",
    "type: client\nstatus: resolved\n\n  extra\n",
    "type: client\nstatus: resolved # done\n",
    "type: client\nstatus: 'resolved'\n",
    "type: client\nstatus: !!str resolved\n",
    "type: client\nstatus: &s resolved\n",
    "type: client\nbase: &b {status: open}\n<<: *b\nstatus: resolved\n",
    "type: client\n? status\n: open\nstatus: resolved\n",
    "type: client\nstatus:\n  resolved\n",
    "type: client\nstatus: |\n  resolved\n",
    "type: client\nstatus: resolved\n...\nstatus: open\n",
    "type: client\r\nstatus: resolved\r\n",
    "type: client\n\tstatus: resolved\n",
    "- type: client\nstatus: resolved\n",
    "type: client\nnote: >\n  text\nstatus: resolved\n",
    "type: client\nlist:\n- 'a'\n- \"b\"\nstatus: resolved\n",
    "type: client\ntext: 'it''s done'\nstatus: resolved\n",
    "type: client\ntext: 'it''s\nstatus: resolved\n  open'\n",
    "type: client\ntitle: a: b\nstatus: resolved\n",
    "Type: client\nstatus: resolved\n",
    "type: client\nStatus: open\nstatus: resolved\n",
    "type: client\nstatus: resolved\ntype: collab\n",
    "type: collab\nstatus: cancelled\ntitle: '*'\n",
    "type: client\nstatus: resolved\nacks: []\nfeedback: {}\n",
    "type: client\nstatus: resolved\nacks: [a]\n",
]


@pytest.mark.parametrize("front", TRICKY)
def test_classify_never_disagrees_with_yaml(front):
    data = record_bytes(front)
    found = classify(data)
    assert found is None or found == parsed_state(data)


@pytest.mark.parametrize(
    "front",
    [
        "type: client\ntitle: 'abc\nstatus: resolved'\nstatus: open\n",
        "type: client\nit's: 'v\nstatus: resolved'\n",
        'type: client\ntitle: "a\\"\nstatus: resolved"\n',
        "type: client\ntitle: [a,\nstatus: resolved]\n",
        "type: client\nstatus: resolved\n  extra\n",
        "type: client\nstatus: resolved\nstatus: open\n",
    ],
)
def test_classify_gives_up_on_hidden_status(front):
    assert classify(record_bytes(front)) is None


def test_classify_reads_bom_and_plain_record():
    assert classify(b"\xef\xbb\xbf" + record_bytes("type: collab\nstatus: done\n")) == ("collab", "done")
    assert classify(b"no front matter\n") is None
    assert classify(b"---\ntype: client\nstatus: resolved\n") is None


def write_record(root: Path, name: str, front: str, folder: str = "2024-Q1-client") -> Path:
    path = root / "records" / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(record_bytes(front))
    return path


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    write_record(tmp_path, "CLI-20240315-AAAA.md", "id: CLI-20240315-AAAA\ntype: client\nstatus: resolved\n")
    write_record(tmp_path, "CLI-20240315-BBBB.md", "id: CLI-20240315-BBBB\ntype: client\nstatus: open\n")
    write_record(tmp_path, "CLI-20240315-CCCC.md", "id: CLI-20240315-CCCC\ntype: client\nstatus: [open\n")
    (tmp_path / "records" / "2024-Q1-client" / "CLI-20240315-AAAA").mkdir()
    (tmp_path / "records" / "2024-Q1-client" / "notes.txt").write_text("not a record", encoding="utf-8")
    return tmp_path


def test_scan_skips_final_and_reports_broken(archive):
    result = scan_records(archive, is_final)
    assert [record.path for record in result.records] == ["records/2024-Q1-client/CLI-20240315-BBBB.md"]
    assert [(problem.path, problem.key) for problem in result.problems] == [
        ("records/2024-Q1-client/CLI-20240315-CCCC.md", "record.unparsable")
    ]
    assert result.problems[0].params["line"] >= 4
    assert (result.stats.files, result.stats.skipped, result.stats.parsed) == (3, 1, 2)


def test_scan_parse_all_reads_final_records(archive):
    result = scan_records(archive, is_final, parse_all=True)
    assert [record.meta["id"] for record in result.records] == ["CLI-20240315-AAAA", "CLI-20240315-BBBB"]


def test_scan_reports_non_utf8(tmp_path):
    path = write_record(tmp_path, "CLI-20240315-DDDD.md", "type: client\nstatus: open\n")
    path.write_bytes(path.read_bytes() + "\n中文".encode("gbk"))
    result = scan_records(tmp_path, is_final)
    assert [(problem.key, problem.params["path"]) for problem in result.problems] == [
        ("record.not_utf8", "records/2024-Q1-client/CLI-20240315-DDDD.md")
    ]


def test_cache_reused_until_file_changes(archive, monkeypatch):
    monkeypatch.setattr(scan, "RACY_SECONDS", 0)
    cache = archive / ".git" / "commlog-cache"
    first = scan_records(archive, is_final, cache_dir=cache)
    second = scan_records(archive, is_final, cache_dir=cache)
    assert (second.stats.cached, second.stats.read) == (3, 0)
    assert second.records == first.records
    assert second.problems == first.problems

    write_record(archive, "CLI-20240315-AAAA.md", "id: CLI-20240315-AAAA\ntype: client\nstatus: in_progress\n")
    third = scan_records(archive, is_final, cache_dir=cache)
    assert third.stats.read == 1
    assert [record.meta["id"] for record in third.records] == ["CLI-20240315-AAAA", "CLI-20240315-BBBB"]


def test_cache_not_trusted_for_same_size_and_mtime(archive, monkeypatch):
    monkeypatch.setattr(scan, "RACY_SECONDS", 0)
    cache = archive / ".git" / "commlog-cache"
    path = archive / "records" / "2024-Q1-client" / "CLI-20240315-BBBB.md"
    scan_records(archive, is_final, cache_dir=cache)
    before = path.stat()
    path.write_bytes(path.read_bytes().replace(b"status: open", b"status: done"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    result = scan_records(archive, is_final, cache_dir=cache)
    assert [record.meta["status"] for record in result.records if record.meta["id"] == "CLI-20240315-BBBB"] == ["done"]


def test_cache_skips_files_changed_just_now(archive):
    cache = archive / ".git" / "commlog-cache"
    scan_records(archive, is_final, cache_dir=cache)
    again = scan_records(archive, is_final, cache_dir=cache)
    assert again.stats.cached == 0
    assert again.stats.read == 3


def test_parse_all_caches_final_state_only(archive, monkeypatch):
    monkeypatch.setattr(scan, "RACY_SECONDS", 0)
    cache = archive / ".git" / "commlog-cache"
    scan_records(archive, is_final, parse_all=True, cache_dir=cache)
    quick = scan_records(archive, is_final, cache_dir=cache)
    assert (quick.stats.cached, quick.stats.skipped) == (3, 1)
    full = scan_records(archive, is_final, parse_all=True, cache_dir=cache)
    assert full.stats.read == 1
    assert len(full.records) == 2


def test_broken_cache_is_ignored(archive, monkeypatch):
    monkeypatch.setattr(scan, "RACY_SECONDS", 0)
    cache = archive / ".git" / "commlog-cache"
    cache.mkdir(parents=True)
    (cache / scan.CACHE_FILE).write_bytes(b"not marshal data")
    result = scan_records(archive, is_final, cache_dir=cache)
    assert result.stats.read == 3
    assert scan_records(archive, is_final, cache_dir=cache).stats.cached == 3


def test_scan_without_records_folder(tmp_path):
    result = scan_records(tmp_path, is_final)
    assert (result.records, result.problems, result.stats.files) == ([], [], 0)


def test_parallel_scan_matches_sequential(tmp_path, monkeypatch):
    for index in range(40):
        status = "resolved" if index % 3 else "open"
        write_record(tmp_path, f"CLI-20240315-{index:04d}.md", f"id: CLI-20240315-{index:04d}\ntype: client\nstatus: {status}\n")
    write_record(tmp_path, "CLI-20240315-ZZZZ.md", "type: client\nstatus: [open\n")
    write_record(tmp_path, "CLI-20240315-DATE.md", "type: client\nstatus: open\ncreated_at: 2024-03-15\n")
    sequential = scan_records(tmp_path, is_final, workers=1)
    monkeypatch.setattr(scan, "PARALLEL_MIN_FILES", 1)
    parallel = scan_records(tmp_path, is_final, workers=2)
    assert parallel.records == sequential.records
    assert parallel.problems == sequential.problems
    assert parallel.stats == sequential.stats
    assert len(parallel.records) == 15
