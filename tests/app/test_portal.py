"""U1: what reporters do on the web, as use cases (app/portal.py) on a real scratch desk."""

from __future__ import annotations

import pytest

from itsmctl.app import lifecycle, portal
from itsmctl.app.portal import Submission
from itsmctl.errors import NotFound, NotPermitted, RuleViolation, UsageError
from itsmctl.infra.websecret import token
from tests.app.helpers import commits, committed, git, head_message, intake, session

KEY = b"k" * 32


def form(**extra: object) -> Submission:
    fields: dict[str, object] = {"title": "打印机坏了 printer broken", "description": "无法打印",
                                 "area": "office/desktop", "name": "王五",
                                 "phone": "13800000000"}
    fields.update(extra)
    return Submission(**fields)  # type: ignore[arg-type]


def triaged(desk, ticket_id: str) -> None:
    """IM1.2: the desk checks and classifies what users submitted, then dispatches."""
    lifecycle.classify(session(desk), ticket_id, reason="checked", category="billing",
                       subtype="application", symptom="billing-error")
    lifecycle.assign(session(desk), ticket_id, "billing-app")


def test_U1_a_submission_is_opened_by_the_web_account_via_web(desk):
    before = commits(desk)
    t = portal.submit(session(desk), form(type="service_request"))
    assert commits(desk) == before + 1
    stored = committed(desk, t.id)
    assert stored.source == "web" and stored.opened_by == "web"
    assert stored.type == "service_request"
    assert stored.classification.category == "office"
    assert stored.reporter is not None and stored.reporter.name == "王五"
    message = head_message(desk)
    assert "Itsmctl-Actor: web" in message and "Itsmctl-Via: web" in message
    if hasattr(stored, "verified"):                 # B2, issue 15
        assert stored.verified is False


def test_U1_no_free_priority_the_matrix_decides(desk):
    t = portal.submit(session(desk), form(affected_users=40))
    assert t.impact == 2 and t.priority == "P2"                      # P3: 40 users: wide
    assert portal.submit(session(desk), form()).priority == "P4"     # one user, medium


@pytest.mark.parametrize("change, error, rule", [
    ({"title": "  "}, RuleViolation, "L1"),
    ({"title": "x" * 201}, RuleViolation, "L1"),
    ({"type": "consultation"}, UsageError, "U1"),
    ({"area": "office/nosuch"}, NotFound, "L3"),
    ({"name": None}, RuleViolation, "L1"),                          # L1: reporter's name
    ({"phone": None}, RuleViolation, "L1"),                         # and a phone or e-mail
    ({"description": "x" * 4001}, RuleViolation, "L1"),
])
def test_U1_bad_submissions_are_refused_and_change_nothing(desk, change, error, rule):
    before = commits(desk)
    with pytest.raises(error) as refused:
        portal.submit(session(desk), form(**change))
    assert refused.value.rule == rule and commits(desk) == before


def test_U1_an_unknown_customer_id_without_a_name_is_refused(desk):
    with pytest.raises(NotFound) as refused:
        portal.submit(session(desk), form(name=None, customer="C-0042"))
    assert refused.value.rule == "B1"


DIRECTORY = """version: 1
customers:
  - {id: C-0042, name: 赵总 Zhao, phone: '13900000000', email: Zhao@example.com, kind: vip,
     department: finance}
"""


def test_B1_U1_the_directory_fills_the_reporter_by_id_or_email(desk):
    """Through itsmctl.app.customers.lookup(session, key), the interface of issue 15."""
    (desk / "config" / "customers.yaml").write_text(DIRECTORY)
    git(desk, "add", "-A")
    git(desk, "commit", "-qm", "customers")
    by_id = portal.submit(session(desk), form(name=None, phone=None, customer="C-0042"))
    assert by_id.reporter is not None and by_id.reporter.id == "C-0042"
    assert by_id.reporter.kind == "vip" and by_id.urgency == "high"   # P2 by the kind
    assert by_id.reporter.department == "finance"
    by_mail = portal.submit(session(desk), form(name=None, phone=None,
                                                email="ZHAO@example.com"))
    assert by_mail.reporter is not None and by_mail.reporter.name == "赵总 Zhao"
    assert by_mail.reporter.id == "C-0042"


def test_U1_without_a_directory_a_customer_key_is_recorded_as_typed(desk):
    t = portal.submit(session(desk), form(customer="C-0042"))
    assert t.reporter is not None and t.reporter.name == "王五"


def test_U1_the_web_account_must_exist_with_the_intake_role(desk):
    teams = desk / "config" / "teams.yaml"
    teams.write_text(teams.read_text().replace(
        "web: {name: Web service 网页服务, email: web@example.com, roles: [intake]}",
        "web: {name: Web service 网页服务, email: web@example.com, roles: [leader]}"))
    with pytest.raises(NotPermitted) as refused:
        portal.submit(session(desk), form())
    assert refused.value.rule == "I2"


def test_B2_intake_accounts_open_only_what_users_submit(desk):
    with pytest.raises(RuleViolation) as refused:
        lifecycle.open_ticket(session(desk, "web"), intake(source="phone"))
    assert refused.value.rule == "B2"
    assert lifecycle.open_ticket(session(desk, "mailgate"), intake(source="email")).source \
        == "email"


def test_U1_the_link_token_is_derived_unguessable_and_checked(desk):
    t = portal.submit(session(desk), form())
    good = portal.link_token(KEY, t.id)
    assert len(good) == 32 and good != portal.link_token(b"x" * 32, t.id)
    assert portal.status(session(desk), KEY, t.id, good).id == t.id
    assert portal.status(session(desk), KEY, t.id.lower(), good).id == t.id
    other = portal.submit(session(desk), form(title="another"))
    # one character changed (a token ending in "x" already was no change at all: the
    # random ticket id made this test fail now and then)
    changed = good[:-1] + ("y" if good.endswith("x") else "x")
    for ref, given in ((t.id, None), (t.id, changed), (t.id, token(KEY, "csrf", t.id)),
                       (other.id, good), (t.id[:9], good)):
        with pytest.raises(NotFound) as missing:
            portal.status(session(desk), KEY, ref, given)
        assert missing.value.message == "no such ticket link"


def test_U1_status_shows_public_events_only_and_expected_restoration(desk):
    t = portal.submit(session(desk), form(area="billing/application"))
    tok = portal.link_token(KEY, t.id)
    lifecycle.note(session(desk), t.id, "internal: caller sounded upset")
    triaged(desk, t.id)
    lifecycle.accept(session(desk, "carol"), t.id)
    view = portal.status(session(desk), KEY, t.id, tok)
    assert [e.kind for e in view.events] == ["opened", "assigned", "in_progress"]
    assert all("upset" not in e.text for e in view.events)
    assert view.restoration.at is not None and not view.restoration.estimate
    assert view.may_note and not view.may_confirm


def test_U1_L10_the_reporter_notes_and_confirms_then_the_desk_closes(desk):
    t = portal.submit(session(desk), form(area="billing/application"))
    tok = portal.link_token(KEY, t.id)
    noted = portal.add_note(session(desk), KEY, t.id, tok, "还是打不开 still broken")
    assert noted.history[-1].actor == "web" and noted.history[-1].action == "reply"
    assert "Itsmctl-Via: web" in head_message(desk)
    with pytest.raises(RuleViolation):                      # not resolved yet
        portal.confirm(session(desk), KEY, t.id, tok)
    lifecycle.resolve(session(desk), t.id, solution="换了硒鼓 replaced the toner")
    view = portal.status(session(desk), KEY, t.id, tok)
    assert view.may_confirm and view.solution == "换了硒鼓 replaced the toner"
    assert [e.kind for e in view.events][-2:] == ["note", "resolved"]
    portal.confirm(session(desk), KEY, t.id, tok, "谢谢")
    view = portal.status(session(desk), KEY, t.id, tok)
    assert view.confirmed and not view.may_confirm and view.events[-1].kind == "confirmed"
    with pytest.raises(RuleViolation):                      # once
        portal.confirm(session(desk), KEY, t.id, tok)
    lifecycle.close(session(desk), t.id, "solved")
    view = portal.status(session(desk), KEY, t.id, tok)
    assert view.status == "closed" and not view.may_note
    with pytest.raises(RuleViolation) as closed:
        portal.add_note(session(desk), KEY, t.id, tok, "again")
    assert closed.value.rule == "L14"


def test_U1_notes_need_words_and_the_right_link(desk):
    t = portal.submit(session(desk), form())
    tok = portal.link_token(KEY, t.id)
    before = commits(desk)
    with pytest.raises(RuleViolation):
        portal.add_note(session(desk), KEY, t.id, tok, "   ")
    with pytest.raises(NotFound):
        portal.add_note(session(desk), KEY, t.id, "x" * 32, "hello")
    assert commits(desk) == before


def test_G6_web_commits_pass_the_audit(desk):
    from itsmctl.app import audit

    t = portal.submit(session(desk), form(area="billing/application"))
    tok = portal.link_token(KEY, t.id)
    portal.add_note(session(desk), KEY, t.id, tok, "more detail")
    lifecycle.resolve(session(desk), t.id, solution="fixed")
    portal.confirm(session(desk), KEY, t.id, tok)
    lifecycle.close(session(desk), t.id, "solved")
    assert audit.audit(session(desk))[1] == []
