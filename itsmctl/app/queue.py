"""Read-only commands: show, list, log."""

from __future__ import annotations

from typing import Any, Optional

from itsmctl.app.session import App
from itsmctl.ui.output import short_time

LIST_COLUMNS = ("id", "priority", "status", "group", "assignee", "opened", "title")


def load(app: App, ref: str) -> Any:
    from itsmctl.core.model import ticket_path

    ticket_id = app.desk.resolve_id(ref)
    return app.desk.read_file_ticket(app.root / ticket_path(ticket_id))


def show_doc(app: App, ticket: Any) -> dict[str, Any]:
    """The ticket as stored, plus the live SLA clocks (SPEC 13)."""
    from itsmctl.core.sla import clocks_doc

    doc = ticket.to_doc()
    doc["sla"] = clocks_doc(ticket, app.policy, app.now)
    return doc


def select(app: App, status: tuple[str, ...] = (), group: Optional[str] = None,
           priority: tuple[str, ...] = (), assignee: Optional[str] = None,
           show_all: bool = False, breached: bool = False, major: bool = False,
           master: Optional[str] = None) -> list[dict[str, Any]]:
    """The queue from the index, filtered; open tickets unless a status or --all is given."""
    from itsmctl.core.model import OPEN_STATUSES
    from itsmctl.infra.index import open_index

    wanted = list(status) if status else (None if show_all else list(OPEN_STATUSES))
    conds, params = [], []
    for column, value in (("grp", group), ("assignee", assignee), ("master", master)):
        if value:
            conds.append(f"{column} = ?")
            params.append(value)
    if priority:
        conds.append(f"priority IN ({','.join('?' * len(priority))})")
        params.extend(priority)
    from itsmctl.ui.term import Progress

    with Progress("building the ticket index") as progress:
        index = open_index(app.root, progress)
    try:
        out = [d for d in index.query(wanted, " AND ".join(conds), tuple(params))
               if not major or d.get("major")]
    finally:
        index.close()
    if breached:
        out = [d for d in out if _breached(app, d)]
    order = {p: i for i, p in enumerate(app.policy.matrix.priority_levels)}
    out.sort(key=lambda d: (order.get(d.get("priority"), 99), str(d.get("opened_at"))))
    return out


def full_docs(app: App, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`show --json` of each listed ticket (files read in full: history gives the clocks)."""
    from itsmctl.core.model import ticket_path

    return [show_doc(app, app.desk.read_file_ticket(app.root / ticket_path(d["id"])))
            for d in docs]


def _breached(app: App, doc: dict[str, Any]) -> bool:
    """From the stored clocks (computed at the last change): exact without the history."""
    from itsmctl.core.sla import breached_from_stored

    return breached_from_stored(doc, app.now)


def list_rows(docs: list[dict[str, Any]]) -> list[list[Any]]:
    rows = []
    for d in docs:
        title = d.get("title", "")
        if d.get("master"):
            title = f"[dup of {d['master']}] {title}"
        elif d.get("slaves"):
            title = f"[{len(d['slaves'])} dup] {title}"
        if d.get("major"):
            title = "MAJOR " + title
        rows.append([d.get("id"), d.get("priority"), d.get("status"), d.get("group") or "",
                     d.get("assignee") or "", short_time(d.get("opened_at")), title])
    return rows


def history_rows(ticket: Any) -> list[list[Any]]:
    rows = []
    for e in ticket.history:
        move = f"{e.from_ or '-'} -> {e.to}" if e.from_ != e.to else (e.to or "")
        changes = ", ".join(f"{k}={v[1]}" for k, v in e.changes.items()
                            if isinstance(v, list) and len(v) == 2 and k != "history")
        note = " | ".join(x for x in (e.note, changes) if x)
        rows.append([short_time(e.at.isoformat()), e.actor, e.action + (
            f" (via {e.via})" if e.via else ""), move, note])
    return rows


def describe(app: App, ticket: Any, doc: dict[str, Any]) -> str:
    """`show` for people: the state on top, the clocks, the last events."""
    from itsmctl.ui.output import table

    cls = ticket.classification
    policy = app.policy
    wait = ticket.wait.code if ticket.wait else None
    lines = [
        f"{ticket.id}  {ticket.title}",
        f"  status     {ticket.status}" + (
            f": {_labelled(wait, policy.codes.wait.get(wait))}" if wait else ""),
        f"  priority   {ticket.priority} (impact {ticket.impact}, urgency {ticket.urgency})"
        + ("  MAJOR" if ticket.major else ""),
        f"  type       {ticket.type} via {ticket.source}, opened by {ticket.opened_by} "
        f"{short_time(ticket.opened_at.isoformat())}",
        f"  group      {_labelled(ticket.group, _group_label(policy, ticket.group)) or '-'}"
        f"   assignee {ticket.assignee or '-'}",
        "  class      " + " / ".join(class_labels(policy, cls)),
    ]
    if ticket.reporter and ticket.reporter.name:
        r = ticket.reporter
        lines.append(f"  reporter   {r.name} {r.phone or ''} {r.email or ''}".rstrip())
    if ticket.alert:
        lines.append(f"  alert      {ticket.alert.id} [{ticket.alert.severity}] "
                     f"{ticket.alert.message}")
    if ticket.master:
        lines.append(f"  master     {ticket.master}")
    if ticket.slaves:
        lines.append(f"  slaves     {', '.join(ticket.slaves)}")
    if ticket.related:
        lines.append(f"  related    {', '.join(ticket.related)}")
    if ticket.solution:
        lines.append(f"  solution   {ticket.solution}")
    if ticket.close_code:
        code = ticket.close_code
        lines.append(f"  closed     {_labelled(code, policy.codes.close.get(code))}")
    c = ticket.counters
    lines.append(f"  counters   dispatches {c.dispatches}, transfers {c.transfers}, "
                 f"returns {c.returns}, reopens {c.reopens}")
    if ticket.escalations:
        lines.append("  escalated  " + ", ".join(
            f"{e.trigger}{'/' + e.phase if e.phase else ''}" for e in ticket.escalations))
    sla_rows = []
    for phase, clock in doc["sla"].items():
        if clock.get("start") is None:
            continue
        state = "BREACHED" if clock["breached"] else ("met" if clock["stop"] else "running")
        sla_rows.append([phase, short_time(clock["start"]), short_time(clock["deadline"]),
                         "" if clock["stop"] else clock["remaining"], state])
    if sla_rows:
        lines += ["", table(sla_rows, ["sla", "start", "deadline", "remaining", "state"])]
    lines += ["", table(history_rows(ticket)[-8:], ["at", "actor", "action", "state", "note"])]
    return "\n".join(lines)


def _labelled(value: Optional[str], label: Optional[str]) -> str:
    """An id with the desk's own label beside it, as configured (Chinese included)."""
    return f"{value} ({label})" if value and label and label != value else (value or "")


def _group_label(policy: Any, group: Optional[str]) -> str:
    found = policy.teams.groups.get(group or "")
    return found.label if found is not None else ""


def class_labels(policy: Any, cls: Any) -> list[str]:
    """Category / subtype / symptom / causation, each with its label from categories.yaml."""
    cat = policy.categories.categories.get(cls.category or "")
    sub = cat.subtypes.get(cls.subtype or "") if cat is not None else None
    pairs = [(cls.category, cat.label if cat is not None else ""),
             (cls.subtype, sub.label if sub is not None else ""),
             (cls.symptom, sub.symptoms.get(cls.symptom or "", "") if sub is not None else ""),
             (cls.causation, sub.causations.get(cls.causation or "", "") if sub is not None
              else "")]
    return [_labelled(value, label) or "-" for value, label in pairs]
