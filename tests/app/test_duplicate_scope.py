"""M6 / L16: `open` reads from the index only the states the conditions can name (issue
13), and names exactly what the core names from every state of the desk."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from itsmctl.app.duplicates import candidates
from itsmctl.app.queue import index_docs, load
from itsmctl.core.duplicates import candidates as core_candidates
from itsmctl.core.duplicates import scope
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
    # the read was narrower than the desk: not the week-old open ones, not October's
    assert read and read[0] <= len(everything) - 4


def test_M6_scope_follows_the_conditions_the_new_ticket_can_meet(desk):
    s = session(desk)
    config = s.policy.duplicates
    now = datetime(2026, 11, 25, 9, 0, tzinfo=CN)
    bare = {"id": "NEW", "opened_at": now.isoformat()}
    assert scope(bare, config, now) == (False, None, False)        # no key: no candidate
    full = {**bare, "classification": {"category": "billing", "subtype": "application",
                                       "symptom": "billing-error"}}
    open_ok, since, closed_ok = scope(full, config, now)
    assert open_ok and closed_ok and since == now - config.conditions["same-symptom"].within
