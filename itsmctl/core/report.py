"""The monthly report (Q1): ISO procedure 5.15 figures, the KPI table, SLA and backlog series.

Pure: takes ticket documents (the mapping of a ticket file; `history` is not needed),
the policy, the period and `now`; returns plain JSON-ready data that render.py /
ui/html.py present. Phase clocks come from the SLA values stored in each file
(recomputed from the history on every save, S1-S3; `validate` checks them): a
stopped phase is breached when it stopped after its deadline, a running one when
`now` is past it (for a waiting ticket: when its last update was), or when sweep
recorded the breach - what `show --json` reports as `sla.<phase>.breached`.

The cohort of a period is the tickets opened in it (`from` <= opened_at < `to`, in
the desk's time zone), narrowed by `group` to the tickets whose owner group (see
core/kpi.py) it is.

Figures of the ISO procedure (5.15), over the cohort:
- total_incidents: tickets opened in the period (every type; `by_type` splits them).
- response_rate: tickets whose respond phase (open -> first dispatch or desk
  resolution, S1) has stopped within its target / total_incidents.
- by_priority: tickets per current priority (every configured level, zeros kept).
- resolved_by_line: tickets now `resolved` or `closed` (out_of_scope excepted) per the
  `line` (teams.yaml) of the group that resolved them (`resolved_group`);
  `resolved_line2` and `resolved_line3` are its entries 2 and 3.
- trend: the same figures for the `trend_months` earlier periods of equal length,
  oldest first, then this one; `trend_analysis` gives the change against the previous
  period and a least-squares forecast of next period's total.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any, Callable, Iterable, Optional

from itsmctl.core import kpi
from itsmctl.core.model import OPEN_STATUSES, Ticket
from itsmctl.core.policy import PHASES, Policy
from itsmctl.core.sla import segments

Doc = dict[str, Any]

AGE_BUCKETS = ((timedelta(days=1), "< 1d"), (timedelta(days=3), "1-3d"),
               (timedelta(days=7), "3-7d"), (timedelta(days=30), "7-30d"),
               (None, "> 30d"))


@dataclass(frozen=True)
class Period:
    """[start, end) with a label: '2026-11' or '2026-11-01..2026-11-15'."""

    label: str
    start: datetime
    end: datetime
    monthly: bool = False

    def holds(self, when: Optional[datetime]) -> bool:
        return when is not None and self.start <= when < self.end


def month(text: str, tz: tzinfo) -> Period:
    """'YYYY-MM' as a period in the desk's time zone."""
    year, mon = (int(x) for x in text.split("-"))
    start = datetime(year, mon, 1, tzinfo=tz)
    end = datetime(year + mon // 12, mon % 12 + 1, 1, tzinfo=tz)
    return Period(f"{year:04d}-{mon:02d}", start, end, monthly=True)


def days(first: date, last: date, tz: tzinfo) -> Period:
    """Whole days first..last inclusive."""
    start = datetime(first.year, first.month, first.day, tzinfo=tz)
    end = datetime(last.year, last.month, last.day, tzinfo=tz) + timedelta(days=1)
    return Period(f"{first.isoformat()}..{last.isoformat()}", start, end)


def earlier(period: Period, count: int, tz: tzinfo) -> list[Period]:
    """The `count` periods before this one, oldest first: calendar months for a month,
    else ranges of the same number of days."""
    out = []
    current = period
    for _ in range(count):
        if current.monthly:
            y, m = current.start.year, current.start.month
            current = month(f"{y - (m == 1):04d}-{(m - 2) % 12 + 1:02d}", tz)
        else:
            span = current.end - current.start
            first = (current.start - span).date()
            current = days(first, (current.start - timedelta(days=1)).date(), tz)
        out.append(current)
    return out[::-1]


def when(value: Any) -> Optional[datetime]:
    """A time from a ticket document (ISO text as stored, or already a datetime)."""
    if value is None or isinstance(value, datetime):
        return value
    return _parse_time(str(value))


@lru_cache(maxsize=65536)
def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def owner(doc: Doc) -> Optional[str]:
    """The group answerable for a ticket: who resolved it, else who holds it."""
    if doc.get("status") in ("resolved", "closed") and doc.get("resolved_group"):
        return doc["resolved_group"]
    return doc.get("group")


def clock_state(doc: Doc, now: datetime) -> tuple[dict[str, bool], frozenset[str]]:
    """(phase -> breached for the phases that started, phases that stopped)."""
    recorded = {e.get("phase") for e in doc.get("escalations") or ()
                if isinstance(e, dict) and e.get("trigger") == "breach"}
    breached: dict[str, bool] = {}
    stopped = set()
    for phase, rec in (doc.get("sla") or {}).items():
        if not isinstance(rec, dict) or not rec.get("start"):
            continue
        stop, deadline = when(rec.get("stop")), when(rec.get("deadline"))
        if stop is not None:
            stopped.add(phase)
            late = deadline is not None and stop > deadline
        elif doc.get("status") == "waiting":        # the clock stood still since then
            changed = when(doc.get("updated_at"))
            late = deadline is not None and changed is not None and changed > deadline
        else:
            late = deadline is not None and now > deadline
        breached[phase] = late or phase in recorded
    return breached, frozenset(stopped)


def fact(doc: Doc, policy: Policy, now: datetime, original: Optional[Doc]) -> kpi.Fact:
    cfg = policy.kpi
    status, code = doc.get("status"), doc.get("close_code")
    counters = doc.get("counters") or {}
    breached, stopped = clock_state(doc, now)
    return kpi.Fact(
        id=doc["id"], type=doc.get("type") or "incident", status=status or "",
        priority=doc.get("priority") or "", owner=owner(doc),
        resolved_group=doc.get("resolved_group"), close_code=code,
        returns=int(counters.get("returns") or 0), reopens=int(counters.get("reopens") or 0),
        dispatches=int(counters.get("dispatches") or 0), satisfaction=doc.get("satisfaction"),
        problem=(doc.get("links") or {}).get("problem"), recurrence_of=doc.get("recurrence_of"),
        breached=breached, stopped=stopped,
        successful=(status == "closed" and code in cfg.successful_close_codes)
        or (status == "resolved" and not doc.get("workaround")),
        unsuccessful=status == "closed" and code in cfg.unsuccessful_close_codes,
        original_owner=owner(original) if original else None)


def _ratio(num: int, den: int) -> Optional[float]:
    return num / den if den else None


def figures(facts: list[kpi.Fact], policy: Policy) -> dict[str, Any]:
    """ISO procedure 5.15 items 1-5 over one cohort."""
    by_type: dict[str, int] = {}
    by_priority = {p: 0 for p in policy.matrix.priority_levels}
    lines: dict[str, int] = {}
    responded = in_time = 0
    for f in facts:
        by_type[f.type] = by_type.get(f.type, 0) + 1
        by_priority[f.priority] = by_priority.get(f.priority, 0) + 1
        if "respond" in f.stopped:
            responded += 1
            in_time += not f.breached.get("respond", False)
        if f.status in ("resolved", "closed") and f.resolved_group \
                and f.close_code != "out_of_scope":
            group = policy.teams.groups.get(f.resolved_group)
            line = str(group.line) if group and group.line is not None else "other"
            lines[line] = lines.get(line, 0) + 1
    return {"total_incidents": len(facts), "by_type": by_type, "by_priority": by_priority,
            "responded": responded, "responded_in_time": in_time,
            "response_rate": _ratio(in_time, len(facts)),
            "resolved_by_line": dict(sorted(lines.items())),
            "resolved_line1": lines.get("1", 0), "resolved_line2": lines.get("2", 0),
            "resolved_line3": lines.get("3", 0), "resolved_total": sum(lines.values())}


def cohort(docs: Iterable[Doc], period: Period, group: Optional[str]) -> list[Doc]:
    return [d for d in docs if period.holds(when(d.get("opened_at")))
            and (group is None or owner(d) == group)]


Lookup = Callable[[str], Optional[Any]]


def build(docs: Iterable[Doc], policy: Policy, period: Period, now: datetime,
          tz: tzinfo, group: Optional[str] = None, trend: Optional[list[Period]] = None,
          find: Optional[Lookup] = None, full: Optional[Lookup] = None) -> dict[str, Any]:
    """The whole report as plain data (see the module docstring and core/kpi.py).

    `docs` holds at least every ticket opened in the period or the trend periods, open
    at the period's end, or resolved in it (more is fine). `find(id)` returns the
    document of a recurrence's original when it is not among them; `full(id)` the
    whole Ticket (with history) when the backlog needs its past status.
    """
    docs = list(docs)
    by_id = {d["id"]: d for d in docs}

    def original(doc: Doc) -> Optional[Doc]:
        rid = doc.get("recurrence_of")
        if not rid:
            return None
        return by_id.get(rid) or (find(rid) if find else None)

    facts = [fact(d, policy, now, original(d)) for d in cohort(docs, period, group)]
    groups = [g for g in policy.teams.groups if any(f.owner == g for f in facts)]
    summary = figures(facts, policy)
    history = []
    for p in trend if trend is not None else earlier(period, policy.kpi.trend_months, tz):
        older = [fact(d, policy, now, None) for d in cohort(docs, p, group)]
        history.append({"period": p.label, **_trend_point(figures(older, policy))})
    history.append({"period": period.label, **_trend_point(summary)})
    scope = [d for d in docs if group is None or owner(d) == group]
    return {
        "period": {"label": period.label, "from": period.start.isoformat(),
                   "to": period.end.isoformat(), "generated_at": now.isoformat()},
        "group": group,
        **summary,                    # the ISO 5.15 figures at the top level, and again
        "summary": summary,           # together for renderers
        "kpis": kpi.table(facts, policy.kpi, groups),
        "trend": history,
        "trend_analysis": analyse(history),
        "sla": {"by_priority": compliance(facts, lambda f: f.priority,
                                          policy.matrix.priority_levels),
                "by_group": compliance(facts, lambda f: f.owner, groups)},
        "volume": volume(scope, period, tz),
        "backlog": backlog(scope, policy, min(now, period.end), full),
    }


def _trend_point(fig: dict[str, Any]) -> dict[str, Any]:
    keys = ("total_incidents", "response_rate", "resolved_line2", "resolved_line3",
            "resolved_total")
    return {k: fig[k] for k in keys}


def analyse(history: list[dict[str, Any]]) -> dict[str, Any]:
    """Change against the previous period and a linear forecast of the next total."""
    totals = [h["total_incidents"] for h in history]
    out: dict[str, Any] = {"change": None, "change_percent": None, "forecast_next": None}
    if len(totals) >= 2:
        prev, cur = totals[-2], totals[-1]
        out["change"] = cur - prev
        out["change_percent"] = round((cur - prev) * 100 / prev, 1) if prev else None
        n = len(totals)
        mean_x, mean_y = (n - 1) / 2, sum(totals) / n
        sxx = sum((x - mean_x) ** 2 for x in range(n))
        slope = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(totals)) / sxx
        out["forecast_next"] = max(0, round(mean_y + slope * (n - mean_x)))
    return out


def compliance(facts: list[kpi.Fact], key: Any, keys: Iterable[Any]) -> dict[str, Any]:
    """Per key and phase: phases that started, how many not breached, the rate."""
    out: dict[str, Any] = {}
    for k in keys:
        mine = [f for f in facts if key(f) == k]
        row = {}
        for phase in PHASES:
            started = [f for f in mine if phase in f.breached]
            met = sum(1 for f in started if not f.breached[phase])
            row[phase] = {"met": met, "total": len(started), "rate": _ratio(met, len(started))}
        out[str(k)] = row
    return out


def volume(docs: list[Doc], period: Period, tz: tzinfo) -> list[dict[str, Any]]:
    """Tickets opened and resolved per day of the period."""
    opened: dict[date, int] = {}
    solved: dict[date, int] = {}
    for doc in docs:
        for key, counts in (("opened_at", opened), ("resolved_at", solved)):
            at = when(doc.get(key))
            if at is not None and period.holds(at):
                d = at.astimezone(tz).date()
                counts[d] = counts.get(d, 0) + 1
    out = []
    day = period.start.date()
    while datetime(day.year, day.month, day.day, tzinfo=tz) < period.end:
        out.append({"date": day.isoformat(), "opened": opened.get(day, 0),
                    "resolved": solved.get(day, 0)})
        day += timedelta(days=1)
    return out


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
    buckets: list[dict[str, Any]] = [
        {"age": label, "count": 0, "by_priority": {p: 0 for p in levels}}
        for _, label in AGE_BUCKETS]
    total = 0
    for doc in docs:
        if not open_at(doc, at, full):
            continue
        age = at - when(doc["opened_at"])  # type: ignore[operator]
        i = next(i for i, (limit, _) in enumerate(AGE_BUCKETS) if limit is None or age < limit)
        prio = doc.get("priority") or ""
        buckets[i]["count"] += 1
        buckets[i]["by_priority"][prio] = buckets[i]["by_priority"].get(prio, 0) + 1
        total += 1
    return {"at": at.isoformat(), "total": total, "buckets": buckets}
