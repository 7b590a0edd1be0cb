"""The pure life-cycle rules: transitions, dates, event times and history checks."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from commlog.core import lifecycle as rules
from commlog.core.schema import parse_lifecycle
from commlog.errors import ConfigError, InputError
from commlog.i18n import set_language
from commlog.templates import TemplateSet

ZONE = timezone(timedelta(hours=8))


@pytest.fixture
def schemas():
    templates = TemplateSet(None)
    return {name: templates.schema(name) for name in ("collab", "client", "notice", "urgent")}


def test_check_change_allows_listed_step(schemas):
    rules.check_change(schemas["collab"], "pending", "in_progress")


def test_check_change_names_allowed_states(schemas):
    with pytest.raises(InputError) as caught:
        rules.check_change(schemas["collab"], "pending", "done")
    assert str(caught.value) == "the status cannot change from Pending to Done. Allowed next statuses: In progress, Cancelled."


def test_check_change_labels_in_chinese(schemas):
    set_language("zh-CN")
    try:
        with pytest.raises(InputError) as caught:
            rules.check_change(schemas["urgent"], "handling", "reviewed")
        message = str(caught.value)
    finally:
        set_language("en")
    assert message == "状态不能从“处理中”改为“已复盘”。允许的下一状态：已解决。"


def test_check_change_rejects_same_status(schemas):
    with pytest.raises(InputError) as caught:
        rules.check_change(schemas["client"], "open", "open")
    assert caught.value.key == "lifecycle.same_status"


def test_resolve_status_accepts_chinese_label(schemas):
    assert rules.resolve_status(schemas["client"], "已解决") == "resolved"


def test_resolve_status_rejects_unknown(schemas):
    with pytest.raises(InputError) as caught:
        rules.resolve_status(schemas["client"], "finished")
    assert "Statuses: Open, In progress, Resolved, Needs follow-up." in str(caught.value)


@pytest.mark.parametrize(
    ("type_name", "current", "target"),
    [("collab", "in_progress", "done"), ("client", "open", "resolved"), ("notice", "published", "withdrawn"), ("urgent", "resolved", "reviewed")],
)
def test_close_target_default(schemas, type_name, current, target):
    assert rules.close_target(schemas[type_name], current) == target


def test_close_target_other_final_status(schemas):
    assert rules.close_target(schemas["collab"], "pending", "已取消") == "cancelled"


def test_close_target_rejects_non_final(schemas):
    with pytest.raises(InputError) as caught:
        rules.close_target(schemas["collab"], "pending", "in_progress")
    assert caught.value.key == "lifecycle.not_final"


def test_close_target_rejects_closed_record(schemas):
    with pytest.raises(InputError) as caught:
        rules.close_target(schemas["client"], "resolved")
    assert caught.value.key == "lifecycle.already_closed"


def test_close_target_follows_transitions(schemas):
    with pytest.raises(InputError) as caught:
        rules.close_target(schemas["urgent"], "handling")
    assert caught.value.key == "lifecycle.not_allowed"


def test_reopen_target_from_final(schemas):
    assert rules.reopen_target(schemas["collab"], "cancelled") == "in_progress"


def test_reopen_target_rejects_open_record(schemas):
    with pytest.raises(InputError) as caught:
        rules.reopen_target(schemas["collab"], "pending")
    assert caught.value.key == "lifecycle.not_closed"


def test_publish_target_of_draft(schemas):
    assert rules.publish_target(schemas["notice"], "draft") == "published"


def test_publish_target_rejects_published(schemas):
    with pytest.raises(InputError) as caught:
        rules.publish_target(schemas["notice"], "published")
    assert caught.value.key == "lifecycle.not_draft"


def test_apply_status_sets_completed_and_closed(schemas):
    meta = {"status": "in_progress"}
    effects = rules.apply_status(schemas["collab"].lifecycle, meta, "done", "2024-05-25T18:00:00+08:00")
    assert meta == {"status": "done", "completed_at": "2024-05-25T18:00:00+08:00", "closed_at": "2024-05-25T18:00:00+08:00"}
    assert effects == rules.StatusEffects(completed=True, closed=True, published=False)


def test_apply_status_reopen_clears_dates(schemas):
    meta = {"status": "done", "completed_at": "2024-05-25T18:00:00+08:00", "closed_at": "2024-05-25T18:00:00+08:00"}
    rules.apply_status(schemas["collab"].lifecycle, meta, "in_progress", "2024-05-26T10:00:00+08:00")
    assert meta == {"status": "in_progress"}


def test_apply_status_keeps_first_completion(schemas):
    meta = {"status": "resolved", "completed_at": "2024-04-02T12:00:00+08:00"}
    effects = rules.apply_status(schemas["urgent"].lifecycle, meta, "reviewed", "2024-04-03T12:00:00+08:00")
    assert meta["completed_at"] == "2024-04-02T12:00:00+08:00"
    assert meta["closed_at"] == "2024-04-03T12:00:00+08:00"
    assert effects.completed is False


def test_apply_status_cancel_sets_no_completion(schemas):
    meta = {"status": "in_progress"}
    rules.apply_status(schemas["collab"].lifecycle, meta, "cancelled", "2024-05-01T09:00:00+08:00")
    assert "completed_at" not in meta


def test_apply_status_publish_sets_sent_at(schemas):
    meta = {"status": "draft"}
    effects = rules.apply_status(schemas["notice"].lifecycle, meta, "published", "2024-04-02T12:00:00+08:00")
    assert meta["sent_at"] == "2024-04-02T12:00:00+08:00"
    assert effects.published is True


def test_event_times_on_time():
    now = datetime(2024, 4, 2, 12, 0, tzinfo=ZONE)
    assert rules.event_times(now - timedelta(minutes=10), now, 10) == {"at": "2024-04-02T11:50:00+08:00"}


def test_event_times_late():
    now = datetime(2024, 4, 2, 12, 0, tzinfo=ZONE)
    times = rules.event_times(now - timedelta(minutes=11), now, 10)
    assert times == {"at": "2024-04-02T11:49:00+08:00", "recorded_at": "2024-04-02T12:00:00+08:00"}


def test_event_times_future():
    now = datetime(2024, 4, 2, 12, 0, tzinfo=ZONE)
    assert "recorded_at" in rules.event_times(now + timedelta(hours=1), now, 10)


def test_new_event_key_order():
    event = rules.new_event("update", {"at": "A", "recorded_at": "R"}, "*经理", "text", from_="pending", to="in_progress", fields=["risks"])
    assert list(event) == ["action", "at", "by", "from", "to", "text", "fields", "recorded_at"]


def test_new_event_leaves_out_empty_extras():
    assert rules.new_event("ack", {"at": "A"}, "*经理", "确认接收", fields=[]) == {"action": "ack", "at": "A", "by": "*经理", "text": "确认接收"}


def test_acknowledged_counts_for_and_by():
    meta = {"acks": [{"by": "*工程师", "for": "技术部", "at": "A"}, {"by": "*专员", "at": "B"}]}
    assert rules.acknowledged(meta) == {"*工程师", "技术部", "*专员"}


def test_clean_text_rejects_blank():
    with pytest.raises(InputError) as caught:
        rules.clean_text("  \n", "--note")
    assert str(caught.value) == "--note is empty. Give the text to record."


def test_clean_text_normalises_line_ends():
    assert rules.clean_text(" a\r\nb ", "TEXT") == "a\nb"


def _history(*steps):
    return [{"action": action, "at": "2024-04-02T11:00:00+08:00", "by": "x", "to": to, **({"from": source} if source else {})} for action, source, to in steps]


def test_history_problems_clean(schemas):
    history = _history(("new", None, "pending"), ("update", "pending", "in_progress"), ("close", "in_progress", "done"), ("reopen", "done", "in_progress"))
    assert rules.history_problems(schemas["collab"], {"status": "in_progress", "history": history}) == []


def test_history_problems_step_not_allowed(schemas):
    history = _history(("new", None, "pending"), ("update", "pending", "done"))
    meta = {"status": "done", "closed_at": "2024-04-02T11:00:00+08:00", "history": history}
    problems = rules.history_problems(schemas["collab"], meta)
    assert [(problem.index, problem.key) for problem in problems] == [(1, "history.step_not_allowed")]


def test_history_problems_status_changed_by_hand(schemas):
    meta = {"status": "in_progress", "history": _history(("new", None, "pending"))}
    assert [problem.key for problem in rules.history_problems(schemas["collab"], meta)] == ["history.status_mismatch"]


def test_history_problems_gap(schemas):
    history = _history(("new", None, "pending"), ("update", "in_progress", "done"))
    meta = {"status": "done", "closed_at": "x", "history": history}
    assert [problem.key for problem in rules.history_problems(schemas["collab"], meta)] == ["history.gap"]


def test_history_problems_closed_at_missing(schemas):
    history = _history(("new", None, "open"), ("close", "open", "resolved"))
    meta = {"status": "resolved", "history": history}
    assert [problem.key for problem in rules.history_problems(schemas["client"], meta)] == ["history.closed_at_missing"]


def test_history_problems_bad_start(schemas):
    meta = {"status": "done", "closed_at": "x", "history": _history(("new", None, "done"))}
    assert [problem.key for problem in rules.history_problems(schemas["collab"], meta)] == ["history.bad_start"]


def test_history_problems_import_may_start_anywhere(schemas):
    meta = {"status": "resolved", "closed_at": "x", "history": _history(("import", None, "resolved"))}
    assert rules.history_problems(schemas["client"], meta) == []


def test_parse_lifecycle_close_to_defaults_to_first_final():
    lifecycle = parse_lifecycle({"initial": "a", "final": ["c", "b"], "transitions": {"a": ["b", "c"]}}, ("a", "b", "c"), "t.yaml")
    assert lifecycle.close_to == "c"


def test_parse_lifecycle_close_to_must_be_final():
    with pytest.raises(ConfigError) as caught:
        parse_lifecycle({"initial": "a", "final": ["c"], "close_to": "b"}, ("a", "b", "c"), "t.yaml")
    assert caught.value.params["key"] == "lifecycle.close_to"


def test_parse_lifecycle_reopen_to_not_final():
    with pytest.raises(ConfigError) as caught:
        parse_lifecycle({"initial": "a", "final": ["c"], "reopen_to": "c"}, ("a", "b", "c"), "t.yaml")
    assert caught.value.params["key"] == "lifecycle.reopen_to"
