"""What a config change does to the open tickets (C2), pure: ticket documents (the state
part of the files, with their stored SLA clocks) and two policies in, the differences out.

For each open ticket (new, assigned, in progress, waiting) under BASE and under HEAD:
- `priority`: the matrix cell of its impact and urgency (raised as it was, P1-P3), and
  the major flag (P5), when either differs;
- `deadlines`: each running SLA phase whose deadline moves: both deadlines and the
  move in seconds (S1-S3: the phase's start plus the target of the ticket's priority
  under each policy plus the pause the ticket already had; a waiting ticket's clock
  stands still, its deadline moves all the same);
- `breach_at_once`: running phases past their deadline at `now` under HEAD and not
  under BASE (and not already recorded as breached): sweep escalates them next run;
- `routing`: tickets whose subtype routes to other groups (L3), and whether the group
  holding it is still among them;
- `recipients`: per trigger of notify.yaml, who the ticket's next notice of that kind
  would reach (N1, P5), where that changes;
- `invalid`: tickets HEAD cannot evaluate (an impact, urgency, priority or subtype
  HEAD no longer knows).
When the business calendar differs, the stored pause is kept as it was counted (exact
for tickets that never waited); `exact` says whether the calendars agree.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Callable, Optional

from itsmctl.core import priority as prio
from itsmctl.core.model import as_time

if TYPE_CHECKING:
    from itsmctl.core.policy import Policy

Doc = dict[str, Any]
OPEN = ("new", "assigned", "in_progress", "waiting")
Add = Callable[[datetime, timedelta], datetime]


def _adder(policy: "Policy") -> Add:
    if policy.sla.calendar is None:
        return lambda a, d: a + d
    from itsmctl.core.calendar import for_policy

    return for_policy(policy)[1]


class _Side:
    """One policy and what is derived from it once."""

    def __init__(self, policy: "Policy") -> None:
        self.policy = policy
        self.add = _adder(policy)
        self.impacts = {str(x): x for x in policy.matrix.impact_levels}
        self._told: dict[tuple[Any, ...], list[str]] = {}

    def priority(self, doc: Doc) -> tuple[str, bool]:
        impact = self.impacts.get(str(doc.get("impact")))
        if impact is None:
            raise KeyError(f"unknown impact {doc.get('impact')!r}")
        urgency = str(doc.get("urgency"))
        if urgency not in self.policy.matrix.urgency_levels:
            raise KeyError(f"unknown urgency {urgency!r}")
        p = prio.compute(self.policy.matrix, impact, urgency, int(doc.get("priority_raise") or 0))
        return p, prio.is_major(self.policy.matrix, impact, p)

    def deadline(self, rec: dict[str, Any], phase: str, priority: str) -> Optional[datetime]:
        targets = self.policy.sla.targets.get(priority)
        start = as_time(rec.get("start"))
        if targets is None:
            raise KeyError(f"priority {priority!r} has no SLA targets")
        if start is None:
            return None
        paused = timedelta(seconds=int(rec.get("paused_seconds") or 0))
        return self.add(start, getattr(targets, phase) + paused)

    def routed(self, doc: Doc) -> Optional[list[str]]:
        cls = doc.get("classification") or {}
        if not (cls.get("category") and cls.get("subtype")):
            return None
        try:
            sub = self.policy.categories.subtype(cls["category"], cls["subtype"])
        except KeyError:
            raise KeyError(f"unknown subtype {cls['category']}/{cls['subtype']}") from None
        rep = doc.get("reporter") or {}
        location = doc.get("location") or rep.get("location")
        if location and location in sub.by_location:
            return list(sub.by_location[location])
        return list(sub.groups)

    def recipients(self, doc: Doc, trigger: str, priority: str, major: bool) -> list[str]:
        """N1 for the ticket's next notice of this trigger, memoised on what decides it
        (most open tickets share their answer)."""
        rep = doc.get("reporter") or {}
        key = (trigger, priority, major, doc.get("group"), doc.get("assignee"),
               doc.get("opened_by"), rep.get("id"), bool(rep.get("email") or rep.get("phone")))
        found = self._told.get(key)
        if found is None:
            found = self._told[key] = self._recipients(doc, trigger, priority, major)
        return found

    def _recipients(self, doc: Doc, trigger: str, priority: str, major: bool) -> list[str]:
        from itsmctl.core.notices import recipients_for

        conf = self.policy.notify
        roles = list(conf.rules.get(trigger, {}).get(priority, []))
        if major:
            roles += [r for r in conf.major if r not in roles]
        rep = doc.get("reporter") or {}
        ticket: Any = SimpleNamespace(reporter=SimpleNamespace(
            id=rep.get("id"), email=rep.get("email"), phone=rep.get("phone")) if rep else None,
            opened_by=doc.get("opened_by"))
        state = {"priority": priority, "major": major, "group": doc.get("group"),
                 "assignee": doc.get("assignee")}
        out: list[str] = []
        for role in roles:
            for who in recipients_for(role, ticket, state, self.policy):
                if who not in out:
                    out.append(who)
        return out


def compare(docs: list[Doc], base: "Policy", head: "Policy", now: datetime) -> dict[str, Any]:
    """Every difference HEAD makes to the open tickets, as plain data (see the module
    docstring); `summary` counts the tickets of each kind."""
    old, new = _Side(base), _Side(head)
    triggers = sorted(set(base.notify.rules) | set(head.notify.rules))
    out: dict[str, list[dict[str, Any]]] = {k: [] for k in (
        "priority", "deadlines", "breach_at_once", "routing", "recipients", "invalid")}
    evaluated = 0
    for doc in docs:
        if doc.get("status") not in OPEN or not doc.get("id"):
            continue
        evaluated += 1
        try:
            _one(doc, old, new, triggers, now, out)
        except KeyError as exc:
            out["invalid"].append({"id": doc["id"], "title": doc.get("title"),
                                   "problem": str(exc.args[0] if exc.args else exc)})
    for rows in out.values():
        rows.sort(key=_order)
    summary = {k: len({r["id"] for r in rows}) for k, rows in out.items()}
    return {"now": now.isoformat(), "open_tickets": evaluated, "summary": summary,
            "exact": base.sla.calendar == head.sla.calendar
            and base.desk.timezone == head.desk.timezone, **out}


def _order(row: dict[str, Any]) -> tuple[str, str]:
    return row["id"], row.get("phase") or row.get("trigger") or ""


def _one(doc: Doc, old: _Side, new: _Side, triggers: list[str], now: datetime,
         out: dict[str, list[dict[str, Any]]]) -> None:
    tid, title = doc["id"], doc.get("title")
    p_old, major_old = old.priority(doc)
    p_new, major_new = new.priority(doc)
    if (p_old, major_old) != (p_new, major_new):
        out["priority"].append({"id": tid, "title": title, "before": p_old, "after": p_new,
                                "major_before": major_old, "major_after": major_new})
    fired = {e.get("phase") for e in doc.get("escalations") or ()
             if isinstance(e, dict) and e.get("trigger") == "breach"}
    waiting = doc.get("status") == "waiting"
    for phase, rec in (doc.get("sla") or {}).items():
        if not isinstance(rec, dict) or rec.get("stop") or not rec.get("start"):
            continue
        d_old, d_new = old.deadline(rec, phase, p_old), new.deadline(rec, phase, p_new)
        if d_old is None or d_new is None or d_old == d_new:
            continue
        out["deadlines"].append({"id": tid, "title": title, "phase": phase,
                                 "before": d_old.isoformat(), "after": d_new.isoformat(),
                                 "moved_seconds": int((d_new - d_old).total_seconds())})
        if phase not in fired and not waiting and d_new <= now < d_old:
            out["breach_at_once"].append({"id": tid, "title": title, "phase": phase,
                                          "deadline": d_new.isoformat()})
    r_old, r_new = old.routed(doc), new.routed(doc)
    if r_old != r_new:
        group = doc.get("group")
        out["routing"].append({"id": tid, "title": title, "status": doc.get("status"),
                               "group": group, "before": r_old, "after": r_new,
                               "group_still_routed": None if not group or r_new is None
                               else group in r_new})
    for trigger in triggers:
        a = old.recipients(doc, trigger, p_old, major_old)
        b = new.recipients(doc, trigger, p_new, major_new)
        if a != b:
            out["recipients"].append({"id": tid, "title": title, "trigger": trigger,
                                      "before": a, "after": b,
                                      "added": [x for x in b if x not in a],
                                      "removed": [x for x in a if x not in b]})
