"""The monthly review, checked on a generated month of records against figures worked out in the test.

Records are created with the real ``commlog new`` at fixed times, then their
acknowledgements, feedback, completion and edits are written into the files the
way later commands store them, and committed with git. Every expectation below
is computed from the plan itself, never by calling commlog's statistics.
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from tests.conftest import AUTHOR_EMAIL, AUTHOR_NAME, FIELDS_BY_TYPE, git, run_cli, set_args

ZONE = ZoneInfo("Asia/Shanghai")
TYPES = ("client", "collab", "notice", "urgent")
CHANNELS = ("email", "phone", "im", "meeting")
CATEGORIES = ("issue", "requirement", "proposal", "after_sales")
REVIEW_AT = datetime(2024, 4, 1, 9, 0, tzinfo=ZONE)
# March 2024 has no public holiday in China, so its working days are Monday to Friday.
MARCH_WORKING_DAYS = [date(2024, 3, day) for day in range(1, 32) if date(2024, 3, day).weekday() < 5]
DISTINCT_TITLES = (
    "季度预算编制口径确认", "新员工入职培训排期", "官网首页改版评审", "华东区渠道返利政策",
    "仓储系统接口联调", "年度审计资料准备", "客服话术库更新", "办公网络升级窗口",
    "直播带货样品寄送", "合同模板法务复核", "服务器机房巡检安排", "会员积分规则调整",
    "展会物料运输协调", "发票抬头变更申请", "供应商准入资质审核", "移动端崩溃率上升",
    "员工体检医院选定", "差旅报销标准修订", "品牌联名活动洽谈", "数据中心电力扩容",
    "春季招聘宣讲行程",
)
REPEATED_TITLES = {0: "系统后台数据导出功能异常", 4: "系统后台数据导出功能再次异常", 8: "后台数据导出功能异常"}


@dataclass
class Planned:
    """One record of the plan: how it is created and what happens to it afterwards."""

    index: int
    type: str
    created: datetime
    title: str
    channel: str
    category: str | None = None
    requesting: str | None = None
    client: str | None = None
    reference: str | None = None
    ack_after: timedelta | None = None
    feedback_after: timedelta | None = None
    completed_after: timedelta | None = None
    changed: list[str] = field(default_factory=list)
    id: str = ""

    @property
    def recipients(self) -> list[str]:
        fields = FIELDS_BY_TYPE[self.type]
        if self.type == "client":
            return [owner.split("|")[1] for owner in fields["owners"]]
        return list(fields[{"collab": "leads", "notice": "audience", "urgent": "owners"}[self.type]])


def plan_month() -> list[Planned]:
    """Return 21 records of March 2024 (one per working day) and 6 of February."""
    planned = []
    for index, day in enumerate(MARCH_WORKING_DAYS):
        type_name = TYPES[index % 4]
        created = datetime(day.year, day.month, day.day, 9, 30, tzinfo=ZONE) + timedelta(minutes=97 * (index % 4))
        item = Planned(
            index=index,
            type=type_name,
            created=created,
            title=REPEATED_TITLES.get(index, DISTINCT_TITLES[index]),
            channel=CHANNELS[(index // 4) % 4],
            category=CATEGORIES[(index // 4) % 4] if type_name == "client" else None,
            requesting=("市场部", "销售部")[(index // 4) % 2] if type_name == "collab" else None,
            client=("某科技有限公司" if index in (0, 8) else f"客户{index}号公司") if type_name == "client" else None,
            reference=f"OA-{index}" if index % 8 == 0 else None,
            ack_after=None if index % 5 == 4 else timedelta(minutes=(index * 37) % 300 + 5),
            feedback_after=None if index % 3 == 2 else timedelta(minutes=(index * 53) % 600 + 30),
            completed_after=timedelta(hours=3 * (index + 1)) if type_name != "notice" and index % 3 == 0 else None,
            changed=["due"] if type_name == "client" and index % 8 == 0 else ["risks"] if type_name == "collab" else [],
        )
        planned.append(item)
    for offset, day in enumerate((1, 2, 5, 6, 7, 8)):
        created = datetime(2024, 2, day, 10, 0, tzinfo=ZONE)
        planned.append(Planned(index=100 + offset, type=TYPES[offset % 2], created=created,
                               title=f"二月事项{offset}", channel="email",
                               category="issue" if offset % 2 == 0 else None,
                               requesting="市场部" if offset % 2 else None,
                               client=f"二月客户{offset}" if offset % 2 == 0 else None))
    return planned


def _fields(item: Planned) -> dict[str, object]:
    fields = dict(FIELDS_BY_TYPE[item.type])
    fields["title"] = item.title
    fields["channel"] = item.channel
    if item.type == "client":
        fields["category"] = item.category
        fields["client"] = item.client
        fields["occurred_at"] = (item.created - timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M")
        fields["due"] = (item.created + timedelta(days=3)).strftime("%Y-%m-%d %H:%M")
    if item.type == "collab":
        fields["requesting_department"] = item.requesting
    if item.type == "urgent":
        fields["occurred_at"] = (item.created - timedelta(minutes=40)).strftime("%Y-%m-%d %H:%M")
    if item.reference:
        fields["reference"] = item.reference
    return fields


def _stamp(moment: datetime) -> str:
    return moment.isoformat()


def _add_events(path: Path, item: Planned) -> None:
    """Write acknowledgements, feedback, completion and field edits into a record file."""
    text = path.read_text(encoding="utf-8")
    _, front, body = text.split("---\n", 2)
    meta = yaml.safe_load(front)
    if item.ack_after is not None:
        meta["acks"] = [{"by": name, "at": _stamp(item.created + item.ack_after - timedelta(minutes=3 * number))}
                        for number, name in enumerate(reversed(item.recipients))]
    if item.feedback_after is not None:
        meta["feedback"] = [
            {"by": item.recipients[0], "at": _stamp(item.created + item.feedback_after + timedelta(hours=1)),
             "text": "补充说明"},
            {"by": item.recipients[-1], "at": _stamp(item.created + item.feedback_after), "text": "已收到,处理中"},
        ]
    for key in item.changed:
        meta["history"].append({"action": "update", "at": _stamp(item.created + timedelta(hours=1)),
                                "by": "*经理", "text": f"修改 {key}", "fields": [key]})
    if item.completed_after is not None:
        final = {"client": "resolved", "collab": "done", "urgent": "resolved"}[item.type]
        done_at = _stamp(item.created + item.completed_after)
        meta["history"].append({"action": "close", "at": done_at, "by": "*经理", "from": meta["status"],
                                "to": final, "text": "办结"})
        meta["status"] = final
        meta["completed_at"] = done_at
    dumped = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
    path.write_text(f"---\n{dumped}---\n{body}", encoding="utf-8")


def build_month(cli, repo: Path) -> list[Planned]:
    """Create every planned record in ``repo`` and commit the events; return the plan with IDs."""
    planned = plan_month()
    for item in planned:
        result = cli("new", item.type, "--no-input", "--format", "json", "--at",
                     item.created.strftime("%Y-%m-%d %H:%M"), *set_args(_fields(item)))
        assert result.exit_code == 0, result.output
        created = json.loads(result.stdout)
        item.id = created["id"]
        _add_events(repo / created["path"], item)
    git(repo, "add", "records")
    git(repo, "commit", "--quiet", "-m", "Record the month's events")
    return planned


# Independent reference computations for the expectations.

def working_minutes(start: datetime, end: datetime) -> int:
    """Count working minutes from start to end, minute by minute (Monday to Friday, 9-12 and 13-18)."""
    minutes = 0
    moment = start.astimezone(ZONE)
    end = end.astimezone(ZONE)
    while moment < end:
        in_hours = 9 <= moment.hour < 12 or 13 <= moment.hour < 18
        day = moment.date()
        working_day = day in MAKE_UP_DAYS_2024 or (moment.weekday() < 5 and day not in HOLIDAYS_2024)
        if working_day and in_hours:
            minutes += 1
        moment += timedelta(minutes=1)
    return minutes


# The State Council's arrangement for 2024: Spring Festival 10 to 17 February
# (weekdays 12 to 16 off, Sundays 4 and 18 February worked) and Qingming 4 to 6
# April (Sunday 7 April worked).
HOLIDAYS_2024 = {date(2024, 2, day) for day in range(12, 17)} | {date(2024, 4, 4), date(2024, 4, 5)}
MAKE_UP_DAYS_2024 = {date(2024, 2, 4), date(2024, 2, 18), date(2024, 4, 7)}


def median_of(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def nearest_rank(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(share * len(ordered)) - 1]


# Fixtures: the month is built once per module, in its own isolated git environment.

@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory):
    """Return (repo, plan) of a repository holding the generated month."""
    home = tmp_path_factory.mktemp("month-home")
    config = home / ".gitconfig"
    config.write_text(f"[user]\n\tname = {AUTHOR_NAME}\n\temail = {AUTHOR_EMAIL}\n"
                      "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n", encoding="utf-8")
    root = tmp_path_factory.mktemp("month") / "records-repo"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(home))
        patch.setenv("GIT_CONFIG_GLOBAL", str(config))
        patch.setenv("GIT_CONFIG_NOSYSTEM", "1")
        assert run_cli(["init", str(root)]).exit_code == 0

        def invoke(*args: str):
            return run_cli(["--repo", str(root), *args])

        planned = build_month(invoke, root)
    return root, planned


def review(root: Path, *args: str, lang: str = "en"):
    return run_cli(["--repo", str(root), "--lang", lang, "report", "--month", "2024-03",
                    "--at", "2024-04-01 09:00", *args])


@pytest.fixture(scope="module")
def figures(month) -> dict:
    root, _ = month
    result = review(root, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def march(planned: list[Planned]) -> list[Planned]:
    return [item for item in planned if item.created.month == 3]


def counts(figures: dict, name: str) -> dict[str, tuple[int, int]]:
    return {group["key"]: (group["count"], group["previous"]) for group in figures["volume"][name]}


def timing(figures: dict, name: str) -> dict:
    return next(item for item in figures["timings"] if item["name"] == name)


# Volume

def test_report_totals(figures):
    assert figures["total"] == 21
    assert figures["previous_total"] == 6


def test_report_period_bounds(figures):
    assert figures["period"]["start"] == "2024-03-01T00:00:00+08:00"
    assert figures["period"]["end"] == "2024-04-01T00:00:00+08:00"
    assert figures["previous"]["label"] == "2024-02"


def test_report_volume_by_type(figures, month):
    _, planned = month
    now = Counter(item.type for item in march(planned))
    before = Counter(item.type for item in planned if item.created.month == 2)
    expected = {name: (now[name], before[name]) for name in set(now) | set(before)}
    assert counts(figures, "type") == expected


def test_report_volume_by_category(figures, month):
    _, planned = month
    now = Counter(f"client/{item.category}" for item in march(planned) if item.category)
    assert {key: value[0] for key, value in counts(figures, "category").items() if value[0]} == dict(now)
    assert counts(figures, "category")["client/issue"][1] == 3


def test_report_volume_by_channel(figures, month):
    _, planned = month
    now = Counter(item.channel for item in march(planned))
    assert {key: value[0] for key, value in counts(figures, "channel").items()} == dict(now)


def test_report_volume_by_departments(figures, month):
    _, planned = month
    items = march(planned)
    requesting = Counter(item.requesting for item in items if item.requesting)
    requesting["行政部"] = sum(1 for item in items if item.type == "notice")
    collabs = sum(1 for item in items if item.type == "collab")
    clients = sum(1 for item in items if item.type == "client")
    found = {key: value[0] for key, value in counts(figures, "requesting_department").items() if value[0]}
    assert found == dict(requesting)
    receiving = {key: value[0] for key, value in counts(figures, "receiving_department").items()}
    assert receiving == {"设计部": collabs, "产品部": collabs, "销售部": collabs, "技术部": clients, "客户成功部": clients}


def test_report_daily_series(figures):
    daily = {item["date"]: item["count"] for item in figures["daily"]}
    assert len(daily) == 31
    assert daily["2024-03-02"] == 0
    assert daily["2024-03-04"] == 1


# Response times

@pytest.mark.parametrize("name", ["ack", "feedback", "resolution"])
def test_report_timing_median_p90(figures, month, name):
    _, planned = month
    attribute = {"ack": "ack_after", "feedback": "feedback_after", "resolution": "completed_after"}[name]
    spans = [working_minutes(item.created, item.created + getattr(item, attribute)) * 60
             for item in march(planned) if getattr(item, attribute) is not None]
    found = timing(figures, name)
    assert found["count"] == len(spans)
    assert found["median_seconds"] == int(median_of(spans))
    assert found["p90_seconds"] == nearest_rank(spans, 0.9)


# Repeats, open work, improvements

def test_report_repeat_topics(figures, month):
    _, planned = month
    expected = {item.id for item in planned if item.index in REPEATED_TITLES}
    assert [set(group["ids"]) for group in figures["repeat_topics"]] == [expected]


def test_report_repeat_clients(figures, month):
    _, planned = month
    expected = [item.id for item in planned if item.index in (0, 8)]
    assert figures["repeat_clients"] == [{"name": "某科技有限公司", "ids": expected}]


def test_report_longest_open(figures, month):
    _, planned = month
    still_open = [item for item in march(planned) if item.type != "notice" and item.completed_after is None]
    still_open += [item for item in planned if item.created.month == 2 and item.type in ("client", "collab")]
    still_open.sort(key=lambda item: item.created)
    assert figures["open_total"] == len(still_open)
    assert [item["id"] for item in figures["longest_open"]] == [item.id for item in still_open[:10]]
    oldest = figures["longest_open"][0]
    assert oldest["open_seconds"] == int((REVIEW_AT - still_open[0].created).total_seconds())
    assert oldest["open_working_seconds"] == working_minutes(still_open[0].created, REVIEW_AT) * 60


def test_report_empty_optional_fields(figures, month):
    _, planned = month
    clients = [item for item in march(planned) if item.type == "client"]
    tallies = {(item["type"], item["field"]): (item["count"], item["total"]) for item in figures["empty_fields"]}
    assert tallies[("client", "follow_up")] == (len(clients), len(clients))
    assert tallies[("client", "reference")] == (sum(1 for item in clients if not item.reference), len(clients))


def test_report_changed_fields(figures, month):
    _, planned = month
    items = march(planned)
    changed = Counter((item.type, key) for item in items for key in item.changed)
    totals = Counter(item.type for item in items)
    found = {(item["type"], item["field"]): (item["count"], item["total"]) for item in figures["changed_fields"]}
    assert found == {key: (count, totals[key[0]]) for key, count in changed.items()}


# Markdown

def test_report_markdown_english(month, figures):
    root, _ = month
    result = review(root)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Communication review 2024-03\n")
    assert "| Records created | 21 | 6 | +15 (+250%) |" in result.stdout
    assert "| Customer communication record | 6 | 3 | +3 (+100%) |" in result.stdout


def test_report_markdown_chinese(month):
    root, planned = month
    result = review(root, lang="zh-CN")
    assert result.exit_code == 0, result.output
    assert "# 沟通复盘 2024-03" in result.stdout
    assert "| 新建记录 | 21 | 6 | +15 (+250%) |" in result.stdout
    assert "### 相似标题" in result.stdout
    first = next(item for item in planned if item.index == 0)
    assert f"**系统后台数据导出功能异常** (3): {first.id} 系统后台数据导出功能异常" in result.stdout


def test_report_markdown_timing_row(month):
    root, planned = month
    spans = [working_minutes(item.created, item.created + item.ack_after) for item in march(planned)
             if item.ack_after is not None]
    middle = int(median_of(spans))
    shown = f"{middle // 60} h {middle % 60:02d} min" if middle >= 60 else f"{middle} min"
    result = review(root)
    assert f"| Acknowledged by every recipient | {len(spans)} | {shown} |" in result.stdout


def test_report_stderr_quiet_without_tty(month):
    root, _ = month
    result = review(root)
    assert result.stderr == ""


def test_report_output_file(month, tmp_path):
    root, _ = month
    target = tmp_path / "review.md"
    result = review(root, "--output", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8").startswith("# Communication review 2024-03")


# Commit

def test_report_commit_adds_review(cli, repo):
    result = cli("report", "--month", "2024-03", "--at", "2024-04-01 09:00", "--commit")
    assert result.exit_code == 0, result.output
    assert (repo / "reports" / "2024-03.md").is_file()
    message = git(repo, "log", "-1", "--format=%B")
    assert "Commlog-Action: report" in message
    assert git(repo, "show", "--name-only", "--format=", "HEAD").split() == ["reports/2024-03.md"]


# Periods and errors

def test_report_quarter_period(month):
    root, _ = month
    result = run_cli(["--repo", str(root), "report", "--quarter", "2024-Q1", "--at", "2024-04-01 09:00",
                      "--format", "json"])
    data = json.loads(result.stdout)
    assert data["total"] == 27
    assert data["previous"]["label"] == "2023-Q4"


def test_report_range_period(month):
    root, _ = month
    result = run_cli(["--repo", str(root), "report", "--from", "2024-03-04", "--to", "2024-03-08",
                      "--at", "2024-04-01 09:00", "--format", "json"])
    data = json.loads(result.stdout)
    assert data["total"] == 5
    assert data["previous"]["start"] == "2024-02-28T00:00:00+08:00"


@pytest.mark.parametrize("args, message", [
    ([], "give exactly one period"),
    (["--month", "2024-13"], "invalid --month value '2024-13'"),
    (["--month", "2024-03", "--quarter", "2024-Q1"], "give exactly one period"),
    (["--from", "2024-03-01"], "--from and --to go together"),
    (["--from", "2024-03-09", "--to", "2024-03-01"], "invalid --to value '2024-03-01'"),
])
def test_report_bad_period(cli, args, message):
    result = cli("report", *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_report_bad_period_chinese(cli):
    result = cli("--lang", "zh-CN", "report", "--quarter", "2024-Q5")
    assert "--quarter 的值 '2024-Q5' 无效" in result.stderr


def test_report_progress_bar_on_terminal(month):
    """The progress bar is drawn on standard error when it is a terminal, and stdout stays clean."""
    import pty
    import subprocess
    import sys

    root, _ = month
    controller, terminal = pty.openpty()
    completed = subprocess.run(
        [sys.executable, "-m", "commlog", "--repo", str(root), "report", "--month", "2024-03",
         "--at", "2024-04-01 09:00", "--format", "json"],
        stdout=subprocess.PIPE, stderr=terminal, check=False, timeout=120,
    )
    os.close(terminal)
    drawn = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:
            break
        if not chunk:
            break
        drawn += chunk
    os.close(controller)
    assert completed.returncode == 0
    assert b"Reading records [" in drawn
    assert json.loads(completed.stdout)["total"] == 21


def test_report_lists_unreadable_records(cli, repo):
    broken = repo / "records" / "2024-Q1-client" / "CLI-20240305-AAAA.md"
    broken.parent.mkdir(parents=True)
    broken.write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    result = cli("report", "--month", "2024-03", "--at", "2024-04-01 09:00")
    assert result.exit_code == 0, result.output
    assert "Not counted, unreadable: records/2024-Q1-client/CLI-20240305-AAAA.md" in result.stdout


# SLA attainment, against deadlines worked out minute by minute

def working_deadline(start: datetime, minutes: int) -> datetime:
    """Return the moment when ``minutes`` working minutes have passed since ``start``."""
    moment = start
    while working_minutes(start, moment) < minutes:
        moment += timedelta(minutes=1)
    return moment


def expected_ack_state(item: Planned) -> str:
    """Judge the ack SLA: 1 working hour, or 15 calendar minutes for urgent records.

    A record that reached a final state has every earlier SLA met at that moment.
    """
    if item.type == "urgent":
        deadline = item.created + timedelta(minutes=15)
    else:
        deadline = working_deadline(item.created, 60)
    met_after = item.ack_after if item.ack_after is not None else item.completed_after
    if met_after is None:
        return "overdue" if REVIEW_AT > deadline else "pending"
    return "met" if item.created + met_after <= deadline else "met_late"


def test_report_ack_attainment(figures, month):
    _, planned = month
    expected: dict[str, Counter] = {}
    for item in march(planned):
        expected.setdefault(item.type, Counter())[expected_ack_state(item)] += 1
    found = {tally["type"]: Counter({state: count for state, count in tally.items()
                                     if state not in ("sla", "type") and count})
             for tally in figures["sla"] if tally["sla"] == "ack"}
    assert found == expected


def test_report_overdue_acks_name_recipients(figures, month):
    _, planned = month
    never_acked = [item for item in march(planned) if item.ack_after is None and item.completed_after is None]
    found = {item["id"]: item["responsible"] for item in figures["overdue"] if item["sla"] == "ack"}
    for item in never_acked:
        assert found[item.id] == item.recipients


def test_report_overdue_lateness(figures, month):
    _, planned = month
    item = next(item for item in march(planned)
                if item.ack_after is None and item.completed_after is None and item.type != "urgent")
    overdue = next(entry for entry in figures["overdue"] if entry["id"] == item.id and entry["sla"] == "ack")
    deadline = working_deadline(item.created, 60)
    assert overdue["deadline"] == deadline.isoformat()
    assert overdue["late_seconds"] == int((REVIEW_AT - deadline).total_seconds())


def test_report_markdown_overdue_section(month, figures):
    root, _ = month
    result = review(root)
    assert f"## Overdue now ({len(figures['overdue'])})" in result.stdout
    assert "| ID | Title | SLA | Deadline | Late by | Who must act |" in result.stdout
