"""`itsmctl sweep`: core/sweep.py plans, this carries it out: one commit, under the desk lock.

Two sweeps at once (overlapping cron runs) never double-escalate: the plan is made from
the tickets as committed *after* taking the lock, and every action is recorded on the
ticket (escalations, visit, status), so the second sweep finds nothing left to do.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional

from itsmctl.app.session import Session
from itsmctl.app.write import Tx, recorded, written
from itsmctl.errors import Findings, ItsmError

if TYPE_CHECKING:
    from itsmctl.core.model import Ticket
    from itsmctl.core.sweep import Action
    from itsmctl.infra.index import Index

SWEEP_ACTOR = "sweep"


@dataclass
class SweepOutcome:
    """What one sweep did (or, with --dry-run, would do)."""

    dry_run: bool
    now: str
    actions: list["Action"] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)    # ticket files it could not read
    refused: list[str] = field(default_factory=list)    # actions a rule refused
    commit: Optional[str] = None
    retried: list[str] = field(default_factory=list)   # tickets with notifications redone
    # N3, by ticket: delivered after their commit, the delivery recorded now (or, with
    # --dry-run, to be recorded); sent again now (to retry); still not delivered
    recorded: list[str] = field(default_factory=list)
    resent: list[str] = field(default_factory=list)
    undelivered: list[str] = field(default_factory=list)
    reminder: Optional[dict[str, Any]] = None          # R3: a handover not acknowledged

    def doc(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "now": self.now, "commit": self.commit,
                "actions": [a.doc() for a in self.actions], "skipped": self.skipped,
                "refused": self.refused, "notifications": self.retried,
                "notifications_recorded": self.recorded, "notifications_sent": self.resent,
                "notifications_undelivered": self.undelivered,
                "handover_reminder": self.reminder}

    def complete(self) -> None:
        """The rest is done (and committed); then exit 4 when ticket files were skipped,
        1 when a rule refused an action: the sweep's work is incomplete (each said)."""
        if self.skipped:
            raise Findings(f"sweep: {len(self.skipped)} ticket file(s) skipped", exit_code=4)
        if self.refused:
            raise Findings(f"sweep: {len(self.refused)} action(s) refused", exit_code=1)


def _ids(session: Session, pick: Callable[["Index"], list[str]],
         skipped: Optional[list[str]] = None) -> list[str]:
    """Ticket ids the index picks (and, into `skipped`, the committed files it cannot
    read); every ticket's id when the index is unusable."""
    from itsmctl.app.queue import open_index

    try:
        index = open_index(session)
        try:
            if skipped is not None:
                skipped += [x for x in index.invalid() if x not in skipped]
            return sorted(set(pick(index)))
        finally:
            index.close()
    except (sqlite3.Error, OSError, ItsmError) as exc:
        session.say(f"itsmctl sweep: index unusable ({type(exc).__name__}: {exc}); "
                    "reading every ticket file")
        return [p.stem for p in session.desk.ticket_files()]


def candidate_ids(session: Session, skipped: Optional[list[str]] = None) -> list[str]:
    """Tickets the sweep may have something to do on (S4, L7, L11, V1, N3).

    The index's wake-up times narrow every ticket down to a superset of those due
    (itsmctl/infra/index.py); core/sweep.py decides on each of them."""
    policy, rule = session.policy, session.policy.sla.visit
    return _ids(session, lambda index: index.sweep_candidates(
        session.now.timestamp(), policy.sla.auto_close_after.total_seconds(),
        list(rule.sources), list(rule.types), list(rule.skip_close_codes)), skipped)


def unsent_ids(session: Session) -> list[str]:
    """Tickets with a notification not recorded as sent (N3), found through the index."""
    return _ids(session, lambda index: index.pending_ids())


def preview(session: Session) -> SweepOutcome:
    """`sweep --dry-run`: the plan from the files as they are; nothing is written."""
    from itsmctl.app.queue import read_tickets
    from itsmctl.core.sweep import plan

    session = session.derive(system=SWEEP_ACTOR)
    outcome = SweepOutcome(dry_run=True, now=session.now.isoformat())
    tickets = read_tickets(session, candidate_ids(session, outcome.skipped), outcome.skipped)
    outcome.actions = plan(tickets, session.policy, session.now)
    unsent = [t for t in read_tickets(session, unsent_ids(session), outcome.skipped)
              if _unsettled(t)]
    outcome.retried = [t.id for t in unsent]
    outcome.recorded, outcome.resent = _delivered(session, unsent)
    outcome.reminder = _remind(session, send=False)
    return outcome


def _delivered(session: Session, tickets: list["Ticket"]) -> tuple[list[str], list[str]]:
    """(tickets whose unsettled notifications this clone delivered after their commit,
    so the sweep only records it; tickets with some not delivered, to send again)."""
    from itsmctl.infra.ledger import read_ledger, sent

    open_ = {t.id: [n for n in t.notifications if n.status not in ("sent", "refused")]
             for t in tickets}
    entries = read_ledger(session.root, [n.id for ns in open_.values() for n in ns])
    done = [tid for tid, ns in open_.items() if any(sent(entries, n.id) for n in ns)]
    todo = [tid for tid, ns in open_.items() if any(not sent(entries, n.id) for n in ns)]
    return done, todo


def _remind(session: Session, send: bool) -> Optional[dict[str, Any]]:
    """R3: the handover reminder due now, sent once (the delivery ledger remembers it; no
    commit); a broken diary file or channel is said, never fatal to the sweep."""
    from itsmctl.app.shifts import reminder, send_reminder

    try:
        due = reminder(session)
        if due is not None and send:
            already = due["sent"]
            due["sent"] = send_reminder(session, due)
            due["new"] = due["sent"] and not already
        return due
    except Exception as exc:  # noqa: BLE001 - N3: a reminder never fails the sweep
        session.say(f"itsmctl sweep: handover reminder skipped ({getattr(exc, 'message', exc)})")
        return None


@recorded()
def sweep(session: Session, retry: bool = True) -> SweepOutcome:
    """One sweep: plan under the lock, carry out, retry notifications, one commit."""
    session = session.derive(system=SWEEP_ACTOR)

    def decide(tx: Tx) -> SweepOutcome:
        outcome = SweepOutcome(dry_run=False, now=session.now.isoformat())
        touched = _carry_out(session, tx, outcome)
        if retry:
            outcome.retried = _retry_notifications(session, tx, outcome)
        if tx.changed:
            tickets = list(dict.fromkeys([*touched, *outcome.retried, *tx.changed]))
            tx.message = message(outcome.actions, tickets, outcome.retried,
                                 outcome.resent)
        return outcome

    outcome, sha = written(session, decide, fresh=True)     # it sends (N3): pull first
    outcome.commit = sha
    from itsmctl.infra.deskstats import record_sweep

    record_sweep(session.root, session.now)     # U4: the sweep's age, even when idle
    outcome.reminder = _remind(session, send=not session.in_replay)
    return outcome


def _load(tx: Tx, ticket_id: str, skipped: list[str]) -> Optional["Ticket"]:
    """A candidate, looked at: each ticket's actions depend on that ticket alone, so only
    the tickets the sweep saves must be unchanged for its commit to hold (G4)."""
    try:
        return tx.scan(ticket_id)
    except ItsmError as exc:
        skipped.append(exc.message)
        return None


def _carry_out(session: Session, tx: Tx, outcome: SweepOutcome) -> list[str]:
    """Settle every candidate once; mirror a master's status changes onto its slaves (M2),
    which are then settled in turn (a slave closed with its master is owed a visit)."""
    from itsmctl.core.relations import propagate
    from itsmctl.core.sweep import settled, sweep_ctx

    policy, now = session.policy, session.now
    ctx = sweep_ctx(policy, now)
    queue = candidate_ids(session, outcome.skipped)
    touched: list[str] = []
    seen: set[str] = set()
    while queue:
        ticket_id = queue.pop(0)
        if ticket_id in seen:
            continue
        seen.add(ticket_id)
        ticket = _load(tx, ticket_id, outcome.skipped)
        if ticket is None:
            continue
        done = settled(ticket, policy, now)
        outcome.refused += done.refused
        if not done.actions:
            continue
        tx.save(done.ticket)
        outcome.actions += done.actions
        touched.append(ticket_id)
        for before, after in done.steps:
            for sid in after.slaves:
                slave = _load(tx, sid, outcome.skipped)
                if slave is None:
                    continue
                new = propagate(after, slave, ctx, len(before.history))
                if new is not slave:
                    tx.save(new)
                    touched.append(sid)
                    queue.append(sid)
                    seen.discard(sid)
    return list(dict.fromkeys(touched))


def _retry_notifications(session: Session, tx: Tx, outcome: SweepOutcome) -> list[str]:
    """N3: inside sweep's transaction, hand every ticket with an unsent notification (as
    it will be saved) to app/deliver.retry, and save what it returns in the same commit."""
    from itsmctl.app.deliver import retry

    todo = {tid: t for tid, t in tx.changed.items()
            if _unsettled(t)}
    for tid in unsent_ids(session):
        if tid not in todo:
            ticket = _load(tx, tid, outcome.skipped)
            if ticket is not None and _unsettled(ticket):
                todo[tid] = ticket
    if not todo:
        return []
    outcome.recorded, to_send = _delivered(session, list(todo.values()))
    saved = [tx.save(ticket) for ticket in retry(session, list(todo.values()))]
    for tid in to_send:
        after = tx.changed.get(tid, todo[tid])
        (outcome.undelivered if _unsettled(after) else outcome.resent).append(tid)
    return [t.id for t in saved]


def _unsettled(ticket: "Ticket") -> bool:
    """A notification still to deliver (not sent, not refused for good)."""
    return any(n.status not in ("sent", "refused") for n in ticket.notifications)


def message(actions: list["Action"], tickets: list[str], notified: list[str],
            resent: Optional[list[str]] = None) -> str:
    """Subject with the counts, one line per action, trailers like every commit (I3)."""
    from itsmctl.core.sweep import summary

    what = summary(actions) if actions else ""
    if notified:
        what += f"{', ' if what else ''}notification records of {len(notified)} ticket" \
            f"{'s' if len(notified) != 1 else ''}"
    lines = [f"sweep: {what} ({len(tickets)} ticket{'s' if len(tickets) != 1 else ''})", ""]
    lines += [f"{a.ticket}: {a.describe()}" for a in actions]
    acted = {a.ticket for a in actions}
    lines += [f"{t}: mirrors its master (M2)" for t in tickets
              if t not in acted and t not in notified]
    lines += [f"{t}: notification sent again (N3)" if t in (resent or ()) else
              f"{t}: notification delivery recorded (N3)" for t in notified]
    lines += ["", f"Itsmctl-Ticket: {tickets[0]}", "Itsmctl-Action: sweep",
              f"Itsmctl-Actor: {SWEEP_ACTOR}"]
    if len(tickets) > 1:
        lines.append(f"Itsmctl-Also: {' '.join(tickets[1:])}")
    return "\n".join(lines) + "\n"
