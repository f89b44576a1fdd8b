"""Fault analysis of a report period (Q5, handbook 6.3 故障分析), pure.

Over the report's cohort (tickets opened in the period, see core/report.py):

- `by_category` (category / subtype / symptom), `by_causation`, `by_ci` (a ticket counts
  for each of its CIs) and `by_group` (the owner group of core/kpi.py): one row per
  key, most tickets first, each with
  - `volume`: tickets;
  - `respond` / `restore`: mean and 90th percentile (nearest rank) of the time to
    respond (open -> first dispatch or desk resolution, the S1 respond phase's start and
    stop as stored) and to restore (open -> resolved, as the user saw it), in seconds
    and as text, over the tickets that got that far (`n`);
  - `sla_misses`: tickets with any SLA phase breached (as `show --json` says);
  - `recurrences`: tickets opened as a recurrence (L12);
  - `tickets`: the ids behind `volume`, `sla_misses` and `recurrences` (Q6).
  Keys come with their configured labels (`label`): categories.yaml, teams.yaml.
- `top_recurring`: the faults (category / subtype / symptom) with the most recurrences,
  with the recurrences and the tickets they repeat.
- `workload`: per assignee (the person holding or having resolved the ticket): tickets,
  still open, resolved, SLA misses, mean time to restore, with the tickets.
- `major_incidents`: the period's major tickets (P5) with their times.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional

from itsmctl.core.model import as_time
from itsmctl.core.policy import format_duration

if TYPE_CHECKING:
    from itsmctl.core.kpi import Fact
    from itsmctl.core.policy import Policy

Doc = dict[str, Any]
TOP = 10
UNSET = "(none)"


def respond_seconds(doc: Doc) -> Optional[float]:
    rec = (doc.get("sla") or {}).get("respond") or {}
    start, stop = as_time(rec.get("start")), as_time(rec.get("stop"))
    return (stop - start).total_seconds() if start and stop else None


def restore_seconds(doc: Doc) -> Optional[float]:
    opened, resolved = as_time(doc.get("opened_at")), as_time(doc.get("resolved_at"))
    return (resolved - opened).total_seconds() if opened and resolved else None


def p90(values: list[float]) -> Optional[float]:
    """The 90th percentile by nearest rank (the value 90% of the times are within)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = -(-9 * len(ordered) // 10)           # ceil(0.9 n)
    return ordered[max(rank, 1) - 1]


def timing(values: list[float]) -> dict[str, Any]:
    mean = sum(values) / len(values) if values else None
    high = p90(values)
    return {"n": len(values), "mean_seconds": None if mean is None else round(mean),
            "p90_seconds": None if high is None else round(high),
            "mean": _text(mean), "p90": _text(high)}


def _text(seconds: Optional[float]) -> Optional[str]:
    from datetime import timedelta

    return None if seconds is None else format_duration(timedelta(seconds=round(seconds)))


class _Labels:
    """The desk's own names for the keys (categories.yaml, teams.yaml)."""

    def __init__(self, policy: "Policy") -> None:
        self.policy = policy
        self.causations: dict[str, str] = {}
        for cat in policy.categories.categories.values():
            for sub in cat.subtypes.values():
                for k, v in sub.causations.items():
                    self.causations.setdefault(k, v)

    def category(self, cls: dict[str, Any]) -> str:
        cat = self.policy.categories.categories.get(cls.get("category") or "")
        if cat is None:
            return cls.get("category") or UNSET
        parts = [cat.label or cls["category"]]
        sub = cat.subtypes.get(cls.get("subtype") or "")
        if sub is not None:
            parts.append(sub.label or cls["subtype"])
            symptom = cls.get("symptom")
            if symptom:
                parts.append(sub.symptoms.get(symptom, symptom))
        return " / ".join(parts)

    def group(self, group: str) -> str:
        info = self.policy.teams.groups.get(group)
        return (info.label or group) if info else group

    def person(self, pid: str) -> str:
        info = self.policy.teams.people.get(pid)
        return info.name if info else pid


def fault_key(doc: Doc) -> str:
    cls = doc.get("classification") or {}
    parts = [cls.get("category"), cls.get("subtype"), cls.get("symptom")]
    return "/".join(p for p in parts if p) or UNSET


def _rows(docs: list[Doc], facts: dict[str, "Fact"], keys: Callable[[Doc], Iterable[str]],
          label: Callable[[str, Doc], str]) -> list[dict[str, Any]]:
    grouped: dict[str, list[Doc]] = {}
    labels: dict[str, str] = {}
    for doc in docs:
        for key in keys(doc) or [UNSET]:
            grouped.setdefault(key, []).append(doc)
            labels.setdefault(key, UNSET if key == UNSET else label(key, doc))
    out: list[dict[str, Any]] = []
    for key, mine in grouped.items():
        misses = [d["id"] for d in mine if any(facts[d["id"]].breached.values())]
        again = [d["id"] for d in mine if d.get("recurrence_of")]
        out.append({
            "key": key, "label": labels[key], "volume": len(mine),
            "respond": timing([x for x in map(respond_seconds, mine) if x is not None]),
            "restore": timing([x for x in map(restore_seconds, mine) if x is not None]),
            "sla_misses": len(misses), "recurrences": len(again),
            "tickets": {"volume": sorted(d["id"] for d in mine), "sla_misses": sorted(misses),
                        "recurrences": sorted(again)}})
    out.sort(key=lambda r: (-r["volume"], r["key"]))
    return out


def analyse(docs: list[Doc], facts: list["Fact"], policy: "Policy",
            now: datetime) -> dict[str, Any]:
    """The fault analysis of the cohort `docs` (with their KPI facts)."""
    by_id = {f.id: f for f in facts}
    names = _Labels(policy)

    def owner(doc: Doc) -> list[str]:
        f = by_id[doc["id"]]
        return [f.owner] if f.owner else []

    def causation(doc: Doc) -> list[str]:
        c = (doc.get("classification") or {}).get("causation")
        return [c] if c else []

    return {
        "by_category": _rows(docs, by_id, lambda d: [fault_key(d)] if fault_key(d) != UNSET
                             else [], lambda k, d: names.category(d.get("classification")
                                                                  or {})),
        "by_causation": _rows(docs, by_id, causation,
                              lambda k, d: names.causations.get(k, k)),
        "by_ci": _rows(docs, by_id, lambda d: list((d.get("links") or {}).get("cis") or []),
                       lambda k, d: k),
        "by_group": _rows(docs, by_id, owner, lambda k, d: names.group(k)),
        "top_recurring": top_recurring(docs, names),
        "workload": workload(docs, by_id, names),
        "major_incidents": majors(docs, names),
    }


def top_recurring(docs: list[Doc], names: _Labels) -> list[dict[str, Any]]:
    """Faults with the most recurrences (5.1.11), most first."""
    found: dict[str, dict[str, Any]] = {}
    for doc in docs:
        if not doc.get("recurrence_of"):
            continue
        key = fault_key(doc)
        row = found.setdefault(key, {"key": key, "label": names.category(
            doc.get("classification") or {}) if key != UNSET else UNSET,
            "recurrences": 0, "tickets": {"recurrences": [], "originals": []}})
        row["recurrences"] += 1
        row["tickets"]["recurrences"].append(doc["id"])
        if doc["recurrence_of"] not in row["tickets"]["originals"]:
            row["tickets"]["originals"].append(doc["recurrence_of"])
    out = sorted(found.values(), key=lambda r: (-r["recurrences"], r["key"]))[:TOP]
    for row in out:
        for k in row["tickets"]:
            row["tickets"][k].sort()
    return out


def workload(docs: list[Doc], facts: dict[str, "Fact"], names: _Labels) -> list[dict[str, Any]]:
    """Per assignee: what they held, resolved, missed, and how long restoring took."""
    found: dict[str, list[Doc]] = {}
    for doc in docs:
        if doc.get("assignee"):
            found.setdefault(doc["assignee"], []).append(doc)
    out: list[dict[str, Any]] = []
    for pid, mine in found.items():
        open_ = [d["id"] for d in mine if d.get("status") not in ("resolved", "closed")]
        done = [d["id"] for d in mine if d.get("status") in ("resolved", "closed")]
        misses = [d["id"] for d in mine if any(facts[d["id"]].breached.values())]
        out.append({"assignee": pid, "label": names.person(pid), "tickets_total": len(mine),
                    "open": len(open_), "resolved": len(done), "sla_misses": len(misses),
                    "restore": timing([x for x in map(restore_seconds, mine) if x is not None]),
                    "tickets": {"tickets_total": sorted(d["id"] for d in mine),
                                "open": sorted(open_), "resolved": sorted(done),
                                "sla_misses": sorted(misses)}})
    out.sort(key=lambda r: (-r["tickets_total"], r["assignee"]))
    return out


def majors(docs: list[Doc], names: _Labels) -> list[dict[str, Any]]:
    """The period's major incidents (P5), oldest first."""
    out = []
    for doc in sorted((d for d in docs if d.get("major")), key=lambda d: str(d["opened_at"])):
        seconds = restore_seconds(doc)
        group = doc.get("resolved_group") or doc.get("group")
        out.append({"id": doc["id"], "title": doc.get("title"), "status": doc.get("status"),
                    "priority": doc.get("priority"), "group": group,
                    "group_label": names.group(group) if group else None,
                    "opened_at": str(doc.get("opened_at")),
                    "resolved_at": str(doc["resolved_at"]) if doc.get("resolved_at") else None,
                    "restore_seconds": None if seconds is None else round(seconds),
                    "restore": _text(seconds), "tickets": {"id": [doc["id"]]}})
    return out
