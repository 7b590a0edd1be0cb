"""Generate a realistic records archive as a real git repository, for the benchmarks.

Records are written directly (not through ``commlog new``) so that an archive
of 100,000 records takes seconds, but they have the layout, size (about 2 KB)
and front matter that commlog itself writes.
"""

from __future__ import annotations

import random
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

ZONE = timezone(timedelta(hours=8))
TYPES = ("client", "collab", "notice", "urgent")
PREFIXES = {"client": "CLI", "collab": "COL", "notice": "NTC", "urgent": "URG"}
FINAL = {"client": "resolved", "collab": "done", "notice": "withdrawn", "urgent": "reviewed"}
OPEN = {"client": "in_progress", "collab": "in_progress", "notice": "published", "urgent": "handling"}
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def record_text(record_id: str, type_name: str, created: datetime, closed: bool, rng: random.Random) -> str:
    """Return the text of one record of about 2 KB."""
    status = FINAL[type_name] if closed else OPEN[type_name]
    stamp = created.isoformat()
    due = (created + timedelta(days=2)).isoformat()
    closed_line = f"closed_at: '{(created + timedelta(days=3)).isoformat()}'\n" if closed else ""
    brief = "客户反馈导出功能异常,需要技术部尽快排查并给出临时方案。" * 3
    return (
        "---\n"
        f"id: {record_id}\ntype: {type_name}\ntitle: 第{rng.randint(1, 999)}号沟通事项:数据导出与报表格式问题跟进\n"
        f"client: 某科技有限公司\nclient_contact: '*总监'\ncategory: issue\n"
        f"occurred_at: '{stamp}'\nchannel: remote_meeting\nbrief: {brief}\n"
        "response_plan:\n- 技术部立即排查系统日志\n- 16:00前提供临时修复版\n- 次日12:00前提交根本原因分析报告\n"
        "owners:\n- department: 技术部\n  person: '*经理'\n- department: 客户成功部\n  person: '*专员'\n"
        f"due: '{due}'\nstatus: {status}\npriority: normal\nimportant: true\n"
        f"created_at: '{stamp}'\nsent_at: '{stamp}'\nrecipients:\n- '*经理'\n- '*专员'\nlead: '*经理'\n"
        f"acks:\n- by: '*经理'\n  at: '{stamp}'\nhistory:\n- action: new\n  at: '{stamp}'\n  by: '*专员'\n  to: open\n"
        f"  text: 创建记录\n{closed_line}"
        "---\n"
        f"# 数据导出与报表格式问题跟进\n\n> {brief}\n\n## 进展跟踪\n\n"
        "<!-- commlog:progress-log -->\n"
        f"- {created:%Y-%m-%d %H:%M} *专员: 创建记录\n"
        "<!-- /commlog:progress-log -->\n"
    )


def build_archive(root: Path, count: int, closed_share: float = 0.9, seed: int = 7) -> None:
    """Create ``root`` as a git repository holding ``count`` records over ten years, and commit them."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    _git(root, "init", "-q")
    _git(root, "config", "user.name", "Benchmark")
    _git(root, "config", "user.email", "benchmark@example.com")
    _git(root, "config", "commit.gpgsign", "false")
    (root / "commlog.yaml").write_text("schema_version: 1\n", encoding="utf-8")
    start = datetime(2015, 1, 1, 9, 0, tzinfo=ZONE)
    span = (datetime(2024, 12, 31, tzinfo=ZONE) - start).total_seconds()
    for index in range(count):
        created = start + timedelta(seconds=span * index / count)
        type_name = TYPES[index % len(TYPES)]
        suffix = "".join(rng.choice(ALPHABET) for _ in range(4))
        record_id = f"{PREFIXES[type_name]}-{created:%Y%m%d}-{suffix}"
        quarter = (created.month - 1) // 3 + 1
        folder = root / "records" / f"{created.year}-Q{quarter}-{type_name}"
        folder.mkdir(parents=True, exist_ok=True)
        closed = rng.random() < closed_share
        (folder / f"{record_id}.md").write_text(record_text(record_id, type_name, created, closed, rng), encoding="utf-8")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", f"archive of {count} records")
