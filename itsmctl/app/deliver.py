"""Deliver the notifications a transition recorded (N3), and let sweep retry the rest.

Every notification is recorded on the ticket; failed deliveries are retried by
sweep; none is lost or sent twice. Constraints: exactly one commit per transition,
several clones sharing one remote, and a process that may be killed at any point.

1. Record. `core.notices.plan` runs on every saved ticket, so the transition's own
   commit holds the notification as `pending`, with a fixed id
   `<ticket>-<event>-<n>` and `origin`: the id of the clone that will deliver it
   (`.git/itsmctl/clone-id`; None when this clone defers to sweep, see below).
2. Deliver after the commit (`deliver`, called by the write path). Under a local
   delivery lock (`.git/itsmctl/deliveries.lock`, flock) it sends every notification
   of the committed tickets whose origin is this clone and that has no entry in the
   local ledger, and appends the outcome (sent / failed, attempt, error) to
   `.git/itsmctl/deliveries.jsonl` (append + fsync). Nothing is committed: the
   ticket still says `pending`. Errors are caught, timeouts are short, and when
   the lock is busy the hook leaves the work to sweep; a transition never waits
   on a channel for long and never fails because of one.
3. Retry in sweep (`retry`, under the desk lock, inside sweep's one commit). It
   folds this clone's ledger into the tickets (status, attempts, sent_at, error),
   re-sends this clone's notifications that have no `sent` in the ledger (within a
   time budget; a channel that fails is not tried again in the same pass; those
   planned by the sweep itself, dated `now`, wait for its commit like any), and
   claims other clones' notifications still unsent `takeover_after` after their
   event or last claim (or at once when their origin is None) by setting `origin`
   to this clone and `claimed_at` to now. A claim is
   only recorded, not sent: it reaches the remote with sweep's commit, and the
   after-commit hook sends it. So two sweeping clones cannot both send it: the
   second claim loses the push race (G4) and sees the first on the fresh state.

Why nothing is sent twice: a notification is sent only by its origin clone; on that
clone the delivery lock serialises senders and the ledger, checked under the lock,
says whether it was already sent; the ledger is folded into the ticket before any
takeover can happen. Why nothing is lost: the pending record is in the commit
before anything is sent, and a pending or failed record with no `sent` in its
origin's ledger is re-sent by that clone's sweep, or claimed by another clone after
the grace period. A process killed after a channel accepted a message and before
the ledger line was written leaves the one window where a message may go out
twice; every channel carries the notification id (outbox file name, Message-ID,
Idempotency-Key header, JSON `id`) so a receiver can drop the repeat.

A clone that never runs sweep (a laptop) should defer: `git config itsmctl.delivery
sweep` records origin None and leaves sending to the sweeping clone at once.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Optional

from itsmctl.app.session import Session
from itsmctl.core.notices import claim, fold
from itsmctl.infra.ledger import (
    Entries,
    append_ledger,
    clone_id,
    compact_ledger,
    delivery_lock,
    read_ledger,
)

if TYPE_CHECKING:
    from itsmctl.core.model import Notification, Ticket
    from itsmctl.core.policy import Policy



# ---------------------------------------------------------------- folding and sending
def payload(policy: "Policy", ticket: "Ticket", n: "Notification",
            recipients: Optional[list[str]] = None, date: Optional[str] = None
            ) -> dict[str, Any]:
    """What every channel gets: the record, the facts of its event, the recipients.

    The facts (status, priority, group...) are those recorded with the notice when its
    event happened, so a retry tells what happened then (N4); older records without
    them fall back to the ticket."""
    from itsmctl.core.notices import contact

    desk = policy.teams.groups.get(policy.teams.desk_group)
    facts = dict(n.facts) or {"status": ticket.status, "priority": ticket.priority,
                              "major": ticket.major, "group": ticket.group,
                              "assignee": ticket.assignee, "title": ticket.title}
    headers = dict(n.headers)
    if date:
        headers["Date"] = date_header(date)
    return {"id": n.id, "ticket": ticket.id, "trigger": n.trigger, "event": n.event,
            "at": n.at.isoformat(), "title": facts.get("title", ticket.title),
            "priority": facts.get("priority"), "major": facts.get("major"),
            "status": facts.get("status"), "group": facts.get("group"),
            "assignee": facts.get("assignee"), "facts": facts, "roles": list(n.roles),
            "recipients": [contact(ticket, policy, r)
                           for r in (n.recipients if recipients is None else recipients)],
            "subject": n.subject, "body": n.body, "headers": headers, "date": date,
            "loop": policy.mail.address,
            "desk_email": desk.email if desk is not None else None}


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
           "Dec")


def date_header(iso: str) -> str:
    """email.utils.format_datetime of the ISO time, written out: importing email.utils
    (with socket, random, calendar and the email package) was ~6 ms of CPU of every
    command that delivers a notice, `assign` among them (issue 13)."""
    from datetime import datetime

    dt = datetime.fromisoformat(iso)
    t = dt.timetuple()
    return "%s, %02d %s %04d %02d:%02d:%02d %s" % (
        _DAYS[t[6]], t[2], _MONTHS[t[1] - 1], t[0], t[3], t[4], t[5],
        "-0000" if dt.tzinfo is None else dt.strftime("%z"))


class Sender:
    """One pass of deliveries: ledger lines, a breaker per channel, an optional budget."""

    def __init__(self, session: Session, entries: Entries, me: str,
                 deadline: Optional[float] = None) -> None:
        self.session, self.entries, self.me, self.deadline = session, entries, me, deadline
        self.broken: dict[str, str] = {}
        self.failed: list[str] = []

    def send(self, ticket: Any, n: Any) -> None:
        from itsmctl.core.notices import pending_for, settle
        from itsmctl.infra.channels import DeliveryError, Refused, send

        conf = self.session.policy.notify
        name = n.channels[0] if n.channels else "?"
        if name in self.broken or (self.deadline and time.monotonic() > self.deadline):
            return                              # left for the next pass, no attempt counted
        previous = self.entries.get(n.id, [])
        if previous and settle(n, previous)["status"] in ("sent", "refused"):
            return
        left = pending_for(n, previous)
        if n.recipients and not left:
            return
        attempt = max([n.attempts, *(int(e.get("attempt") or 0) for e in previous)]) + 1
        channel = conf.channels.get(name)
        error, outcomes = None, None
        date = self.session.now.isoformat()
        try:
            if channel is None:
                raise DeliveryError("no such channel in config/notify.yaml")
            timeout = (channel.timeout or conf.delivery.timeout).total_seconds()
            outcomes = send(channel, payload(self.session.policy, ticket, n, left, date),
                            self.session.root, timeout)
        except Refused as exc:
            outcomes, error = exc.outcomes, f"{name}: {exc}"
            self.failed.append(error)
        except DeliveryError as exc:
            error = f"{name}: {exc}"
            self.broken[name] = error
            self.failed.append(error)
        if outcomes and any(o != "sent" for o in outcomes.values()):
            error = error or f"{name}: " + "; ".join(
                f"{w}: {o}" for w, o in outcomes.items() if o != "sent")
            if error not in self.failed:
                self.failed.append(error)
        entry = {"id": n.id, "ticket": ticket.id, "channel": name, "attempt": attempt,
                 "outcome": "failed" if error else "sent", "error": error,
                 "at": self.session.now.isoformat(), "clone": self.me, "date": date}
        if outcomes is not None:
            entry["outcomes"] = outcomes
        append_ledger(self.session.root, entry)
        self.entries.setdefault(n.id, []).append(entry)


def deliver(session: Session, tickets: list["Ticket"]) -> None:
    """After-commit hook: send this clone's never-tried notifications; never raises."""
    try:
        _deliver(session, tickets)
    except Exception as exc:  # noqa: BLE001 - N3: never fail a transition
        session.say(f"itsmctl: notifications not delivered now ({type(exc).__name__}: {exc}); "
                "sweep retries them (N3)")


def _deliver(session: Session, tickets: list["Ticket"]) -> None:
    wanted = [(t, n) for t in tickets for n in t.notifications
              if n.status not in ("sent", "refused") and n.origin is not None]
    if not wanted:
        return
    me = clone_id(session.root)
    wanted = [(t, n) for t, n in wanted if n.origin == me]
    if not wanted:
        return
    if not pushed(session):
        # the commit may yet be replayed or dropped by `itsmctl sync` (G4): tell no one yet
        session.say("itsmctl: not pushed yet: notifications wait; sweep sends them (N3)")
        return
    with delivery_lock(session.root, timeout=1.0) as got:
        if not got:
            session.say("itsmctl: another itsmctl is delivering; sweep sends these "
                    "notifications (N3)")
            return
        sender = Sender(session, read_ledger(session.root, [n.id for _, n in wanted]), me)
        for ticket, n in wanted:
            if n.id not in sender.entries:
                sender.send(ticket, n)
    if sender.failed:
        session.say(f"itsmctl: {len(sender.failed)} notification(s) not delivered "
                    f"({sender.failed[0]}); sweep retries them (N3)")


def pushed(session: Session) -> bool:
    """With a remote (G4): has our commit reached it? A claim counts only once it has."""
    if session.in_replay:
        return False                # `sync` pushes the rebuilt commits afterwards
    remote = session.remote
    if remote is None:
        return True
    try:
        return remote.pushed()
    except Exception:  # noqa: BLE001 - unsure means not pushed
        return False


def retry(session: Session, tickets: list["Ticket"]) -> list["Ticket"]:
    """For sweep, under the desk lock: fold, re-send and claim; the changed tickets.

    Pass the tickets as sweep will save them; save the returned ones in their place
    (same commit). Nothing is raised: on trouble the ledger keeps what happened.
    """
    todo = [t for t in tickets
            if any(n.status not in ("sent", "refused") for n in t.notifications)]
    if not todo:
        return []
    conf = session.policy.notify.delivery
    budget = conf.budget.total_seconds()
    changed = []
    try:
        me = clone_id(session.root)
        with delivery_lock(session.root, timeout=budget) as got:
            if not got:
                return []
            sender = Sender(session, read_ledger(session.root), me, time.monotonic() + budget)
            live = pushed(session)          # unpushed local commits may yet be dropped (G4)
            for ticket in todo:
                new = fold(ticket, sender.entries, me)
                if not live:
                    if new != ticket:
                        changed.append(new)
                    continue
                for n in new.notifications:
                    # planned by this very sweep (at `now`): on a desk with a remote they
                    # wait for the push (a racing sweeper's may win); on a lone desk they
                    # go now, so the sweep's one commit records them sent (S4: a second
                    # sweep finds nothing to do)
                    mine_now = n.at >= session.now and session.remote is not None
                    if n.origin == me and n.status not in ("sent", "refused") \
                            and not mine_now:
                        sender.send(new, n)
                new = claim(fold(new, sender.entries, me), me, session.now, conf.takeover_after)
                if new != ticket:
                    changed.append(new)
            compact_ledger(session.root, session.now)
    except Exception as exc:  # noqa: BLE001 - the ledger keeps what was done
        session.say(f"itsmctl: notification retry stopped ({type(exc).__name__}: {exc}); "
                "the next sweep goes on (N3)")
        return changed
    return changed
