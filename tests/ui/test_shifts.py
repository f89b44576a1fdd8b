"""R1-R4 through the CLI and real git: a night shift played on the default desk (rota.yaml:
day 08:00-20:00 supervised by alice, night by bob; billing-app on call carol/dave)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import BILLING, USER, commit_count, git, itsm, ok

NIGHT = "2026-11-25T22:00:00+08:00"          # a Wednesday, outside working hours


def outbox(desk: Path) -> dict[str, dict]:
    box = desk / ".git" / "itsmctl" / "outbox"
    return {p.stem: json.loads(p.read_text()) for p in sorted(box.glob("*.json"))}


def told(desk: Path, prefix: str) -> list[tuple[str, list[str]]]:
    return [(n["trigger"], [r["id"] for r in n["recipients"]])
            for key, n in outbox(desk).items() if key.startswith(prefix)]


def test_R1_oncall_names_supervisor_desk_and_the_on_call_pair(desk):
    r = ok(itsm(desk, "--json", "oncall", "--at", NIGHT)).json
    assert r["working_hours"] is False
    assert r["duty"]["shift"]["id"] == "2026-11-25/night" and r["duty"]["supervisor"] == "bob"
    pair = r["oncall"][0]
    assert (pair["group"], pair["primary"], pair["backup"], pair["active"]) == \
        ("billing-app", "carol", "dave", True)
    day = ok(itsm(desk, "--json", "oncall", "billing-app",
                  "--at", "2026-11-25T10:00:00+08:00")).json
    assert day["working_hours"] and day["duty"]["supervisor"] == "alice"
    assert day["oncall"][0]["active"] is False
    text = ok(itsm(desk, "oncall", "--at", NIGHT)).out
    assert "outside working hours" in text and "carol" in text and "bob" in text
    assert itsm(desk, "oncall", "nosuch").code == 3
    assert itsm(desk, "oncall", "--at", "tonight").code == 2


def test_R2_night_dispatch_calls_primary_then_backup_then_incident_manager(desk):
    tid = ok(itsm(desk, "open", "--title", "计费出错", *USER, *BILLING, now=NIGHT,
                  actor="bob")).out.strip()
    ok(itsm(desk, "assign", tid, "--group", "billing-app", now=NIGHT, actor="bob"))
    assert told(desk, tid) == [("dispatch", ["carol"])]
    ok(itsm(desk, "sweep", now="2026-11-26T00:01:00+08:00", actor=None))     # P4 accept 2h
    assert told(desk, tid)[-1] == ("escalate", ["dave", "bob"])
    ok(itsm(desk, "sweep", now="2026-11-26T00:10:00+08:00", actor=None))
    assert len(told(desk, tid)) == 2                                          # not yet
    out = ok(itsm(desk, "sweep", now="2026-11-26T00:17:00+08:00", actor=None)).out
    assert "on-call" in out
    assert told(desk, tid)[-1] == ("escalate", ["mike", "bob"])
    t = ok(itsm(desk, "--json", "show", tid, now="2026-11-26T00:17:00+08:00")).json
    assert [e["trigger"] for e in t["escalations"]] == ["breach", "oncall"]
    assert ok(itsm(desk, "audit")).code == 0


def test_R3_handover_checklist_and_ack_names_both_supervisors(desk):
    tid = ok(itsm(desk, "open", "--title", "全省计费中断", *USER, *BILLING, "--impact", "1",
                  "--urgency", "high", now="2026-11-25T10:00:00+08:00")).out.strip()
    ok(itsm(desk, "wait", tid, "--code", "vendor", "--until", "2026-11-25T23:00:00+08:00",
            now="2026-11-25T10:01:00+08:00"))
    ok(itsm(desk, "diary", "add", "--text", "计费库切换演练 22:00", "--kind", "note",
            now="2026-11-25T11:00:00+08:00"))
    doc = ok(itsm(desk, "--json", "handover", now="2026-11-25T19:00:00+08:00")).json
    assert doc["shift"]["id"] == "2026-11-25/day" and doc["next"]["supervisor"] == "bob"
    assert [m["id"] for m in doc["major"]] == [tid]
    assert [w["id"] for w in doc["waits"]] == [tid]
    assert doc["diary"][0]["text"] == "计费库切换演练 22:00"
    md = ok(itsm(desk, "handover", "--format", "markdown",
                 now="2026-11-25T19:00:00+08:00")).out
    assert md.startswith("### 交接班 Handover 2026-11-25/day → 2026-11-25/night")
    assert f"| {tid} |" in md and "| id | priority | status | group | title |" in md
    # alice (outgoing) may not take the night over; bob does, in one commit
    refused = itsm(desk, "handover", "--ack", now="2026-11-25T20:05:00+08:00", actor="alice")
    assert refused.code == 6 and "R3" in refused.err
    before = commit_count(desk)
    r = ok(itsm(desk, "--json", "handover", "--ack", now="2026-11-25T20:05:00+08:00",
                actor="bob")).json
    assert commit_count(desk) == before + 1
    assert r["acknowledged"]["by"] == "bob" and r["acknowledged"]["outgoing"] == "alice"
    message = git(desk, "log", "-1", "--format=%an%n%B")
    assert message.startswith("Bob")
    assert "Outgoing supervisor: alice" in message and "Incoming supervisor: bob" in message
    assert git(desk, "show", "--name-only", "--format=", "HEAD").split() == \
        ["diary/2026/11/2026-11-25-day.yaml"]
    again = itsm(desk, "handover", "--ack", now="2026-11-25T20:06:00+08:00", actor="bob")
    assert again.code == 1 and "already" not in again.err and "acknowledged by bob" in again.err
    prev = ok(itsm(desk, "--json", "handover", "--shift", "previous",
                   now="2026-11-25T20:10:00+08:00")).json
    assert prev["acknowledged"]["by"] == "bob"
    assert ok(itsm(desk, "audit")).code == 0 and ok(itsm(desk, "validate")).code == 0


def test_R3_sweep_reminds_the_incoming_supervisor_once(desk):
    ok(itsm(desk, "sweep", now="2026-11-25T20:20:00+08:00", actor=None))   # within 30m
    assert not any(k.startswith("handover-") for k in outbox(desk))
    before = commit_count(desk)
    out = ok(itsm(desk, "sweep", now="2026-11-25T20:31:00+08:00", actor=None)).out
    assert "handover of 2026-11-25/day" in out and "reminded bob" in out
    assert commit_count(desk) == before                        # a reminder is no commit
    notice = outbox(desk)["handover-2026-11-25-day-reminder"]
    assert [r["id"] for r in notice["recipients"]] == ["bob"]
    quiet = ok(itsm(desk, "sweep", "--quiet", now="2026-11-25T20:40:00+08:00", actor=None))
    assert quiet.out == ""                                      # sent once
    ok(itsm(desk, "handover", "--ack", now="2026-11-25T20:45:00+08:00", actor="bob"))
    dry = ok(itsm(desk, "--json", "sweep", "--dry-run", now="2026-11-25T21:00:00+08:00",
                  actor=None)).json
    assert dry["handover_reminder"] is None


def test_R4_diary_one_commit_per_entry_kept_in_the_desk_and_accepted_by_audit(desk):
    before = commit_count(desk)
    ok(itsm(desk, "diary", "add", "--text", "UPS alarm in room 2", "--kind", "incident",
            now=NIGHT, actor="bob"))
    ok(itsm(desk, "diary", "add", "--text", "-", "--kind", "lesson", now=NIGHT,
            actor="carol", input="call the vendor before 23:00\n"))
    assert commit_count(desk) == before + 2
    text = (desk / "diary/2026/11/2026-11-25-night.yaml").read_text()
    assert "UPS alarm in room 2" in text and "call the vendor before 23:00" in text
    assert itsm(desk, "diary", "add", "--text", "x", now=NIGHT, actor="monitor").code == 6
    assert itsm(desk, "diary", "add", now=NIGHT, actor="bob").code == 1
    assert ok(itsm(desk, "audit")).code == 0
    doc = ok(itsm(desk, "--json", "handover", "--shift", "2026-11-25/night",
                  now="2026-11-26T07:00:00+08:00")).json
    assert [(e["by"], e["kind"]) for e in doc["diary"]] == [("bob", "incident"),
                                                             ("carol", "lesson")]
