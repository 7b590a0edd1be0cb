"""Writing a record and committing it as one step that either completes or leaves nothing."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from commlog.errors import CommlogError, GitStateError
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


@contextmanager
def writing(workspace: Workspace, commit: bool = True) -> Iterator[None]:
    """Hold the repository lock and, when ``commit`` is true, check that git can commit now.

    A command reads the record, computes its change and calls
    :func:`commit_changes` inside this block, so no other commlog process can
    write the same record between the read and the commit.
    """
    with repository_lock(workspace.git.git_dir):
        if commit:
            workspace.git.check_can_commit()
        yield


def check_no_edits(workspace: Workspace, path: PurePosixPath, include_edits: bool) -> bool:
    """Raise when ``path`` has uncommitted changes, unless ``include_edits``; return whether it has any."""
    changes = workspace.git.changed_paths([path])
    if changes and not include_edits:
        raise GitStateError("write.uncommitted_edits", path=str(path), state=changes[0][0].strip() or "?")
    return bool(changes)


def commit_changes(
    workspace: Workspace,
    changes: Sequence[FileChange | FileCopy],
    message: str | None,
    unchanged: Sequence[PurePosixPath] = (),
) -> str | None:
    """Write ``changes`` atomically and commit exactly those files; call inside :func:`writing`.

    ``unchanged`` names files already in the work tree that the commit
    includes as they are. With ``message`` None the files are written and not
    committed. When the commit fails, every file is put back as it was (a new
    file is removed) before the error is raised. Returns the new commit id.
    """
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
        return workspace.git.commit_paths([*(change.path for change in changes), *unchanged], message, forced)
    except (CommlogError, OSError, ValueError, KeyboardInterrupt):
        _restore(workspace, written)
        raise


def write_and_commit(
    workspace: Workspace,
    changes: Sequence[FileChange | FileCopy],
    message: str | None,
    branch: str | None = None,
    unchanged: Sequence[PurePosixPath] = (),
) -> str | None:
    """Take the lock, then write and commit ``changes`` as :func:`commit_changes` does.

    With ``branch``, nothing in the work tree is written: the commit is made
    on top of HEAD as that new branch (see :func:`commit_on_new_branch`).
    """
    if branch is not None:
        return commit_on_new_branch(workspace, changes, message, branch)
    with writing(workspace, commit=message is not None):
        return commit_changes(workspace, changes, message, unchanged)


def commit_on_new_branch(
    workspace: Workspace, changes: Sequence[FileChange | FileCopy], message: str | None, branch: str
) -> str:
    """Commit ``changes`` on a new branch from HEAD, leaving the current branch, index and files alone.

    The commit is built with git plumbing (``commit-tree``), so commit hooks
    do not run for it. ``commlog check --base`` in the pull request covers
    what a pre-commit hook would check.
    """
    from commlog.errors import InputError

    git = workspace.git
    if message is None:
        raise InputError("branch.no_commit")
    with repository_lock(git.git_dir):
        return commit_to_branch(workspace, changes, message, branch)


def commit_to_branch(
    workspace: Workspace, changes: Sequence[FileChange | FileCopy], message: str, branch: str
) -> str:
    """Commit ``changes`` as the new branch ``branch`` on top of HEAD; call while holding the lock.

    Nothing in the work tree or the index is written.
    """
    from commlog.errors import InputError

    git = workspace.git
    if any(isinstance(change, FileCopy) for change in changes):
        raise InputError("branch.no_attachments")
    if not git.check_branch_name(branch):
        raise InputError("branch.bad_name", branch=branch)
    if git.branch_exists(branch):
        raise GitStateError("branch.exists", branch=branch)
    return git.commit_on_branch(branch, {str(change.path): change.text for change in changes}, message)


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


def _remove_empty_parents(workspace: Workspace, folder: Path) -> None:
    current = folder
    records = workspace.root / "records"
    while current != records and records in current.parents:
        try:
            current.rmdir()
        except OSError:
            return
        current = current.parent
