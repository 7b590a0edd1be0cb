"""A lock so that two commlog processes never write to one repository at once.

``filelock`` uses ``fcntl.flock`` on Linux and macOS and ``msvcrt.locking`` on
Windows; the lock is released by the operating system if the process dies.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from commlog.errors import GitStateError

LOCK_NAME = "commlog.lock"
WAIT_SECONDS = 10.0


@contextmanager
def repository_lock(git_dir: Path, timeout: float = WAIT_SECONDS) -> Iterator[None]:
    """Hold the commlog lock of a repository for the duration of a write."""
    from filelock import FileLock, Timeout

    path = git_dir / LOCK_NAME
    lock = FileLock(str(path), timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise GitStateError("lock.busy", path=str(path), seconds=int(timeout)) from None
    try:
        yield
    finally:
        lock.release()
