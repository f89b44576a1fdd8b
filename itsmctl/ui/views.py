"""How tickets look in a terminal: queue rows, history rows, `show`, labels from config."""

from __future__ import annotations

from itsmctl.ui.output import short_time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional

    from itsmctl.core.model import Classification, Ticket
    from itsmctl.core.policy import Policy

LIST_COLUMNS = ("id", "priority", "status", "group", "assignee", "opened", "title")
HISTORY_COLUMNS = ["at", "actor", "action", "state", "note"]
ANNOUNCEMENT_COLUMNS = ("id", "kind", "announcement", "status", "since", "ticket")
VISIT_COLUMNS = ("id", "due", "state", "closed", "reporter", "phone", "title")


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


def brief_rows(briefs: list[tuple[Any, ...]]) -> list[list[Any]]:
    """list_rows from the index's BRIEF tuples (id, priority, status, group, assignee,
    opened_at, title, master, number of slaves, major)."""
    rows = []
    for tid, priority, status, group, assignee, opened, title, master, slaves, major in briefs:
        if master:
            title = f"[dup of {master}] {title}"
        elif slaves:
            title = f"[{slaves} dup] {title}"
        if major:
            title = "MAJOR " + title
        # short_time inline for the usual text (10,000 calls are ~2 ms of `list`)
        rows.append([tid, priority, status, group or "", assignee or "",
                     opened[:16].replace("T", " ") if type(opened) is str
                     else short_time(opened), title])
    return rows


def history_rows(ticket: "Ticket", policy: "Policy") -> list[list[Any]]:
    """One row per event; the changes in words (W8), as `log --format table|csv`."""
    from itsmctl.ui.words import changes_text

    rows = []
    for e in ticket.history:
        move = f"{e.from_ or '-'} -> {e.to}" if e.from_ != e.to else (e.to or "")
        changes = changes_text(policy, e)
        note = " | ".join(x for x in (e.note, changes) if x)
        rows.append([short_time(e.at.isoformat()), e.actor, e.action + (
            f" (via {e.via})" if e.via else ""), move, note])
    return rows


def describe(policy: "Policy", ticket: "Ticket", doc: dict[str, Any], width: int = 100) -> str:
    """`show` for people: the state on top, the clocks, the last events in words (W8);
    ticket text escaped (`printable`)."""
    from itsmctl.ui.output import printable, table
    from itsmctl.ui.words import Words, wrap

    cls = ticket.classification
    wait = ticket.wait.code if ticket.wait else None
    lines = [
        f"{ticket.id}  {ticket.title}",
        f"  status     {ticket.status}" + (
            f": {_labelled(wait, policy.codes.wait.get(wait))}" if wait else ""),
        f"  priority   {ticket.priority} (impact {ticket.impact}, urgency {ticket.urgency})"
        + ("  MAJOR" if ticket.major else ""),
        f"  type       {ticket.type} via {ticket.source}, opened by {ticket.opened_by} "
        f"{short_time(ticket.opened_at.isoformat())}"
        + ("" if ticket.verified else "  UNVERIFIED (classify --verify)"),
        f"  group      {_labelled(ticket.group, _group_label(policy, ticket.group)) or '-'}"
        f"   assignee {ticket.assignee or '-'}",
        "  class      " + " / ".join(class_labels(policy, cls)),
    ]
    if ticket.reporter and ticket.reporter.name:
        r = ticket.reporter
        who = " ".join(x for x in (r.name, r.phone, r.email) if x)
        extra = ", ".join(x for x in (r.kind, r.department) if x)
        lines.append(f"  reporter   {who}" + (f" ({extra})" if extra else ""))
    if ticket.location:
        lines.append(f"  location   {ticket.location}")
    if ticket.links.cis:
        lines.append(f"  CIs        {', '.join(ticket.links.cis)}")
    if ticket.alert:
        lines.append(f"  alert      {ticket.alert.id} [{ticket.alert.severity}] "
                     f"{ticket.alert.message}")
    if ticket.master:
        lines.append(f"  master     {ticket.master}")
    if ticket.slaves:
        lines.append(f"  slaves     {', '.join(ticket.slaves)}")
    if ticket.related:
        lines.append(f"  related    {', '.join(ticket.related)}")
    watchers = getattr(ticket, "watchers", [])
    if watchers:
        lines.append(f"  watchers   {', '.join(watchers)}")
    for link in ("problem", "change", "requirement"):
        if getattr(ticket.links, link):
            lines.append(f"  {link:<10} {getattr(ticket.links, link)}")
    for i, a in enumerate(ticket.attachments):
        lines.append(f"  {'attached' if i == 0 else '':<9}  attachments/{ticket.id}/{a.name}  "
                     f"{a.size} bytes  sha256 {a.sha256[:12]}")
    if ticket.solution:
        lines.append(f"  solution   {ticket.solution}")
    if ticket.close_code:
        code = ticket.close_code
        lines.append(f"  closed     {_labelled(code, policy.codes.close.get(code))}")
    c = ticket.counters
    lines.append(f"  counters   dispatches {c.dispatches}, transfers {c.transfers}, "
                 f"returns {c.returns}, reopens {c.reopens}")
    words = Words(policy, ticket)
    if ticket.escalations:
        lines.append("  escalated  " + "; ".join(
            words.item("escalations", e.model_dump(mode="json")) for e in ticket.escalations))
    for task in ticket.tasks:
        lines.append("  task       " + words.item("tasks", task.model_dump(mode="json")))
    if ticket.announcement is not None:
        news = ticket.announcement
        lines.append(f"  announced  {news.kind}: {news.title} ({news.status})")
    lines = [out for line in lines
             for out in wrap(printable(line), width, indent="", hang=" " * 13)]
    if ticket.description:
        lines += [""] + wrap(printable(ticket.description), width, indent="  ")
    sla_rows = []
    for phase, clock in doc["sla"].items():
        if clock.get("start") is None:
            continue
        state = "BREACHED" if clock["breached"] else ("met" if clock["stop"] else "running")
        sla_rows.append([phase, short_time(clock["start"]), short_time(clock["deadline"]),
                         "" if clock["stop"] else clock["remaining"], state])
    lines = [printable("\n".join(lines))]            # ticket text, before any colour
    if sla_rows:
        lines += ["", table(sla_rows, ["sla", "start", "deadline", "remaining", "state"])]
    shown = ticket.history[-8:]
    if len(ticket.history) > len(shown):
        lines += ["", f"  … {len(ticket.history) - len(shown)} earlier events: "
                      f"itsmctl log {ticket.id}"]
    lines += ["", words.history(shown, width)]
    return "\n".join(lines)


def _labelled(value: Optional[str], label: Optional[str]) -> str:
    """An id with the desk's own label beside it, as configured (Chinese included)."""
    return f"{value} ({label})" if value and label and label != value else (value or "")


def _group_label(policy: "Policy", group: Optional[str]) -> str:
    found = policy.teams.groups.get(group or "")
    return found.label if found is not None else ""


def class_labels(policy: "Policy", cls: "Classification") -> list[str]:
    """Category / subtype / symptom / causation, each with its label from categories.yaml."""
    cat = policy.categories.categories.get(cls.category or "")
    sub = cat.subtypes.get(cls.subtype or "") if cat is not None else None
    pairs = [(cls.category, cat.label if cat is not None else ""),
             (cls.subtype, sub.label if sub is not None else ""),
             (cls.symptom, sub.symptoms.get(cls.symptom or "", "") if sub is not None else ""),
             (cls.causation, sub.causations.get(cls.causation or "", "") if sub is not None
              else "")]
    return [_labelled(value, label) or "-" for value, label in pairs]


def announcement_rows(docs: list[dict[str, Any]]) -> list[list[Any]]:
    out = []
    for d in docs:
        a = d["announcement"]
        out.append([d.get("id"), a.get("kind"), a.get("title"), a.get("status"),
                    short_time(a.get("at")), f"{d.get('status')}: {d.get('title', '')}"])
    return out


def visit_rows(policy: "Policy", tickets: list["Ticket"], now: Any) -> list[list[Any]]:
    from itsmctl.core import visit

    out = []
    for t in tickets:
        when = visit.due(t, policy)
        r = t.reporter
        out.append([t.id, short_time(when.isoformat()),
                    "OVERDUE" if when < now else "due",
                    short_time(t.closed_at.isoformat()) if t.closed_at else "",
                    (r.name if r else "") or "", (r.phone or r.email if r else "") or "",
                    t.title])
    return out
