"""The transition table, exhaustively: every (state, command) pair, pure (no git)."""

import pytest

from itsmctl.core import workflow as wf
from itsmctl.errors import NotPermitted, RuleViolation
from tests.core.policy_fixtures import ctx, new_ticket

STATES = ("new", "assigned", "in_progress", "waiting", "resolved", "closed")
# SPEC 3: the from-states of each command
EXPECTED = {
    "assign": {"new", "assigned", "in_progress"},          # L3 dispatch, L6 transfer
    "accept": {"assigned"},                                # L4
    "reject": {"assigned", "in_progress"},                 # L5
    "wait": {"new", "assigned", "in_progress"},            # L7
    "resume": {"waiting"},                                 # L7
    "resolve": {"new", "assigned", "in_progress"},         # L8
    "reopen": {"resolved"},                                # L9
    "close": {"resolved"},                                 # L10
}
NEXT = {"accept": "in_progress", "reject": "new", "wait": "waiting", "reopen": "assigned",
        "close": "closed", "resolve": "resolved", "assign": "assigned"}


def in_state(state):
    t = new_ticket()
    if state == "new":
        return t
    t = wf.assign(t, ctx("alice", 1), "billing-app")
    if state == "assigned":
        return t
    if state == "waiting":
        return wf.wait(t, ctx("alice", 2), "user-info")
    t = wf.accept(t, ctx("carol", 2))
    if state == "in_progress":
        return t
    t = wf.resolve(t, ctx("carol", 3), "fixed", causation="data-error")
    if state == "resolved":
        return t
    return wf.close(t, ctx("alice", 4), "solved")


def run(command, t):
    c = lambda who: ctx(who, 10)  # noqa: E731
    if command == "assign":
        if t.status == "new":
            return wf.assign(t, c("alice"), "billing-app")
        return wf.assign(t, c("mike"), "dba", causation="data-error")
    if command == "accept":
        return wf.accept(t, c("carol"))
    if command == "reject":
        return wf.reject(t, c("carol"), "not ours", None)
    if command == "wait":
        return wf.wait(t, c("mike"), "vendor")
    if command == "resume":
        return wf.resume(t, c("mike"))
    if command == "resolve":
        return wf.resolve(t, c("mike"), "fixed", causation="data-error")
    if command == "reopen":
        return wf.reopen(t, c("alice"), "still broken")
    if command == "close":
        return wf.close(t, c("alice"), "solved")
    raise AssertionError(command)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("command", sorted(EXPECTED))
def test_L_every_state_command_pair(state, command):
    t = in_state(state)
    assert t.status == state
    if state in EXPECTED[command]:
        after = run(command, t)
        want = NEXT.get(command) if command != "resume" else "assigned"
        assert after.status == want
        assert after.history[-1].at == ctx(minutes=10).now
        assert len(after.history) > len(t.history)
    else:
        with pytest.raises(RuleViolation) as err:
            run(command, t)
        if state == "closed":
            assert err.value.rule == "L14"
            assert "--recurrence-of" in err.value.message


def test_L14_closed_is_final_for_classify_and_escalate():
    t = in_state("closed")
    for fn in (lambda: wf.classify(t, ctx("alice"), "x", urgency="high"),
               lambda: wf.escalate(t, ctx("mike"), "x")):
        with pytest.raises(RuleViolation) as err:
            fn()
        assert err.value.rule == "L14"


def test_L14_note_is_allowed_on_closed():
    t = in_state("closed")
    assert wf.note(t, ctx("alice"), "user thanked us").status == "closed"


@pytest.mark.parametrize("command,actor", [
    ("accept", "erin"), ("reject", "erin"), ("resolve", "erin"), ("reopen", "carol"),
    ("close", "carol")])
def test_I2_role_table(command, actor):
    state = {"accept": "assigned", "reject": "assigned", "resolve": "in_progress",
             "reopen": "resolved", "close": "resolved"}[command]
    t = in_state(state)
    calls = {"accept": lambda: wf.accept(t, ctx(actor)),
             "reject": lambda: wf.reject(t, ctx(actor), "r", None),
             "resolve": lambda: wf.resolve(t, ctx(actor), "s", causation="data-error"),
             "reopen": lambda: wf.reopen(t, ctx(actor), "r"),
             "close": lambda: wf.close(t, ctx(actor), "solved")}
    with pytest.raises(NotPermitted):
        calls[command]()


def test_L8_desk_resolves_new_without_causation_but_not_after_dispatch():
    t = wf.resolve(in_state("new"), ctx("alice"), "reset the password")
    assert t.status == "resolved" and t.resolved_group == "service-desk"
    with pytest.raises(NotPermitted):
        wf.resolve(in_state("in_progress"), ctx("alice"), "x", causation="data-error")
    with pytest.raises(RuleViolation) as err:
        wf.resolve(in_state("in_progress"), ctx("carol"), "x")
    assert err.value.rule == "L8"


def test_L15_consultation_closes_at_once():
    t = new_ticket(type="consultation")
    done = wf.resolve(t, ctx("alice"), "told the user where the report is")
    assert done.status == "closed" and done.close_code == "solved"
    assert [e.action for e in done.history[-2:]] == ["resolve", "close"]


def test_S5_handoffs_escalate_once_at_the_third():
    t = wf.assign(new_ticket(), ctx("alice", 1), "billing-app")      # 1
    t = wf.reject(t, ctx("carol", 2), "not ours", None)             # 2
    assert not t.escalations
    t = wf.assign(t, ctx("alice", 3), "billing-app")                # 3
    assert [e.trigger for e in t.escalations] == ["handoffs"]
    assert t.urgency == "high" and t.priority == "P3"               # 4 x high
    t = wf.reject(t, ctx("carol", 4), "still not ours", None)       # 4
    assert len(t.escalations) == 1
