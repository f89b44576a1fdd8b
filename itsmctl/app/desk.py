"""Daily work at the desk (SPEC 17): find a ticket by its words (W1), change a ticket's
own fields (W3), follow tickets and see what changed on mine (W6)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Optional

from itsmctl.app.session import Session
from itsmctl.app.write import recorded
from itsmctl.errors import UsageError

if TYPE_CHECKING:
    from datetime import datetime

    from itsmctl.core.edit import Changes
    from itsmctl.core.model import Event, Ticket
    from itsmctl.infra.marks import Before

# `search` and `inbox` stay light: the models and the write path load with the writes

FIRST_LOOK = timedelta(days=7)      # what `inbox` shows a person who never looked


@dataclass
class TicketHit:
    """A ticket a search found: its cached state, its score and where it matched."""

    doc: dict[str, Any]
    score: float
    found: str

    def as_doc(self) -> dict[str, Any]:
        d = self.doc
        return {"id": d.get("id"), "score": round(self.score, 3), "status": d.get("status"),
                "priority": d.get("priority"), "group": d.get("group"),
                "assignee": d.get("assignee"), "opened_at": d.get("opened_at"),
                "title": d.get("title"), "found": self.found}


def search(session: Session, text: str, limit: Optional[int] = 20) -> list[TicketHit]:
    """W1: tickets ranked by how well their words match (bm25 over the text index), every
    word required; when no ticket has them all, those that have most of them."""
    from itsmctl.app.queue import open_index, open_text
    from itsmctl.core.search import WEIGHTS, expression, where_found

    if limit is not None and limit < 1:
        raise UsageError("--limit must be 1 or more", rule="W1")
    every = expression(text)
    if every is None:
        raise UsageError(f"nothing to search for in {text!r}: give words, names or numbers",
                         rule="W1")
    index = open_index(session)
    try:
        words = open_text(session, index)
        ranked = words.search(every, WEIGHTS, limit)
        if not ranked:
            ranked = words.search(str(expression(text, any_term=True)), WEIGHTS, limit)
        ids = [i for i, _ in ranked]
        docs = {d["id"]: d for d in index.query(
            None, f"id IN ({','.join('?' * len(ids))})", tuple(ids))} if ids else {}
    finally:
        index.close()
    return [TicketHit(docs[i], score, where_found(docs[i], text)) for i, score in ranked
            if i in docs]


def _changes(doc: dict[str, Any]) -> "Changes":
    from itsmctl.core.edit import Changes

    return Changes(**doc)


@recorded(changes=_changes)
def edit(session: Session, ref: str, changes: "Changes", reason: Optional[str]) -> "Ticket":
    """W3: the ticket's own fields changed, old -> new in history, with the reason."""
    from itsmctl.app.lifecycle import transition
    from itsmctl.core.edit import edit as core

    return transition(session, ref, "edit", lambda t, ctx, tx: core(t, ctx, changes, reason))


@recorded()
def watch(session: Session, ref: str, person: Optional[str] = None) -> "Ticket":
    """W6: the person (you unless named) gets this ticket's notices from now on."""
    from itsmctl.app.lifecycle import transition
    from itsmctl.core.watch import watch as core

    who = _person(session, person)
    return transition(session, ref, "watch", lambda t, ctx, tx: core(t, ctx, who))


@recorded()
def unwatch(session: Session, ref: str, person: Optional[str] = None) -> "Ticket":
    """W6: the person (you unless named) no longer follows this ticket."""
    from itsmctl.app.lifecycle import transition
    from itsmctl.core.watch import unwatch as core

    who = _person(session, person)
    return transition(session, ref, "unwatch", lambda t, ctx, tx: core(t, ctx, who))


def _person(session: Session, given: Optional[str]) -> str:
    """A person id from an id or e-mail; whoever acts when none is given."""
    if given is None:
        return session.actor
    found = session.policy.teams.find(given)
    if found is None:
        from itsmctl.errors import NotFound

        known = ", ".join(sorted(session.policy.teams.people))
        raise NotFound(f"unknown person {given!r} (config/teams.yaml); known: {known}",
                       rule="W6")
    return found


@dataclass
class Change:
    """One event on a ticket of mine that someone else recorded."""

    ticket: "Ticket"
    event: "Event"
    why: list[str] = field(default_factory=list)      # owner, watcher, opener

    def as_doc(self) -> dict[str, Any]:
        t = self.ticket
        return {"id": t.id, "title": t.title, "status": t.status, "priority": t.priority,
                "why": self.why, **self.event.model_dump(mode="json", by_alias=True)}


@dataclass
class Inbox:
    """What changed on a person's tickets since they last looked (W2)."""

    since: "datetime"
    changes: list[Change]


def inbox(session: Session, since: Optional[str] = None) -> Inbox:
    """W6: what others changed on tickets I own, watch or opened, since I last looked
    (or since `since`, which leaves the mark where it was). The mark is per person
    and per clone, under .git/itsmctl/inbox/: the time and the commit I looked at, so
    work synced later with an earlier time (offline, a lagging clock) is still news."""
    from itsmctl.app.queue import instant
    from itsmctl.infra.marks import events_before, last_mark, mark_seen

    me = session.actor
    head = session.desk.head()
    mark = last_mark(session.root, me) if since is None else None
    before = None
    if mark is not None and mark.head and head:
        before = {} if mark.head == head else events_before(session.root, mark.head, head)
    if before is not None and mark is not None:
        start = mark.seen
        changes = _arrived(session, me, before)
    else:
        start = instant(session, since, "--since") if since else (
            mark.seen if mark is not None else session.now - FIRST_LOOK)
        changes = _recorded_since(session, me, start)
    changes.sort(key=lambda c: (c.event.at, c.ticket.id))
    if since is None:
        mark_seen(session.root, me, session.now, head)
    return Inbox(start, changes)


_MINE = "(assignee = ? OR opened_by = ? OR watchers LIKE ?)"


def _why(ticket: "Ticket", me: str) -> list[str]:
    return [w for w, yes in (("owner", ticket.assignee == me),
                             ("watcher", me in ticket.watchers),
                             ("opener", ticket.opened_by == me)) if yes]


def _arrived(session: Session, me: str, before: dict[str, "Before"]) -> list[Change]:
    """The events that arrived since the commit I looked at: each changed ticket that is
    mine now or was then (a ticket moved away from me is news too), beyond the history
    it held then (history only grows, G6)."""
    from itsmctl.app.queue import open_index, read_tickets

    ids = {i for i, b in before.items() if me in b.people}
    index = open_index(session)
    try:
        changed = sorted(before)
        for at in range(0, len(changed), 500):
            part = changed[at:at + 500]
            ids.update(d["id"] for d in index.query(
                None, f"id IN ({','.join('?' * len(part))}) AND {_MINE}",
                (*part, me, me, f"%|{me}|%")))
    finally:
        index.close()
    changes = []
    for ticket in read_tickets(session, sorted(ids)):
        then = before[ticket.id]
        why = _why(ticket, me)
        if not why and me in then.people:
            why = [f"was {then.people[me]}"]              # moved away from me since
        changes += [Change(ticket, e, why) for e in ticket.history[then.events:]
                    if e.actor != me]
    return changes


def _recorded_since(session: Session, me: str, start: "datetime") -> list[Change]:
    """The events recorded after a time (--since, a first look, a mark without a commit)."""
    from itsmctl.app.queue import open_index, read_tickets

    index = open_index(session)
    try:
        ids = [d["id"] for d in index.query(
            None, f"updated_epoch > ? AND {_MINE}", (start.timestamp(), me, me, f"%|{me}|%"))]
    finally:
        index.close()
    changes = []
    for ticket in read_tickets(session, ids):
        why = _why(ticket, me)
        changes += [Change(ticket, e, why) for e in ticket.history
                    if e.at > start and e.actor != me]
    return changes
