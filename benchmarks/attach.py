"""Time ``commlog attach`` against plain ``cp`` + ``git add`` + ``git commit``, and the attachment checks.

Builds a real archive (default 10,000 records) and prints median wall times,
measured in the same run. The first pair is a plain copy of one file of
``--megabytes`` (default 20, the default limit) committed with git, and
``commlog attach`` of the same file with its commit. After attaching a small
file to ``--attached`` records (default 1,000), one commit each, it also
prints the time of the attachment check of every record (hashing each listed
file; parsing the records is timed apart) and of the history audit, both run
in this process.

Usage: python benchmarks/attach.py [--records 10000] [--megabytes 20] [--attached 1000] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path, PurePosixPath

sys.path.insert(0, str(Path(__file__).resolve().parent))
from archive import build_archive  # noqa: E402
from new_record import median_seconds  # noqa: E402


def record_paths(root: Path, count: int) -> list[PurePosixPath]:
    """Return the first ``count`` record paths of the archive, in folder order."""
    from commlog.storage.records import iter_record_paths

    paths = []
    for path in iter_record_paths(root):
        paths.append(path)
        if len(paths) == count:
            break
    return paths


def time_single_attach(root: Path, source: Path, runs: int) -> dict[str, float]:
    """Time a plain git commit of ``source`` and ``commlog attach`` of it, alternately named."""
    record_id = record_paths(root, 1)[0].stem
    (root / "plain").mkdir(exist_ok=True)
    copy_and_commit = 'cp "$0" "plain/$(date +%s%N).bin" && git add -- plain && git commit -q -m "plain file"'
    plain = ["sh", "-c", copy_and_commit, str(source)]
    attach = [sys.executable, "-m", "commlog", "attach", record_id, str(source), "--at", "2024-12-31 12:00"]
    return {
        "cp + git add + git commit": median_seconds(plain, root, runs),
        "commlog attach": median_seconds(attach, root, runs),
    }


def attach_many(root: Path, count: int, folder: Path) -> None:
    """Attach a small file to each of ``count`` records, one commit each, through the service."""
    from commlog.services.attachments import AttachRequest, attach_files
    from commlog.services.workspace import open_workspace

    workspace = open_workspace(root)
    note = folder / "回执.txt"
    note.write_text("read receipt\n", encoding="utf-8")
    for path in record_paths(root, count):
        attach_files(workspace, AttachRequest(record_id=path.stem, files=[note]))


def time_integrity(root: Path) -> dict[str, float]:
    """Time the check of every record's attachments and the audit of the whole history."""
    from commlog.services.attachments import audit_attachments, check_orphan_folders, check_record_attachments
    from commlog.services.workspace import open_workspace
    from commlog.storage.records import iter_record_paths, load_meta

    started = time.perf_counter()
    metas = [(path, load_meta(root, path)) for path in iter_record_paths(root)]
    parsed = time.perf_counter() - started
    started = time.perf_counter()
    findings = check_orphan_folders(root)
    for path, meta in metas:
        findings += check_record_attachments(root, path, meta)
    checked = time.perf_counter() - started
    started = time.perf_counter()
    audited = audit_attachments(open_workspace(root))
    results = {
        "parse every record (for comparison)": parsed,
        "attachment check (all records)": checked,
        "audit (whole history)": time.perf_counter() - started,
    }
    assert not findings, "the attachment check of a clean archive must find nothing"
    assert not audited, "the audit of a clean archive must find nothing"
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--megabytes", type=float, default=20)
    parser.add_argument("--attached", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    os.environ.setdefault("GIT_CONFIG_NOSYSTEM", "1")
    with tempfile.TemporaryDirectory(prefix="commlog-bench-") as temporary:
        workdir = Path(temporary)
        root = workdir / "archive"
        build_archive(root, options.records)
        source = workdir / "现场录像.bin"
        source.write_bytes(os.urandom(int(options.megabytes * 1024 * 1024)))

        results = time_single_attach(root, source, options.runs)
        started = time.perf_counter()
        attach_many(root, options.attached, workdir)
        per_attach = (time.perf_counter() - started) / options.attached
        results["attach service, small file (mean)"] = per_attach
        results.update(time_integrity(root))

    print(f"records: {options.records}, file: {options.megabytes:g} MB, attached records: {options.attached}")
    for name, seconds in results.items():
        print(f"  {name:<36} {seconds * 1000:9.1f} ms")


if __name__ == "__main__":
    main()
