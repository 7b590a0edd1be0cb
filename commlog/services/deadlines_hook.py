"""The point where a life-cycle event starts SLA deadlines.

:mod:`commlog.services.transition` calls :func:`refresh_deadlines` when an
event starts or moves an SLA: a notice is published, a record reaches a
completed status (the closeout SLA starts at ``completed_at``), or its
priority, ``due`` or milestones change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from commlog.core.schema import TypeSchema


def refresh_deadlines(workspace: Any, schema: TypeSchema, meta: dict[str, Any], at: datetime) -> None:
    """Store in ``meta["deadlines"]`` the deadlines of the SLAs that start at ``at``.

    ``meta`` is the record's front matter after the event was applied; the
    caller writes and commits it afterwards, so whatever this function stores
    is part of the same commit. Deadlines whose starting event did not change
    are kept as stored, so an old record is not judged again by a new policy.
    """
    from commlog.services.deadlines import record_deadlines

    meta["deadlines"] = record_deadlines(workspace, schema, meta)
