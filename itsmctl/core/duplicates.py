"""Likely duplicates (M6, handbook 5.1.10 配套措施) and recurrence candidates (L16, 5.1.11
查询范围含时间) of a new ticket, by the conditions of duplicates.yaml. Pure: ticket
documents in (the state part of the files, as the index holds them), candidates out.

A condition names keys that must all match: the new ticket has a value for each, the
other ticket shares it (`ci`: any one configuration item in common; `reporter`: the
reporter's id, phone or e-mail; `location`: the ticket's, else the reporter's). An open
ticket opened at most `within` before the new one is a likely duplicate; a closed one
closed at most `recurrence.within` before it, meeting one of `recurrence.conditions`,
is a recurrence candidate. Most conditions met first, then the most recent.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable, Optional

from itsmctl.core.matchkeys import keys
from itsmctl.core.model import as_time

if TYPE_CHECKING:
    from itsmctl.core.policy import Condition, DuplicatesConfig

Doc = dict[str, Any]
OPEN = ("new", "assigned", "in_progress", "waiting")


def meets(cond: "Condition", new: dict[str, set[str]], other: dict[str, set[str]]) -> bool:
    return all(new[k] and new[k] & other[k] for k in cond.match)


def _candidate(doc: Doc, met: list[str], config: "DuplicatesConfig") -> dict[str, Any]:
    return {"id": doc["id"], "title": doc.get("title"), "status": doc.get("status"),
            "priority": doc.get("priority"), "group": doc.get("group"),
            "master": doc.get("master"), "opened_at": _iso(doc.get("opened_at")),
            "closed_at": _iso(doc.get("closed_at")), "conditions": met,
            "labels": [config.conditions[m].label or m for m in met]}


def _iso(value: Any) -> Optional[str]:
    at = as_time(value)
    return at.isoformat() if at else None


def _rank(found: list[tuple[Doc, list[str]]], key: str, config: "DuplicatesConfig",
          ) -> list[dict[str, Any]]:
    def order(item: tuple[Doc, list[str]]) -> tuple[int, float, str]:
        at = as_time(item[0].get(key))
        return -len(item[1]), -(at.timestamp() if at else 0.0), item[0]["id"]

    found.sort(key=order)
    return [_candidate(d, met, config) for d, met in found[:config.limit]]


def candidates(new: Doc, others: Iterable[Doc], config: "DuplicatesConfig",
               now: datetime) -> dict[str, list[dict[str, Any]]]:
    """{"duplicates": open tickets meeting a condition (M6), "recurrences": closed ones
    within the recurrence window (L16)}."""
    mine = keys(new)
    opened = as_time(new.get("opened_at")) or now
    conds = config.conditions
    recurring = config.recurrence.conditions or list(conds)
    dups: list[tuple[Doc, list[str]]] = []
    again: list[tuple[Doc, list[str]]] = []
    for doc in others:
        if doc.get("id") == new.get("id") or not doc.get("id"):
            continue
        status = doc.get("status")
        if status in OPEN:
            at = as_time(doc.get("opened_at"))
            # the other ticket's keys once, when a condition's window first holds
            theirs: Optional[dict[str, set[str]]] = None
            met = []
            for name, c in conds.items():
                if c.within is None or (at is not None and opened - c.within <= at):
                    theirs = keys(doc) if theirs is None else theirs
                    if meets(c, mine, theirs):
                        met.append(name)
            if met:
                dups.append((doc, met))
        elif status == "closed":
            closed = as_time(doc.get("closed_at"))
            if closed is None or closed < now - config.recurrence.within:
                continue
            theirs = keys(doc) if recurring else None
            met = [name for name in recurring if meets(conds[name], mine, theirs or {})]
            if met:
                again.append((doc, met))
    return {"duplicates": _rank(dups, "opened_at", config),
            "recurrences": _rank(again, "closed_at", config)}
