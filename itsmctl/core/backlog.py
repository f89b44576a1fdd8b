"""The backlog of a report (Q1, Q2): tickets open at an instant, by age and priority, each
count with the tickets behind it (Q6). Pure."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Callable, Optional

from itsmctl.core.model import OPEN_STATUSES, Ticket
from itsmctl.core.policy import Policy
from itsmctl.core.sla import segments

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


def status_at(ticket: Ticket, at: datetime) -> Optional[str]:
    """The ticket's status at an instant, from its history (None: not opened yet)."""
    if ticket.opened_at > at:
        return None
    for seg in segments(ticket):
        if seg.start <= at and (seg.end is None or at < seg.end):
            return seg.status
    return ticket.status


def open_at(doc: Doc, at: datetime, full: Optional[Lookup] = None) -> bool:
    """Whether the ticket was open (new, assigned, in progress, waiting) at `at`.

    The current state decides unless the ticket was reopened since `at`: then its
    history does (`full(id)`)."""
    opened = when(doc.get("opened_at"))
    if opened is None or opened > at:
        return False
    status = doc.get("status")
    changed = when(doc.get("updated_at"))
    if changed is not None and changed <= at:
        return status in OPEN_STATUSES
    closed, resolved = when(doc.get("closed_at")), when(doc.get("resolved_at"))
    if status == "closed" and closed is not None and closed <= at:
        return False
    if status in ("resolved", "closed") and resolved is not None and resolved <= at:
        return False
    if not (doc.get("counters") or {}).get("reopens"):
        return True
    ticket = full(doc["id"]) if full else None
    if ticket is None:
        ticket = Ticket.from_doc(doc) if "history" in doc else None
    return ticket is not None and status_at(ticket, at) in OPEN_STATUSES


def backlog(docs: list[Doc], policy: Policy, at: datetime,
            full: Optional[Lookup] = None) -> dict[str, Any]:
    """Tickets open at `at` by age since opening, split by priority."""
    levels = policy.matrix.priority_levels
    found: list[dict[str, list[str]]] = [{p: [] for p in levels} for _ in AGE_BUCKETS]
    total: list[str] = []
    for doc in docs:
        if not open_at(doc, at, full):
            continue
        age = at - when(doc["opened_at"])  # type: ignore[operator]
        i = next(i for i, (limit, _) in enumerate(AGE_BUCKETS) if limit is None or age < limit)
        found[i].setdefault(doc.get("priority") or "", []).append(doc["id"])
        total.append(doc["id"])
    buckets = []
    for (_, label), by_prio in zip(AGE_BUCKETS, found):
        every = sorted(x for v in by_prio.values() for x in v)
        buckets.append({"age": label, "count": len(every),
                        "by_priority": {p: len(v) for p, v in by_prio.items()},
                        "tickets": {"count": every,
                                    "by_priority": {p: sorted(v) for p, v in by_prio.items()}}})
    return {"at": at.isoformat(), "total": len(total), "buckets": buckets,
            "tickets": {"total": sorted(total)}}
