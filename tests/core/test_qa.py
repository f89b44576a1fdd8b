"""Q3: the quality rules of handbook 6.1, table-driven over pure tickets."""

from __future__ import annotations

import pytest

from itsmctl.core import workflow as wf
from itsmctl.core.qa import RULES, check
from tests.core.policy_fixtures import ctx, new_ticket, policy


def resolved_ticket():
    t = wf.assign(new_ticket(), ctx(minutes=5), "billing-app")
    t = wf.accept(t, ctx("carol", 10))
    return wf.resolve(t, ctx("carol", 60), "fixed", causation="data-error")


def closed_ticket():
    return wf.close(resolved_ticket(), ctx(minutes=90), "solved")


def rules(ticket) -> list[str]:
    return [f.rule for f in check(ticket, policy())]


def test_Q3_clean_tickets_have_no_findings():
    for t in (new_ticket(), resolved_ticket(), closed_ticket()):
        assert check(t, policy()) == []


CASES = [
    ("classification-dispatch", lambda: resolved_ticket().evolve(
        status="assigned", classification={"category": "billing", "subtype": "application"})),
    ("classification-close", lambda: closed_ticket().evolve(
        classification={"category": "billing", "subtype": "application",
                        "symptom": "billing-error"})),
    ("classification-known", lambda: new_ticket().evolve(
        classification={"category": "billing", "subtype": "application",
                        "symptom": "smoke"})),
    ("required-fields", lambda: new_ticket().evolve(reporter={"name": "王五"})),
    ("required-fields", lambda: new_ticket().evolve(source="monitoring", reporter=None)),
    # B2: a ticket a user submitted, dispatched before the desk checked it
    ("verification", lambda: wf.assign(new_ticket().evolve(source="email", verified=False),
                                       ctx(minutes=5), "billing-app")),
    ("severity", lambda: new_ticket().evolve(priority="P1")),
    ("severity", lambda: new_ticket().evolve(impact=9)),
    ("close", lambda: closed_ticket().evolve(close_code=None)),
    ("close", lambda: closed_ticket().evolve(solution="  ")),
    ("close", lambda: closed_ticket().evolve(close_code="workaround")),
    ("close", lambda: resolved_ticket().evolve(solution=None)),
    ("escalation", lambda: new_ticket().evolve(counters={"returns": 3})),
    ("escalation", lambda: new_ticket().evolve(type="complaint")),
]


@pytest.mark.parametrize("rule,make", CASES, ids=[f"{r}-{i}" for i, (r, _) in enumerate(CASES)])
def test_Q3_each_rule_finds_its_fault(rule, make):
    ticket = make()
    found = check(ticket, policy())
    assert rule in [f.rule for f in found]
    assert all(f.ticket == ticket.id and f.line().startswith(f"{ticket.id}: ") for f in found)


def test_Q3_causation_needed_after_dispatch_not_at_first_line():
    t = resolved_ticket().evolve(classification={
        "category": "billing", "subtype": "application", "symptom": "billing-error"})
    assert "causation" in check(t, policy())[0].message
    desk = wf.resolve(new_ticket(), ctx(minutes=5), "password reset")
    assert rules(desk) == []


def test_Q3_consultation_and_out_of_scope_need_no_classification():
    asked = new_ticket(type="consultation").evolve(classification={})
    answered = wf.resolve(asked, ctx(minutes=5), "told the user where the form is")
    assert answered.status == "closed" and rules(answered) == []
    from itsmctl.core.intake import Intake, open_ticket

    away = open_ticket(Intake(title="printer ink", reporter={"name": "王五", "phone": "1"},
                              out_of_scope=True), ctx(), "INC-2611-BBBBB")
    assert away.status == "closed" and rules(away) == []


def test_Q3_every_rule_is_exercised():
    assert {r for r, _ in CASES} == set(RULES)


def test_Q3_slaves_follow_their_master():
    slave = closed_ticket().evolve(master="INC-2611-ZZZZZ", classification={
        "category": "billing", "subtype": "application"})
    assert rules(slave) == []
    assert "classification-close" in rules(slave.evolve(master=None))


def test_B2_verified_then_dispatched_is_no_finding():
    t = wf.classify(new_ticket().evolve(source="email", verified=False), ctx(minutes=2),
                    None, verify=True)
    assert t.verified and t.history[-1].changes["verified"] == [False, True]
    assert "verification" not in rules(wf.assign(t, ctx(minutes=5), "billing-app"))
