"""The backlog of a report (Q1, Q2): tickets open at an instant, by age and priority, each
count with the tickets behind it (Q6). Pure."""

from __future__ import annotations

from bisect import bisect_right
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional

from itsmctl.core.rows import micros
from itsmctl.core.states import OPEN_STATUSES

if TYPE_CHECKING:       # a Policy, or its plain twin (core/policy/plain.py)
    from itsmctl.core.policy import Policy

Doc = dict[str, Any]
Lookup = Callable[[str], Optional[Any]]

AGE_BUCKETS = ((timedelta(days=1), "< 1d"), (timedelta(days=3), "1-3d"),
               (timedelta(days=7), "3-7d"), (timedelta(days=30), "7-30d"),
               (None, "> 30d"))


def when(value: Any) -> Optional[datetime]:
    """A time from a ticket document (ISO text as stored, or already a datetime)."""
    if value is None or isinstance(value, datetime):
        return value
    return _parse_time(str(value))


@lru_cache(maxsize=65536)
def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)



def status_at(doc: Doc, at: int) -> Optional[str]:
    """A ticket's status at an instant (micros), from its document's history (None: not
    opened yet): the status its last change before `at` set (core/sla.py segments)."""
    opened = micros(doc.get("opened_at"))
    if opened is None or opened > at:
        return None
    status, since = "new", opened
    for event in doc.get("history") or ():
        to = event.get("to") if isinstance(event, dict) else None
        if to is None or to == status:
            continue
        changed = micros(event.get("at"))
        if changed is not None and since <= at < changed:
            return status
        status, since = to, changed if changed is not None else since
    return status if since <= at else doc.get("status")


def open_at(row: Any, at: int, full: Optional[Lookup] = None) -> bool:
    """Whether the ticket (a core/rows.py Row) was open (new, assigned, in progress,
    waiting) at `at` (micros).

    The current state decides unless the ticket was reopened since `at`: then its
    history does (`full(id)`: its document with the history)."""
    opened = row.opened
    if opened is None or opened > at:
        return False
    status = row.status
    changed = row.updated
    if changed is not None and changed <= at:
        return status in OPEN_STATUSES
    closed, resolved = row.closed, row.resolved
    if status == "closed" and closed is not None and closed <= at:
        return False
    if status in ("resolved", "closed") and resolved is not None and resolved <= at:
        return False
    if not row.reopens:
        return True
    doc = full(row.id) if full else None
    return doc is not None and status_at(doc, at) in OPEN_STATUSES


def backlog(rows: list[Any], policy: Policy, at: datetime,
            full: Optional[Lookup] = None,
            known: Iterable[tuple[str, str, int]] = ()) -> dict[str, Any]:
    """Tickets (core/report.py Rows) open at `at` by age since opening, split by
    priority; `known`: (id, priority, opened micros) of more tickets known to be open
    at `at` (infra/facts.py still_open), counted after the rows."""
    levels = policy.matrix.priority_levels
    found: list[dict[str, list[str]]] = [{p: [] for p in levels} for _ in AGE_BUCKETS]
    total: list[str] = []
    at_us = micros(at)
    assert at_us is not None
    # the last bucket has no upper limit: an age past every limit lands in it
    limits = [limit // timedelta(microseconds=1) for limit, _ in AGE_BUCKETS if limit]
    for row in rows:
        opened, changed = row.opened, row.updated
        if opened is None or opened > at_us:
            continue
        if changed is not None and changed <= at_us:    # open_at's first answer, inline:
            if row.status not in OPEN_STATUSES:         # most rows stop here
                continue
        elif not open_at(row, at_us, full):
            continue
        found[bisect_right(limits, at_us - opened)].setdefault(row.priority, []).append(row.id)
        total.append(row.id)
    for tid, priority, opened in known:
        found[bisect_right(limits, at_us - opened)].setdefault(priority, []).append(tid)
        total.append(tid)
    buckets = []
    for (_, label), by_prio in zip(AGE_BUCKETS, found):
        every = sorted(x for v in by_prio.values() for x in v)
        buckets.append({"age": label, "count": len(every),
                        "by_priority": {p: len(v) for p, v in by_prio.items()},
                        "tickets": {"count": every,
                                    "by_priority": {p: sorted(v) for p, v in by_prio.items()}}})
    return {"at": at.isoformat(), "total": len(total), "buckets": buckets,
            "tickets": {"total": sorted(total)}}
