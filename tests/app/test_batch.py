"""W5: one use case on several tickets as one commit through the write path."""

from __future__ import annotations

import json

import pytest

from itsmctl.app import batch, lifecycle, sync
from itsmctl.errors import NotFound, RuleViolation
from tests.app.helpers import commits, committed, git, head_message, intake, session, shared_remote
from tests.helpers import make_desk


def test_W5_each_is_one_commit_with_an_event_per_ticket(desk):
    a = lifecycle.open_ticket(session(desk), intake("a"))
    b = lifecycle.open_ticket(session(desk), intake("b"))
    before = commits(desk)
    done = batch.each(session(desk), [a.id, b.id[:12], a.id],
                      lambda s, ref: lifecycle.note(s, ref, text="called back"))
    assert [t.id for t in done] == [a.id, b.id]              # each once, in order
    assert commits(desk) == before + 1
    for t in (a, b):
        assert committed(desk, t.id).history[-1].note == "called back"
    message = head_message(desk)
    assert message.startswith(f"{a.id} and 1 more: note by alice")
    assert f"Itsmctl-Also: {b.id}" in message
    trailer = [x for x in message.splitlines() if x.startswith("Itsmctl-Command: ")][0]
    record = json.loads(trailer.split(": ", 1)[1])
    assert record["call"] == "batch.run"
    assert [c["call"] for c in record["args"]["calls"]] == ["lifecycle.note"] * 2
    assert git(desk, "status", "--porcelain") == ""


def test_W5_all_or_nothing(desk):
    a = lifecycle.open_ticket(session(desk), intake("a"))
    b = lifecycle.open_ticket(session(desk), intake("b"))
    lifecycle.assign(session(desk), a.id, "billing-app")
    before = commits(desk)
    with pytest.raises(RuleViolation):                       # b is new: nobody accepted it
        batch.each(session(desk, actor="carol"), [a.id, b.id],
                   lambda s, ref: lifecycle.accept(s, ref))
    assert commits(desk) == before
    assert committed(desk, a.id).status == "assigned"
    with pytest.raises(NotFound):
        batch.each(session(desk), [a.id, "INC-2611-ZZZZZ"],
                   lambda s, ref: lifecycle.note(s, ref, text="x"))
    assert commits(desk) == before and git(desk, "status", "--porcelain") == ""


def test_W5_sync_replays_a_batch_as_a_whole(tmp_path):
    remote, clone = shared_remote(tmp_path, make_desk(tmp_path / "seed"))
    a, b = clone("a"), clone("b")
    one = lifecycle.open_ticket(session(a), intake("one"))
    two = lifecycle.open_ticket(session(a), intake("two"))
    git(b, "pull", "-q")
    git(b, "remote", "set-url", "origin", str(tmp_path / "nowhere.git"))   # b goes offline
    batch.each(session(b), [one.id, two.id], lambda s, ref: lifecycle.note(s, ref, text="b"))
    lifecycle.note(session(a), one.id, text="a")                            # a moves on
    git(b, "remote", "set-url", "origin", str(remote))
    done = sync.sync(session(b))
    assert done.pushed == 1 and not done.dropped
    for t in (one, two):
        notes = [e.note for e in committed(b, t.id, "origin/main").history if e.note]
        assert notes[-1] == "b"
    assert [e.note for e in committed(b, one.id, "origin/main").history
            if e.action == "note"] == ["a", "b"]
