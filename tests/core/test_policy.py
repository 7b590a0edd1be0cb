"""The SLA policy read from the ``sla:`` mapping of commlog.yaml."""

from __future__ import annotations

from datetime import timedelta

import pytest

from commlog.core.policy import Rule, parse_policy, parse_window
from commlog.errors import ConfigError
from commlog.storage import yamlio


def policy_from(text: str):
    return parse_policy(yamlio.load(text), "commlog.yaml")


def test_defaults_follow_the_method():
    policy = parse_policy({}, "commlog.yaml")
    assert policy.rule("client", "ack", "normal") == Rule("working_hours", timedelta(hours=1), "1h")
    assert policy.rule("client", "ack", "urgent") == Rule("calendar", timedelta(minutes=15), "15m")
    assert policy.rule("collab", "feedback", "normal") == Rule("working_days", 1, "1d")
    assert policy.rule("collab", "feedback", "urgent") == Rule("calendar", timedelta(hours=2), "2h")
    assert policy.rule("urgent", "backfill", "urgent") == Rule("calendar", timedelta(hours=2), "2h")
    assert policy.rule("client", "backfill", "normal") is None
    assert policy.rule("client", "closeout", "normal") == Rule("working_days", 3, "3d")
    assert policy.rule("client", "resolution", "normal") == Rule("calendar")
    assert policy.rule("collab", "milestone", "urgent") == Rule("calendar")
    assert policy.at_risk_share == 0.25


def test_notices_have_no_feedback_deadline_by_default():
    policy = parse_policy({}, "commlog.yaml")
    assert policy.rule("notice", "feedback", "normal") is None
    assert policy.rule("notice", "feedback", "urgent") is None
    assert policy.rule("notice", "ack", "normal") is not None


def test_overrides_per_priority_and_type():
    policy = policy_from(
        """
        at_risk_share: 0.5
        ack:
          normal: {window: 2h, clock: working_hours}
        feedback: {window: 4h, clock: calendar}
        types:
          client:
            ack:
              urgent: {window: 10m, clock: calendar}
          notice:
            feedback: {window: 2d, clock: working_days}
        """
    )
    assert policy.at_risk_share == 0.5
    assert policy.rule("collab", "ack", "normal") == Rule("working_hours", timedelta(hours=2), "2h")
    assert policy.rule("collab", "ack", "urgent") == Rule("calendar", timedelta(minutes=15), "15m")
    assert policy.rule("collab", "feedback", "urgent") == Rule("calendar", timedelta(hours=4), "4h")
    assert policy.rule("client", "ack", "urgent") == Rule("calendar", timedelta(minutes=10), "10m")
    assert policy.rule("client", "ack", "normal") == Rule("working_hours", timedelta(hours=2), "2h")
    assert policy.rule("notice", "feedback", "normal") == Rule("working_days", 2, "2d")


def test_off_disables_an_sla():
    policy = policy_from("ack: off\nbackfill:\n  urgent: off\ntypes:\n  collab:\n    milestone: off\n")
    assert policy.rule("client", "ack", "normal") is None
    assert policy.rule("client", "ack", "urgent") is None
    assert policy.rule("urgent", "backfill", "urgent") is None
    assert policy.rule("collab", "milestone", "normal") is None


def test_important_types():
    assert parse_policy({}, "c").is_important("notice", default=False) is False
    policy = policy_from("important_types: [notice]")
    assert policy.is_important("notice", default=False) is True
    assert policy.is_important("client", default=True) is False


@pytest.mark.parametrize(
    ("text", "clock", "expected"),
    [
        ("1h", "working_hours", timedelta(hours=1)),
        ("2h30m", "calendar", timedelta(hours=2, minutes=30)),
        ("90m", "working_hours", timedelta(minutes=90)),
        ("1d", "calendar", timedelta(days=1)),
        ("3d", "working_days", 3),
    ],
)
def test_parse_window(text, clock, expected):
    assert parse_window(text, clock) == expected


@pytest.mark.parametrize(("text", "clock"), [("1d", "working_hours"), ("2h", "working_days"), ("", "calendar"), ("1x", "calendar")])
def test_parse_window_rejects(text, clock):
    with pytest.raises(ValueError):
        parse_window(text, clock)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("acks: {}", "sla.acks"),
        ("ack: {normal: {window: 1h, clock: hourly}}", "sla.ack.normal.clock"),
        ("ack: {normal: {window: 1d, clock: working_hours}}", "sla.ack.normal.window"),
        ("ack: {normal: {window: 1h}}", "sla.ack.normal.clock"),
        ("ack: {normal: {window: 1h, clock: calendar, extra: 1}}", "sla.ack.normal.extra"),
        ("ack: 1h", "sla.ack"),
        ("resolution: {window: 2d, clock: working_days}", "sla.resolution.window"),
        ("feedback: {normal: {window: 3, clock: working_days}}", "sla.feedback.normal.window"),
        ("types: {Client: {ack: off}}", "sla.types.Client"),
        ("types: {client: {acks: off}}", "sla.types.client.acks"),
        ("at_risk_share: 1.5", "sla.at_risk_share"),
        ("important_types: client", "sla.important_types"),
    ],
)
def test_invalid_policy_names_key(text, key):
    with pytest.raises(ConfigError) as raised:
        policy_from(text)
    assert raised.value.key == "config.invalid"
    assert raised.value.params["key"] == key
    assert raised.value.params["file"] == "commlog.yaml"
    assert raised.value.params["allowed"]
