"""Time ``commlog --help`` and ``commlog new`` against plain ``git add`` + ``git commit``.

For each archive size (default 10,000 and 100,000 records) this builds a real
git repository, then prints the median wall time of, measured in the same run:
``python -c pass``, ``commlog --help``, ``git add`` + ``git commit`` of one new
file, and ``commlog new client`` with its commit. Goals: ``new`` within 2x of
the plain git commit, ``--help`` within 150 ms.

Usage: python benchmarks/new_record.py [--sizes 10000,100000] [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from archive import build_archive  # noqa: E402

NEW_ARGS = [
    "new", "client", "--no-input",
    "--set", "client=某科技有限公司", "--set", "client_contact=*总监", "--set", "category=issue",
    "--set", "title=系统后台数据导出功能异常", "--set", "occurred_at=2024-03-15 14:30",
    "--set", "channel=remote_meeting", "--set", "brief=导出Excel时格式错乱",
    "--set", "response_plan=技术部立即排查系统日志", "--set", "owners=技术部|*经理",
    "--set", "due=2024-03-16 12:00", "--at", "2024-03-15 15:00",
]


def median_seconds(command: list[str], cwd: Path, runs: int, prepare=None) -> float:
    """Run ``command`` ``runs`` times (after one warm-up) and return the median wall time."""
    samples = []
    for index in range(runs + 1):
        if prepare is not None:
            prepare(index)
        started = time.perf_counter()
        subprocess.run(command, cwd=cwd, check=True, capture_output=True)
        elapsed = time.perf_counter() - started
        if index > 0:
            samples.append(elapsed)
    return statistics.median(samples)


def measure(size: int, runs: int, workdir: Path) -> dict[str, float]:
    root = workdir / f"archive-{size}"
    started = time.perf_counter()
    build_archive(root, size)
    print(f"# built {size} records in {time.perf_counter() - started:.1f} s", flush=True)
    commlog = [sys.executable, "-m", "commlog"]
    results = {"python -c pass": median_seconds([sys.executable, "-c", "pass"], root, runs)}
    results["commlog --help"] = median_seconds([*commlog, "--help"], root, runs)

    def write_plain(index: int) -> None:
        (root / "plain").mkdir(exist_ok=True)
        (root / "plain" / f"note-{index}.md").write_text(f"note {index}\n", encoding="utf-8")

    git_add_commit = ["sh", "-c", 'git add -- plain && git commit -q -m "plain note"']
    results["git add + git commit"] = median_seconds(git_add_commit, root, runs, prepare=write_plain)
    results["commlog new"] = median_seconds([*commlog, *NEW_ARGS], root, runs)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()
    os.environ.setdefault("GIT_CONFIG_NOSYSTEM", "1")
    with tempfile.TemporaryDirectory(prefix="commlog-bench-") as temporary:
        for size in (int(value) for value in options.sizes.split(",")):
            results = measure(size, options.runs, Path(temporary))
            floor = results["git add + git commit"]
            print(f"records: {size}  (median of {options.runs} runs)")
            for name, seconds in results.items():
                ratio = f"  {seconds / floor:.2f}x git" if name == "commlog new" else ""
                print(f"  {name:<22} {seconds * 1000:8.1f} ms{ratio}")
            print(flush=True)


if __name__ == "__main__":
    main()
