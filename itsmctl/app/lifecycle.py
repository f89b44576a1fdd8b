"""The lifecycle of a ticket (SPEC 3, L1-L15): open, assign, accept, reject, wait, resume,
resolve, reopen, close, classify, escalate, note. Each is one write of one ticket (and
its slaves, M2) through the write path."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Optional

from itsmctl.app.session import Session
from itsmctl.app.write import Tx, recorded, write
from itsmctl.errors import ConcurrencyError, NotFound

if TYPE_CHECKING:
    from itsmctl.core.events import Ctx
    from itsmctl.core.intake import Intake
    from itsmctl.core.model import Ticket

    # (for the type checker only: quoted names would be compiled at run time, issue 13)
    Step = Callable[["Ticket", "Ctx", Tx], "Ticket"]


def transition(session: Session, ref: str, action: str, step: Step) -> "Ticket":
    """One command on one ticket (and its slaves) as exactly one commit; the ticket as
    committed."""

    def decide(tx: Tx) -> "Ticket":
        before = tx.load(tx.resolve(ref))
        after = tx.save(step(before, tx.ctx, tx))
        tx.mirror(before, after)
        tx.describe(action, before=before.status)
        return after

    return write(session, decide)


def fresh_id(session: Session, tx: Tx, wanted: Optional[str] = None) -> str:
    """A ticket id free on this desk: `wanted` (a replay or an import keeps its id)
    when it is free, else a new random one."""
    from itsmctl.infra.store import new_id

    if wanted and not tx.exists(wanted):
        return wanted
    for _ in range(20):
        ticket_id = new_id(session.policy.desk.id_prefix, session.now)
        if not tx.exists(ticket_id):
            return ticket_id
    raise ConcurrencyError("could not find a free ticket id in 20 tries", rule="G3")


def _intake(doc: dict) -> "Intake":
    """An Intake from its recorded JSON (a replay of `open`)."""
    from itsmctl.core.intake import Intake

    return Intake(**doc)


@recorded(intake=_intake)
def open_ticket(session: Session, intake: "Intake", ticket_id: Optional[str] = None) -> "Ticket":
    """L1/L2/L12 (H2 for monitoring tickets): a new ticket in its own commit."""
    from itsmctl.app.customers import fill_reporter

    fill_reporter(session, intake)                  # B1: --reporter-id from the directory
    if (intake.source == "monitoring" or intake.alert.get("id")) and not intake.recurrence_of \
            and not intake.duplicate_of:
        from itsmctl.app.hooks import open_alert

        ticket = open_alert(session, intake)        # H2: de-duplicated by fingerprint
    else:
        ticket = write(session, lambda tx: _open(session, tx, intake, ticket_id))
    from itsmctl.app.knowledge import suggest
    from itsmctl.app.work import suggest_announcement

    suggest(session, ticket)                        # K2: initial support (2.5)
    suggest_announcement(session, ticket)           # A1 (1.6)
    return ticket


def _open(session: Session, tx: Tx, intake: "Intake", wanted: Optional[str]) -> "Ticket":
    from itsmctl.core.intake import open_ticket as core_open

    base = tx.load(tx.resolve(intake.recurrence_of)) if intake.recurrence_of else None
    master = tx.load(tx.resolve(intake.duplicate_of)) if intake.duplicate_of else None
    if session.policy.duplicates.conditions:    # the candidates read the index after
        from itsmctl.app.queue import follow_index

        follow_index(session, tx)
    new_id = fresh_id(session, tx, wanted)
    tx.call_args["ticket_id"] = new_id              # a replay opens the same ticket
    ticket = core_open(intake, tx.ctx, new_id, base)
    if master is not None:                          # M6: opened as its duplicate (M1)
        from itsmctl.core.relations import link_master

        ticket, master = link_master(ticket, master, tx.ctx)
    ticket = tx.save(ticket)
    if master is not None:
        tx.save(master)
    tx.describe("open-out-of-scope" if intake.out_of_scope else "open", note=ticket.title)
    return ticket


@recorded()
def assign(session: Session, ref: str, group: str, person: Optional[str] = None,
           causation: Optional[str] = None, force: bool = False) -> "Ticket":
    """L3 dispatch / L6 transfer; a person who is away gets their delegate (D1)."""
    from itsmctl.core import workflow

    target, away = _delegate(session, person)
    return transition(session, ref, "assign", lambda t, ctx, tx: workflow.assign(
        t, ctx, group, target, causation, force, delegate_of=away))


def _delegate(session: Session, person: Optional[str]) -> tuple[Optional[str], Optional[str]]:
    if person is None:
        return None, None
    pid = session.policy.teams.find(person)
    if pid is None:
        raise NotFound(f"unknown person {person!r} (config/teams.yaml)", rule="L3")
    from itsmctl.core.delegation import delegate_for

    # the day of the desk's time zone (D1 ranges are dates at the desk)
    target = delegate_for(session.policy.teams, pid, session.now.astimezone(session.tz).date())
    return (target, pid) if target != pid else (pid, None)


@recorded()
def accept(session: Session, ref: str) -> "Ticket":
    """L4: a member of the group takes it (first-owner responsibility)."""
    from itsmctl.core import workflow

    return transition(session, ref, "accept", lambda t, ctx, tx: workflow.accept(t, ctx))


@recorded()
def reject(session: Session, ref: str, reason: Optional[str] = None,
           suggest: Optional[str] = None) -> "Ticket":
    """L5: back to the desk with a reason."""
    from itsmctl.core import workflow

    return transition(session, ref, "reject",
                      lambda t, ctx, tx: workflow.reject(t, ctx, reason, suggest))


@recorded()
def wait(session: Session, ref: str, code: str, until: Optional[str] = None) -> "Ticket":
    """L7: park an open ticket; its SLA clock pauses."""
    from itsmctl.core import workflow

    when = session.parse_time(until, "--until") if until else None
    return transition(session, ref, "wait",
                      lambda t, ctx, tx: workflow.wait(t, ctx, code, until=when))


@recorded()
def resume(session: Session, ref: str) -> "Ticket":
    """L7: back to the state it waited from."""
    from itsmctl.core import workflow

    return transition(session, ref, "resume", lambda t, ctx, tx: workflow.resume(t, ctx))


@recorded()
def resolve(session: Session, ref: str, solution: Optional[str] = None,
            causation: Optional[str] = None, workaround: bool = False) -> "Ticket":
    """L8: the solution on record; the user is told."""
    from itsmctl.core import workflow

    return transition(session, ref, "resolve", lambda t, ctx, tx: workflow.resolve(
        t, ctx, solution, causation, workaround))


@recorded()
def reopen(session: Session, ref: str, reason: Optional[str] = None) -> "Ticket":
    """L9: the user rejects the resolution."""
    from itsmctl.core import workflow

    return transition(session, ref, "reopen",
                      lambda t, ctx, tx: workflow.reopen(t, ctx, reason))


@recorded()
def close(session: Session, ref: str, code: str, satisfaction: Optional[int] = None,
          kb: bool = False) -> "Ticket":
    """L10: a close code; with kb, a candidate article in the same commit (K3)."""
    from itsmctl.core import workflow

    if not kb:
        return transition(session, ref, "close",
                          lambda t, ctx, tx: workflow.close(t, ctx, code, satisfaction))
    from itsmctl.app.knowledge import close_with_candidate, labels

    names = labels(session)
    return transition(session, ref, "close", lambda t, ctx, tx: close_with_candidate(
        t, ctx, tx, names, code, satisfaction))


@recorded()
def classify(session: Session, ref: str, reason: Optional[str] = None,
             impact: Optional[str] = None, urgency: Optional[str] = None,
             affected_users: Optional[int] = None, category: Optional[str] = None,
             subtype: Optional[str] = None, symptom: Optional[str] = None,
             causation: Optional[str] = None, verify: bool = False) -> "Ticket":
    """P1/P4: impact, urgency or classification changed, priority recomputed; B2 verify."""
    from itsmctl.core import workflow

    return transition(session, ref, "classify", lambda t, ctx, tx: workflow.classify(
        t, ctx, reason, impact=impact, urgency=urgency, affected_users=affected_users,
        verify=verify, category=category, subtype=subtype, symptom=symptom,
        causation=causation))


@recorded()
def escalate(session: Session, ref: str, reason: Optional[str] = None) -> "Ticket":
    """S5: escalation by hand."""
    from itsmctl.core import workflow

    return transition(session, ref, "escalate",
                      lambda t, ctx, tx: workflow.escalate(t, ctx, reason))


@recorded()
def note(session: Session, ref: str, text: Optional[str] = None) -> "Ticket":
    """A work note, on any ticket."""
    from itsmctl.core import workflow

    return transition(session, ref, "note", lambda t, ctx, tx: workflow.note(t, ctx, text))
