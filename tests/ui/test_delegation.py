"""D1: delegates with date ranges in teams.yaml (handbook 5.1.4), through the CLI."""

from __future__ import annotations

from datetime import date

import pytest

from itsmctl.core.delegation import delegate_for
from tests.core.policy_fixtures import policy
from tests.helpers import BILLING, git, itsm, ok, open_ticket, show

AWAY = "2026-12-22T10:00:00+08:00"          # carol -> dave, 2026-12-21 .. 2026-12-31


def add_delegates(desk, *lines: str) -> None:
    path = desk / "config" / "teams.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "".join(f"  - {x}\n" for x in lines),
                    encoding="utf-8")
    git(desk, "commit", "-qam", "delegates")


def test_D1_assigning_to_a_person_away_goes_to_the_delegate_and_history_says_so(desk):
    tid = open_ticket(desk, *BILLING, now=AWAY)
    ok(itsm(desk, "assign", tid, "--group", "billing-app", "--person", "carol", now=AWAY))
    t = show(desk, tid, now=AWAY)
    assert (t["assignee"], t["group"]) == ("dave", "billing-app")
    event = t["history"][-1]
    assert event["action"] == "dispatch" and event["changes"]["assignee"] == [None, "dave"]
    assert "carol is away" in event["note"] and "delegate dave" in event["note"]
    assert "(D1)" in event["note"]
    log = ok(itsm(desk, "log", tid, now=AWAY)).out
    assert "carol is away; assigned to delegate dave (D1)" in log


@pytest.mark.parametrize("day,who", [("2026-12-20", "carol"), ("2026-12-21", "dave"),
                                     ("2026-12-31", "dave"), ("2027-01-01", "carol")])
def test_D1_date_range_is_inclusive(desk, day, who):
    now = f"{day}T23:30:00+08:00"
    tid = open_ticket(desk, *BILLING, now=now)
    ok(itsm(desk, "assign", tid, "--group", "billing-app", "--person", "carol", now=now))
    t = show(desk, tid, now=now)
    assert t["assignee"] == who
    assert ("away" in (t["history"][-1]["note"] or "")) == (who == "dave")


def test_D1_uses_the_desk_time_zone_for_the_day(desk):
    # 2026-12-20T17:00Z is already 2026-12-21 01:00 in Asia/Shanghai: carol is away
    now = "2026-12-20T17:00:00+00:00"
    tid = open_ticket(desk, *BILLING, now=now)
    ok(itsm(desk, "assign", tid, "--group", "billing-app", "--person", "carol", now=now))
    assert show(desk, tid, now=now)["assignee"] == "dave"


def test_D1_transfer_to_a_person_away_goes_to_the_delegate(desk):
    tid = open_ticket(desk, "--category", "billing", "--subtype", "database", "--symptom",
                      "slow", now=AWAY)
    ok(itsm(desk, "assign", tid, "--group", "dba", now=AWAY))
    ok(itsm(desk, "accept", tid, actor="erin", now=AWAY))
    ok(itsm(desk, "assign", tid, "--group", "billing-app", "--person", "carol",
            "--causation", "data-error", actor="mike", now=AWAY))
    t = show(desk, tid, now=AWAY)
    assert t["assignee"] == "dave" and t["history"][-1]["action"] == "transfer"
    assert "carol is away" in t["history"][-1]["note"]


def test_D1_delegate_chains_are_followed_and_cycles_stop(desk):
    add_delegates(desk, "{person: dave, delegate: carol, from: 2026-12-21, to: 2026-12-31}")
    tid = open_ticket(desk, *BILLING, now=AWAY)
    ok(itsm(desk, "assign", tid, "--group", "billing-app", "--person", "carol", now=AWAY))
    assert show(desk, tid, now=AWAY)["assignee"] == "dave"     # carol -> dave -> (carol)


def test_D1_delegate_outside_the_group_is_refused_naming_the_rule(desk):
    add_delegates(desk, "{person: dave, delegate: erin, from: 2026-12-01, to: 2026-12-31}")
    tid = open_ticket(desk, *BILLING, now=AWAY)
    r = itsm(desk, "assign", tid, "--group", "billing-app", "--person", "dave", now=AWAY)
    assert r.code == 1 and "[D1]" in r.err and "dave is away" in r.err and "erin" in r.err
    assert show(desk, tid, now=AWAY)["status"] == "new"


def test_D1_unknown_delegate_is_a_config_error(desk):
    add_delegates(desk, "{person: carol, delegate: nobody, from: 2026-01-01, to: 2026-01-02}")
    r = itsm(desk, "validate")
    assert r.code == 4 and "teams.yaml" in r.err and "nobody" in r.err


def test_D1_delegate_for_is_pure_and_bounded():
    teams = policy().teams
    assert delegate_for(teams, "carol", date(2026, 12, 25)) == "dave"
    assert delegate_for(teams, "carol", date(2026, 12, 1)) == "carol"
    assert delegate_for(teams, "erin", date(2026, 12, 25)) == "erin"
