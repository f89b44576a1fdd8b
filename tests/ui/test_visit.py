"""V1 return visits (ISO procedure 5.14): due, announced by sweep, recorded, listed."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.helpers import NOW, commit_count, git, itsm, ok, open_ticket, resolved, show
from tests.ui.test_sweep import without_notices

T0 = datetime.fromisoformat(NOW)                     # Wednesday 2026-11-25 09:00 +08:00


def later(**kw: float) -> str:
    return (T0 + timedelta(**kw)).isoformat()


def closed(desk, *extra: str, now: str = NOW) -> str:
    tid = resolved(desk, *extra)
    ok(itsm(desk, "close", tid, "--code", "solved", now=now))
    return tid


def sweep(desk, now: str):
    return ok(itsm(desk, "--json", "sweep", now=now, actor=None)).json


def due_ids(desk, now: str = NOW) -> list[str]:
    return [t["id"] for t in ok(itsm(desk, "--json", "list", "--visits-due", now=now)).json]


def test_V1_closed_user_ticket_is_due_a_visit_within_five_working_days(desk):
    without_notices(desk)          # commits below show the sweep's own work alone
    tid = closed(desk)
    out = sweep(desk, now=later(minutes=1))
    assert [(a["ticket"], a["action"]) for a in out["actions"]] == [(tid, "visit-due")]
    t = show(desk, tid)
    assert t["visit"]["due"] == later(days=7)            # Wed -> next Wed: 5 working days
    assert t["visit"]["result"] is None
    event = t["history"][-1]
    assert (event["actor"], event["action"]) == ("sweep", "visit-due") and "V1" in event["note"]
    # announced once: the next sweeps have nothing to do
    before = commit_count(desk)
    assert sweep(desk, now=later(minutes=2))["actions"] == []
    assert sweep(desk, now=later(days=8))["actions"] == []
    assert commit_count(desk) == before


def test_V1_working_days_follow_the_sla_calendar(desk):
    sla = desk / "config" / "sla.yaml"
    sla.write_text(sla.read_text(encoding="utf-8").replace(
        "calendar: null", "calendar: {country: CN, holidays: [2026-11-27]}"), encoding="utf-8")
    git(desk, "commit", "-qam", "calendar")
    tid = closed(desk)
    sweep(desk, now=later(minutes=1))
    # Thu 26, (Fri 27 off), Mon 30, Tue 1, Wed 2, Thu 3 Dec
    assert show(desk, tid)["visit"]["due"] == later(days=8)


def test_V1_visit_records_the_result_once(desk):
    tid = closed(desk)
    before = commit_count(desk)
    r = ok(itsm(desk, "visit", tid, "--result", "用户满意 invoice correct", "--satisfaction",
                "5", now=later(days=1)))
    assert tid in r.out and commit_count(desk) == before + 1
    t = show(desk, tid)
    assert t["visit"]["result"] == "用户满意 invoice correct"
    assert (t["visit"]["by"], t["visit"]["at"]) == ("alice", later(days=1))
    assert t["visit"]["due"] == later(days=7) and t["satisfaction"] == 5
    assert t["history"][-1]["action"] == "visit" and t["status"] == "closed"
    again = itsm(desk, "visit", tid, "--result", "again", now=later(days=2))
    assert again.code == 1 and "[V1]" in again.err and commit_count(desk) == before + 1
    assert sweep(desk, now=later(days=9))["actions"] == []


def test_V1_visit_is_refused_before_the_close_and_for_support(desk):
    tid = resolved(desk)
    r = itsm(desk, "visit", tid, "--result", "x")
    assert r.code == 1 and "[V1]" in r.err and "close" in r.err
    ok(itsm(desk, "close", tid, "--code", "solved"))
    r = itsm(desk, "visit", tid, "--result", "x", actor="carol")
    assert r.code == 6
    assert itsm(desk, "visit", "INC-2611-ZZZZZ", "--result", "x").code == 3
    r = itsm(desk, "visit", tid, "--result", " ")
    assert r.code == 1 and "--result" in r.err
    assert itsm(desk, "visit", tid, "--result", "ok", "--satisfaction", "9").code == 2


def test_V1_list_visits_due_shows_owed_visits_earliest_first(desk):
    first = closed(desk)
    second = closed(desk, now=later(days=1))
    mon = open_ticket(desk, "--source", "monitoring", "--alert-id", "a1",
                      "--alert-severity", "high", "--alert-message", "down", actor="monitor")
    ok(itsm(desk, "resolve", mon, "--solution", "restarted"))
    ok(itsm(desk, "close", mon, "--code", "solved"))
    # before any sweep the due date is computed on the fly
    listed = ok(itsm(desk, "--json", "list", "--visits-due", now=later(days=2))).json
    assert [t["id"] for t in listed] == [first, second]
    assert listed[0]["visit"]["due"] == later(days=7) and not listed[0]["visit"]["overdue"]
    table = ok(itsm(desk, "list", "--visits-due", now=later(days=7, minutes=1))).out
    assert first in table and "OVERDUE" in table and mon not in table
    ok(itsm(desk, "visit", first, "--result", "fine"))
    assert due_ids(desk) == [second]
    csv = ok(itsm(desk, "list", "--visits-due", "--format", "csv")).out
    assert csv.splitlines()[0].startswith("id,due,state") and second in csv


def test_V1_no_visit_for_out_of_scope_tickets(desk):
    tid = open_ticket(desk, "--out-of-scope")
    assert due_ids(desk) == []
    assert sweep(desk, now=later(minutes=1))["actions"] == []
    assert show(desk, tid)["visit"] is None
