"""W6: watch / unwatch (a watcher gets the ticket's notices) and inbox."""

import json

from tests.helpers import (
    NOW,
    commit_count,
    dispatched,
    in_progress,
    itsm,
    ok,
    open_ticket,
    resolved,
    show,
)

LATER = "2026-11-25T10:00:00+08:00"
LATER2 = "2026-11-25T11:00:00+08:00"


def _outbox(desk):
    out = []
    for path in sorted((desk / ".git" / "itsmctl" / "outbox").glob("*.json")):
        out.append(json.loads(path.read_text()))
    return out


def test_W6_watch_and_unwatch_are_recorded_and_legal(desk):
    tid = dispatched(desk)
    before = commit_count(desk)
    assert ok(itsm(desk, "watch", tid, actor="mike")).out.strip() == f"{tid}: watched by mike"
    ok(itsm(desk, "watch", tid, "--person", "leo", actor="mike"))
    assert show(desk, tid)["watchers"] == ["mike", "leo"]
    assert commit_count(desk) == before + 2
    r = itsm(desk, "watch", tid, actor="mike")
    assert r.code == 2 and "already watches" in r.err
    r = itsm(desk, "watch", tid, "--person", "nobody", actor="mike")
    assert r.code == 3 and "carol" in r.err
    ok(itsm(desk, "unwatch", tid, "--person", "leo", actor="mike"))
    assert show(desk, tid)["watchers"] == ["mike"]
    assert show(desk, tid)["history"][-1]["changes"]["watchers"] == [["mike", "leo"], ["mike"]]
    assert ok(itsm(desk, "audit")).code == 0


def test_W6_a_watcher_gets_the_tickets_notices(desk):
    tid = in_progress(desk)
    ok(itsm(desk, "watch", tid, actor="leo"))
    ok(itsm(desk, "resolve", tid, "--solution", "fixed", "--causation", "data-error",
            actor="carol", now=LATER))
    notices = [n for n in _outbox(desk) if n.get("trigger") == "resolve"]
    assert notices and any("leo" in [r["id"] for r in n["recipients"]] for n in notices)
    # a watcher is not told of their own change
    other = in_progress(desk)
    ok(itsm(desk, "watch", other, actor="carol"))
    ok(itsm(desk, "resolve", other, "--solution", "fixed", "--causation", "data-error",
            actor="carol", now=LATER))
    t = show(desk, other)
    assert all("W" not in n["roles"] for n in t["notifications"])


def test_W6_unwatch_allowed_on_closed_watch_is_not(desk):
    tid = resolved(desk)
    ok(itsm(desk, "watch", tid, actor="mike"))
    ok(itsm(desk, "close", tid, "--code", "solved"))
    r = itsm(desk, "watch", tid, actor="leo")
    assert r.code == 1 and "[L14]" in r.err
    ok(itsm(desk, "unwatch", tid, actor="mike"))


def test_W6_inbox_shows_what_others_changed_since_i_looked(desk):
    mine = dispatched(desk)                                     # alice opened it
    watched = open_ticket(desk, title="someone else's")
    ok(itsm(desk, "watch", watched, actor="carol"))
    unrelated = open_ticket(desk, title="not mine")
    ok(itsm(desk, "--json", "inbox", actor="carol"))            # carol looks: mark set
    ok(itsm(desk, "accept", mine, actor="carol", now=LATER))
    ok(itsm(desk, "note", watched, "--text", "user called again", now=LATER))
    ok(itsm(desk, "note", unrelated, "--text", "nobody cares", now=LATER))
    box = ok(itsm(desk, "--json", "inbox", actor="carol", now=LATER2)).json
    assert [(c["id"], c["action"]) for c in box["changes"]] == [(watched, "note")]
    assert box["changes"][0]["why"] == ["watcher"]
    # alice: the accept on the ticket she opened (her own notes are not news to her)
    box = ok(itsm(desk, "--json", "inbox", actor="alice", now=LATER2)).json
    assert (mine, "accept") in [(c["id"], c["action"]) for c in box["changes"]]
    assert all(c["actor"] != "alice" for c in box["changes"])
    again = ok(itsm(desk, "--json", "inbox", actor="alice", now=LATER2)).json
    assert again["changes"] == []                               # looked: nothing new
    out = ok(itsm(desk, "inbox", "--since", "2026-11-25T09:30", actor="alice",
                  now=LATER2)).out
    assert mine in out and "accept" in out and "assignee: – → carol" in out
    assert "nothing new" in ok(itsm(desk, "inbox", actor="alice", now=LATER2)).out
    assert NOW


def test_W6_inbox_counts_what_arrived_not_what_time_it_claims(desk):
    """Work synced after I looked keeps its own, earlier time (offline, a lagging clock):
    it is still news, because the mark is the commit I looked at."""
    watched = open_ticket(desk, title="printer on 3F")
    ok(itsm(desk, "watch", watched, actor="carol"))
    ok(itsm(desk, "--json", "inbox", actor="carol", now=LATER2))         # carol looks
    ok(itsm(desk, "note", watched, "--text", "written on the train", now=LATER))
    box = ok(itsm(desk, "--json", "inbox", actor="carol", now=LATER2)).json
    assert [(c["id"], c["note"]) for c in box["changes"]] == [
        (watched, "written on the train")]
    ok(itsm(desk, "note", watched, "--text", "same minute", now=LATER2))
    ok(itsm(desk, "note", watched, "--text", "carol's own", actor="carol", now=LATER2))
    box = ok(itsm(desk, "--json", "inbox", actor="carol", now=LATER2)).json
    assert [c["note"] for c in box["changes"]] == ["same minute"]
    assert ok(itsm(desk, "--json", "inbox", actor="carol", now=LATER2)).json["changes"] == []
    mark = desk / ".git" / "itsmctl" / "inbox" / "carol.json"
    mark.write_text(json.dumps({"seen": NOW, "head": "0" * 40}))     # a commit not here
    box = ok(itsm(desk, "--json", "inbox", actor="carol", now=LATER2)).json
    assert {c["note"] for c in box["changes"]} >= {"written on the train", "same minute"}


def test_W6_a_ticket_moved_away_from_me_is_news(desk):
    tid = in_progress(desk)                                     # carol owns it
    ok(itsm(desk, "--json", "inbox", actor="carol", now=LATER))  # carol looks
    ok(itsm(desk, "assign", tid, "--group", "dba", "--causation", "data-error",
            actor="carol", now=LATER))
    ok(itsm(desk, "accept", tid, actor="erin", now=LATER))
    box = ok(itsm(desk, "--json", "inbox", actor="carol", now=LATER2)).json
    assert [(c["action"], c["why"]) for c in box["changes"]] == [("accept", ["was owner"])]
