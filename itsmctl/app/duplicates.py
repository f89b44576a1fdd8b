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
    from itsmctl.core.matchkeys import keys
    from itsmctl.core.model import as_time

    config = session.policy.duplicates
    if not config.conditions:
        return {"duplicates": [], "recurrences": []}
    doc = ticket.to_doc()
    mine = keys(doc)
    met = {name: c for name, c in config.conditions.items() if all(mine[k] for k in c.match)}
    recurring = [n for n in (config.recurrence.conditions or list(config.conditions))
                 if n in met]
    # only the states the core may name are read: a ticket sharing a value of each key
    # of a condition the new ticket can meet (the index's `match` column), an open one
    # opened within the widest window of those (by a day more: times carry offsets;
    # the core compares them exactly), a closed one updated within the recurrence
    # window. At 100,000 tickets the windows alone held ~2,200 states, ~30 ms of
    # `open` to read and sift (issue 13); `+status`: not the status index, which would
    # walk every closed row; a NULL time as the text alone decides
    terms: list[str] = []
    params: list[Any] = []
    shared = [_shared(cond.match, mine) for cond in met.values()]
    either = " OR ".join(sql for sql, _ in shared)
    values = [v for _, more in shared for v in more]
    windows = [cond.within for cond in met.values()]
    # one term per time column (an OR whose every term has an index of its own is
    # answered index by index; more terms, or terms mixing times, and SQLite reads the
    # whole table): the widest window of the conditions met, each condition's keys
    if met and None in windows:
        terms.append(f"(status IN {OPEN} AND ({either}))")
        params += values
    elif met:
        opened = as_time(doc.get("opened_at")) or session.now
        since = (opened - max(w for w in windows if w is not None)
                 - timedelta(days=1)).timestamp()
        terms += [f"(+status IN {OPEN} AND opened_epoch >= ? AND ({either}))",
                  f"(+status IN {OPEN} AND opened_epoch IS NULL AND ({either}))"]
        params += [since, *values, *values]
    if recurring:
        since_day = (session.now - config.recurrence.within - timedelta(days=1)).date()
        # a text dated `since_day` or later is a time no earlier than a day before its
        # midnight in UTC (offsets are under a day): two days before is below any
        earliest = datetime(since_day.year, since_day.month, since_day.day,
                            tzinfo=timezone.utc) - timedelta(days=2)
        again = [_shared(met[name].match, mine) for name in recurring]
        either = " OR ".join(sql for sql, _ in again)
        values = [v for _, more in again for v in more]
        terms += [f"(+status = 'closed' AND updated_epoch >= ? "
                  f"AND substr(updated_at, 1, 10) >= ? AND ({either}))",
                  f"(+status = 'closed' AND updated_epoch IS NULL "
                  f"AND substr(updated_at, 1, 10) >= ? AND ({either}))"]
        params += [earliest.timestamp(), since_day.isoformat(), *values,
                   since_day.isoformat(), *values]
    docs = index_docs(session, None, " OR ".join(terms), tuple(params)) if terms else []
    found = find(doc, docs, config, session.now)
    if ticket.master:
        found["duplicates"] = [c for c in found["duplicates"] if c["id"] != ticket.master]
    if ticket.recurrence_of:
        found["recurrences"] = [c for c in found["recurrences"]
                                if c["id"] != ticket.recurrence_of]
    return found


def _shared(match: Any, mine: dict[str, set[str]]) -> tuple[str, list[str]]:
    """SQL that holds for a row sharing a value of each key (its `match` text holds the
    entry), and the entries to bind."""
    from itsmctl.core.matchkeys import entry

    groups, values = [], []
    for key in match:
        wanted = sorted(mine[key])
        groups.append("(" + " OR ".join(["instr(match, ?) > 0"] * len(wanted)) + ")")
        values += [entry(key, v) for v in wanted]
    return "(" + " AND ".join(groups) + ")", values
