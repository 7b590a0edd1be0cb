"""Time ``commlog check``: every record, one file (as pre-commit runs it), and ``--base`` for one change.

For each archive size (default 10,000 records) this builds a real git
repository with :mod:`archive` and prints the median wall time of each form.
The archive's records all carry client fields, so records of the other types
produce findings; the timing includes rendering them as JSON.

Usage: python benchmarks/check.py [--sizes 10000] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from archive import build_archive  # noqa: E402


def median_seconds(args: list[str], cwd: Path, runs: int) -> float:
    """Run ``python -m commlog ARGS`` once to warm up, then ``runs`` times; return the median wall time."""
    command = [sys.executable, "-m", "commlog", *args]
    subprocess.run(command, cwd=cwd, capture_output=True, check=False)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(size: int, runs: int) -> None:
    """Build an archive of ``size`` records, change one record on a branch, and print the three timings."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "archive"
        build_archive(root, size)
        first = sorted((root / "records").glob("*-client/*.md"))[0]
        base = subprocess.run(["git", "branch", "--show-current"], cwd=root, check=True,
                              capture_output=True, text=True).stdout.strip()
        subprocess.run(["git", "switch", "-q", "-c", "feature"], cwd=root, check=True)
        first.write_text(first.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        relative = first.relative_to(root).as_posix()
        forms = {
            "check (all records)": ["check", "--format", "json"],
            "check one file": ["check", relative],
            "check --base (one change)": ["check", "--base", base, "--format", "json"],
        }
        for name, args in forms.items():
            seconds = median_seconds(args, root, runs)
            print(f"{size:>7} records  {name:<28} {seconds * 1000:9.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000")
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    for size in (int(value) for value in options.sizes.split(",")):
        measure(size, options.runs)


if __name__ == "__main__":
    main()
