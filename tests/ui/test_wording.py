"""Wording the outside review found misleading (issue 11): what the sweep says, ticket
work on a branch other than the desk's, the desk-engineer tour's exit code."""

import re
from pathlib import Path

import pytest

from tests.helpers import BILLING, dispatched, git, itsm, ok, open_ticket

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_S4_a_sweep_that_commits_never_says_nothing_to_do(desk):
    dispatched(desk)                          # its notice is delivered after the commit
    r = ok(itsm(desk, "sweep", actor=None))   # ... and recorded on the ticket now
    assert "(commit " in r.out and "nothing to do" not in r.out
    assert "notification deliveries recorded" in r.out
    assert "sweep: notification records of 1 ticket" in git(desk, "log", "-1", "--format=%s")
    r = ok(itsm(desk, "sweep", actor=None))
    assert "nothing to do" in r.out and "(commit " not in r.out


def test_N3_dry_run_tells_delivered_notifications_from_ones_to_send_again(desk):
    tid = dispatched(desk)
    r = ok(itsm(desk, "sweep", "--dry-run", actor=None))
    assert "to retry" not in r.out and "send again" not in r.out
    assert f"notifications delivered, to record on the ticket: {tid}" in r.out
    doc = ok(itsm(desk, "--json", "sweep", "--dry-run", actor=None)).json
    assert doc["notifications_recorded"] == [tid] and doc["notifications_sent"] == []


def test_G4_a_ticket_command_on_another_branch_than_the_desks_warns(desk):
    tid = open_ticket(desk, *BILLING)
    assert "warning" not in ok(itsm(desk, "note", tid, "--text", "on main")).err
    git(desk, "switch", "-q", "-c", "p1-restore-4h")
    r = ok(itsm(desk, "note", tid, "--text", "on the pull request's branch"))
    assert "warning: committed on branch p1-restore-4h, not on main" in r.err
    assert "git switch main" in r.err
    git(desk, "switch", "-q", "main")
    path = desk / "config" / "desk.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "branch: desk\n", encoding="utf-8")
    git(desk, "commit", "-qam", "the desk's branch is desk")
    r = ok(itsm(desk, "note", tid, "--text", "on main"))
    assert "not on desk (config/desk.yaml branch)" in r.err


def test_the_desk_engineer_tour_says_the_exit_code_a_transfer_to_ops_gets(desk):
    text = (DOCS / "tour-desk-engineer.md").read_text(encoding="utf-8")
    block = text[text.index("Sending it elsewhere"):]
    block = block[:block.index("```console")]
    claimed = {int(n) for n in re.findall(r"exit code\s+(\d)", block)}
    tid = dispatched(desk)                    # the tour's ticket is with billing-app
    r = itsm(desk, "--json", "assign", tid, "--group", "ops")
    assert r.code == 6 and r.err_json["rule"] == "I2"
    assert 6 in claimed and "I2" in block
    new = open_ticket(desk, *BILLING)
    assert itsm(desk, "assign", new, "--group", "ops").code == 1 and 1 in claimed


def test_the_incident_manager_tour_goes_back_to_main_before_ticket_work():
    text = (DOCS / "tour-incident-manager.md").read_text(encoding="utf-8")
    branch, knowledge = text.index("git switch -q -c"), text.index("## Knowledge")
    assert "git switch -q main" in text[branch:knowledge]


@pytest.mark.parametrize("args", [["list"], ["list", "--all"], ["show", "X"], ["contrib"],
                                  ["kb", "search", "printer"], ["report"], ["validate"]])
def test_S7_a_malformed_now_is_exit_2_everywhere(desk, args):
    r = itsm(desk, *args, now="yesterday-ish")
    assert r.code == 2 and "[S7]" in r.err and "ISO 8601" in r.err, (args, r.err)
    r = itsm(desk, *args, now=None, env={"ITSMCTL_NOW": "next tuesday"})
    assert r.code == 2 and "[S7]" in r.err and "ITSMCTL_NOW" in r.err, (args, r.err)
