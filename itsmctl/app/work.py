"""`task add` / `task done` (T1): work split off an incident for other groups."""

from __future__ import annotations

from typing import Any, Optional

from itsmctl.app.session import App, transition


def add(app: App, ref: str, title: Optional[str], group: Optional[str] = None) -> Any:
    from itsmctl.core.tasks import add_task

    return transition(app, ref, "task-add",
                      lambda t, ctx, tx: add_task(t, ctx, title, group))


def done(app: App, ref: str, task: str, result: Optional[str]) -> Any:
    from itsmctl.core.tasks import finish_task

    return transition(app, ref, "task-done",
                      lambda t, ctx, tx: finish_task(t, ctx, task, result))



def announce(app: App, ref: str, kind: str, title: Optional[str], body: Optional[str]) -> Any:
    from itsmctl.core.tasks import announce as core

    return transition(app, ref, "announce", lambda t, ctx, tx: core(t, ctx, kind, title, body))


def suggest_announcement(app: App, ticket: Any) -> None:
    """A1 (1.6): tell the desk, on stderr, that this ticket deserves an announcement."""
    from itsmctl.core.tasks import suggests_announcement

    if not suggests_announcement(app.policy, ticket):
        return
    label = app.policy.matrix.impact_labels.get(ticket.impact, "")
    app.say(f"impact {ticket.impact}{' (' + label + ')' if label else ''}: consider an "
            f"announcement (A1): itsmctl announce {ticket.id} --kind outage "
            "--title T --body B")


ANNOUNCEMENT_COLUMNS = ("id", "kind", "announcement", "status", "since", "ticket")


def announced(app: App, status: tuple[str, ...] = (), show_all: bool = False,
              **filters: Any) -> list[dict[str, Any]]:
    """`list --announcements`: tickets with an open announcement whatever their status;
    with --all, closed announcements too."""
    from itsmctl.app.queue import select

    filters.pop("announcements", None)
    docs = select(app, status=status, show_all=not status, **filters)
    return [d for d in docs if isinstance(d.get("announcement"), dict)
            and (show_all or d["announcement"].get("status") == "open")]


def announcement_rows(docs: list[dict[str, Any]]) -> list[list[Any]]:
    from itsmctl.ui.output import short_time

    out = []
    for d in docs:
        a = d["announcement"]
        out.append([d.get("id"), a.get("kind"), a.get("title"), a.get("status"),
                    short_time(a.get("at")), f"{d.get('status')}: {d.get('title', '')}"])
    return out



VISIT_COLUMNS = ("id", "due", "state", "closed", "reporter", "phone", "title")


def record(app: App, ref: str, result: Optional[str],
           satisfaction: Optional[int] = None) -> Any:
    """`visit ID --result R`: one commit on the closed ticket."""
    from itsmctl.core import visit

    def step(t: Any, ctx: Any, tx: Any) -> Any:
        return visit.record(t, ctx, result, satisfaction)

    return transition(app, ref, "visit", step)


def due_tickets(app: App) -> list[Any]:
    """Closed user tickets whose visit is not yet made, earliest due first."""
    from itsmctl.app.sweep import read_tickets
    from itsmctl.core import visit

    policy = app.policy

    def wanted(doc: dict[str, Any]) -> bool:
        v = doc.get("visit")
        return doc.get("status") == "closed" and (v is None or v.get("result") is None)

    tickets = [t for t in read_tickets(app, wanted, app.messages) if visit.pending(t, policy)]
    return sorted(tickets, key=lambda t: (visit.due(t, policy), t.id))


def due_doc(app: App, ticket: Any) -> dict[str, Any]:
    """`show --json` of the ticket, with `visit.due` filled in before sweep has set it."""
    from itsmctl.app.queue import show_doc
    from itsmctl.core import visit

    doc = show_doc(app, ticket)
    if doc.get("visit") is None:
        doc["visit"] = {"due": visit.due(ticket, app.policy).isoformat(), "result": None,
                        "at": None, "by": None}
    doc["visit"]["overdue"] = visit.due(ticket, app.policy) < app.now
    return doc


def visit_rows(app: App, tickets: list[Any]) -> list[list[Any]]:
    from itsmctl.core import visit
    from itsmctl.ui.output import short_time

    out = []
    for t in tickets:
        when = visit.due(t, app.policy)
        r = t.reporter
        out.append([t.id, short_time(when.isoformat()),
                    "OVERDUE" if when < app.now else "due",
                    short_time(t.closed_at.isoformat()) if t.closed_at else "",
                    (r.name if r else "") or "", (r.phone or r.email if r else "") or "",
                    t.title])
    return out
