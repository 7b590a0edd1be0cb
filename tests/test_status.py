"""``commlog status`` through the real command line: formats, exit statuses, filters and edge cases."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from commlog.render import display_width
from commlog.storage import yamlio
from tests.conftest import CLIENT_FIELDS, NOTICE_FIELDS, URGENT_FIELDS, run_process, set_args, write_files

ITEM_KEYS = {
    "record", "type", "title", "path", "sla", "milestone", "state", "deadline", "breached_at", "met_at",
    "started_at", "clock", "responsible", "seconds_left", "working_seconds_left", "provisional_years",
    "deadline_source", "stored_deadline",
}


def new_client(cli, at: str, **changes: str) -> dict:
    """Create a customer record at ``at`` with ``changes`` to the usual fields; return the JSON of ``new``."""
    fields = {**CLIENT_FIELDS, **changes}
    result = cli("new", "client", "--no-input", "--at", at, "--format", "json", *set_args(fields))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def front_matter(repo: Path, relative: str) -> dict:
    text = (repo / relative).read_text(encoding="utf-8")
    return yamlio.load(text.split("---\n")[1])


def status_json(cli, *args: str) -> dict:
    result = cli("status", "--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def states(data: dict) -> list[tuple[str, str, str]]:
    return [(item["record"], item["sla"], item["state"]) for item in data["items"]]


def test_new_stores_deadlines(cli, repo):
    created = new_client(cli, "2024-03-15 15:00")
    deadlines = front_matter(repo, created["path"])["deadlines"]
    assert deadlines["priority"] == "normal"
    assert deadlines["ack"]["at"] == "2024-03-15T16:00:00+08:00"
    assert deadlines["ack"]["clock"] == "working_hours"
    assert deadlines["ack"]["calendar"].startswith("chinese_calendar ")
    assert deadlines["feedback"]["at"] == "2024-03-18T15:00:00+08:00"
    assert deadlines["backfill"] is False
    assert deadlines["resolution"]["at"] == "2024-03-16T12:00:00+08:00"
    assert deadlines["closeout"]["at"] == "2024-03-21T09:00:00+08:00"


def test_new_urgent_record_stores_backfill(cli, repo):
    result = cli("new", "urgent", "--no-input", "--at", "2024-04-02 11:00", "--format", "json", *set_args(URGENT_FIELDS))
    assert result.exit_code == 0, result.output
    deadlines = front_matter(repo, json.loads(result.stdout)["path"])["deadlines"]
    assert deadlines["priority"] == "urgent"
    assert deadlines["ack"]["at"] == "2024-04-02T11:15:00+08:00"
    assert deadlines["feedback"]["at"] == "2024-04-02T13:00:00+08:00"
    assert deadlines["backfill"]["start"] == "2024-04-02T10:05:00+08:00"
    assert deadlines["backfill"]["at"] == "2024-04-02T12:05:00+08:00"


def test_table_lists_overdue_before_at_risk(cli):
    late = new_client(cli, "2024-03-15 15:00", title="导出异常")
    soon = new_client(cli, "2024-03-15 15:50", title="登录失败")
    result = cli("--lang", "zh-CN", "status", "--at", "2024-03-15 16:40")
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    rows = [line for line in lines if line.startswith(("CLI-", "记录"))]
    assert rows[1].startswith(late["id"])
    assert "已逾期" in rows[1]
    assert "逾期40分钟（工作时间40分钟）" in rows[1]
    assert rows[2].startswith(soon["id"])
    assert "有风险" in rows[2]
    assert "剩余10分钟（工作时间10分钟）" in rows[2]
    assert "已逾期 1 项，有风险 1 项，正常 4 项；评估时刻 2024-03-15 16:40。" in result.stdout


def test_table_columns_align_with_chinese_text(cli):
    new_client(cli, "2024-03-15 15:00", title="导出异常")
    new_client(cli, "2024-03-15 15:05", title="Export fails")
    result = cli("--lang", "zh-CN", "status", "--at", "2024-03-15 16:50")
    table_lines = [line for line in result.stdout.splitlines() if line.startswith(("CLI-", "记录"))]
    assert len(table_lines) == 3
    header = table_lines[0]
    column = display_width(header[: header.index("截止时间")])
    for line in table_lines[1:]:
        assert display_width(line[: line.index("2024-03-15 16:0")]) == column


def test_json_has_stable_keys(cli):
    created = new_client(cli, "2024-03-15 15:00")
    data = status_json(cli, "--at", "2024-03-15 16:30")
    assert set(data) == {"at", "summary", "items", "issues", "provisional_years"}
    assert data["at"] == "2024-03-15T16:30:00+08:00"
    assert data["summary"] == {"overdue": 1, "at_risk": 0, "pending": 2, "met_late": 0, "met": 0}
    ack = data["items"][0]
    assert set(ack) == ITEM_KEYS
    assert ack["record"] == created["id"]
    assert ack["path"] == created["path"]
    assert (ack["sla"], ack["state"], ack["type"]) == ("ack", "overdue", "client")
    assert ack["deadline"] == ack["breached_at"] == "2024-03-15T16:00:00+08:00"
    assert ack["responsible"] == ["*经理", "*专员"]
    assert (ack["seconds_left"], ack["working_seconds_left"]) == (-1800, -1800)
    assert ack["deadline_source"] == "stored"
    assert [item["state"] for item in data["items"][1:]] == ["pending", "pending"]


def test_github_annotations_on_record_file(cli):
    late = new_client(cli, "2024-03-15 15:00")
    new_client(cli, "2024-03-15 15:50")
    result = cli("--lang", "en", "status", "--at", "2024-03-15 16:40", "--format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"::error file={late['path']},title=SLA overdue%3A ack of {late['id']}::")
    assert "deadline 2024-03-15 16:00, 40 minutes late (40 minutes working time)" in lines[0]
    assert lines[1].startswith("::warning file=records/2024-Q1-client/CLI-20240315-")
    assert len(lines) == 2


def test_junit_parses_with_one_case_per_open_sla(cli):
    late = new_client(cli, "2024-03-15 15:00")
    new_client(cli, "2024-03-15 15:50")
    result = cli("--lang", "zh-CN", "status", "--at", "2024-03-15 16:40", "--format", "junit")
    assert result.exit_code == 1
    root = ElementTree.fromstring(result.stdout.encode("utf-8"))
    assert root.tag == "testsuites"
    suite = root.find("testsuite")
    assert {"name", "tests", "failures", "errors"} <= set(suite.attrib)
    allowed = {"skipped", "error", "failure", "system-out", "system-err"}
    assert all(child.tag in allowed for case in suite for child in case)
    cases = suite.findall("testcase")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("6", "1", "0")
    assert len(cases) == 6
    assert all(case.get("name") and case.get("classname") for case in cases)
    failed = [case for case in cases if case.find("failure") is not None]
    assert [case.get("name") for case in failed] == [f"{late['id']} 确认接收"]
    assert failed[0].find("failure").get("type") == "overdue"
    assert late["path"] in failed[0].find("system-out").text


def test_junit_fails_at_risk_with_fail_on(cli):
    new_client(cli, "2024-03-15 15:50")
    result = cli("status", "--at", "2024-03-15 16:40", "--format", "junit", "--fail-on", "at-risk")
    assert result.exit_code == 1
    suite = ElementTree.fromstring(result.stdout).find("testsuite")
    assert suite.get("failures") == "1"
    assert suite.find("testcase/failure").get("type") == "at_risk"


@pytest.mark.parametrize(
    ("at", "options", "expected"),
    [
        ("2024-03-15 15:55", [], 0),
        ("2024-03-15 16:50", [], 0),
        ("2024-03-15 16:50", ["--fail-on", "at-risk"], 1),
        ("2024-03-15 17:01", [], 1),
        ("2024-03-15 17:01", ["--fail-on", "never"], 0),
    ],
)
def test_exit_status(cli, at, options, expected):
    new_client(cli, "2024-03-15 16:00")
    result = cli("status", "--at", at, *options)
    assert result.exit_code == expected, result.output


def test_no_records_exit_zero(cli):
    result = cli("--lang", "en", "status", "--at", "2024-03-15 16:00")
    assert result.exit_code == 0
    assert "No overdue or at-risk SLAs." in result.stdout


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--format", "xml"], "invalid --format value 'xml'"),
        (["--fail-on", "late"], "invalid --fail-on value 'late'. Use one of: overdue, at-risk, never."),
        (["--sla", "acks"], "invalid --sla value 'acks'. Use one of: ack, feedback, backfill, resolution, closeout, milestone."),
        (["--at", "tomorrow"], "invalid time 'tomorrow'"),
        (["--type", "memo"], "unknown record type 'memo'"),
    ],
)
def test_bad_usage_exits_two(cli, options, message):
    result = cli("--lang", "en", "status", *options)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_broken_record_among_good_ones(cli, repo):
    created = new_client(cli, "2024-03-15 15:00")
    write_files(repo, {"records/2024-Q1-client/CLI-20240315-ZZZZ.md": "---\ntitle: [broken\nstatus: open\n---\n"})
    result = cli("--lang", "en", "status", "--at", "2024-03-15 15:30", "--format", "json")
    assert result.exit_code == 1
    assert "record records/2024-Q1-client/CLI-20240315-ZZZZ.md: " in result.stderr
    data = json.loads(result.stdout)
    assert [issue["path"] for issue in data["issues"]] == ["records/2024-Q1-client/CLI-20240315-ZZZZ.md"]
    assert data["issues"][0]["key"] == "record.unparsable"
    assert {item["record"] for item in data["items"]} == {created["id"]}


def test_record_with_unknown_type(cli, repo):
    write_files(repo, {"records/2024-Q1-memo/MEM-20240315-AAAA.md": """\
        ---
        id: MEM-20240315-AAAA
        type: memo
        title: 备忘
        status: open
        created_at: '2024-03-15T10:00:00+08:00'
        ---
        """})
    result = cli("--lang", "en", "status", "--at", "2024-03-15 15:30")
    assert result.exit_code == 1
    assert "record type 'memo' has no template" in result.stderr


@pytest.mark.parametrize("zone", ["UTC", "Asia/Shanghai", "America/New_York"])
def test_machine_time_zone_does_not_matter(cli, repo, zone):
    new_client(cli, "2024-03-15 15:00")
    new_client(cli, "2024-03-15 17:30")
    args = ["--repo", str(repo), "status", "--at", "2024-03-18 09:30", "--format", "json"]
    baseline = run_process(args, cwd=repo, env={"TZ": "Asia/Shanghai"})
    other = run_process(args, cwd=repo, env={"TZ": zone})
    assert baseline.returncode == other.returncode == 1
    assert other.stdout == baseline.stdout
    assert json.loads(other.stdout)["at"] == "2024-03-18T09:30:00+08:00"


def test_strict_fails_on_year_without_holiday_data(cli, repo):
    created = new_client(cli, "2099-03-16 10:00", occurred_at="2099-03-16 09:30", due="2099-03-20 12:00")
    assert front_matter(repo, created["path"])["deadlines"]["ack"]["provisional"] == [2099]

    relaxed = cli("--lang", "en", "status", "--at", "2099-03-16 10:30")
    assert relaxed.exit_code == 0
    assert "which has no holiday data" in relaxed.stderr
    assert "calendar.years.2099" in relaxed.stderr

    strict = cli("--lang", "en", "status", "--at", "2099-03-16 10:30", "--strict")
    assert strict.exit_code == 1
    assert "--strict: deadlines depend on years without holiday data (2099)." in strict.stderr


def test_recompute_uses_current_policy(cli, repo):
    created = new_client(cli, "2024-03-15 15:00")
    config = repo / "commlog.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "normal: {window: 1h, clock: working_hours}", "normal: {window: 30m, clock: working_hours}", 1
        ),
        encoding="utf-8",
    )
    stored = status_json(cli, "--at", "2024-03-15 15:40", "--sla", "ack")
    assert states(stored) == [(created["id"], "ack", "pending")]

    recomputed = status_json(cli, "--at", "2024-03-15 15:40", "--sla", "ack", "--recompute")
    item = recomputed["items"][0]
    assert (item["state"], item["deadline"]) == ("overdue", "2024-03-15T15:30:00+08:00")
    assert item["stored_deadline"] == "2024-03-15T16:00:00+08:00"
    assert item["deadline_source"] == "computed"

    table = cli("--lang", "en", "status", "--at", "2024-03-15 15:40", "--recompute")
    assert "stored deadline was 2024-03-15 16:00" in table.stdout


def test_invalid_policy_is_reported(cli, repo):
    (repo / "commlog.yaml").write_text("sla:\n  ack: {normal: {window: 1h, clock: hourly}}\n", encoding="utf-8")
    result = cli("--lang", "en", "status")
    assert result.exit_code == 2
    assert "key 'sla.ack.normal.clock'. Allowed: calendar, working_hours, working_days." in result.stderr


def test_filters(cli, repo):
    write_files(repo, {"commlog.yaml": """\
        directory:
          people:
            - {name: "*专员", handle: "@li", department: 客户成功部}
        """})
    client = new_client(cli, "2024-03-15 15:00")
    notice = cli("new", "notice", "--no-input", "--at", "2024-03-15 15:00", "--format", "json", *set_args(NOTICE_FIELDS))
    notice_id = json.loads(notice.stdout)["id"]
    at = ("--at", "2024-03-15 16:30")

    assert {item["record"] for item in status_json(cli, *at, "--type", "notice")["items"]} == {notice_id}
    assert {item["sla"] for item in status_json(cli, *at, "--sla", "feedback")["items"]} == {"feedback"}
    by_handle = status_json(cli, *at, "--person", "@li")["items"]
    assert [(item["record"], item["sla"]) for item in by_handle] == [(client["id"], "ack")]
    lead = status_json(cli, *at, "--person", "*经理")["items"]
    assert {item["sla"] for item in lead} == {"ack", "feedback", "resolution"}
    department = status_json(cli, *at, "--department", "客户成功部")["items"]
    assert {item["record"] for item in department} == {client["id"], notice_id}
    assert status_json(cli, *at, "--department", "财务部")["items"] == []


def test_all_lists_met_and_closed(cli, repo):
    write_files(repo, {"records/2024-Q1-notice/NTC-20240315-AAAA.md": """\
        ---
        id: NTC-20240315-AAAA
        type: notice
        title: 值班安排
        status: published
        priority: normal
        important: false
        created_at: '2024-03-15T10:00:00+08:00'
        sent_at: '2024-03-15T10:00:00+08:00'
        recipients:
        - 技术部
        - 客户成功部
        lead: 技术部
        acks:
        - by: 技术部
          at: '2024-03-15T10:20:00+08:00'
        - by: 客户成功部
          at: '2024-03-15T11:30:00+08:00'
        ---
        # 值班安排
        """})
    default = status_json(cli, "--at", "2024-03-18 10:00")
    assert default["items"] == []
    everything = status_json(cli, "--at", "2024-03-18 10:00", "--all")
    assert states(everything) == [("NTC-20240315-AAAA", "ack", "met_late")]
    assert everything["items"][0]["met_at"] == "2024-03-15T11:30:00+08:00"
    assert everything["items"][0]["deadline_source"] == "computed"


def test_fast_path_matches_full_parse(cli, repo):
    for hour in ("10:00", "11:00", "14:00"):
        new_client(cli, f"2024-03-15 {hour}")
    closed = new_client(cli, "2024-03-15 09:00", title="已解决的问题")
    path = repo / closed["path"]
    path.write_text(path.read_text(encoding="utf-8").replace("status: open", "status: resolved"), encoding="utf-8")

    future = ("--at", "2100-01-04 10:00")
    fast = status_json(cli, *future)
    full = status_json(cli, *future, "--all")
    open_items = [item for item in full["items"] if item["state"] in ("overdue", "at_risk", "pending")]
    assert fast["items"] == open_items
    assert closed["id"] not in {item["record"] for item in fast["items"]}
    assert closed["id"] in {item["record"] for item in full["items"]}
    again = status_json(cli, *future)
    assert again == fast


def test_show_includes_sla_state(cli):
    created = new_client(cli, "2024-03-15 15:00")
    result = cli("--lang", "en", "show", created["id"], "--at", "2024-03-15 15:50")
    assert result.exit_code == 0
    assert "SLAs at 2024-03-15 15:50:" in result.stdout
    assert "at risk" in result.stdout
    assert "10 minutes left (10 minutes working time)" in result.stdout

    data = json.loads(cli("show", created["id"], "--at", "2024-03-15 16:10", "--format", "json").stdout)
    assert [(item["sla"], item["state"]) for item in data["slas"]] == [
        ("ack", "overdue"), ("feedback", "pending"), ("resolution", "pending"),
    ]


def test_status_help_in_both_languages(repo):
    # A subprocess, because option help is looked up once, when the command module is imported.
    english = run_process(["--lang", "en", "status", "--help"], cwd=repo)
    chinese = run_process(["--lang", "zh-CN", "status", "--help"], cwd=repo)
    assert b"Exit with status 1 on: overdue (default)" in english.stdout
    assert "何时以状态 1 退出".encode() in chinese.stdout
    assert "列出已逾期和有风险的项".encode() in chinese.stdout


def test_status_on_ascii_console(cli, repo):
    new_client(cli, "2024-03-15 15:00")
    result = run_process(
        ["--repo", str(repo), "--lang", "zh-CN", "status", "--at", "2024-03-15 16:30"],
        cwd=repo, env={"PYTHONIOENCODING": "ascii", "LC_ALL": "C"},
    )
    assert result.returncode == 1
    assert b"Traceback" not in result.stderr
    assert b"CLI-20240315-" in result.stdout
    assert os.linesep.encode() in result.stdout


def test_ack_for_department_counts(cli, repo):
    fields = {
        "title": "五一假期值班安排", "issuing_department": "行政部", "issuer": "*主管",
        "audience": ["技术部", "客户成功部"], "brief": "值班安排", "lead": "技术部",
    }
    created = cli("new", "notice", "--no-input", "--format", "json", "--at", "2024-04-28 10:00", *set_args(fields))
    record_id = json.loads(created.stdout)["id"]
    acked = cli("ack", record_id, "--by", "*技术主管", "--for", "技术部", "--at", "2024-04-28 10:30")
    assert acked.exit_code == 0, acked.output
    report = status_json(cli, "--at", "2024-04-28 12:00", "--sla", "ack")
    assert report["items"][0]["responsible"] == ["客户成功部"]


def test_publish_starts_stored_deadlines(cli, repo):
    created = cli("new", "notice", "--no-input", "--format", "json", "--draft", "--at", "2024-04-26 10:00", *set_args(NOTICE_FIELDS))
    record_id = json.loads(created.stdout)["id"]
    path = repo / json.loads(created.stdout)["path"]
    assert "ack" not in (yamlio.load(path.read_text(encoding="utf-8").split("---\n")[1]).get("deadlines") or {})

    published = cli("publish", record_id, "--at", "2024-04-26 14:00")
    assert published.exit_code == 0, published.output
    deadlines = yamlio.load(path.read_text(encoding="utf-8").split("---\n")[1])["deadlines"]
    assert deadlines["ack"]["at"] == "2024-04-26T15:00:00+08:00"


def test_priority_change_moves_ack_deadline(cli, repo):
    record_id = new_client(cli, "2024-03-15 15:00")["id"]
    updated = cli("update", record_id, "--set", "priority=urgent", "--at", "2024-03-15 15:05")
    assert updated.exit_code == 0, updated.output
    report = status_json(cli, "--at", "2024-03-15 15:10", "--sla", "ack", "--all")
    assert report["items"][0]["deadline"] == "2024-03-15T15:15:00+08:00"
