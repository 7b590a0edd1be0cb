"""Build a demo records repository for two months and take the README's screenshot of the review page.

Usage: python docs/make_screenshot.py [WORK_DIR]

The records are made with ``commlog new`` at fixed times; acknowledgements,
feedback and completions are written into the front matter the way the
event commands store them, then committed. Headless Chromium (Debian's
``chromium`` package) renders ``docs/report-screenshot.png``.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

ZONE = ZoneInfo("Asia/Shanghai")
DOCS = Path(__file__).resolve().parent
TITLES = {
    "client": ["系统后台数据导出功能异常", "后台数据导出功能再次异常", "批量下单接口需求", "签收单据补打", "发票抬头变更",
               "续约报价确认", "账号权限开通", "报表口径解释", "退货流程咨询", "系统后台数据导出格式错乱"],
    "collab": ["Q2新品上市营销物料制作", "官网首页改版评审", "仓储系统接口联调", "展会物料运输协调", "年度审计资料准备",
               "直播带货样品寄送", "客服话术库更新"],
    "notice": ["五一假期值班安排", "办公网络升级窗口", "差旅报销标准修订", "员工体检医院选定", "消防演练通知"],
    "urgent": ["生产环境订单服务中断", "支付回调大量失败", "机房空调故障", "短信通道欠费停发"],
}
CLIENTS = ["某科技有限公司", "某贸易有限公司", "某物流有限公司", "某零售集团", "某制造有限公司"]
DEPARTMENTS = [("技术部", "*经理"), ("客户成功部", "*专员"), ("产品部", "*主管"), ("销售部", "*总监")]
CHANNELS = ["email", "phone", "im", "meeting", "oa", "remote_meeting"]


def commlog(repo: Path, *args: str) -> str:
    completed = subprocess.run([sys.executable, "-m", "commlog", "--repo", str(repo), *args],
                               capture_output=True, text=True, check=True)
    return completed.stdout


def fields(kind: str, rng: random.Random, created: datetime) -> list[str]:
    title = rng.choice(TITLES[kind])
    values: dict[str, object] = {"title": title, "channel": rng.choice(CHANNELS)}
    if kind == "client":
        owners = rng.sample(DEPARTMENTS, 2)
        values.update(client=rng.choice(CLIENTS), client_contact="*总监",
                      category=rng.choice(["issue", "issue", "requirement", "proposal", "after_sales"]),
                      occurred_at=(created - timedelta(minutes=20)).strftime("%Y-%m-%d %H:%M"),
                      brief="客户反馈问题,需要跟进", response_plan=["排查原因", "给出方案"],
                      owners=[f"{department}|{person}" for department, person in owners],
                      due=(created + timedelta(days=2)).strftime("%Y-%m-%d %H:%M"), lead=owners[0][1])
    elif kind == "collab":
        values.update(requesting_department=rng.choice(["市场部", "销售部", "产品部"]), initiator="*经理",
                      target_departments=rng.sample(["设计部", "产品部", "技术部", "销售部"], 2),
                      leads=["*设计总监", "*产品主管"], lead="*设计总监", brief="按期完成交付",
                      tasks=["主视觉设计", "详情页排版"],
                      milestones=[f"初稿|{(created + timedelta(days=5)):%m-%d}", f"定稿|{(created + timedelta(days=9)):%m-%d}"])
    elif kind == "notice":
        values.update(issuing_department=rng.choice(["行政部", "人力资源部"]), issuer="*主管",
                      audience=["技术部", "客户成功部"], lead="技术部", brief="请各部门知悉并执行")
    else:
        values.update(occurred_at=(created - timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M"), reporter="*值班员",
                      im_channel="企业微信应急群", impact="部分用户受影响", brief="监控告警", actions=["回滚", "通知客服"],
                      owners=["*架构师", "*运维"], lead="*架构师")
    args = []
    for key, value in values.items():
        for item in value if isinstance(value, list) else [value]:
            args += ["--set", f"{key}={item}"]
    return args


def add_events(path: Path, rng: random.Random, created: datetime, kind: str) -> None:
    _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
    meta = yaml.safe_load(front)
    recipients = meta["recipients"]
    if rng.random() < 0.85:
        meta["acks"] = [{"by": name, "at": (created + timedelta(minutes=rng.randint(5, 75))).isoformat()}
                        for name in recipients]
    if rng.random() < 0.75:
        meta["feedback"] = [{"by": recipients[0], "at": (created + timedelta(minutes=rng.randint(30, 900))).isoformat(),
                             "text": "已处理"}]
    if rng.random() < 0.3:
        key = {"client": "due", "collab": "milestones", "notice": "brief", "urgent": "actions"}[kind]
        meta["history"].append({"action": "update", "at": (created + timedelta(hours=2)).isoformat(), "by": "*经理",
                                "text": f"修改 {key}", "fields": [key]})
    final = {"client": "resolved", "collab": "done", "urgent": "resolved"}.get(kind)
    if final and rng.random() < 0.75:
        done = created + timedelta(hours=rng.randint(2, 60))
        meta["history"].append({"action": "close", "at": done.isoformat(), "by": "*经理", "from": meta["status"],
                                "to": final, "text": "办结"})
        meta["status"] = final
        meta["completed_at"] = done.isoformat()
    path.write_text(f"---\n{yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)}---\n{body}", encoding="utf-8")


def build(repo: Path) -> None:
    rng = random.Random(20240331)
    subprocess.run([sys.executable, "-m", "commlog", "init", str(repo)], check=True, capture_output=True)
    day = date(2024, 2, 1)
    while day <= date(2024, 3, 29):
        if day.weekday() < 5:
            for _ in range(rng.randint(1, 5) + (2 if day.month == 3 else 0)):
                kind = rng.choices(["client", "collab", "notice", "urgent"], weights=[5, 3, 2, 1])[0]
                created = datetime(day.year, day.month, day.day, rng.randint(9, 17), rng.choice([0, 15, 30, 45]),
                                   tzinfo=ZONE)
                output = commlog(repo, "new", kind, "--no-input", "--format", "json", "--at",
                                 created.strftime("%Y-%m-%d %H:%M"), *fields(kind, rng, created))
                add_events(repo / json.loads(output)["path"], rng, created, kind)
        day += timedelta(days=1)
    subprocess.run(["git", "-C", str(repo), "add", "records"], check=True)
    subprocess.run(["git", "-C", str(repo), "commit", "--quiet", "-m", "Record the events"], check=True)


def main() -> None:
    work = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="commlog-demo-"))
    repo = work / "records-repo"
    shutil.rmtree(repo, ignore_errors=True)
    build(repo)
    page = work / "review.html"
    commlog(repo, "--lang", "zh-CN", "report", "--month", "2024-03", "--at", "2024-04-01 09:00",
            "--format", "html", "--output", str(page))
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={work / 'profile'}", f"--screenshot={DOCS / 'report-screenshot.png'}",
                    "--window-size=1200,2000", page.as_uri()], check=True, capture_output=True)
    print(f"{page}\n{DOCS / 'report-screenshot.png'}")


if __name__ == "__main__":
    main()
