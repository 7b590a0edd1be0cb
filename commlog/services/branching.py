"""Pull-request workflow helpers: branch names, the forge in use, and merge evidence for the trail."""

from __future__ import annotations

from collections.abc import Sequence

from commlog.core.merges import MergeEvidence, merge_evidence
from commlog.services.workspace import Workspace

BRANCH_PREFIX = "commlog/"
MAIN_BRANCH_CANDIDATES = ("refs/remotes/origin/HEAD", "main", "master")


def branch_for(record_id: str) -> str:
    """Return the branch a record's proposal is committed on, e.g. ``commlog/CLI-20240315-7K3Q``."""
    return f"{BRANCH_PREFIX}{record_id}"


def detect_forge(workspace: Workspace) -> str | None:
    """Return ``github`` or ``gitlab`` from ``reviewers.forge`` or the ``origin`` URL; None when unknown."""
    configured = workspace.config.reviewers.get("forge")
    if configured in ("github", "gitlab"):
        return str(configured)
    url = (workspace.git.remote_url("origin") or "").lower()
    for forge in ("github", "gitlab"):
        if forge in url:
            return forge
    return None


def main_ref(workspace: Workspace) -> str | None:
    """Return the main branch to trace merges on: origin's HEAD, else ``main``, else ``master``."""
    for candidate in MAIN_BRANCH_CANDIDATES:
        if workspace.git.resolve_commit(candidate) is not None:
            return candidate
    return None


def merge_evidence_for(workspace: Workspace, commits: Sequence[str], ref: str | None = None) -> dict[str, MergeEvidence]:
    """Return, for each commit id, the main-branch merge that brought it in and its request number.

    Two git calls in all, whatever the number of commits: one ``rev-list
    --parents`` for the graph and one ``log --merges --first-parent`` for the
    merge messages. Commits not (yet) on the main branch are left out.
    """
    ref = ref or main_ref(workspace)
    if ref is None or not commits:
        return {}
    tip = workspace.git.resolve_commit(ref)
    if tip is None:
        return {}
    graph = workspace.git.parent_graph(tip)
    merges = {merge.sha: (merge.committed_at, merge.message) for merge in workspace.git.first_parent_merges(tip)}
    return merge_evidence(graph, tip, merges, list(commits))
