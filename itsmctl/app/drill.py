"""Q6 on the web: the tickets behind each figure of the report.

`app/reports.build()` names the tickets behind its figures (issue 18: a list of ids
beside each count). Wherever such a list is found this module links the figure to it,
whatever the list is called: `tickets` / `ids` inside the figure's own mapping, a
sibling `<name>_tickets` / `<name>_ids`, or a `tickets` / `ids` mapping beside the
figures keyed like them. For the cohort's totals (the figures every report has) the
ids come from the ticket index when the report does not carry them.
"""

from __future__ import annotations

from typing import Any, Optional

from itsmctl.app.session import Session
from itsmctl.errors import NotFound

Drill = dict[str, list[str]]
_LISTS = ("tickets", "ids")


def figures(session: Session, month: Optional[str] = None,
            group: Optional[str] = None) -> tuple[dict[str, Any], Drill]:
    """(the report's data, figure path -> ids behind it). Paths are dotted keys into the
    data: `total_incidents`, `by_priority.P1`, `sla.by_group.dba.restore`, …"""
    from itsmctl.app.reports import build

    data = build(session, month=month, group=group)
    drill: Drill = {}
    _walk(data, "", drill)
    if group is None:
        for path, ids in _cohort(session, data).items():
            drill.setdefault(path, ids)
    return data, drill


def tickets(session: Session, month: Optional[str], group: Optional[str],
            figure: str) -> list[str]:
    """The ids behind one figure of the report (exit 3 for a figure without a list)."""
    _data, drill = figures(session, month, group)
    if figure not in drill:
        raise NotFound(f"the report names no tickets behind {figure!r}", rule="Q6")
    return drill[figure]


def _ids(value: Any) -> Optional[list[str]]:
    from itsmctl.core.model import ID_RE

    if isinstance(value, list) and all(isinstance(v, str) and ID_RE.match(v) for v in value):
        return list(value)
    return None


def _walk(node: Any, path: str, drill: Drill) -> None:
    if isinstance(node, list):
        for i, item in enumerate(node):
            _walk(item, f"{path}.{i}" if path else str(i), drill)
        return
    if not isinstance(node, dict):
        return
    own = next((found for key in _LISTS if (found := _ids(node.get(key))) is not None), None)
    if own is not None and path:
        drill.setdefault(path, own)
    beside = {key: node[key] for key in _LISTS if isinstance(node.get(key), dict)}
    for key, value in node.items():
        if key in _LISTS or key.endswith(("_tickets", "_ids")):
            continue
        here = f"{path}.{key}" if path else str(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            found = _ids(node.get(f"{key}_tickets")) or _ids(node.get(f"{key}_ids"))
            for mapping in beside.values():
                found = found or _ids(mapping.get(key))
            if found is not None:
                drill.setdefault(here, found)
            elif own is not None and key in ("count", "total", "value"):
                drill.setdefault(here, own)
        else:
            _walk(value, here, drill)


def _cohort(session: Session, data: dict[str, Any]) -> Drill:
    """total_incidents, by_priority.* and by_type.* from the index: the tickets opened
    in the report's period (core/report.py's cohort)."""
    from datetime import datetime

    from itsmctl.app.queue import open_index

    period = data["period"]
    lo = datetime.fromisoformat(period["from"]).timestamp()
    hi = datetime.fromisoformat(period["to"]).timestamp()
    index = open_index(session)
    try:
        rows = list(index.db.execute(
            "SELECT id, priority, type FROM tickets WHERE opened_epoch >= ? AND "
            "opened_epoch < ? ORDER BY opened_at", (lo, hi)))
    finally:
        index.close()
    out: Drill = {"total_incidents": [r[0] for r in rows]}
    for tid, priority, kind in rows:
        out.setdefault(f"by_priority.{priority}", []).append(tid)
        out.setdefault(f"by_type.{kind or 'incident'}", []).append(tid)
    for level in data.get("by_priority") or {}:
        out.setdefault(f"by_priority.{level}", [])
    return out
