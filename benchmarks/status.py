"""Benchmark ``commlog status`` on generated archives of 10,000 and 100,000 records.

Each archive is a real git repository made by ``commlog init`` in a temporary
folder, with records of about 2 KB spread over ten years, 90 % of them in a
final state, written by commlog's own serialisation and deadline code. For
each size the script prints, from one run:

- floor: the median time to read the bytes of every record file, in this process;
- cold: the median wall time of ``commlog status`` without the scan cache
  (as on a fresh clone in CI), as a subprocess;
- warm: the same with the cache of the previous run.

The ratios to the floor are the figures to watch; the goals at 100,000 records
are cold <= 4x and warm <= 1x. Every status run includes the start of a Python
interpreter, which the floor does not.

Usage: python benchmarks/status.py [--sizes 10000 100000] [--runs 3] [--keep]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from commlog.calendar_data import build_calendar, load_official  # noqa: E402
from commlog.core.deadlines import start_deadlines  # noqa: E402
from commlog.core.policy import parse_policy  # noqa: E402
from commlog.core.record import ID_ALPHABET, Record, ordered_meta, record_path  # noqa: E402
from commlog.core.timeparse import format_datetime  # noqa: E402
from commlog.storage.records import record_text  # noqa: E402
from commlog.storage.scan import CACHE_DIR  # noqa: E402
from commlog.templates import TemplateSet  # noqa: E402

ZONE_NAME = "Asia/Shanghai"
FINAL_SHARE = 0.9
YEARS = 10
TYPES = (("client", 0.35), ("collab", 0.2), ("notice", 0.3), ("urgent", 0.15))
FINAL_STATE = {"client": "resolved", "collab": "done", "notice": "withdrawn", "urgent": "reviewed"}
OPEN_STATE = {"client": "in_progress", "collab": "in_progress", "notice": "published", "urgent": "handling"}
PEOPLE = ("*经理", "*专员", "*主管", "*总监", "设计部总监", "产品部主管", "*架构师", "*运维")
DEPARTMENTS = ("市场部", "设计部", "产品部", "销售部", "技术部", "客户成功部", "行政部")
SENTENCE = "客户反馈系统后台数据导出时格式错乱,部分数据丢失,需要尽快排查并给出临时方案。"


class Generator:
    """Generator of realistic record files, written with commlog's own serialisation."""

    def __init__(self, now: datetime, seed: int) -> None:
        from zoneinfo import ZoneInfo

        self.zone = ZoneInfo(ZONE_NAME)
        self.now = now.astimezone(self.zone)
        self.rng = random.Random(seed)
        self.templates = TemplateSet(None)
        self.schemas = {name: self.templates.schema(name) for name, _ in TYPES}
        self.policy = parse_policy({}, "commlog.yaml")
        self.calendar = build_calendar(load_official("CN"), timezone=self.zone)

    def record(self, index: int) -> tuple[str, str]:
        """Return (relative path, text) of the index-th record."""
        rng = self.rng
        type_name = rng.choices([name for name, _ in TYPES], [share for _, share in TYPES])[0]
        final = rng.random() < FINAL_SHARE
        created = self._created(final)
        meta = self._fields(type_name, created)
        meta.update(self._events(meta, created, final, type_name))
        record_id = f"{self.schemas[type_name].prefix}-{created:%Y%m%d}-{_suffix(index)}"
        meta["id"] = record_id
        meta["type"] = type_name
        meta["deadlines"] = start_deadlines(meta, self.schemas[type_name], self.policy, self.calendar)
        path = record_path(created, type_name, record_id)
        body = self._body(meta)
        return str(path), record_text(Record(meta=ordered_meta(self.schemas[type_name], meta), body=body))

    def _created(self, final: bool) -> datetime:
        if final or self.rng.random() < 0.3:
            days = self.rng.uniform(0, YEARS * 365)
        else:
            days = self.rng.uniform(0, 60)
        return (self.now - timedelta(days=days)).replace(second=0, microsecond=0)

    def _fields(self, type_name: str, created: datetime) -> dict[str, Any]:
        rng = self.rng
        people = rng.sample(PEOPLE, 2)
        stamp = format_datetime(created)
        meta: dict[str, Any] = {
            "title": f"{rng.choice(DEPARTMENTS)}{SENTENCE[: rng.randint(8, 20)]}",
            "brief": "\n".join(SENTENCE for _ in range(rng.randint(1, 3))),
            "priority": "urgent" if type_name == "urgent" else "normal",
            "important": type_name != "notice",
            "created_at": stamp,
            "sent_at": stamp,
            "channel": rng.choice(("email", "im", "oa", "meeting")),
            "reference": f"OA-{rng.randint(10000, 99999)}",
            "recipients": people,
            "lead": people[0],
        }
        if type_name == "client":
            meta.update(client="某科技有限公司", client_contact="*总监", category="issue",
                        occurred_at=format_datetime(created - timedelta(minutes=30)),
                        response_plan=["技术部立即排查系统日志", "16:00前提供临时修复版"],
                        owners=[{"department": "技术部", "person": people[0]}, {"department": "客户成功部", "person": people[1]}],
                        due=format_datetime(created + timedelta(days=rng.randint(1, 10))))
        elif type_name == "collab":
            first = (created + timedelta(days=rng.randint(5, 20))).date()
            meta.update(requesting_department="市场部", initiator="*经理", target_departments=["设计部", "产品部"],
                        leads=list(people), tasks=["主海报设计(3版初稿,符合品牌VI)", "产品详情页图文排版"],
                        milestones=[{"name": "初稿提交", "due": first.isoformat()},
                                    {"name": "定稿", "due": (first + timedelta(days=5)).isoformat()}])
        elif type_name == "notice":
            meta.update(issuing_department="行政部", issuer="*主管", audience=list(people))
        else:
            meta.update(occurred_at=format_datetime(created - timedelta(minutes=40)), reporter="*值班员",
                        im_channel="企业微信应急群", impact="部分线上下单失败", actions=["回滚版本", "通知客服"],
                        owners=list(people))
        return meta

    def _events(self, meta: dict[str, Any], created: datetime, final: bool, type_name: str) -> dict[str, Any]:
        """Return acks, feedback, history and status: closed records went through the whole life cycle."""
        rng = self.rng
        initial = self.schemas[type_name].lifecycle.initial
        history = [{"action": "new", "at": meta["created_at"], "by": "*客服", "to": initial, "text": "创建记录"}]
        events: dict[str, Any] = {"status": initial, "history": history}
        if final or rng.random() < 0.6:
            events["acks"] = [
                {"by": person, "at": format_datetime(created + timedelta(minutes=rng.randint(5, 90)))}
                for person in meta["recipients"]
            ]
        if type_name != "notice" and (final or rng.random() < 0.4):
            at = format_datetime(created + timedelta(hours=rng.randint(1, 30)))
            events["feedback"] = [{"by": meta["recipients"][0], "at": at, "text": "已收到,正在处理"}]
        status = FINAL_STATE[type_name] if final else OPEN_STATE[type_name]
        if status != initial:
            at = format_datetime(created + timedelta(days=rng.randint(1, 12)))
            history.append({"action": "close" if final else "update", "at": at, "by": meta["lead"],
                            "from": initial, "to": status, "text": "处理完成" if final else "开始处理"})
            if final:
                events["closed_at"] = at
                events["completed_at"] = at
        events["status"] = status
        return events

    def _body(self, meta: dict[str, Any]) -> str:
        lines = [f"# {meta['title']}", "", "> **背景与目标**", ">", f"> {SENTENCE}", ""]
        lines += [f"- {SENTENCE}" for _ in range(self.rng.randint(1, 3))]
        lines += ["", "## 进展跟踪", "", "<!-- commlog:progress-log -->"]
        lines += [f"- {event['at'][:16].replace('T', ' ')} {event['by']}: {event['text']}" for event in meta.get("history", ())]
        lines += ["<!-- /commlog:progress-log -->", ""]
        return "\n".join(lines)


def _suffix(index: int) -> str:
    """Return four characters of commlog's ID alphabet that differ for every index below 32**4."""
    characters = []
    for _ in range(4):
        index, rest = divmod(index, len(ID_ALPHABET))
        characters.append(ID_ALPHABET[rest])
    return "".join(reversed(characters))


def git_environment(home: Path) -> dict[str, str]:
    """Return an environment whose git configuration is a fixed author in ``home``, nothing of the user's."""
    home.mkdir(parents=True, exist_ok=True)
    config = home / ".gitconfig"
    config.write_text("[user]\n\tname = Benchmark\n\temail = benchmark@example.com\n[init]\n\tdefaultBranch = main\n",
                      encoding="utf-8")
    environment = dict(os.environ, HOME=str(home), GIT_CONFIG_GLOBAL=str(config), GIT_CONFIG_NOSYSTEM="1")
    environment["LC_ALL"] = "C.UTF-8"
    return environment


def build_archive(folder: Path, size: int, environment: dict[str, str]) -> int:
    """Create the repository with ``size`` records and commit them; return the records' total bytes."""
    commlog(["init", str(folder)], folder.parent, environment)
    generator = Generator(datetime.now().astimezone(), seed=size)
    total = 0
    for index in range(size):
        relative, text = generator.record(index)
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        total += path.write_bytes(text.encode("utf-8"))
    subprocess.run(["git", "add", "-A"], cwd=folder, env=environment, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "Add generated records"], cwd=folder, env=environment, check=True)
    return total


def commlog(arguments: list[str], cwd: Path, environment: dict[str, str]) -> float:
    """Run commlog as a subprocess with its output discarded; return the wall time in seconds."""
    started = time.perf_counter()
    completed = subprocess.run([sys.executable, "-m", "commlog", *arguments], cwd=cwd, env=environment,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - started
    if completed.returncode not in (0, 1):
        raise RuntimeError(f"commlog {' '.join(arguments)} failed: {completed.stderr.decode(errors='replace')}")
    return elapsed


def read_floor(folder: Path) -> float:
    """Return the seconds it takes this process to read the bytes of every record file."""
    started = time.perf_counter()
    for directory, _, names in os.walk(folder / "records"):
        for name in names:
            if name.endswith(".md"):
                with open(os.path.join(directory, name), "rb") as stream:
                    stream.read()
    return time.perf_counter() - started


def measure(folder: Path, runs: int, environment: dict[str, str]) -> dict[str, float]:
    """Return the median floor, cold and warm times over ``runs`` rounds."""
    cache = folder / ".git" / CACHE_DIR
    status = ["--repo", str(folder), "status"]
    floors, colds, warms = [], [], []
    for _ in range(runs):
        floors.append(read_floor(folder))
        shutil.rmtree(cache, ignore_errors=True)
        colds.append(commlog(status, folder, environment))
        warms.append(commlog(status, folder, environment))
    return {
        "floor": statistics.median(floors),
        "cold": statistics.median(colds),
        "warm": statistics.median(warms),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3, help="rounds per size; the median is reported")
    parser.add_argument("--keep", action="store_true", help="keep the generated archives and print where")
    options = parser.parse_args()

    base = Path(tempfile.mkdtemp(prefix="commlog-bench-"))
    environment = git_environment(base / "home")
    print(f"{'records':>8} {'KB each':>8} {'floor s':>8} {'cold s':>8} {'warm s':>8} {'cold/floor':>11} {'warm/floor':>11}")
    try:
        for size in options.sizes:
            folder = base / f"archive-{size}"
            average = build_archive(folder, size, environment) / size / 1024
            figures = measure(folder, options.runs, environment)
            floor = figures["floor"]
            print(f"{size:>8} {average:>8.1f} {floor:>8.2f} {figures['cold']:>8.2f} {figures['warm']:>8.2f} "
                  f"{figures['cold'] / floor:>10.1f}x {figures['warm'] / floor:>10.1f}x", flush=True)
    finally:
        if options.keep:
            print(f"archives kept in {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
