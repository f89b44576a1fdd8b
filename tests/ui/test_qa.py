"""Q3 through the CLI: one line per finding, exit 1 when any, --json, filters."""

from __future__ import annotations

import subprocess

from tests.helpers import BILLING, itsm, ok, open_ticket, resolved


def edit(desk, tid, old, new):
    path = desk / "tickets/2026/11" / f"{tid}.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    subprocess.run(["git", "commit", "-qam", "hand edit"], cwd=desk, check=True)


def test_Q3_clean_desk_exits_0(desk):
    tid = resolved(desk)
    ok(itsm(desk, "close", tid, "--code", "solved"))
    open_ticket(desk, *BILLING)
    r = itsm(desk, "qa")
    assert r.code == 0 and r.out == "" and "no findings" in r.err


def test_Q3_one_line_per_finding_exit_1(desk):
    first_line = open_ticket(desk)                     # no classification
    ok(itsm(desk, "resolve", first_line, "--solution", "password reset"))
    closed = resolved(desk)
    ok(itsm(desk, "close", closed, "--code", "solved"))
    edit(desk, closed, "solution: fixed the rate table", "solution: ''")
    r = itsm(desk, "qa")
    assert r.code == 1
    lines = sorted(r.out.splitlines())
    assert f"{first_line}: classification-close: resolved without category, subtype, " \
           "symptom" in lines
    assert f"{closed}: close: closed without a solution on record (5.1.12-2)" in lines
    assert len(lines) == 2


def test_Q3_json_and_filters(desk):
    tid = open_ticket(desk, *BILLING)
    edit(desk, tid, "priority: P4", "priority: P2")
    r = itsm(desk, "--json", "qa")
    assert r.code == 1 and r.json["ok"] is False
    assert r.json["findings"] == [{"ticket": tid, "rule": "severity", "message":
                                   "priority P2 but impact 4 x urgency medium gives P4 (P1)"}]
    assert itsm(desk, "qa", "--month", "2026-10").code == 0
    assert itsm(desk, "qa", "--open").code == 1
