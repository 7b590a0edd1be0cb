"""``commlog check``: one small bad record per finding code, output formats and exit statuses."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from tests.check_helpers import codes, create_record, edit_meta, edit_text, findings
from tests.conftest import git, run_process, write_files

ID_NUMBER = "11010519491231002X"


@pytest.fixture
def record(cli, repo) -> str:
    return create_record(cli, "client")


def test_check_clean_repository(cli, record):
    result = cli("check")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "0 error(s), 0 warning(s) in 1 file(s) checked."


def test_check_chinese_summary(cli, record):
    result = cli("--lang", "zh-CN", "check")
    assert result.stdout.strip() == "共检查 1 个文件：0 个错误，0 个警告。"


def set_key(key, value):
    def change(meta):
        meta[key] = value
    return change


def drop_key(key):
    def change(meta):
        del meta[key]
    return change


@pytest.mark.parametrize(
    ("change", "code", "line"),
    [
        (drop_key("title"), "missing-field", 2),
        (drop_key("type"), "missing-field", 2),
        (set_key("status", "已解决"), "invalid-value", 21),
        (set_key("category", "complaint"), "invalid-value", 6),
        (set_key("due", "2024-03-16 12:00"), "invalid-value", 20),
        (set_key("important", "yes"), "invalid-value", 23),
        (set_key("response_plan", "排查日志"), "invalid-value", 11),
        (set_key("owners", [{"department": "技术部"}]), "invalid-value", 16),
        (set_key("type", "complaint"), "invalid-value", 3),
        (set_key("id", "CLI-2024-0315"), "invalid-value", 2),
        (set_key("acks", [{"by": "*经理", "at": "yesterday"}]), "invalid-value", "  at: yesterday"),
        (set_key("id", "CLI-20240315-AAAA"), "id-mismatch", 2),
        (set_key("created_at", "2024-04-01T09:00:00+08:00"), "folder-mismatch", 24),
        (set_key("mood", "good"), "unknown-key", "mood:"),
        (set_key("client_contact", "*总监 13812345678"), "pii-mobile", 5),
        (set_key("client_contact", f"*总监 {ID_NUMBER}"), "pii-id-card", 5),
        (set_key("lead", "wang@corp.cn"), "pii-email", 29),
        (set_key("follow_up", "退款至 6222021234567890128"), "pii-bank-card", "follow_up:"),
    ],
)
def test_check_front_matter_codes(cli, repo, record, change, code, line):
    edit_meta(repo, record, change)
    _, found = findings(cli)
    assert code in codes(found)
    finding = next(item for item in found if item["code"] == code)
    assert finding["path"] == record
    assert finding["line"] == (line if isinstance(line, int) else line_starting(repo / record, line))


def line_starting(path: Path, prefix: str) -> int:
    """Return the number of the first line of a file that starts with ``prefix`` (keys added at the end)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, text in enumerate(lines, 1) if text.startswith(prefix))


def test_check_missing_field_names_key(cli, repo, record):
    edit_meta(repo, record, drop_key("brief"))
    _, found = findings(cli)
    assert found[0]["message"] == "required field 'brief' is missing or empty."


def test_check_error_exits_one(cli, repo, record):
    edit_meta(repo, record, drop_key("title"))
    assert cli("check").exit_code == 1


def test_check_unknown_key_is_warning(cli, repo, record):
    edit_meta(repo, record, set_key("mood", "good"))
    result = cli("check")
    assert result.exit_code == 0
    assert "warning [unknown-key]" in result.stdout


def test_check_strict_makes_warning_error(cli, repo, record):
    edit_meta(repo, record, set_key("mood", "good"))
    assert cli("check", "--strict").exit_code == 1


def test_check_folder_quarter_in_configured_zone(cli, repo):
    # 2024-04-01 07:30 in Shanghai is 2024-03-31 23:30 UTC: Q1 in UTC, Q2 in the configured zone.
    path = create_record(cli, "client", "2024-04-01 07:30")
    assert path.startswith("records/2024-Q2-client/")
    edit_meta(repo, path, set_key("created_at", "2024-03-31T23:30:00+00:00"))
    assert findings(cli)[1] == []


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [
        ("---\nid: a: b\n---\nbody\n", "invalid-yaml", 2),
        ("# Just a heading\n", "no-front-matter", 1),
        ("---\nid: CLI-20240315-AAAA\n", "no-front-matter", 3),
        ("---\n- a list\n---\n", "invalid-yaml", 2),
    ],
)
def test_check_unparsable_files(cli, repo, record, text, code, line):
    write_files(repo, {"records/2024-Q1-client/CLI-20240315-AAAA.md": text})
    _, found = findings(cli)
    finding = next(item for item in found if item["path"].endswith("AAAA.md"))
    assert finding["code"] == code
    assert finding["line"] == line


def test_check_conflict_markers(cli, repo, record):
    edit_text(repo, record, "status: open\n", "<<<<<<< HEAD\nstatus: open\n=======\nstatus: resolved\n>>>>>>> other\n")
    _, found = findings(cli)
    assert codes(found) == ["conflict-markers"] * 3
    assert [item["line"] for item in found] == [21, 23, 25]


def test_check_not_utf8(cli, repo, record):
    path = repo / record
    path.write_bytes(path.read_bytes().replace("导出".encode("utf-8"), "导出".encode("gbk"), 1))
    _, found = findings(cli)
    assert codes(found) == ["not-utf8"]
    assert found[0]["line"] == 7


def test_check_duplicate_id(cli, repo, record):
    copy = record.replace("2024-Q1-client", "2024-Q2-client")
    write_files(repo, {copy: (repo / record).read_text(encoding="utf-8")})
    _, found = findings(cli)
    duplicates = [item for item in found if item["code"] == "duplicate-id"]
    assert [item["path"] for item in duplicates] == [record, copy]


def test_check_duplicate_found_for_single_path(cli, repo, record):
    other = create_record(cli, "client")
    other_id = Path(other).stem
    edit_meta(repo, record, set_key("id", other_id))
    _, found = findings(cli, str(repo / record))
    assert "duplicate-id" in codes(found)


def test_check_pii_in_body(cli, repo, record):
    (repo / record).write_text((repo / record).read_text(encoding="utf-8") + "\n客户手机 13812345678\n", encoding="utf-8")
    _, found = findings(cli)
    assert codes(found) == ["pii-mobile"]
    assert "13812345678" not in found[0]["message"]
    assert "138******78" in found[0]["message"]


def test_check_pii_allowed_domain(cli, repo, record):
    (repo / "commlog.yaml").write_text("check:\n  pii:\n    allowed_email_domains: [corp.cn]\n", encoding="utf-8")
    edit_meta(repo, record, set_key("lead", "wang@corp.cn"))
    assert findings(cli)[1] == []


def test_check_pii_per_key_detectors(cli, repo, record):
    (repo / "commlog.yaml").write_text("check:\n  pii:\n    keys:\n      client_contact: []\n", encoding="utf-8")
    edit_meta(repo, record, set_key("client_contact", "*总监 13812345678"))
    assert findings(cli)[1] == []


def test_check_email_in_text_field_default_ignored(cli, repo, record):
    edit_meta(repo, record, set_key("reference", "Re: 导出问题 <abc@mail.corp.cn>"))
    assert findings(cli)[1] == []


def test_check_severity_override(cli, repo, record):
    (repo / "commlog.yaml").write_text("check:\n  severity:\n    unknown-key: 'off'\n", encoding="utf-8")
    edit_meta(repo, record, set_key("mood", "good"))
    assert findings(cli)[1] == []


def test_check_bad_config_exits_two(cli, repo, record):
    (repo / "commlog.yaml").write_text("check:\n  pii:\n    person: [phone]\n", encoding="utf-8")
    result = cli("check")
    assert result.exit_code == 2
    assert "check.pii.person" in result.stderr


def test_check_invalid_value_masks_pii(cli, repo, record):
    edit_meta(repo, record, set_key("category", "13812345678"))
    _, found = findings(cli)
    messages = " ".join(item["message"] for item in found)
    assert "13812345678" not in messages


def test_check_paths_limit_files(cli, repo, record):
    other = create_record(cli, "notice", "2024-05-06 10:00")
    edit_meta(repo, other, drop_key("title"))
    assert findings(cli, str(repo / record))[1] == []
    assert codes(findings(cli, str(repo / "records"))[1]) == ["missing-field"]


def test_check_path_outside_repository(cli, repo, record, tmp_path):
    result = cli("check", str(tmp_path))
    assert result.exit_code == 2
    assert "outside the repository" in result.stderr


def test_check_attachment_markdown_not_a_record(cli, repo, record):
    folder = record[: -len(".md")]
    write_files(repo, {f"{folder}/notes.md": "no front matter here\n"})
    assert codes(findings(cli)[1]) == ["attachment-unlisted"]


def test_check_stray_record_folder_mismatch(cli, repo, record):
    write_files(repo, {"records/" + Path(record).name: (repo / record).read_text(encoding="utf-8")})
    git(repo, "rm", "--quiet", record)
    _, found = findings(cli)
    assert codes(found) == ["folder-mismatch"]


def test_check_github_format(cli, repo, record):
    edit_meta(repo, record, drop_key("title"))
    result = cli("check", "--format", "github")
    first = result.stdout.splitlines()[0]
    assert first == (f"::error file={record},line=2,title=commlog missing-field::"
                     "required field 'title' is missing or empty.")


def test_check_github_escapes_newlines(cli, repo, record):
    edit_meta(repo, record, set_key("mood", "good"))
    result = cli("check", "--format", "github")
    assert result.stdout.startswith("::warning file=")


def test_check_junit_format(cli, repo, record):
    create_record(cli, "notice", "2024-05-06 10:00")
    edit_meta(repo, record, drop_key("title"))
    result = cli("check", "--format", "junit")
    root = ElementTree.fromstring(result.stdout.encode("utf-8"))
    suite = root.find("testsuite")
    assert suite.get("tests") == "2"
    assert suite.get("failures") == "1"
    failures = root.findall(".//failure")
    assert [failure.get("type") for failure in failures] == ["missing-field"]


def test_check_json_counts(cli, repo, record):
    edit_meta(repo, record, drop_key("title"))
    data = json.loads(cli("check", "--format", "json").stdout)
    assert (data["checked"], data["errors"], data["warnings"]) == (1, 1, 0)


def test_check_bad_format(cli, record):
    assert cli("check", "--format", "xml").exit_code == 2


def test_check_as_subprocess(repo, cli, record):
    edit_meta(repo, record, drop_key("title"))
    completed = run_process(["check"], cwd=repo)
    assert completed.returncode == 1
    assert b"missing-field" in completed.stdout
