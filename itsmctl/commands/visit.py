"""Return visits (V1): record one, and list the closed tickets still owed one."""

from __future__ import annotations

from typing import Any, Optional

from itsmctl.commands.app import App, transition

COLUMNS = ("id", "due", "state", "closed", "reporter", "phone", "title")


def record(app: App, ref: str, result: Optional[str],
           satisfaction: Optional[int] = None) -> Any:
    """`visit ID --result R`: one commit on the closed ticket."""
    from itsmctl.core import visit

    def step(t: Any, ctx: Any, tx: Any) -> Any:
        return visit.record(t, ctx, result, satisfaction)

    return transition(app, ref, "visit", step)


def due_tickets(app: App) -> list[Any]:
    """Closed user tickets whose visit is not yet made, earliest due first."""
    from itsmctl.commands.sweep import read_tickets
    from itsmctl.core import visit

    policy = app.policy

    def wanted(doc: dict[str, Any]) -> bool:
        v = doc.get("visit")
        return doc.get("status") == "closed" and (v is None or v.get("result") is None)

    tickets = [t for t in read_tickets(app, wanted, app.messages) if visit.pending(t, policy)]
    return sorted(tickets, key=lambda t: (visit.due(t, policy), t.id))


def due_doc(app: App, ticket: Any) -> dict[str, Any]:
    """`show --json` of the ticket, with `visit.due` filled in before sweep has set it."""
    from itsmctl.commands.read import show_doc
    from itsmctl.core import visit

    doc = show_doc(app, ticket)
    if doc.get("visit") is None:
        doc["visit"] = {"due": visit.due(ticket, app.policy).isoformat(), "result": None,
                        "at": None, "by": None}
    doc["visit"]["overdue"] = visit.due(ticket, app.policy) < app.now
    return doc


def rows(app: App, tickets: list[Any]) -> list[list[Any]]:
    from itsmctl.core import visit
    from itsmctl.render import short_time

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
