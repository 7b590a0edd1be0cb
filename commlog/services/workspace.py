"""The repository a command works on: its root, configuration, templates and git."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from commlog.config import Config, load_config
from commlog.storage.gitrepo import GitRepository, find_work_tree
from commlog.templates import TEMPLATES_DIR, TemplateSet


@dataclass
class Workspace:
    """A records repository opened for one command."""

    root: Path
    config: Config
    git: GitRepository
    templates: TemplateSet = field(init=False)

    def __post_init__(self) -> None:
        self.templates = TemplateSet(self.root / TEMPLATES_DIR)

    @cached_property
    def zone(self) -> Any:
        return self.config.zone()

    def now(self) -> datetime:
        return datetime.now(self.zone)

    def moment(self, at: datetime | None) -> datetime:
        """Return ``at`` (or now) as an aware datetime in the configured time zone."""
        if at is None:
            return self.now()
        if at.tzinfo is None:
            return at.replace(tzinfo=self.zone)
        return at.astimezone(self.zone)


def open_workspace(repo: Path | None = None) -> Workspace:
    """Open the git work tree around ``repo`` (default: the current directory)."""
    root = find_work_tree(repo or Path.cwd())
    return Workspace(root=root, config=load_config(root), git=GitRepository(root))
