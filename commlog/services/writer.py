"""Writing a record and committing it as one step that either completes or leaves nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from commlog.errors import CommlogError
from commlog.services.workspace import Workspace
from commlog.storage.lock import repository_lock
from commlog.storage.records import write_atomic


@dataclass(frozen=True)
class FileChange:
    """The new text of one file, and its text before (None when the file is new)."""

    path: PurePosixPath
    text: str
    previous: str | None


def write_and_commit(
    workspace: Workspace,
    changes: Sequence[FileChange],
    message: str | None,
) -> str | None:
    """Write ``changes`` atomically and commit exactly those files with ``message``.

    With ``message`` None the files are written and not committed. When the
    commit fails, every file is put back as it was (a new file is removed)
    before the error is raised. Returns the new commit id.
    """
    git = workspace.git
    with repository_lock(git.git_dir):
        if message is not None:
            git.check_can_commit()
        written: list[FileChange] = []
        try:
            for change in changes:
                write_atomic(workspace.root / change.path, change.text)
                written.append(change)
            if message is None:
                return None
            return git.commit_paths([change.path for change in changes], message)
        except (CommlogError, OSError, KeyboardInterrupt):
            _restore(workspace, written)
            raise


def _restore(workspace: Workspace, written: Sequence[FileChange]) -> None:
    for change in reversed(written):
        target = workspace.root / change.path
        if change.previous is None:
            target.unlink(missing_ok=True)
            _remove_empty_parents(workspace, target.parent)
        else:
            write_atomic(target, change.previous)


def _remove_empty_parents(workspace: Workspace, folder: object) -> None:
    from pathlib import Path

    current = Path(str(folder))
    records = workspace.root / "records"
    while current != records and records in current.parents:
        try:
            current.rmdir()
        except OSError:
            return
        current = current.parent
