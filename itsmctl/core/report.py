"""The monthly report (Q1): ISO procedure 5.15 figures, the KPI table, SLA and backlog series.

Pure: takes tickets, the policy, the period and `now`; returns plain JSON-ready
data that render.py / render_html.py present. The cohort of a period is the
tickets opened in it (`from` <= opened_at < `to`, in the desk's time zone),
narrowed by `group` to the tickets whose owner group (see core/kpi.py) it is.

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
from typing import Any, Iterable, Optional

from itsmctl.core import kpi
from itsmctl.core.model import OPEN_STATUSES, Ticket
from itsmctl.core.policy import PHASES, Policy
from itsmctl.core.sla import clocks, segments

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


def owner(ticket: Ticket) -> Optional[str]:
    """The group answerable for a ticket: who resolved it, else who holds it."""
    if ticket.status in ("resolved", "closed") and ticket.resolved_group:
        return ticket.resolved_group
    return ticket.group


def fact(ticket: Ticket, policy: Policy, now: datetime,
         index: dict[str, Ticket]) -> kpi.Fact:
    cfg = policy.kpi
    closed_ok = ticket.status == "closed" and ticket.close_code in cfg.successful_close_codes
    resolved_ok = ticket.status == "resolved" and not ticket.workaround
    original = index.get(ticket.recurrence_of or "")
    clock = clocks(ticket, policy, now)
    recorded = {e.phase for e in ticket.escalations if e.trigger == "breach"}
    return kpi.Fact(ticket=ticket, owner=owner(ticket),
                    breached={p: c.breached or p in recorded
                              for p, c in clock.items() if c.start is not None},
                    stopped=frozenset(p for p, c in clock.items() if c.stop is not None),
                    successful=closed_ok or resolved_ok,
                    unsuccessful=(ticket.status == "closed"
                                  and ticket.close_code in cfg.unsuccessful_close_codes),
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
        t = f.ticket
        by_type[t.type] = by_type.get(t.type, 0) + 1
        by_priority[t.priority] = by_priority.get(t.priority, 0) + 1
        if "respond" in f.stopped:
            responded += 1
            in_time += not f.breached.get("respond", False)
        if t.status in ("resolved", "closed") and t.resolved_group \
                and t.close_code != "out_of_scope":
            group = policy.teams.groups.get(t.resolved_group)
            line = str(group.line) if group and group.line is not None else "other"
            lines[line] = lines.get(line, 0) + 1
    return {"total_incidents": len(facts), "by_type": by_type, "by_priority": by_priority,
            "responded": responded, "responded_in_time": in_time,
            "response_rate": _ratio(in_time, len(facts)),
            "resolved_by_line": dict(sorted(lines.items())),
            "resolved_line1": lines.get("1", 0), "resolved_line2": lines.get("2", 0),
            "resolved_line3": lines.get("3", 0), "resolved_total": sum(lines.values())}


def cohort(tickets: Iterable[Ticket], period: Period, group: Optional[str]) -> list[Ticket]:
    return [t for t in tickets if period.holds(t.opened_at)
            and (group is None or owner(t) == group)]


def build(tickets: list[Ticket], policy: Policy, period: Period, now: datetime,
          tz: tzinfo, group: Optional[str] = None,
          trend: Optional[list[Period]] = None) -> dict[str, Any]:
    """The whole report as plain data (see the module docstring and core/kpi.py)."""
    index = {t.id: t for t in tickets}
    facts = [fact(t, policy, now, index) for t in cohort(tickets, period, group)]
    groups = [g for g in policy.teams.groups if any(f.owner == g for f in facts)]
    summary = figures(facts, policy)
    history = []
    for p in trend if trend is not None else earlier(period, policy.kpi.trend_months, tz):
        older = [fact(t, policy, now, index) for t in cohort(tickets, p, group)]
        history.append({"period": p.label, **_trend_point(figures(older, policy))})
    history.append({"period": period.label, **_trend_point(summary)})
    scope = [t for t in tickets if group is None or owner(t) == group]
    return {
        "period": {"label": period.label, "from": period.start.isoformat(),
                   "to": period.end.isoformat(), "generated_at": now.isoformat()},
        "group": group,
        "summary": summary,
        "kpis": kpi.table(facts, policy.kpi, groups),
        "trend": history,
        "trend_analysis": analyse(history),
        "sla": {"by_priority": compliance(facts, lambda f: f.ticket.priority,
                                          policy.matrix.priority_levels),
                "by_group": compliance(facts, lambda f: f.owner, groups)},
        "volume": volume(scope, period, tz),
        "backlog": backlog(scope, policy, min(now, period.end)),
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


def volume(tickets: list[Ticket], period: Period, tz: tzinfo) -> list[dict[str, Any]]:
    """Tickets opened and resolved per day of the period."""
    opened: dict[date, int] = {}
    solved: dict[date, int] = {}
    for t in tickets:
        if period.holds(t.opened_at):
            d = t.opened_at.astimezone(tz).date()
            opened[d] = opened.get(d, 0) + 1
        if period.holds(t.resolved_at):
            assert t.resolved_at is not None
            d = t.resolved_at.astimezone(tz).date()
            solved[d] = solved.get(d, 0) + 1
    out = []
    day = period.start.date()
    while datetime(day.year, day.month, day.day, tzinfo=tz) < period.end:
        out.append({"date": day.isoformat(), "opened": opened.get(day, 0),
                    "resolved": solved.get(day, 0)})
        day += timedelta(days=1)
    return out


def status_at(ticket: Ticket, when: datetime) -> Optional[str]:
    """The ticket's status at an instant, from its history (None: not opened yet)."""
    if ticket.opened_at > when:
        return None
    for seg in segments(ticket):
        if seg.start <= when and (seg.end is None or when < seg.end):
            return seg.status
    return ticket.status


def backlog(tickets: list[Ticket], policy: Policy, at: datetime) -> dict[str, Any]:
    """Tickets open at `at` by age since opening, split by priority."""
    levels = policy.matrix.priority_levels
    buckets = [{"age": label, "count": 0, "by_priority": {p: 0 for p in levels}}
                for _, label in AGE_BUCKETS]
    total = 0
    for t in tickets:
        if status_at(t, at) not in OPEN_STATUSES:
            continue
        age = at - t.opened_at
        i = next(i for i, (limit, _) in enumerate(AGE_BUCKETS) if limit is None or age < limit)
        buckets[i]["count"] += 1
        buckets[i]["by_priority"][t.priority] = buckets[i]["by_priority"].get(t.priority, 0) + 1
        total += 1
    return {"at": at.isoformat(), "total": total, "buckets": buckets}
