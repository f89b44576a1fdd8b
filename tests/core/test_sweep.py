"""The sweep's plan, pure (S4, S6, L7, L11, V1): no git, no clock."""

from __future__ import annotations

from datetime import timedelta

from itsmctl.core import relations
from itsmctl.core import workflow as wf
from itsmctl.core.intake import Intake, open_ticket
from itsmctl.core.sweep import SWEEP_ACTOR, due_actions, plan, settle, summary
from itsmctl.core.visit import applies, pending
from tests.core.policy_fixtures import T0, ctx, new_ticket, policy

POLICY = policy()
DESKTOP = policy("desktop")


def at(minutes: float):
    return T0 + timedelta(minutes=minutes)


def kinds(actions):
    return [(a.kind, a.phase) for a in actions]


def resolved_ticket(minutes: float = 120):
    t = wf.assign(new_ticket(), ctx("alice", 5), "billing-app")
    t = wf.accept(t, ctx("carol", 10))
    return wf.resolve(t, ctx("carol", minutes), "fixed", causation="data-error")


def test_S4_breach_of_a_running_phase_is_recorded_once():
    t = new_ticket()                                       # P4: respond 1h
    assert plan([t], POLICY, at(60)) == []                 # at the deadline: not yet
    t2, done, refused = settle(t, POLICY, at(61))
    assert kinds(done) == [("breach", "respond")] and not refused
    esc = t2.escalations[-1]
    assert (esc.trigger, esc.phase, esc.at) == ("breach", "respond", at(61))
    event = t2.history[-1]
    assert (event.actor, event.action) == (SWEEP_ACTOR, "escalate")
    assert "respond" in event.note and "S4" in event.note
    assert plan([t2], POLICY, at(61)) == [] and plan([t2], POLICY, at(5000)) == []


def test_S4_stopped_phases_and_closed_tickets_are_not_escalated():
    t = wf.assign(new_ticket(), ctx("alice", 5), "billing-app")
    assert kinds(plan([t], POLICY, at(130))) == [("breach", "accept")]   # P4 accept 2h
    closed = wf.close(resolved_ticket(), ctx("alice", 130), "solved")
    assert [a.kind for a in plan([closed], POLICY, at(99999))] == ["visit-due"]


def test_S6_default_profile_breach_sets_urgency_high_and_recomputes_priority():
    t = new_ticket()                                       # impact 4, medium -> P4
    t2, _, _ = settle(t, POLICY, at(61))
    assert (t2.urgency, t2.priority) == ("high", "P3")
    assert t2.escalations[-1].actions == ["notify", "urgency_high"]
    assert t2.history[-1].changes["priority"] == ["P4", "P3"]


def test_S6_desktop_profile_raises_one_level_per_breach():
    t = new_ticket(profile="desktop")                      # small x medium -> normal
    assert t.priority == "normal"
    t, done, _ = settle(t, DESKTOP, at(121))               # respond 2h
    assert kinds(done) == [("breach", "respond")] and t.priority == "high"
    t = wf.assign(t, ctx("alice", 122, "desktop"), "billing-app")
    t, done, _ = settle(t, DESKTOP, at(183))               # high: accept 1h
    assert kinds(done) == [("breach", "accept")] and t.priority == "urgent"
    assert [e.level for e in t.escalations] == [1, 2]
    assert all(e.actions == ["notify", "raise_priority"] for e in t.escalations)


def test_S6_desktop_complaint_goes_to_the_top_level_at_once():
    intake = Intake(title="投诉: 电脑三天没修好", reporter={"name": "王五", "phone": "138"},
                    type="complaint")
    t = open_ticket(intake, ctx(profile="desktop"), "INC-2611-BBBBB")
    assert t.priority == "urgent"
    assert [e.trigger for e in t.escalations] == ["complaint"]


def test_S3_breach_escalation_cascades_only_into_real_breaches():
    # after a reopen, accept restarts while restore runs on: the accept breach raises the
    # priority (P2 -> P1), which makes the restore phase late too (S3); each once
    t = wf.assign(new_ticket(impact="2"), ctx("alice", 5), "billing-app")
    assert t.priority == "P2"
    t = wf.accept(t, ctx("carol", 10))
    t = wf.resolve(t, ctx("carol", 470), "fixed", causation="data-error")   # 460m < 1d
    t = wf.reopen(t, ctx("alice", 500), "still wrong")
    t, done, _ = settle(t, POLICY, at(531))                # P2 accept 30m: breached
    assert kinds(done) == [("breach", "accept"), ("breach", "restore")]
    assert t.priority == "P1"                              # restore: 460 + 31 > 8h
    assert plan([t], POLICY, at(531)) == [] and plan([t], POLICY, at(9999)) == []


def test_L7_wait_until_is_resumed_when_due():
    t = wf.assign(new_ticket(), ctx("alice", 5), "billing-app")
    t = wf.accept(t, ctx("carol", 10))
    t = wf.wait(t, ctx("carol", 20), "scheduled", until=at(80))
    assert plan([t], POLICY, at(79)) == []
    t2, done, _ = settle(t, POLICY, at(81))
    assert kinds(done) == [("resume", None)]
    assert (t2.status, t2.wait) == ("in_progress", None)
    assert (t2.history[-1].actor, t2.history[-1].action) == (SWEEP_ACTOR, "resume")


def test_L7_wait_without_until_stays():
    t = wf.wait(new_ticket(), ctx("alice", 5), "user-info")
    assert plan([t], POLICY, at(100000)) == []


def test_L11_auto_close_after_30_days_with_code_auto_closed():
    t = resolved_ticket()
    # the close phase (1 day at P4: 3d) breaches long before; auto-close waits 30 days
    early = plan([t], POLICY, at(120 + 30 * 24 * 60 - 1))
    assert "auto-close" not in [a.kind for a in early]
    t2, done, refused = settle(t, POLICY, at(120 + 30 * 24 * 60))
    assert "auto-close" in [a.kind for a in done] and not refused
    assert (t2.status, t2.close_code, t2.closed_at) == ("closed", "auto_closed",
                                                         at(120 + 30 * 24 * 60))
    closing = next(e for e in t2.history if e.action == "auto-close")
    assert closing.actor == SWEEP_ACTOR and "L11" in closing.note
    # the same sweep announces the return visit, so a second sweep has nothing to do
    assert done[-1].kind == "visit-due" and t2.visit is not None
    assert plan([t2], POLICY, at(120 + 30 * 24 * 60)) == []


def test_V1_closed_user_ticket_is_due_a_visit_in_five_working_days():
    closed = wf.close(resolved_ticket(), ctx("alice", 130), "solved")   # Wed 25 Nov 11:10
    assert applies(closed, POLICY) and pending(closed, POLICY)
    (action,) = plan([closed], POLICY, at(131))
    assert action.when == at(130) + timedelta(days=7)                    # Wed 2 Dec
    t2, _, _ = settle(closed, POLICY, at(131))
    assert t2.visit.due == action.when and t2.visit.result is None
    assert t2.history[-1].action == "visit-due" and pending(t2, POLICY)


def test_V1_no_visit_for_monitoring_or_out_of_scope_tickets():
    mon = open_ticket(Intake(title="db01 down", source="monitoring",
                             alert={"id": "a1", "severity": "critical", "message": "x"}),
                      ctx("monitor"), "INC-2611-CCCCC")
    mon = wf.resolve(mon, ctx("alice", 5), "restarted")
    mon = wf.close(mon, ctx("alice", 6), "solved")
    assert not applies(mon, POLICY) and plan([mon], POLICY, at(99999)) == []
    oos = open_ticket(Intake(title="printer at home", reporter={"name": "王五", "phone": "1"},
                             out_of_scope=True), ctx("alice"), "INC-2611-DDDDD")
    assert oos.status == "closed" and plan([oos], POLICY, at(10)) == []


def test_M2_slaves_are_left_to_their_master():
    master = new_ticket()
    slave = open_ticket(Intake(title="same", reporter={"name": "李四", "phone": "2"},
                               category="billing", subtype="application",
                               symptom="billing-error"), ctx("alice", 1), "INC-2611-EEEEE")
    slave, master = relations.link_master(slave, master, ctx("alice", 2))
    assert kinds(due_actions(slave, POLICY, at(500))) == []
    assert kinds(due_actions(master, POLICY, at(500))) == [("breach", "respond")]


def test_S4_summary_counts_by_kind():
    t = new_ticket()
    assert summary(plan([t], POLICY, at(61))) == "1 breach"
    assert summary([]) == "nothing to do"
