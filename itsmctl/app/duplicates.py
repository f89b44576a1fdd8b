"""Likely duplicates and recurrence candidates of a ticket just opened (M6, L16)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from itsmctl.app.session import Session

if TYPE_CHECKING:
    from itsmctl.core.model import Ticket


def candidates(session: Session, ticket: "Ticket") -> dict[str, list[dict[str, Any]]]:
    """Open tickets meeting a condition of duplicates.yaml, and closed ones within the
    recurrence window (core/duplicates.py), from the ticket index."""
    from itsmctl.app.queue import index_docs
    from itsmctl.core.duplicates import candidates as find

    config = session.policy.duplicates
    if not config.conditions:
        return {"duplicates": [], "recurrences": []}
    # a superset by day (times carry offsets; the core compares them exactly)
    since = (session.now - config.recurrence.within - timedelta(days=1)).date().isoformat()
    docs = index_docs(session, None, "status IN ('new', 'assigned', 'in_progress', "
                      "'waiting') OR (status = 'closed' AND substr(updated_at, 1, 10) >= ?)",
                      (since,))
    found = find(ticket.to_doc(), docs, config, session.now)
    if ticket.master:
        found["duplicates"] = [c for c in found["duplicates"] if c["id"] != ticket.master]
    if ticket.recurrence_of:
        found["recurrences"] = [c for c in found["recurrences"]
                                if c["id"] != ticket.recurrence_of]
    return found
