"""Every SLA of every built-in type: met in time, met late, at risk and overdue.

All records start on Friday 2024-03-15 at 10:00 in Shanghai. The calendar has
no holidays in March 2024, so the deadlines below follow from the working
hours (09:00-12:00, 13:00-18:00, Monday to Friday) alone.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from commlog.core.calendar import BusinessCalendar
from commlog.core.policy import parse_policy
from commlog.core.sla import Evaluator, RecordInput, evaluate, start_deadlines
from commlog.templates import TemplateSet

SHANGHAI = ZoneInfo("Asia/Shanghai")
CALENDAR = BusinessCalendar(timezone=SHANGHAI, covered_years=frozenset({2024}), data_version="test calendar")
POLICY = parse_policy({}, "commlog.yaml")
SCHEMAS = TemplateSet(None)


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def stamp(text: str) -> str:
    return moment(text).isoformat()


COMMON = {
    "priority": "normal",
    "created_at": stamp("2024-03-15 10:00"),
    "sent_at": stamp("2024-03-15 10:00"),
}
BASES = {
    "client": {
        "id": "CLI-20240315-AAAA", "type": "client", "title": "导出异常", "status": "open", "important": True,
        "occurred_at": stamp("2024-03-15 09:30"), "due": stamp("2024-03-18 18:00"),
        "recipients": ["*经理", "*专员"], "lead": "*经理",
    },
    "collab": {
        "id": "COL-20240315-AAAA", "type": "collab", "title": "物料协作", "status": "pending", "important": True,
        "milestones": [{"name": "初稿提交", "due": "2024-03-20"}, {"name": "定稿", "due": "2024-03-22"}],
        "recipients": ["设计部总监", "产品部主管"], "lead": "设计部总监",
    },
    "notice": {
        "id": "NTC-20240315-AAAA", "type": "notice", "title": "值班安排", "status": "published", "important": False,
        "recipients": ["技术部", "客户成功部"], "lead": "技术部",
    },
    "urgent": {
        "id": "URG-20240315-AAAA", "type": "urgent", "title": "订单服务中断", "status": "handling", "important": True,
        "priority": "urgent", "occurred_at": stamp("2024-03-15 09:00"),
        "recipients": ["*架构师", "*运维"], "lead": "*架构师",
    },
}


def base(type_name: str) -> dict:
    meta = {**COMMON, **copy.deepcopy(BASES[type_name])}
    meta["history"] = [{"action": "new", "at": meta["created_at"], "by": "*客服", "to": meta["status"]}]
    return meta


def acked(meta: dict, at: str) -> dict:
    meta["acks"] = [{"by": name, "at": stamp(at)} for name in meta["recipients"]]
    return meta


def answered(meta: dict, at: str) -> dict:
    meta["feedback"] = [{"by": meta["recipients"][-1], "at": stamp(at), "text": "收到,处理中"}]
    return meta


def moved_to(meta: dict, status: str, at: str) -> dict:
    meta["history"].append({"action": "update", "at": stamp(at), "by": "*经理", "from": meta["status"], "to": status})
    meta["status"] = status
    return meta


def done(meta: dict, at: str) -> dict:
    meta["milestones"][0]["done_at"] = stamp(at)
    return meta


def backfilled_late(meta: dict) -> dict:
    meta["occurred_at"] = stamp("2024-03-15 07:30")
    return meta


def state_of(meta: dict, sla: str, at: str, name: str | None = None) -> str:
    schema = SCHEMAS.schema(meta["type"])
    items, problems = Evaluator(POLICY, CALENDAR, moment(at)).record(meta, schema)
    assert problems == ()
    found = [item for item in items if item.sla == sla and (name is None or item.name == name)]
    assert len(found) == 1, [(item.sla, item.name) for item in items]
    return found[0].state


def same(meta: dict) -> dict:
    return meta


# (type, SLA, expected state, change to the base record, moment of evaluation)
CASES = [
    # ack: 1 working hour (11:00); urgent: 15 minutes (10:15)
    *[
        (type_name, "ack", state, change, at)
        for type_name in ("client", "collab", "notice")
        for state, change, at in (
            ("met", lambda m: acked(m, "2024-03-15 10:40"), "2024-03-15 12:00"),
            ("met_late", lambda m: acked(m, "2024-03-15 11:20"), "2024-03-15 12:00"),
            ("at_risk", same, "2024-03-15 10:50"),
            ("overdue", same, "2024-03-15 11:01"),
        )
    ],
    ("urgent", "ack", "met", lambda m: acked(m, "2024-03-15 10:14"), "2024-03-15 12:00"),
    ("urgent", "ack", "met_late", lambda m: acked(m, "2024-03-15 10:16"), "2024-03-15 12:00"),
    ("urgent", "ack", "at_risk", same, "2024-03-15 10:12"),
    ("urgent", "ack", "overdue", same, "2024-03-15 10:16"),
    # feedback: 1 working day (Monday 10:00); urgent: 2 hours (12:00)
    *[
        (type_name, "feedback", state, change, at)
        for type_name in ("client", "collab")
        for state, change, at in (
            ("met", lambda m: answered(m, "2024-03-18 09:59"), "2024-03-19 09:00"),
            ("met_late", lambda m: answered(m, "2024-03-18 10:01"), "2024-03-19 09:00"),
            ("at_risk", same, "2024-03-18 09:30"),
            ("overdue", same, "2024-03-18 10:01"),
        )
    ],
    ("urgent", "feedback", "met", lambda m: answered(m, "2024-03-15 11:00"), "2024-03-15 13:00"),
    ("urgent", "feedback", "met_late", lambda m: answered(m, "2024-03-15 12:30"), "2024-03-15 13:00"),
    ("urgent", "feedback", "at_risk", same, "2024-03-15 11:45"),
    ("urgent", "feedback", "overdue", same, "2024-03-15 12:01"),
    # backfill: the record exists, so it is met or met late (occurred 09:00, created 10:00, window 2 hours)
    ("urgent", "backfill", "met", same, "2024-03-15 10:00"),
    ("urgent", "backfill", "met_late", backfilled_late, "2024-03-15 10:00"),
    # resolution: client due Monday 18:00, collab last milestone Friday 2024-03-22 18:00
    ("client", "resolution", "met", lambda m: moved_to(m, "resolved", "2024-03-18 17:00"), "2024-03-19 09:00"),
    ("client", "resolution", "met_late", lambda m: moved_to(m, "resolved", "2024-03-18 19:00"), "2024-03-19 09:00"),
    ("client", "resolution", "at_risk", same, "2024-03-18 08:00"),
    ("client", "resolution", "overdue", same, "2024-03-18 18:01"),
    ("collab", "resolution", "met", lambda m: moved_to(m, "done", "2024-03-22 17:00"), "2024-03-25 09:00"),
    ("collab", "resolution", "met_late", lambda m: moved_to(m, "done", "2024-03-23 10:00"), "2024-03-25 09:00"),
    ("collab", "resolution", "at_risk", same, "2024-03-21 08:00"),
    ("collab", "resolution", "overdue", same, "2024-03-22 18:01"),
    # milestone 初稿提交: due Wednesday 2024-03-20, the end of its last working period (18:00)
    ("collab", "milestone", "met", lambda m: done(m, "2024-03-20 17:00"), "2024-03-21 09:00"),
    ("collab", "milestone", "met_late", lambda m: done(m, "2024-03-20 18:30"), "2024-03-21 09:00"),
    ("collab", "milestone", "at_risk", same, "2024-03-19 12:00"),
    ("collab", "milestone", "overdue", same, "2024-03-20 18:01"),
    # closeout: 3 working days after the due (client: Friday 2024-03-22 09:00; collab: Thursday 2024-03-28 09:00)
    ("client", "closeout", "met", lambda m: moved_to(m, "resolved", "2024-03-21 10:00"), "2024-03-25 09:00"),
    ("client", "closeout", "met_late", lambda m: moved_to(m, "resolved", "2024-03-22 10:00"), "2024-03-25 09:00"),
    ("client", "closeout", "at_risk", same, "2024-03-21 13:00"),
    ("client", "closeout", "overdue", same, "2024-03-22 09:01"),
    ("collab", "closeout", "met", lambda m: moved_to(m, "cancelled", "2024-03-27 10:00"), "2024-03-29 09:00"),
    ("collab", "closeout", "met_late", lambda m: moved_to(m, "done", "2024-03-28 10:00"), "2024-03-29 09:00"),
    ("collab", "closeout", "at_risk", same, "2024-03-27 13:00"),
    ("collab", "closeout", "overdue", same, "2024-03-28 09:01"),
    # urgent closeout: 3 working days after completion (resolved Friday 14:00, so Wednesday 14:00), met by reviewed
    ("urgent", "closeout", "met", lambda m: moved_to(moved_to(m, "resolved", "2024-03-15 14:00"), "reviewed", "2024-03-19 10:00"), "2024-03-21 09:00"),
    ("urgent", "closeout", "met_late", lambda m: moved_to(moved_to(m, "resolved", "2024-03-15 14:00"), "reviewed", "2024-03-20 15:00"), "2024-03-21 09:00"),
    ("urgent", "closeout", "at_risk", lambda m: moved_to(m, "resolved", "2024-03-15 14:00"), "2024-03-20 10:00"),
    ("urgent", "closeout", "overdue", lambda m: moved_to(m, "resolved", "2024-03-15 14:00"), "2024-03-20 14:01"),
]


@pytest.mark.parametrize(
    ("type_name", "sla", "expected", "change", "at"),
    CASES,
    ids=[f"{case[0]}-{case[1]}-{case[2]}" for case in CASES],
)
def test_sla_state(type_name, sla, expected, change, at):
    meta = change(base(type_name))
    name = "初稿提交" if sla == "milestone" else None
    assert state_of(meta, sla, at, name) == expected


@pytest.mark.parametrize(
    ("type_name", "sla", "expected", "change", "at"),
    CASES,
    ids=[f"{case[0]}-{case[1]}-{case[2]}" for case in CASES],
)
def test_sla_state_from_stored_deadlines(type_name, sla, expected, change, at):
    meta = base(type_name)
    meta["deadlines"] = start_deadlines(meta, SCHEMAS.schema(type_name), POLICY, CALENDAR)
    meta = change(meta)
    name = "初稿提交" if sla == "milestone" else None
    assert state_of(meta, sla, at, name) == expected


@pytest.mark.parametrize(
    ("type_name", "expected"),
    [
        ("client", {"ack", "feedback", "resolution", "closeout"}),
        ("collab", {"ack", "feedback", "resolution", "closeout", "milestone"}),
        ("notice", {"ack"}),
        ("urgent", {"ack", "feedback", "backfill"}),
    ],
)
def test_slas_of_each_type(type_name, expected):
    meta = base(type_name)
    schema = SCHEMAS.schema(type_name)
    items, _ = Evaluator(POLICY, CALENDAR, moment("2024-03-30 09:00")).record(meta, schema)
    assert {item.sla for item in items} == expected


def test_deadlines_of_client_record():
    meta = base("client")
    deadlines = start_deadlines(meta, SCHEMAS.schema("client"), POLICY, CALENDAR)
    assert deadlines["priority"] == "normal"
    assert deadlines["ack"]["at"] == stamp("2024-03-15 11:00")
    assert deadlines["ack"]["start"] == stamp("2024-03-15 10:00")
    assert deadlines["ack"]["window"] == "1h"
    assert deadlines["ack"]["clock"] == "working_hours"
    assert deadlines["ack"]["calendar"] == "test calendar"
    assert deadlines["feedback"]["at"] == stamp("2024-03-18 10:00")
    assert deadlines["backfill"] is False
    assert deadlines["resolution"] == {"due": stamp("2024-03-18 18:00"), "at": stamp("2024-03-18 18:00"), "clock": "calendar"}
    assert deadlines["closeout"]["at"] == stamp("2024-03-22 09:00")
    assert list(deadlines) == ["priority", "ack", "feedback", "backfill", "resolution", "closeout"]


def test_deadlines_of_collab_milestones():
    deadlines = start_deadlines(base("collab"), SCHEMAS.schema("collab"), POLICY, CALENDAR)
    assert deadlines["milestone"] == [
        {"name": "初稿提交", "due": "2024-03-20", "at": stamp("2024-03-20 18:00"), "clock": "calendar"},
        {"name": "定稿", "due": "2024-03-22", "at": stamp("2024-03-22 18:00"), "clock": "calendar"},
    ]
    assert deadlines["resolution"]["at"] == stamp("2024-03-22 18:00")


def test_notice_stores_no_feedback_deadline():
    deadlines = start_deadlines(base("notice"), SCHEMAS.schema("notice"), POLICY, CALENDAR)
    assert deadlines["feedback"] is False
    assert "closeout" not in deadlines


def test_draft_notice_starts_when_published():
    meta = base("notice")
    meta["status"] = "draft"
    meta["history"][0]["to"] = "draft"
    del meta["sent_at"]
    schema = SCHEMAS.schema("notice")
    assert start_deadlines(meta, schema, POLICY, CALENDAR) == {"priority": "normal"}

    meta["deadlines"] = {"priority": "normal"}
    moved_to(meta, "published", "2024-03-18 14:00")
    meta["sent_at"] = stamp("2024-03-18 14:00")
    deadlines = start_deadlines(meta, schema, POLICY, CALENDAR)
    assert deadlines["ack"]["start"] == stamp("2024-03-18 14:00")
    assert deadlines["ack"]["at"] == stamp("2024-03-18 15:00")


def test_stored_deadline_survives_policy_change():
    meta = base("client")
    schema = SCHEMAS.schema("client")
    meta["deadlines"] = start_deadlines(meta, schema, POLICY, CALENDAR)
    stricter = parse_policy({"ack": {"normal": {"window": "30m", "clock": "working_hours"}}}, "commlog.yaml")
    at = moment("2024-03-15 10:45")

    stored = Evaluator(stricter, CALENDAR, at).record(meta, schema)[0]
    ack = next(item for item in stored if item.sla == "ack")
    assert (ack.state, ack.deadline, ack.source, ack.stored_at) == ("pending", moment("2024-03-15 11:00"), "stored", None)

    recomputed = Evaluator(stricter, CALENDAR, at, recompute=True).record(meta, schema)[0]
    ack = next(item for item in recomputed if item.sla == "ack")
    assert (ack.state, ack.deadline, ack.source) == ("overdue", moment("2024-03-15 10:30"), "computed")
    assert ack.stored_at == moment("2024-03-15 11:00")
    feedback = next(item for item in recomputed if item.sla == "feedback")
    assert feedback.stored_at is None


def test_start_deadlines_keeps_unchanged_entries():
    meta = base("client")
    schema = SCHEMAS.schema("client")
    meta["deadlines"] = start_deadlines(meta, schema, POLICY, CALENDAR)
    stricter = parse_policy({"ack": {"normal": {"window": "30m", "clock": "working_hours"}}}, "commlog.yaml")
    assert start_deadlines(meta, schema, stricter, CALENDAR) == meta["deadlines"]


def test_priority_change_switches_windows():
    meta = base("client")
    schema = SCHEMAS.schema("client")
    meta["deadlines"] = start_deadlines(meta, schema, POLICY, CALENDAR)
    meta["priority"] = "urgent"
    deadlines = start_deadlines(meta, schema, POLICY, CALENDAR)
    assert deadlines["priority"] == "urgent"
    assert deadlines["ack"]["at"] == stamp("2024-03-15 10:15")
    assert deadlines["feedback"]["at"] == stamp("2024-03-15 12:00")
    assert deadlines["backfill"]["at"] == stamp("2024-03-15 11:30")


def test_closeout_restarts_at_earlier_completion():
    meta = base("client")
    schema = SCHEMAS.schema("client")
    meta["deadlines"] = start_deadlines(meta, schema, POLICY, CALENDAR)
    meta["due"] = stamp("2024-03-29 18:00")
    meta["deadlines"] = start_deadlines(meta, schema, POLICY, CALENDAR)
    assert meta["deadlines"]["closeout"]["start"] == stamp("2024-03-29 18:00")
    moved_to(meta, "resolved", "2024-03-18 10:00")
    meta["completed_at"] = stamp("2024-03-18 10:00")
    deadlines = start_deadlines(meta, schema, POLICY, CALENDAR)
    assert deadlines["closeout"]["start"] == stamp("2024-03-18 10:00")
    assert deadlines["closeout"]["at"] == stamp("2024-03-21 10:00")


def test_provisional_deadline_names_year_and_settles():
    uncovered = BusinessCalendar(timezone=SHANGHAI, data_version="no data")
    meta = base("client")
    schema = SCHEMAS.schema("client")
    meta["deadlines"] = start_deadlines(meta, schema, POLICY, uncovered)
    assert meta["deadlines"]["ack"]["provisional"] == [2024]
    assert "provisional" not in meta["deadlines"]["resolution"]

    items, _ = Evaluator(POLICY, uncovered, moment("2024-03-15 10:30")).record(meta, schema)
    assert {item.sla: item.provisional_years for item in items}["ack"] == (2024,)

    holiday = BusinessCalendar(
        timezone=SHANGHAI, holidays=frozenset({moment("2024-03-18 00:00").date()}),
        covered_years=frozenset({2024}), data_version="with data",
    )
    items, _ = Evaluator(POLICY, holiday, moment("2024-03-15 10:30")).record(meta, schema)
    feedback = next(item for item in items if item.sla == "feedback")
    assert feedback.provisional_years == ()
    assert feedback.deadline == moment("2024-03-19 10:00")


def test_events_after_the_moment_do_not_count():
    meta = acked(base("client"), "2024-03-15 10:40")
    assert state_of(meta, "ack", "2024-03-15 10:30") == "pending"
    assert state_of(meta, "ack", "2024-03-15 10:41") == "met"


def test_status_as_of_moment_comes_from_history():
    meta = moved_to(base("client"), "resolved", "2024-03-19 10:00")
    assert state_of(meta, "resolution", "2024-03-18 20:00") == "overdue"
    assert state_of(meta, "resolution", "2024-03-19 11:00") == "met_late"


def test_record_created_later_has_no_slas():
    schema = SCHEMAS.schema("client")
    items, problems = Evaluator(POLICY, CALENDAR, moment("2024-03-15 09:00")).record(base("client"), schema)
    assert (items, problems) == ((), ())


def test_partial_acks_name_who_must_act():
    meta = base("client")
    meta["acks"] = [{"by": "*经理", "at": stamp("2024-03-15 10:20")}]
    items, _ = Evaluator(POLICY, CALENDAR, moment("2024-03-15 10:30")).record(meta, SCHEMAS.schema("client"))
    ack = next(item for item in items if item.sla == "ack")
    assert ack.responsible == ("*专员",)
    assert ack.state == "pending"


def test_final_state_closes_unmet_slas():
    meta = moved_to(base("client"), "resolved", "2024-03-15 10:30")
    items, _ = Evaluator(POLICY, CALENDAR, moment("2024-03-20 09:00")).record(meta, SCHEMAS.schema("client"))
    assert {item.sla: item.state for item in items} == {
        "ack": "met", "feedback": "met", "resolution": "met", "closeout": "met",
    }


def test_times_left_in_wall_and_working_time():
    items, _ = Evaluator(POLICY, CALENDAR, moment("2024-03-15 17:30")).record(base("client"), SCHEMAS.schema("client"))
    feedback = next(item for item in items if item.sla == "feedback")
    assert feedback.wall_left == timedelta(days=2, hours=16, minutes=30)
    assert feedback.working_left == timedelta(hours=1, minutes=30)
    ack = next(item for item in items if item.sla == "ack")
    assert ack.state == "overdue"
    assert ack.breached_at == moment("2024-03-15 11:00")
    assert ack.wall_left == -timedelta(hours=6, minutes=30)
    assert ack.working_left == -timedelta(hours=5, minutes=30)


def test_unparsable_datetime_is_reported():
    meta = base("client")
    meta["due"] = "next Monday"
    items, problems = Evaluator(POLICY, CALENDAR, moment("2024-03-15 10:30")).record(meta, SCHEMAS.schema("client"))
    assert problems == ("due",)
    assert "resolution" not in {item.sla for item in items}


def test_evaluate_keeps_record_keys():
    records = [RecordInput(index, base(name), SCHEMAS.schema(name)) for index, name in enumerate(("client", "notice"))]
    results = evaluate(records, POLICY, CALENDAR, moment("2024-03-15 10:30"))
    assert [result.key for result in results] == [0, 1]
    assert [len(result.items) for result in results] == [3, 1]
