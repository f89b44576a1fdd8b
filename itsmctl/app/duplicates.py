"""Likely duplicates and recurrence candidates of a ticket just opened (M6, L16)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from itsmctl.app.session import Session

if TYPE_CHECKING:
    from itsmctl.core.model import Ticket

OPEN = "('new', 'assigned', 'in_progress', 'waiting')"


def candidates(session: Session, ticket: "Ticket") -> dict[str, list[dict[str, Any]]]:
    """Open tickets meeting a condition of duplicates.yaml, and closed ones within the
    recurrence window (core/duplicates.py), from the ticket index."""
    from itsmctl.app.queue import index_docs
    from itsmctl.core.duplicates import candidates as find
    from itsmctl.core.duplicates import recurrence_filter, scope

    config = session.policy.duplicates
    if not config.conditions:
        return {"duplicates": [], "recurrences": []}
    doc = ticket.to_doc()
    # only the states the core may name are read (at 10,000 tickets the open queue and
    # the month's closed tickets were ~1,300 states to unpickle): an open ticket opened
    # within the widest window of the conditions the new ticket can meet, a closed one
    # updated within the recurrence window when a recurrence condition can be met. Each
    # is a superset (by a day or two: times carry offsets; the core compares them
    # exactly), asked through the time columns' indexes (`+status`: not the status
    # index, which would walk every closed row), a NULL time as the text alone decides
    open_ok, opened_since, closed_ok = scope(doc, config, session.now)
    terms: list[str] = []
    params: list[Any] = []
    if open_ok and opened_since is None:
        terms.append(f"status IN {OPEN}")
    elif open_ok and opened_since is not None:
        terms += [f"(+status IN {OPEN} AND opened_epoch >= ?)",
                  f"(+status IN {OPEN} AND opened_epoch IS NULL)"]
        params.append((opened_since - timedelta(days=1)).timestamp())
    if closed_ok:
        since = (session.now - config.recurrence.within - timedelta(days=1)).date()
        # a text dated `since` or later is a time no earlier than a day before its
        # midnight in UTC (offsets are under a day): two days before is below any
        earliest = datetime(since.year, since.month, since.day, tzinfo=timezone.utc) \
            - timedelta(days=2)
        terms += ["(+status = 'closed' AND updated_epoch >= ? "
                  "AND substr(updated_at, 1, 10) >= ?)",
                  "(+status = 'closed' AND updated_epoch IS NULL "
                  "AND substr(updated_at, 1, 10) >= ?)"]
        params += [earliest.timestamp(), since.isoformat(), since.isoformat()]
    # a closed ticket whose stored bytes lack the values a recurrence condition needs
    # is not unpickled (core/duplicates.recurrence_filter)
    keep = recurrence_filter(doc, config) if closed_ok else None
    docs = index_docs(session, None, " OR ".join(terms), tuple(params),
                      closed_keep=keep) if terms else []
    found = find(doc, docs, config, session.now)
    if ticket.master:
        found["duplicates"] = [c for c in found["duplicates"] if c["id"] != ticket.master]
    if ticket.recurrence_of:
        found["recurrences"] = [c for c in found["recurrences"]
                                if c["id"] != ticket.recurrence_of]
    return found
