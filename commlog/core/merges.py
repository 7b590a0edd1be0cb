"""Merge evidence: which merge commit brought a change into the main branch, and its request number.

Pure functions over a commit graph and merge messages; the graph and the
messages are read by :mod:`commlog.storage.gitrepo`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# "Merge pull request #12 from owner/branch" (GitHub's merge button).
GITHUB_MERGE_RE = re.compile(r"^Merge pull request #(?P<number>\d+) from \S+", re.MULTILINE)
# "See merge request group/project!34" (GitLab's merge commit message).
GITLAB_MERGE_RE = re.compile(r"^See merge request (?P<project>\S+?)!(?P<number>\d+)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class RequestRef:
    """A pull request (GitHub) or merge request (GitLab) named in a merge message."""

    forge: str
    number: int
    project: str | None = None

    def __str__(self) -> str:
        if self.forge == "gitlab":
            return f"{self.project}!{self.number}" if self.project else f"!{self.number}"
        return f"#{self.number}"


@dataclass(frozen=True)
class MergeEvidence:
    """The commit on the main line that brought a change in, and the request it merged (if named)."""

    merge_commit: str
    merged_at: str
    request: RequestRef | None
    direct: bool


def parse_request_ref(message: str) -> RequestRef | None:
    """Return the pull or merge request a merge commit's message names, or None."""
    match = GITHUB_MERGE_RE.search(message)
    if match:
        return RequestRef("github", int(match["number"]))
    match = GITLAB_MERGE_RE.search(message)
    if match:
        return RequestRef("gitlab", int(match["number"]), match["project"])
    return None


def first_parent_line(graph: Mapping[str, Sequence[str]], tip: str) -> list[str]:
    """Return the commits on the first-parent line from ``tip`` back to the root, oldest first."""
    line = []
    current: str | None = tip
    while current is not None and current in graph:
        line.append(current)
        parents = graph[current]
        current = parents[0] if parents else None
    return list(reversed(line))


def assign_to_main_line(graph: Mapping[str, Sequence[str]], tip: str) -> dict[str, str]:
    """Map every commit reachable from ``tip`` to the main-line commit that brought it in.

    The main line is the first-parent line of ``tip``. Walking it oldest
    first, each main-line commit claims itself and every commit reachable
    from its other parents that no older main-line commit claimed, so a
    commit merged by a pull request maps to that pull request's merge commit.
    """
    owner: dict[str, str] = {}
    for main in first_parent_line(graph, tip):
        owner[main] = main
        pending = list(graph.get(main, ())[1:])
        while pending:
            commit = pending.pop()
            if commit in owner or commit not in graph:
                continue
            owner[commit] = main
            pending.extend(graph[commit])
    return owner


def merge_evidence(
    graph: Mapping[str, Sequence[str]],
    tip: str,
    merges: Mapping[str, tuple[str, str]],
    commits: Sequence[str],
) -> dict[str, MergeEvidence]:
    """Return the evidence for each of ``commits`` that is on ``tip``'s history.

    ``merges`` maps a merge commit's id to (commit time, message). A commit
    made directly on the main line is its own evidence, with ``direct`` set.
    """
    owners = assign_to_main_line(graph, tip)
    result = {}
    for commit in commits:
        main = owners.get(commit)
        if main is None:
            continue
        committed_at, message = merges.get(main, ("", ""))
        direct = main == commit
        request = None if direct else parse_request_ref(message)
        result[commit] = MergeEvidence(main, committed_at, request, direct)
    return result
