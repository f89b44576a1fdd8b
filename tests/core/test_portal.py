"""U1 rules, pure: the reporter's confirmation (L10), their notes, what they may see."""

from __future__ import annotations

import pytest

from itsmctl.core import portal
from itsmctl.core import workflow as wf
from itsmctl.errors import NotPermitted, RuleViolation
from tests.core.policy_fixtures import ctx, policy
from tests.core.test_workflow import STATES, in_state


@pytest.mark.parametrize("state", STATES)
def test_L10_U1_the_reporter_confirms_only_a_resolved_ticket(state):
    t = in_state(state)
    if state != "resolved":
        with pytest.raises(RuleViolation):
            portal.confirm(t, ctx("web", 20))
        return
    done = portal.confirm(t, ctx("web", 20), "  thanks  ")
    assert done.status == "resolved" and done.history[-1].action == "confirm"
    assert done.history[-1].note == "thanks" and portal.confirmed(done)
    assert not portal.confirmed(wf.reopen(done, ctx("alice", 21), "still broken"))


@pytest.mark.parametrize("actor, allowed", [("web", True), ("alice", True), ("mike", True),
                                            ("carol", False), ("monitor", False)])
def test_I2_who_may_record_the_reporters_confirmation(actor, allowed):
    t = in_state("resolved")
    if allowed:
        assert portal.confirm(t, ctx(actor, 20)).history[-1].actor == actor
    else:
        with pytest.raises(NotPermitted):
            portal.confirm(t, ctx(actor, 20))


@pytest.mark.parametrize("command", ["assign", "resolve", "close"])
def test_I2_the_intake_account_does_nothing_else(command):
    t = in_state({"assign": "new", "resolve": "new", "close": "resolved"}[command])
    c = ctx("web", 20)
    with pytest.raises(NotPermitted):
        if command == "assign":
            wf.assign(t, c, "billing-app")
        elif command == "resolve":
            wf.resolve(t, c, "fixed")
        else:
            wf.close(t, c, "solved")


def test_U1_public_events_hide_staff_notes_and_names():
    t = in_state("in_progress")
    t = wf.note(t, ctx("carol", 5), "internal: db password is in the vault")
    t = portal.reporter_note(t, ctx("web", 6), "  it is still slow  ")
    t = wf.wait(t, ctx("carol", 7), "vendor")
    events = portal.public_events(t, policy())
    assert [e.kind for e in events] == ["opened", "assigned", "in_progress", "note", "waiting"]
    assert events[3].text == "it is still slow"
    assert events[4].text == policy().codes.wait["vendor"]
    assert all("vault" not in e.text and "carol" not in e.text for e in events)


def test_U1_expected_restoration_from_the_clock_or_an_estimate():
    fresh = portal.expected_restoration(in_state("new"), policy(), ctx().now)
    assert fresh.estimate and fresh.at is not None and fresh.at > ctx().now
    working = portal.expected_restoration(in_state("in_progress"), policy(), ctx().now)
    assert not working.estimate and working.at is not None
    done = portal.expected_restoration(in_state("resolved"), policy(), ctx().now)
    assert done.restored and done.at == in_state("resolved").resolved_at


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("minutes", [0, 30, 90, 200, 3000, 60 * 24 * 10])
def test_S4_U4_breach_times_read_the_stored_clocks_as_the_report_does(state, minutes):
    """core/breaches.py, computed once per file version, agrees with clock_state at any
    later time."""
    from datetime import timedelta

    from itsmctl.core.breaches import breach_times, breached
    from itsmctl.core.report import clock_state

    doc = in_state(state).to_doc()
    at = ctx().now + timedelta(minutes=minutes)
    assert breached(breach_times(doc), at.timestamp()) == clock_state(doc, at)[0]
