"""W3: `edit` changes a ticket's own fields with a reason, old -> new in history, legal
for audit, refused on closed tickets (L14)."""

from tests.helpers import (
    commit_count,
    dispatched,
    git,
    itsm,
    ok,
    open_ticket,
    resolved,
    show,
)


def test_W3_edit_records_old_and_new_with_the_reason(desk):
    tid = open_ticket(desk, "--ci", "db01")
    before = commit_count(desk)
    ok(itsm(desk, "edit", tid, "--reporter-phone", "13800000001", "--title", "计费出错：三月账单",
            "--add-ci", "billing-app01", "--location", "HQ", "--reason", "caller gave a typo"))
    assert commit_count(desk) == before + 1
    t = show(desk, tid)
    assert t["reporter"]["phone"] == "13800000001" and t["reporter"]["name"] == "王五"
    assert t["title"] == "计费出错：三月账单" and t["links"]["cis"] == ["db01", "billing-app01"]
    event = t["history"][-1]
    assert event["action"] == "edit" and event["note"] == "caller gave a typo"
    assert event["changes"]["reporter.phone"] == ["13800000000", "13800000001"]
    assert event["changes"]["title"] == ["计费出错", "计费出错：三月账单"]
    assert event["changes"]["links.cis"] == [["db01"], ["db01", "billing-app01"]]
    assert event["changes"]["location"] == [None, "HQ"]
    assert ok(itsm(desk, "audit")).code == 0                  # a legal transition (G6)
    assert ok(itsm(desk, "validate")).code == 0
    found = ok(itsm(desk, "--json", "search", "13800000001")).json
    assert [h["id"] for h in found] == [tid]


def test_W3_reason_required_and_something_must_change(desk):
    tid = open_ticket(desk)
    r = itsm(desk, "edit", tid, "--title", "x")
    assert r.code == 1 and "[W3]" in r.err and "--reason" in r.err
    r = itsm(desk, "edit", tid, "--title", "计费出错", "--reason", "same")
    assert r.code == 2 and "changed nothing" in r.err
    r = itsm(desk, "edit", tid, "--remove-ci", "nosuch", "--reason", "x")
    assert r.code == 2 and "nosuch" in r.err


def test_W3_the_reporter_stays_reachable_L1(desk):
    tid = open_ticket(desk)                                       # phone 13800000000
    r = itsm(desk, "edit", tid, "--reporter-phone", "", "--reason", "wrong number")
    assert r.code == 1 and "[L1]" in r.err and "--reporter-phone" in r.err
    ok(itsm(desk, "edit", tid, "--reporter-phone", "", "--reporter-email", "w5@example.com",
            "--reason", "no phone, mail instead"))
    reporter = show(desk, tid)["reporter"]
    assert reporter["phone"] is None and reporter["email"] == "w5@example.com"


def test_W3_refused_on_closed_tickets(desk):
    tid = resolved(desk)
    ok(itsm(desk, "close", tid, "--code", "solved"))
    before = commit_count(desk)
    r = itsm(desk, "edit", tid, "--title", "new", "--reason", "late fix")
    assert r.code == 1 and "[L14]" in r.err and "--recurrence-of" in r.err
    assert commit_count(desk) == before


def test_W3_who_may_edit(desk):
    tid = dispatched(desk)
    ok(itsm(desk, "edit", tid, "--description", "more detail", "--reason", "x",
            actor="carol"))                               # a member of the ticket's group
    r = itsm(desk, "edit", tid, "--description", "y", "--reason", "x", actor="erin")
    assert r.code == 6 and "[I2]" in r.err


def test_W3_a_hand_edit_is_still_flagged_but_edit_is_not(desk):
    tid = open_ticket(desk)
    ok(itsm(desk, "edit", tid, "--reporter-name", "王五一", "--reason", "full name"))
    path = next(desk.glob(f"tickets/*/*/{tid}.yaml"))
    path.write_text(path.read_text().replace("name: 王五一", "name: 王六", 1))
    git(desk, "commit", "-qam", f"fix name\n\nItsmctl-Action: edit\nItsmctl-Ticket: {tid}")
    r = itsm(desk, "audit")
    assert r.code == 1 and "hand-edit" in r.out and "reporter.name" in r.out
