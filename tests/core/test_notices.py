"""Planning notifications (N1, N2, P5): recipients by trigger x priority, content, ids."""

from __future__ import annotations

from datetime import timedelta

import pytest

from itsmctl.core import workflow
from itsmctl.core.intake import Intake, open_ticket
from itsmctl.core.notices import REPORTER, plan
from itsmctl.core.relations import link_master, propagate
from tests.core.policy_fixtures import T0, ctx, policy

# Handbook table 3-6, written out here rather than read from notify.yaml, so the shipped
# config is checked against the handbook. U user, C recorder, E support, M manager.
TABLE_3_6 = {
    "dispatch": {"P1": "EM", "P2": "E", "P3": "E", "P4": "E"},
    "transfer": {"P1": "EM", "P2": "E", "P3": "E", "P4": "E"},
    "resolve": {"P1": "UCM", "P2": "UCM", "P3": "UC", "P4": "UC"},
    "close": {"P1": "C", "P2": "C", "P3": "C", "P4": "C"},
    "escalate": {"P1": "CEM", "P2": "CEM", "P3": "CEM", "P4": "CEM"},
}
# impact, urgency giving each priority without making the ticket major (P5)
NOT_MAJOR = {"P1": (2, "high"), "P2": (2, "medium"), "P3": (3, "medium"), "P4": (4, "medium")}
WHO = {"U": {REPORTER}, "C": {"alice"}, "M": {"mike"}}


def ticket_at(priority: str, impact=None, urgency=None, profile: str = "default", **kw):
    imp, urg = NOT_MAJOR[priority] if impact is None else (impact, urgency)
    intake = Intake(title="计费出错", description="月租费用重复扣除",
                    reporter={"name": "王五", "phone": "13800000000", "email": "wang@example.com"},
                    category="billing", subtype="application", symptom="billing-error",
                    impact=imp, urgency=urg, **kw)
    return open_ticket(intake, ctx(profile=profile), "INC-2611-AAAAA")


def run_to(trigger: str, t):
    """Walk the ticket to the trigger's event; return (ticket, the E people expected)."""
    t = workflow.assign(t, ctx(minutes=1), "billing-app")
    if trigger == "dispatch":
        return t, {"carol", "dave"}
    t = workflow.accept(t, ctx("carol", 2))
    if trigger == "transfer":
        return workflow.assign(t, ctx("carol", 3), "dba", causation="data-error"), {"erin"}
    if trigger == "escalate":
        return workflow.escalate(t, ctx("mike", 3), reason="用户投诉"), {"carol"}
    t = workflow.resolve(t, ctx("carol", 4), "fixed", causation="data-error")
    if trigger == "resolve":
        return t, set()
    return workflow.close(t, ctx("alice", 5), "solved"), set()


def planned(t, minutes: int = 5, profile: str = "default"):
    return plan(t, policy(profile), T0 + timedelta(minutes=minutes), origin="clone-a")


def last_event_notices(t):
    index = len(t.history) - 1
    return [n for n in t.notifications if n.event == index]


@pytest.mark.parametrize("priority", ["P1", "P2", "P3", "P4"])
@pytest.mark.parametrize("trigger", list(TABLE_3_6))
def test_N1_recipient_matrix_of_table_3_6(trigger, priority):
    t, support = run_to(trigger, ticket_at(priority))
    notices = last_event_notices(planned(t))
    want_roles = set(TABLE_3_6[trigger][priority])
    assert notices, f"{trigger}/{priority}: nothing planned"
    assert {n.trigger for n in notices} == {trigger}
    assert {r for n in notices for r in n.roles} == want_roles
    want_people = set().union(*(WHO.get(r, support if r == "E" else set()) for r in want_roles))
    assert {p for n in notices for p in n.recipients} == want_people
    assert all(n.status == "pending" and n.origin == "clone-a" for n in notices)


def test_N1_desktop_profile_has_the_same_table_under_its_level_names():
    default, desktop = policy("default").notify.rules, policy("desktop").notify.rules
    names = dict(zip(policy("default").matrix.priority_levels,
                     policy("desktop").matrix.priority_levels))
    for trigger, row in default.items():
        assert desktop[trigger] == {names[p]: roles for p, roles in row.items()}, trigger


@pytest.mark.parametrize("trigger", list(TABLE_3_6))
def test_P5_major_ticket_also_tells_leadership(trigger):
    t = ticket_at("P1", impact=1, urgency="high")
    assert t.major
    t, _ = run_to(trigger, t)
    notices = last_event_notices(planned(t))
    assert "L" in {r for n in notices for r in n.roles}
    assert "leo" in {p for n in notices for p in n.recipients}


def test_P5_not_major_p1_does_not_tell_leadership():
    t, _ = run_to("dispatch", ticket_at("P1"))
    assert not t.major
    assert "leo" not in {p for n in planned(t).notifications for p in n.recipients}


def test_N1_out_of_scope_opening_tells_the_user():
    intake = Intake(title="咨询宽带套餐", reporter={"name": "王五", "phone": "138"},
                    out_of_scope=True)
    t = open_ticket(intake, ctx(), "INC-2611-BBBBB")
    (n,) = planned(t, 0).notifications
    assert (n.trigger, n.roles, n.recipients, n.event) == ("out_of_scope", ["U"], [REPORTER], 1)


def test_N1_ids_are_fixed_by_the_event_and_planning_again_adds_nothing():
    t, _ = run_to("resolve", ticket_at("P1"))
    once = planned(t)
    assert planned(once) == once
    ids = [n.id for n in once.notifications]
    assert len(ids) == len(set(ids))
    assert all(i.startswith(f"{t.id}-{n.event}-") for i, n in zip(ids, once.notifications))


def test_N1_every_command_plans_only_its_own_events():
    t = planned(workflow.assign(ticket_at("P4"), ctx(minutes=1), "billing-app"), 1)
    t = planned(workflow.accept(t, ctx("carol", 2)), 2)          # accept: no rule
    t = planned(workflow.resolve(t, ctx("carol", 3), "fixed", causation="data-error"), 3)
    assert [(n.trigger, n.event) for n in t.notifications] == [("dispatch", 1), ("resolve", 3)]


def test_N1_events_older_than_the_plan_window_are_never_notified():
    t, _ = run_to("dispatch", ticket_at("P2"))
    assert planned(t, minutes=60 * 24).notifications == []


def test_N1_automatic_escalation_uses_the_priority_it_raised():
    # three hand-offs escalate at once (S5): dispatch at P4 tells E; escalate at P3 tells CEM
    t = ticket_at("P4")
    t = workflow.assign(t, ctx(minutes=1), "billing-app")
    t = workflow.reject(t, ctx("carol", 2), "不是计费问题", None)
    t = workflow.assign(t, ctx(minutes=3), "billing-app")
    assert t.history[-1].action == "escalate" and t.priority == "P3"
    notices = planned(t).notifications
    by_trigger = {n.trigger: n for n in notices if n.event >= len(t.history) - 2}
    assert by_trigger["dispatch"].roles == ["E"]
    assert by_trigger["dispatch"].subject.startswith("[P4]")
    assert by_trigger["escalate"].roles == ["C", "E", "M"]


def test_N1_escalation_without_notify_action_tells_no_one():
    base = policy()
    quiet = base.model_copy(update={"sla": base.sla.model_copy(update={
        "escalation": base.sla.escalation.model_copy(update={"actions": ["urgency_high"]})})})
    from itsmctl.core.events import Ctx

    t = workflow.assign(ticket_at("P4"), ctx(minutes=1), "billing-app")
    t = workflow.escalate(t, Ctx(policy=quiet, actor="mike", now=T0), reason="慢")
    assert t.escalations[-1].actions == ["urgency_high"]
    assert [n.trigger for n in plan(t, quiet, T0 + timedelta(minutes=5)).notifications] == \
        ["dispatch"]


def test_N1_a_slave_mirroring_its_master_tells_only_its_user():
    master = workflow.assign(ticket_at("P1"), ctx(minutes=1), "billing-app")
    master = workflow.accept(master, ctx("carol", 2))
    intake = Intake(title="计费出错", reporter={"name": "赵六", "email": "zhao@example.com"},
                    category="billing", subtype="application", symptom="billing-error")
    slave = open_ticket(intake, ctx(), "INC-2611-CCCCC")
    slave, master = link_master(slave, master, ctx(minutes=3))
    master = workflow.resolve(master, ctx("carol", 4), "fixed", causation="data-error")
    slave = propagate(master, slave, ctx("carol", 4))
    (n,) = last_event_notices(planned(slave))
    assert (n.trigger, n.roles, n.recipients) == ("resolve", ["U"], [REPORTER])


def test_N1_monitoring_ticket_has_no_user_and_its_recorder_is_the_desk():
    intake = Intake(title="billing-db down", source="monitoring", category="billing",
                    subtype="application", symptom="unavailable", impact=2, urgency="high",
                    alert={"id": "a1", "severity": "critical", "message": "db down"})
    t = open_ticket(intake, ctx("monitor"), "INC-2611-DDDDD")
    t = workflow.assign(t, ctx(minutes=1), "billing-app")
    t = workflow.accept(t, ctx("carol", 2))
    t = workflow.resolve(t, ctx("carol", 3), "restarted", causation="capacity")
    (n,) = last_event_notices(planned(t, 3))
    assert n.roles == ["C", "M"] and set(n.recipients) == {"alice", "bob", "mike"}


def test_N2_standard_content_of_5_1_9():
    t = workflow.accept(workflow.assign(ticket_at("P2"), ctx(minutes=1), "billing-app"),
                        ctx("carol", 2))
    t = workflow.escalate(t, ctx("mike", 3), reason="用户投诉")
    (n,) = last_event_notices(planned(t))
    assert n.subject == f"[P1] {t.id} 升级 escalated: 计费出错"     # urgency high: P2 -> P1
    body = n.body
    assert "简要描述 Description: 月租费用重复扣除" in body                  # brief description
    assert "受影响的服务 Affected service: 计费系统 / 应用 (计费出错)" in body  # affected service
    # expected restoration: accepted at 09:02, P1 restore target 8h
    assert "预计恢复时间 Expected restoration: 2026-11-25 17:02 +0800" in body
    assert "联系服务台 Contact the desk: 服务台 Service desk: desk@example.com" in body
    assert "备注 Note: 用户投诉" in body


def test_N2_restoration_is_estimated_before_accept_and_stated_after_resolve():
    t, _ = run_to("dispatch", ticket_at("P4"))
    (n,) = planned(t).notifications
    # accept deadline 09:01 + 2h, then restore target 3d
    assert "Expected restoration: 约 about 2026-11-28 11:01 +0800" in n.body
    t, _ = run_to("resolve", ticket_at("P4"))
    assert "已恢复 restored 2026-11-25 09:04 +0800" in last_event_notices(planned(t))[0].body


def test_N3_routes_choose_channels_and_smtp_needs_an_address():
    from itsmctl.core.policy.notify import NotifyConfig

    base = policy()
    doc = base.notify.model_dump(by_alias=True)
    doc["channels"] = {"mail": {"type": "smtp", "host": "127.0.0.1"},
                       "sms": {"type": "command", "argv": ["send-sms"]}}
    doc["routes"] = [{"roles": ["C", "E", "M", "L"], "channels": ["mail"]},
                     {"roles": ["U"], "channels": ["mail", "sms"]}]
    pol = base.model_copy(update={"notify": NotifyConfig.model_validate(doc)})
    intake = Intake(title="x", reporter={"name": "王五", "phone": "138"}, category="billing",
                    subtype="application", symptom="billing-error")
    t = open_ticket(intake, ctx(), "INC-2611-EEEEE")
    t = workflow.resolve(t, ctx(minutes=1), "told the user how")
    notices = plan(t, pol, T0 + timedelta(minutes=1)).notifications
    got = {(n.channels[0], tuple(n.recipients)) for n in notices}
    # the user has a phone only: SMS, no mail; staff by mail
    assert got == {("mail", ("alice",)), ("sms", (REPORTER,))}
    assert [n.id.rsplit("-", 1)[1] for n in notices] == ["1", "2"]
