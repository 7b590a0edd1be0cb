"""The business calendar and SLA policy of a repository, and the deadlines a record stores.

``record_deadlines`` is the one call that the commands changing a record make
to keep its ``deadlines`` up to date (see :func:`commlog.core.deadlines.start_deadlines`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from commlog.config import WEEKDAY_NAMES, Config
from commlog.core.calendar import BusinessCalendar, parse_period
from commlog.core.deadlines import start_deadlines
from commlog.core.policy import Policy, parse_policy
from commlog.core.schema import TypeSchema
from commlog.errors import ConfigError
from commlog.services.workspace import Workspace


def load_policy(config: Config) -> Policy:
    """Return the SLA policy of ``commlog.yaml``; raise ConfigError naming a wrong key."""
    return parse_policy(config.sla, config.source)


def load_calendar(config: Config) -> BusinessCalendar:
    """Build the business calendar from the official holiday data and the ``calendar:`` settings."""
    from commlog.calendar_data import build_calendar, load_official

    settings = config.calendar
    if settings.file:
        # TODO: calendar.file is accepted by the configuration parser but has no reader yet.
        raise ConfigError(
            "config.invalid", file=config.source, key="calendar.file",
            allowed="no separate calendar file yet; put the years under calendar.years",
        )
    try:
        return build_calendar(
            load_official(settings.region),
            timezone=config.zone(),
            periods=[parse_period(text) for text in settings.working_hours],
            weekdays={WEEKDAY_NAMES.index(name) for name in settings.working_weekdays},
            extra_holidays=settings.extra_holidays,
            extra_working_days=settings.extra_working_days,
            extra_years=settings.years,
        )
    except ValueError as error:
        raise ConfigError("config.invalid", file=config.source, key="calendar", allowed=str(error)) from None


def record_deadlines(workspace: Workspace, schema: TypeSchema, meta: Mapping[str, Any]) -> dict[str, Any]:
    """Return the ``deadlines`` mapping to store in ``meta`` after a change that may start an SLA.

    Call it when a record is created, a draft is published, the record
    completes, or its priority, ``due`` or milestones change; stored deadlines
    of unchanged events are kept.
    """
    return start_deadlines(meta, schema, load_policy(workspace.config), load_calendar(workspace.config))
