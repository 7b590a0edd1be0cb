"""``commlog init``: create or adopt a records repository."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from commlog.config import CONFIG_NAME
from commlog.core.commitmsg import ACTION_TRAILER
from commlog.errors import GitCommandError
from commlog.storage.gitrepo import GitRepository, create_repository
from commlog.storage.lock import repository_lock
from commlog.templates import TEMPLATES_DIR, builtin_dir

KEEP_FILE = PurePosixPath("records/.gitkeep")
README_NAME = "README.md"


@dataclass(frozen=True)
class InitResult:
    """Outcome of ``init``: the repository root, files created and kept, and the commit."""

    root: str
    created_repository: bool
    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    commit: str | None = None


def default_config_text() -> str:
    """Return the commented ``commlog.yaml`` that ``init`` writes."""
    return (builtin_dir() / "commlog.yaml.example").read_text(encoding="utf-8")


def records_readme_text(language: str) -> str:
    name = "records-readme.en.md" if language == "en" else "records-readme.md"
    return (builtin_dir() / name).read_text(encoding="utf-8")


def _planned_files(language: str) -> dict[PurePosixPath, str]:
    files = {
        PurePosixPath(CONFIG_NAME): default_config_text(),
        KEEP_FILE: "",
        PurePosixPath(README_NAME): records_readme_text(language),
    }
    for source in sorted(builtin_dir().iterdir()):
        if source.suffix in (".yaml", ".j2") and source.name != "commlog.yaml.example":
            files[PurePosixPath(TEMPLATES_DIR, source.name)] = source.read_text(encoding="utf-8")
    return files


def init_repository(directory: Path, language: str, commit: bool = True) -> InitResult:
    """Create ``directory`` as a git repository if needed, add commlog's files, and commit them.

    Existing files are never overwritten, so adopting a repository keeps its
    configuration and edited templates; only files that were created are committed.
    """
    directory = directory.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    created_repository = not (directory / ".git").exists()
    if created_repository:
        create_repository(directory)
    git = GitRepository(directory.resolve())
    if commit:
        git.identity()

    created: list[str] = []
    kept: list[str] = []
    with repository_lock(git.git_dir):
        if commit:
            git.check_can_commit()
        for relative, text in _planned_files(language).items():
            target = directory / relative
            if target.exists() or (relative == KEEP_FILE and _has_records(directory)):
                kept.append(str(relative))
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8", newline="\n")
            created.append(str(relative))
        sha = None
        if commit and created:
            message = f"init: set up commlog\n\nAdd configuration, templates and the records folder.\n\n{ACTION_TRAILER}: init\n"
            try:
                sha = git.commit_paths(created, message)
            except GitCommandError:
                for name in created:
                    (directory / name).unlink(missing_ok=True)
                raise
    return InitResult(str(directory.resolve()), created_repository, created, kept, sha)


def _has_records(directory: Path) -> bool:
    records = directory / "records"
    return records.is_dir() and any(records.iterdir())
