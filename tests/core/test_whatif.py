"""C2 as a pure rule: every open ticket under two configurations."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from itsmctl.core.policy import Categories, PriorityMatrix, Targets
from itsmctl.core.whatif import compare
from tests.core.policy_fixtures import policy

CN = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=CN)


def doc(tid: str, **extra):
    base = {"id": tid, "title": tid, "status": "assigned", "impact": 3, "urgency": "medium",
            "priority": "P3", "priority_raise": 0, "group": "billing-app", "assignee": None,
            "opened_by": "alice", "reporter": {"name": "王五", "phone": "138"},
            "classification": {"category": "billing", "subtype": "application",
                               "symptom": "billing-error"},
            "sla": {"respond": {"start": "2026-11-25T09:00:00+08:00",
                                "stop": "2026-11-25T09:10:00+08:00",
                                "deadline": "2026-11-25T09:40:00+08:00", "paused_seconds": 0},
                    "accept": {"start": "2026-11-25T09:10:00+08:00", "stop": None,
                               "deadline": "2026-11-25T10:10:00+08:00",
                               "paused_seconds": 0}}}
    base.update(extra)
    return base


def with_targets(**changes):
    p = policy()
    targets = dict(p.sla.targets)
    for prio, phases in changes.items():
        targets[prio] = Targets(**{**targets[prio].model_dump(), **phases})
    return p.model_copy(update={"sla": p.sla.model_copy(update={"targets": targets})})


def test_C2_a_shorter_accept_target_moves_deadlines_and_breaches_at_once():
    head = with_targets(P3={"accept": timedelta(minutes=30)})
    out = compare([doc("A"), doc("B", status="resolved")], policy(), head, NOW)
    assert out["open_tickets"] == 1
    moved = out["deadlines"][0]
    assert (moved["id"], moved["phase"], moved["moved_seconds"]) == ("A", "accept", -1800)
    assert [(r["id"], r["phase"]) for r in out["breach_at_once"]] == [("A", "accept")]
    assert out["summary"]["deadlines"] == 1 and out["priority"] == []


def test_C2_no_breach_at_once_for_a_waiting_ticket_or_one_already_breached():
    head = with_targets(P3={"accept": timedelta(minutes=30)})
    waiting = doc("W", status="waiting")
    fired = doc("F", escalations=[{"trigger": "breach", "phase": "accept", "at": "x"}])
    out = compare([waiting, fired], policy(), head, NOW)
    assert len(out["deadlines"]) == 2 and out["breach_at_once"] == []


def test_C2_a_matrix_change_changes_priorities_and_their_deadlines():
    p = policy()
    matrix = p.matrix.model_dump()
    matrix["matrix"][3]["medium"] = "P2"
    head = p.model_copy(update={"matrix": PriorityMatrix.model_validate(matrix)})
    out = compare([doc("A")], p, head, NOW)
    assert [(r["before"], r["after"]) for r in out["priority"]] == [("P3", "P2")]
    assert out["deadlines"][0]["after"] == "2026-11-25T09:40:00+08:00"     # P2 accept 30m
    # table 3-6: a P2 resolution also tells the incident manager
    assert [(r["trigger"], r["added"]) for r in out["recipients"]] == [("resolve", ["mike"])]


def test_C2_routing_and_recipients_that_change():
    p = policy()
    cats = p.categories.model_dump()
    cats["categories"]["billing"]["subtypes"]["application"]["groups"] = ["ops"]
    notify = p.notify.model_copy(update={"rules": {**p.notify.rules,
                                                   "dispatch": {**p.notify.rules["dispatch"],
                                                                "P3": ["E", "M"]}}})
    head = p.model_copy(update={"categories": Categories.model_validate(cats),
                                "notify": notify})
    out = compare([doc("A"), doc("N", status="new", group=None)], p, head, NOW)
    routing = {r["id"]: r for r in out["routing"]}
    assert routing["A"]["after"] == ["ops"] and routing["A"]["group_still_routed"] is False
    assert routing["N"]["group_still_routed"] is None
    added = {(r["id"], r["trigger"]): r["added"] for r in out["recipients"]}
    assert added[("A", "dispatch")] == ["mike"]


def test_C2_tickets_head_cannot_evaluate_are_named():
    p = policy()
    cats = p.categories.model_dump()
    del cats["categories"]["billing"]["subtypes"]["application"]
    head = p.model_copy(update={"categories": Categories.model_validate(cats)})
    out = compare([doc("A")], p, head, NOW)
    assert out["invalid"] == [{"id": "A", "title": "A",
                               "problem": "unknown subtype billing/application"}]
