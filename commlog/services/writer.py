"""Writing a record and committing it as one step that either completes or leaves nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from commlog.errors import CommlogError
from commlog.services.workspace import Workspace
from commlog.storage.lock import repository_lock
from commlog.storage.records import copy_atomic, write_atomic


@dataclass(frozen=True)
class FileChange:
    """The new text of one file, and its text before (None when the file is new)."""

    path: PurePosixPath
    text: str
    previous: str | None


@dataclass(frozen=True)
class FileCopy:
    """A new file copied byte for byte from ``source``, whose content must hash to ``sha256``.

    Binary files (attachments) are written this way; an existing file at
    ``path`` is never overwritten.
    """

    path: PurePosixPath
    source: Path
    sha256: str

    @property
    def previous(self) -> None:
        return None


def write_and_commit(
    workspace: Workspace,
    changes: Sequence[FileChange | FileCopy],
    message: str | None,
    unchanged: Sequence[PurePosixPath] = (),
) -> str | None:
    """Write ``changes`` atomically and commit exactly those files with ``message``.

    ``unchanged`` names files already in the work tree that the commit
    includes as they are. With ``message`` None the files are written and not
    committed. When the commit fails, every file is put back as it was (a new
    file is removed) before the error is raised. Returns the new commit id.
    """
    git = workspace.git
    with repository_lock(git.git_dir):
        if message is not None:
            git.check_can_commit()
        written: list[FileChange | FileCopy] = []
        try:
            for change in changes:
                _write(workspace, change)
                written.append(change)
            if message is None:
                return None
            # The user named each copied or adopted file, so it is committed
            # even where .gitignore matches it, as `git add --force` would.
            forced = [*(change.path for change in changes if isinstance(change, FileCopy)), *unchanged]
            return git.commit_paths([*(change.path for change in changes), *unchanged], message, forced)
        except (CommlogError, OSError, ValueError, KeyboardInterrupt):
            _restore(workspace, written)
            raise


def _write(workspace: Workspace, change: FileChange | FileCopy) -> None:
    target = workspace.root / change.path
    if isinstance(change, FileCopy):
        copy_atomic(change.source, target, change.sha256)
    else:
        write_atomic(target, change.text)


def _restore(workspace: Workspace, written: Sequence[FileChange | FileCopy]) -> None:
    for change in reversed(written):
        target = workspace.root / change.path
        if change.previous is None:
            target.unlink(missing_ok=True)
            _remove_empty_parents(workspace, target.parent)
        else:
            write_atomic(target, change.previous)


def _remove_empty_parents(workspace: Workspace, folder: object) -> None:
    current = Path(str(folder))
    records = workspace.root / "records"
    while current != records and records in current.parents:
        try:
            current.rmdir()
        except OSError:
            return
        current = current.parent
