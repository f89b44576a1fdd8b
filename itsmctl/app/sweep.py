"""`itsmctl sweep`: the core plans, the shell carries out: one commit, under the desk lock.

Two sweeps at once (overlapping cron runs) never double-escalate: the plan is made from
the tickets as committed *after* taking the lock, and every action is recorded on the
ticket (escalations, visit, status), so the second sweep finds nothing left to do.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from itsmctl.app.session import App, after_commit
from itsmctl.errors import ItsmError

SWEEP_NAME = "itsmctl sweep"
SWEEP_EMAIL = "sweep@itsmctl.invalid"


@dataclass
class Outcome:
    """What one sweep did (or, with --dry-run, would do)."""

    dry_run: bool
    now: str
    actions: list[Any] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    commit: Optional[str] = None
    retried: list[str] = field(default_factory=list)   # tickets with notifications redone

    def doc(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "now": self.now, "commit": self.commit,
                "actions": [a.doc() for a in self.actions], "skipped": self.skipped,
                "notifications": self.retried}


def read_tickets(app: App, wanted: Callable[[dict[str, Any]], bool], skipped: list[str],
                 paths: Optional[list[Any]] = None) -> list[Any]:
    """The tickets whose raw mapping passes `wanted`, read from the ticket files (all of
    them, or `paths`). Unreadable or invalid files are reported in `skipped` and left
    out, so one broken file does not stop cron."""
    from itsmctl.infra.store import parse_ticket
    from itsmctl.infra.yaml import load_ticket

    root = app.root
    out = []
    for path in app.desk.ticket_files() if paths is None else paths:
        rel = path.relative_to(root).as_posix()
        try:
            doc = load_ticket(path.read_bytes(), rel)
            if isinstance(doc, dict) and not wanted(doc):
                continue
            out.append(parse_ticket(doc, rel))
        except ItsmError as exc:
            skipped.append(exc.message)
        except FileNotFoundError:
            continue                    # removed since the index saw it
        except OSError as exc:
            skipped.append(f"{rel}: unreadable: {exc}")
    return out


def _from_index(app: App, pick: Callable[[Any], list[str]]) -> Optional[list[Any]]:
    """Paths of the tickets the index picks; None (read every file) when it is unusable."""
    import sqlite3

    from itsmctl.core.model import ticket_path

    try:
        from itsmctl.infra.index import open_index

        index = open_index(app.root)
        try:
            ids = pick(index)
        finally:
            index.close()
    except (ImportError, AttributeError, sqlite3.Error, OSError, ItsmError) as exc:
        app.say(f"itsmctl sweep: index unusable ({type(exc).__name__}: {exc}); "
                "reading every ticket file")
        return None
    return [app.root / ticket_path(tid) for tid in sorted(set(ids))]


def candidates(app: App, skipped: list[str]) -> list[Any]:
    """Tickets the sweep may have something to do on (S4, L7, L11, V1).

    The one place the sweep finds tickets: the index's wake-up times narrow it down to
    a superset of the tickets due (itsmctl/index.py); without a usable index, every
    ticket file is read.
    """
    from itsmctl.core.sweep import might_act

    policy, rule = app.policy, app.policy.sla.visit
    paths = _from_index(app, lambda index: index.sweep_candidates(
        app.now.timestamp(), policy.sla.auto_close_after.total_seconds(),
        list(rule.sources), list(rule.types), list(rule.skip_close_codes)))
    return read_tickets(app, lambda doc: might_act(doc, policy), skipped, paths)


def unsent(app: App, skipped: list[str]) -> list[Any]:
    """Tickets with a notification not recorded as sent (N3), found through the index."""
    paths = _from_index(app, lambda index: index.pending_ids())
    return read_tickets(app, undelivered, skipped, paths)


def undelivered(doc: dict[str, Any]) -> bool:
    """A ticket mapping with a notification not yet recorded as sent (N3)."""
    return any(isinstance(n, dict) and n.get("status") != "sent"
               for n in doc.get("notifications") or ())


def retry_notifications(app: App, tx: Any, skipped: list[str]) -> list[str]:
    """N3: inside sweep's transaction, hand every ticket with an unsent notification (as it
    will be saved) to itsmctl.app.deliver.retry, and save what it returns in the same commit."""
    if importlib.util.find_spec("itsmctl.app.deliver") is None:
        return []
    retry = getattr(importlib.import_module("itsmctl.app.deliver"), "retry", None)
    if retry is None:
        return []
    todo = {tid: t for tid, t in tx.changed.items()
            if any(n.status != "sent" for n in t.notifications)}
    for t in unsent(app, skipped):
        if t.id not in tx.changed:
            try:
                todo[t.id] = tx.load(t.id)
            except ItsmError as exc:
                skipped.append(exc.message)
    if not todo:
        return []
    out = []
    for ticket in retry(app, list(todo.values())) or ():
        tx.save(ticket)
        out.append(ticket.id)
    return out


def preview(app: App) -> Outcome:
    """`sweep --dry-run`: the plan from the files as they are; nothing is written."""
    from itsmctl.core.sweep import plan

    outcome = Outcome(dry_run=True, now=app.now.isoformat())
    outcome.actions = plan(candidates(app, outcome.skipped), app.policy, app.now)
    outcome.retried = [t.id for t in unsent(app, outcome.skipped)]
    return outcome


def run(app: App, retry: bool = True) -> Outcome:
    """One sweep: plan under the lock, carry out, retry notifications, one commit."""
    from itsmctl.core.sweep import SWEEP_ACTOR

    # after-commit hooks (notification delivery) see the sweep as the actor, not a person
    app.__dict__["actor"] = SWEEP_ACTOR
    outcome = Outcome(dry_run=False, now=app.now.isoformat())
    with app.transaction() as tx:
        changed = _carry_out(app, tx, outcome)
        if retry:
            outcome.retried = retry_notifications(app, tx, outcome.skipped)
        if tx.changed:
            from itsmctl.infra.store import Author, tx_commit

            tickets = list(dict.fromkeys([*changed, *outcome.retried, *tx.changed]))
            outcome.commit = tx_commit(
                tx, message(outcome.actions, tickets, outcome.retried),
                Author(SWEEP_NAME, SWEEP_EMAIL), app.now)
        saved = list(tx.changed.values())
    if saved:
        after_commit(app, saved)
    return outcome


@dataclass
class Mirror:
    """M2: repeat a master's status change (resume, auto-close) on each of its slaves."""

    tx: Any
    ctx: Any
    skipped: list[str]
    slaves: dict[str, Any] = field(default_factory=dict)

    def __call__(self, before: Any, after: Any) -> None:
        from itsmctl.core.relations import propagate

        if not after.slaves or after.status == before.status:
            return
        for sid in after.slaves:
            try:
                slave = self.slaves.get(sid) or self.tx.load(sid)
            except ItsmError as exc:
                self.skipped.append(exc.message)
                continue
            new = propagate(after, slave, self.ctx, len(before.history))
            if new is not slave:
                self.slaves[sid] = new


def _carry_out(app: App, tx: Any, outcome: Outcome) -> list[str]:
    """Settle every ticket with something due; mirror a master's steps onto its slaves."""
    from itsmctl.core.sweep import plan, settle, sweep_ctx

    policy, now = app.policy, app.now
    ctx = sweep_ctx(policy, now)
    queue = list(dict.fromkeys(a.ticket for a in
                               plan(candidates(app, outcome.skipped), policy, now)))
    touched: list[str] = []
    seen: set[str] = set()
    while queue:
        ticket_id = queue.pop(0)
        if ticket_id in seen:
            continue
        seen.add(ticket_id)
        try:
            ticket = tx.load(ticket_id)
        except ItsmError as exc:
            outcome.skipped.append(exc.message)
            continue
        mirror = Mirror(tx, ctx, outcome.skipped)
        new, done, refused = settle(ticket, policy, now, on_step=mirror)
        outcome.skipped += refused
        for sid, slave in mirror.slaves.items():
            tx.save(slave)
            touched.append(sid)
            queue.append(sid)           # a slave closed with its master is owed a visit
            seen.discard(sid)
        if done:
            tx.save(new)
            outcome.actions += done
            touched.append(ticket_id)
    return list(dict.fromkeys(touched))


def message(actions: list[Any], tickets: list[str], notified: list[str]) -> str:
    """Subject with the counts, one line per action, trailers like every commit (I3)."""
    from itsmctl.core.sweep import SWEEP_ACTOR, summary

    what = summary(actions) if actions else ""
    if notified:
        what += f"{', ' if what else ''}notifications of {len(notified)} ticket" \
            f"{'s' if len(notified) != 1 else ''}"
    lines = [f"sweep: {what} ({len(tickets)} ticket{'s' if len(tickets) != 1 else ''})", ""]
    lines += [f"{a.ticket}: {a.describe()}" for a in actions]
    acted = {a.ticket for a in actions}
    lines += [f"{t}: mirrors its master (M2)" for t in tickets
              if t not in acted and t not in notified]
    lines += [f"{t}: notification delivery recorded (N3)" for t in notified]
    lines += ["", f"Itsmctl-Ticket: {tickets[0]}", "Itsmctl-Action: sweep",
              f"Itsmctl-Actor: {SWEEP_ACTOR}"]
    if len(tickets) > 1:
        lines.append(f"Itsmctl-Also: {' '.join(tickets[1:])}")
    return "\n".join(lines) + "\n"
