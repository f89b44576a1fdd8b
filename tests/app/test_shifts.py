"""R1-R4 use cases without click, on a real scratch desk."""

from __future__ import annotations

import json

import pytest

from itsmctl.app import shifts
from itsmctl.errors import NotPermitted
from tests.app.helpers import commits, head_message, session

NIGHT = "2026-11-25T22:00:00+08:00"


def test_R1_oncall_use_case(desk):
    doc = shifts.oncall(session(desk, now=NIGHT), "billing-app")
    assert [(p["primary"], p["backup"], p["active"]) for p in doc["oncall"]] == \
        [("carol", "dave", True)]


def test_R4_diary_add_records_its_call_for_sync(desk):
    before = commits(desk)
    out = shifts.diary_add(session(desk, "bob", NIGHT), "db01 fan noise", "incident")
    assert out["shift"] == "2026-11-25/night" and out["commit"] and commits(desk) == before + 1
    message = head_message(desk)
    record = json.loads(message.split("Itsmctl-Command: ", 1)[1].splitlines()[0])
    assert record["call"] == "shifts.diary_add" and record["args"]["kind"] == "incident"
    assert "Itsmctl-Action: diary-add" in message


def test_R3_acknowledge_only_by_the_incoming_supervisor(desk):
    with pytest.raises(NotPermitted):
        shifts.acknowledge(session(desk, "alice", "2026-11-25T20:05:00+08:00"))
    doc = shifts.acknowledge(session(desk, "bob", "2026-11-25T20:05:00+08:00"))
    assert doc["acknowledged"]["by"] == "bob" and doc["commit"]
    assert "Itsmctl-Outgoing: alice" in head_message(desk)


def test_R3_reminder_is_due_until_acknowledged(desk):
    due = shifts.reminder(session(desk, now="2026-11-25T20:31:00+08:00"))
    assert due["shift"] == "2026-11-25/day" and due["remind"] == ["bob"] and not due["sent"]
    assert shifts.send_reminder(session(desk, now="2026-11-25T20:31:00+08:00"), due)
    assert shifts.reminder(session(desk, now="2026-11-25T20:32:00+08:00"))["sent"]
