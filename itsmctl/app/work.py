"""Work attached to a ticket: tasks for other groups (T1), announcements (A1), return
visits (V1)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from itsmctl.app.lifecycle import transition
from itsmctl.app.session import Session
from itsmctl.app.write import recorded

if TYPE_CHECKING:
    from itsmctl.core.model import Ticket


@recorded()
def task_add(session: Session, ref: str, title: Optional[str],
             group: Optional[str] = None) -> "Ticket":
    """T1: split off a task for a group; the ticket cannot resolve until it is done."""
    from itsmctl.core.tasks import add_task

    return transition(session, ref, "task-add",
                      lambda t, ctx, tx: add_task(t, ctx, title, group))


@recorded()
def task_done(session: Session, ref: str, task: str, result: Optional[str]) -> "Ticket":
    """T1: the group that did the task records its result."""
    from itsmctl.core.tasks import finish_task

    return transition(session, ref, "task-done",
                      lambda t, ctx, tx: finish_task(t, ctx, task, result))


@recorded()
def announce(session: Session, ref: str, kind: str, title: Optional[str],
             body: Optional[str]) -> "Ticket":
    """A1: post, or replace, the ticket's announcement."""
    from itsmctl.core.tasks import announce as core

    return transition(session, ref, "announce",
                      lambda t, ctx, tx: core(t, ctx, kind, title, body))


def suggest_announcement(session: Session, ticket: "Ticket") -> None:
    """A1 (1.6): tell the desk that this ticket deserves an announcement."""
    from itsmctl.core.tasks import suggests_announcement

    if not suggests_announcement(session.policy, ticket):
        return
    label = session.policy.matrix.impact_labels.get(ticket.impact, "")
    session.say(f"impact {ticket.impact}{' (' + label + ')' if label else ''}: consider an "
                f"announcement (A1): itsmctl announce {ticket.id} --kind outage "
                "--title T --body B")


def announced(session: Session, status: tuple[str, ...] = (), show_all: bool = False,
              **filters: Any) -> list[dict[str, Any]]:
    """`list --announcements`: tickets with an open announcement whatever their status;
    with --all, closed announcements too."""
    from itsmctl.app.queue import select

    docs = select(session, status=status, show_all=not status, **filters)
    return [d for d in docs if isinstance(d.get("announcement"), dict)
            and (show_all or d["announcement"].get("status") == "open")]


@recorded()
def visit(session: Session, ref: str, result: Optional[str],
          satisfaction: Optional[int] = None) -> "Ticket":
    """V1: the return visit of a closed ticket."""
    from itsmctl.core import visit as core

    return transition(session, ref, "visit",
                      lambda t, ctx, tx: core.record(t, ctx, result, satisfaction))


def visits_due(session: Session) -> list["Ticket"]:
    """Closed user tickets whose visit is not yet made, earliest due first."""
    from itsmctl.app.queue import index_docs, read_tickets
    from itsmctl.core import visit as core

    policy = session.policy
    ids = [d["id"] for d in index_docs(session, ["closed"])
           if not isinstance(d.get("visit"), dict) or d["visit"].get("result") is None]
    tickets = [t for t in read_tickets(session, ids) if core.pending(t, policy)]
    return sorted(tickets, key=lambda t: (core.due(t, policy), t.id))


def visit_doc(session: Session, ticket: "Ticket") -> dict[str, Any]:
    """`show --json` of the ticket, with `visit.due` filled in before sweep has set it."""
    from itsmctl.app.queue import show_doc
    from itsmctl.core import visit as core

    doc = show_doc(session, ticket)
    due = core.due(ticket, session.policy)
    if doc.get("visit") is None:
        doc["visit"] = {"due": due.isoformat(), "result": None, "at": None, "by": None}
    doc["visit"]["overdue"] = due < session.now
    return doc
