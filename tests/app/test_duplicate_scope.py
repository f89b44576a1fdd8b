"""M6 / L16: `open` reads from the index only the states the conditions can name (issue
13), and names exactly what the core names from every state of the desk."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from itsmctl.app.duplicates import candidates
from itsmctl.app.queue import index_docs, load
from itsmctl.core.duplicates import candidates as core_candidates
from tests.app.helpers import session
from tests.helpers import BILLING, USER, itsm, ok, open_ticket

CN = timezone(timedelta(hours=8))


def _at(day: int, hour: int = 9, month: int = 11) -> str:
    return datetime(2026, month, day, hour, 0, tzinfo=CN).isoformat()


def _closed(desk, *extra: str, day: int, month: int = 11) -> str:
    now = _at(day, month=month)
    tid = ok(itsm(desk, "open", "--title", "计费出错 old", *USER, *extra, now=now)).out.strip()
    ok(itsm(desk, "assign", tid, "--group", "billing-app", "--person", "carol", now=now))
    ok(itsm(desk, "accept", tid, actor="carol", now=now))
    ok(itsm(desk, "resolve", tid, "--solution", "fixed the rate table", "--causation",
            "data-error", actor="carol", now=now))
    ok(itsm(desk, "close", tid, "--code", "solved", now=now))
    return tid


def test_M6_L16_the_narrowed_read_names_what_the_whole_desk_would(desk, monkeypatch):
    # open tickets from weeks to minutes before, closed ones in and out of the window,
    # with the keys of each condition (category/symptom, ci, reporter) or not
    made: list[str] = []
    for day, hour, extra in ((1, 9, BILLING), (20, 9, ("--ci", "billing-db01")),
                             (24, 8, BILLING), (24, 20, ()), (25, 6, BILLING),
                             (25, 8, ("--ci", "billing-db01"))):
        made.append(open_ticket(desk, *extra, now=_at(day, hour)))
    made += [_closed(desk, *BILLING, day=d, month=m) for d, m in ((2, 10), (20, 10),
                                                                   (12, 11))]
    made.append(_closed(desk, *BILLING, "--ci", "billing-db01", day=20))
    new = ok(itsm(desk, "open", "--title", "计费出错 again", *USER, *BILLING, "--ci",
                  "billing-db01", now=_at(25, 9))).out.strip()
    s = session(desk, now=_at(25, 9))
    ticket = load(s, new)
    everything = index_docs(s)                  # every state, no status asked
    whole = core_candidates(ticket.to_doc(), everything, s.policy.duplicates, s.now)
    read: list[int] = []

    def counted(*args, **kw):
        docs = index_docs(*args, **kw)
        read.append(len(docs))
        return docs

    monkeypatch.setattr("itsmctl.app.queue.index_docs", counted)
    found = candidates(s, ticket)
    assert found == whole
    assert found["duplicates"] and found["recurrences"]        # the test tests something
    # the read was narrower than the desk: not the week-old open ones, not October's,
    # not the open one of this morning that shares no key with the new one (issue 13)
    assert read and read[0] <= len(everything) - 5


def test_M6_a_ticket_meeting_no_condition_reads_no_state(desk, monkeypatch):
    """No key of any condition (no classification, ci, location, reporter, alert): the
    index is not asked at all; with a key, only the tickets sharing it are read."""
    from itsmctl.core.model import Ticket

    s = session(desk, now=_at(25, 9))
    base = load(s, open_ticket(desk, *BILLING, now=_at(25, 8)))
    bare = Ticket.model_validate({**base.to_doc(), "id": "INC-2611-ZZZZZ",
                                  "classification": {}, "reporter": None, "location": None,
                                  "links": {}, "alert": None})
    asked: list[str] = []
    monkeypatch.setattr("itsmctl.app.queue.index_docs",
                        lambda *a, **kw: asked.append(a[2]) or [])
    assert candidates(s, bare) == {"duplicates": [], "recurrences": []} and asked == []
    candidates(s, base)
    assert asked and "instr(match, ?)" in asked[0]
