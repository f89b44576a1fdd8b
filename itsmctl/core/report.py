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
  period and a least-squares forecast of next period's total, only when at least
  kpi.yaml `forecast_min_periods` periods (counted from the first with a ticket) hold
  data (Q6); `forecast_basis` says how many did.
- analysis (with `--analysis`, Q5): see core/analysis.py.

Periods: a month (`--month YYYY-MM`), an ISO week (`--week YYYY-Www`, Monday to Sunday,
Q4) or a range of whole days (`--from/--to`); earlier periods for the trend are the
previous months, weeks or ranges of the same length.

Drill-down (Q6): every figure names the tickets behind it. Wherever a mapping holds
counts, its key `tickets` holds for each count key the sorted list of the ids counted
(a mapping of lists where the count is a mapping of counts):
- `summary.tickets`: `total_incidents`, `responded`, `responded_in_time`, `by_type`
  {type: ids}, `by_priority` {priority: ids}, `resolved_by_line` {line: ids};
- each KPI row (overall and per group): `tickets.numerator`, `tickets.denominator`
  (core/kpi.py);
- `trend[i].tickets.total_incidents`; `volume[i].tickets.opened` / `.resolved`;
- `sla.by_priority[p][phase].tickets.met` / `.total` (and `by_group` alike);
- `backlog.buckets[i].tickets.count` and `.by_priority` {priority: ids};
- every row of `analysis` (core/analysis.py) has `tickets` for its volume and its
  counts.
A front end links a figure to a queue of exactly those ids (the HTML page to a list
in the page; the web service to its queue view).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional

from itsmctl.core import kpi
from itsmctl.core.backlog import backlog, when
from itsmctl.core.rows import Row, Tally, instant, micros, owner_of, row_of
from itsmctl.core.states import PHASES

_id = attrgetter("id")

if TYPE_CHECKING:       # a Policy, or its plain twin (core/policy/plain.py)
    from itsmctl.core.policy import Policy

Doc = dict[str, Any]


@dataclass(frozen=True)
class Period:
    """[start, end) with a label: '2026-11', '2026-W48' or '2026-11-01..2026-11-15'."""

    label: str
    start: datetime
    end: datetime
    monthly: bool = False
    weekly: bool = False

    def holds(self, when: Optional[datetime]) -> bool:
        return when is not None and self.start <= when < self.end


def month(text: str, tz: tzinfo) -> Period:
    """'YYYY-MM' as a period in the desk's time zone."""
    year, mon = (int(x) for x in text.split("-"))
    start = datetime(year, mon, 1, tzinfo=tz)
    end = datetime(year + mon // 12, mon % 12 + 1, 1, tzinfo=tz)
    return Period(f"{year:04d}-{mon:02d}", start, end, monthly=True)


def week(text: str, tz: tzinfo) -> Period:
    """'YYYY-Www' (ISO 8601 week, Monday to Sunday) as a period in the desk's time zone."""
    year, num = text.upper().split("-W")
    first = date.fromisocalendar(int(year), int(num), 1)
    start = datetime(first.year, first.month, first.day, tzinfo=tz)
    iso = first.isocalendar()
    return Period(f"{iso[0]:04d}-W{iso[1]:02d}", start, start + timedelta(days=7), weekly=True)


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
        elif current.weekly:
            iso = (current.start.date() - timedelta(days=7)).isocalendar()
            current = week(f"{iso[0]:04d}-W{iso[1]:02d}", tz)
        else:
            span = current.end - current.start
            first = (current.start - span).date()
            current = days(first, (current.start - timedelta(days=1)).date(), tz)
        out.append(current)
    return out[::-1]


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


def local_people(policy: Policy) -> frozenset[str]:
    """The members of the local desks (kpi.yaml local_desks)."""
    wanted = set(policy.kpi.local_desks)
    return frozenset(pid for pid, p in policy.teams.people.items() if wanted & set(p.groups))


def fact(row: Row, policy: "Policy", now: int, original_owner: Optional[str] = None,
         local: frozenset[str] = frozenset()) -> kpi.Fact:
    """The KPI fact of a ticket at `now` (micros) under the policy."""
    return fact_maker(policy, now, local)(row, original_owner)


def fact_maker(policy: "Policy", now: int, local: frozenset[str] = frozenset()
               ) -> Callable[[Row, Optional[str]], kpi.Fact]:
    """fact() with the policy and `now` read once: (row, original's owner) -> Fact."""
    cfg = policy.kpi
    good, bad = frozenset(cfg.successful_close_codes), frozenset(cfg.unsuccessful_close_codes)
    desks = frozenset(cfg.local_desks)
    make, phases = kpi.Fact, PHASES

    def one(row: Row, original_owner: Optional[str] = None) -> kpi.Fact:
        status, code = row.status, row.close_code
        breached: dict[str, bool] = {}
        stopped = []
        for phase, clock in zip(phases, row.clocks):
            if clock is not None:
                if clock[0]:
                    stopped.append(phase)
                breached[phase] = clock[1] is not None and now > clock[1]
        is_local = row.opened_by in local
        finished = status in ("resolved", "closed")
        return make(
            row.id, row.type, status, row.priority, owner_of(row), row.resolved_group, code,
            row.returns, row.reopens, row.dispatches, row.satisfaction, row.problem,
            row.recurrence_of, breached, frozenset(stopped),
            (status == "closed" and code in good) or (status == "resolved" and not row.workaround),
            status == "closed" and code in bad, original_owner, row.source or "phone",
            is_local,
            is_local and finished and (not row.dispatches or row.resolved_group in desks),
            row.firings if row.source == "monitoring" else 0)

    return one


def _ratio(num: int, den: int) -> Optional[float]:
    return num / den if den else None


def figures(facts: list[kpi.Fact], policy: Policy) -> dict[str, Any]:
    """ISO procedure 5.15 items 1-5 over one cohort."""
    by_type: dict[str, list[str]] = {}
    by_priority: dict[str, list[str]] = {p: [] for p in policy.matrix.priority_levels}
    lines: dict[str, list[str]] = {}
    responded: list[str] = []
    in_time: list[str] = []
    for f in facts:
        by_type.setdefault(f.type, []).append(f.id)
        by_priority.setdefault(f.priority, []).append(f.id)
        if "respond" in f.stopped:
            responded.append(f.id)
            if not f.breached.get("respond", False):
                in_time.append(f.id)
        if f.status in ("resolved", "closed") and f.resolved_group \
                and f.close_code != "out_of_scope":
            group = policy.teams.groups.get(f.resolved_group)
            line = str(group.line) if group and group.line is not None else "other"
            lines.setdefault(line, []).append(f.id)
    lines = dict(sorted(lines.items()))
    counts = {k: len(v) for k, v in lines.items()}
    return {"total_incidents": len(facts), "by_type": {k: len(v) for k, v in by_type.items()},
            "by_priority": {k: len(v) for k, v in by_priority.items()},
            "responded": len(responded), "responded_in_time": len(in_time),
            "response_rate": _ratio(len(in_time), len(facts)),
            "resolved_by_line": counts,
            "resolved_line1": counts.get("1", 0), "resolved_line2": counts.get("2", 0),
            "resolved_line3": counts.get("3", 0), "resolved_total": sum(counts.values()),
            "tickets": {"total_incidents": ids(facts), "responded": sorted(responded),
                        "responded_in_time": sorted(in_time),
                        "by_type": {k: sorted(v) for k, v in by_type.items()},
                        "by_priority": {k: sorted(v) for k, v in by_priority.items()},
                        "resolved_by_line": {k: sorted(v) for k, v in lines.items()}}}


def ids(facts: Iterable[Any]) -> list[str]:
    """The sorted ids of facts or documents (Q6)."""
    return sorted(f["id"] if isinstance(f, dict) else f.id for f in facts)


def cohort(rows: Iterable[Row], period: Period, group: Optional[str]) -> list[Row]:
    lo, hi = micros(period.start), micros(period.end)
    assert lo is not None and hi is not None
    return [r for r in rows if r.opened is not None and lo <= r.opened < hi
            and (group is None or owner_of(r) == group)]


Lookup = Callable[[str], Optional[Any]]


def build(docs: Iterable[Doc], policy: Policy, period: Period, now: datetime,
          tz: tzinfo, group: Optional[str] = None, trend: Optional[list[Period]] = None,
          find: Optional[Lookup] = None, full: Optional[Lookup] = None,
          firings: Optional[Callable[[str], int]] = None,
          analysis: bool = False) -> dict[str, Any]:
    """The whole report as plain data (see the module docstring and core/kpi.py).

    `docs` holds at least every ticket opened in the period or the trend periods, open
    at the period's end, or resolved in it (more is fine). `find(id)` returns the
    document of a recurrence's original when it is not among them; `full(id)` the
    whole document (with its history) when the backlog needs its past status (else a
    document here that has its history gives it); `firings(id)` how many firings of its alert a
    monitoring ticket recorded (Q4). With `analysis`, the fault analysis of
    core/analysis.py is added (Q5). The same as build_rows over row_of(each document).
    """
    docs = list(docs)
    by_id = {d["id"]: d for d in docs}

    def count(doc: Doc) -> int:
        return firings(doc["id"]) if firings and doc.get("source") == "monitoring" else 1

    def find_row(rid: str) -> Optional[Row]:
        doc = find(rid) if find else None
        return row_of(doc) if doc else None

    def history(ticket_id: str) -> Optional[Doc]:
        doc = by_id.get(ticket_id)
        return doc if doc is not None and "history" in doc else None

    return build_rows([row_of(d, count(d)) for d in docs], policy, period, now, tz,
                      group=group, trend=trend, find=find_row, full=full or history,
                      docs_of=(lambda ids: [by_id[i] for i in ids]) if analysis else None)


def build_rows(rows: Iterable[Row], policy: Policy, period: Period, now: datetime,
               tz: tzinfo, group: Optional[str] = None, trend: Optional[list[Period]] = None,
               find: Optional[Callable[[str], Optional[Row]]] = None,
               full: Optional[Lookup] = None,
               docs_of: Optional[Callable[[list[str]], list[Doc]]] = None,
               counted: Optional[Callable[[Period], Tally]] = None,
               still_open: Iterable[tuple[str, str, int]] = ()) -> dict[str, Any]:
    """The whole report from the tickets' Rows (row_of, or the ticket index's copy).

    `rows` as build's `docs`; the figures that list tickets in the order met (the keys
    of `by_type`) take them in this order. `find(id)` gives the Row of a recurrence's
    original that is not among them, `full(id)` as for build. With `docs_of` (the
    documents of these ids, in that order), the fault analysis of core/analysis.py is
    added (Q5). `counted(p)`: the tickets of trend period `p` (owned by `group`) that
    count only there, already counted; `rows` may then leave them out (infra/facts.py
    tally). `still_open`: (id, priority, opened) of tickets owned by `group`, opened
    before every period, open at the backlog's instant and counted nowhere else,
    which `rows` leaves out (infra/facts.py still_open)."""
    rows = list(rows)
    by_id = {r.id: r for r in rows}
    local = local_people(policy)
    at = micros(now)
    assert at is not None

    def original_owner(row: Row) -> Optional[str]:
        rid = row.recurrence_of
        if not rid:
            return None
        orig = by_id.get(rid) or (find(rid) if find else None)
        return owner_of(orig) if orig else None

    mine = cohort(rows, period, group)
    fact_of = fact_maker(policy, at, local)
    facts = [fact_of(r, original_owner(r)) for r in mine]
    groups = [g for g in policy.teams.groups if any(f.owner == g for f in facts)]
    summary = figures(facts, policy)
    history = []
    for p in trend if trend is not None else earlier(period, policy.kpi.trend_months, tz):
        history.append({"period": p.label, **trend_point(
            cohort(rows, p, group), policy, at, counted(p) if counted else None)})
    history.append({"period": period.label, **_trend_point(summary)})
    scope = [r for r in rows if group is None or owner_of(r) == group]
    out = {
        "period": {"label": period.label, "from": period.start.isoformat(),
                   "to": period.end.isoformat(), "generated_at": now.isoformat()},
        "group": group,
        **summary,                    # the ISO 5.15 figures at the top level, and again
        "summary": summary,           # together for renderers
        "kpis": kpi.table(facts, policy.kpi, groups),
        "trend": history,
        "trend_analysis": analyse(history, policy.kpi.forecast_min_periods),
        "sla": {"by_priority": compliance(facts, lambda f: f.priority,
                                          policy.matrix.priority_levels),
                "by_group": compliance(facts, lambda f: f.owner, groups)},
        "volume": volume(scope, period, tz),
        "backlog": backlog(scope, policy, min(now, period.end), full, still_open),
    }
    if docs_of is not None:
        from itsmctl.core.analysis import analyse as fault_analysis

        out["analysis"] = fault_analysis(docs_of([r.id for r in mine]), facts, policy, now)
    return out


_RESPOND = PHASES.index("respond")


def trend_point(rows: list[Row], policy: Policy, now: int,
                counted: Optional[Tally] = None) -> dict[str, Any]:
    """_trend_point(figures(...)) of a cohort's rows at `now` (micros), without making
    their Facts: an earlier period shows only its totals (a report's trend reads about
    three times as many tickets as its own period); `counted`: more of its tickets,
    already counted."""
    in_time = counted.in_time if counted else 0
    lines: dict[str, int] = {}
    groups = policy.teams.groups

    def add(group: str, count: int) -> None:
        g = groups.get(group)
        line = str(g.line) if g and g.line is not None else "other"
        lines[line] = lines.get(line, 0) + count

    for r in rows:
        clock = r.clocks[_RESPOND]
        if clock is not None and clock[0] and not (clock[1] is not None and now > clock[1]):
            in_time += 1
        if r.status in ("resolved", "closed") and r.resolved_group \
                and r.close_code != "out_of_scope":
            add(r.resolved_group, 1)
    for group, count in (counted.resolved if counted else {}).items():
        add(group, count)
    ids = sorted([*map(_id, rows), *(counted.ids if counted else ())])
    return {"total_incidents": len(ids), "response_rate": _ratio(in_time, len(ids)),
            "resolved_line2": lines.get("2", 0), "resolved_line3": lines.get("3", 0),
            "resolved_total": sum(lines.values()),
            "tickets": {"total_incidents": ids}}


def _trend_point(fig: dict[str, Any]) -> dict[str, Any]:
    keys = ("total_incidents", "response_rate", "resolved_line2", "resolved_line3",
            "resolved_total")
    point = {k: fig[k] for k in keys}
    point["tickets"] = {"total_incidents": fig["tickets"]["total_incidents"]}
    return point


def analyse(history: list[dict[str, Any]], min_periods: int = 2) -> dict[str, Any]:
    """Change against the previous period and a linear forecast of the next total; the
    forecast only from `min_periods` periods counted from the first with a ticket (the
    empty periods before a desk was in use say nothing about the next one)."""
    totals = [h["total_incidents"] for h in history]
    first = next((i for i, total in enumerate(totals) if total), len(totals))
    basis = len(totals) - first
    out: dict[str, Any] = {"change": None, "change_percent": None, "forecast_next": None,
                           "forecast_basis": basis}
    if len(totals) >= 2:
        prev, cur = totals[-2], totals[-1]
        out["change"] = cur - prev
        out["change_percent"] = round((cur - prev) * 100 / prev, 1) if prev else None
    if basis >= max(2, min_periods):
        used = totals[first:]
        n = len(used)
        mean_x, mean_y = (n - 1) / 2, sum(used) / n
        sxx = sum((x - mean_x) ** 2 for x in range(n))
        slope = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(used)) / sxx
        out["forecast_next"] = max(0, round(mean_y + slope * (n - mean_x)))
    return out


def compliance(facts: list[kpi.Fact], key: Any, keys: Iterable[Any]) -> dict[str, Any]:
    """Per key and phase: phases that started, how many not breached, the rate."""
    out: dict[str, Any] = {}
    keys = list(keys)
    by_key: dict[Any, list[kpi.Fact]] = {k: [] for k in keys}
    for f in sorted(facts, key=_id):         # one pass, and the ids of each list in order
        try:
            mine = by_key.get(key(f))
        except TypeError:                   # a key no configured one equals
            continue
        if mine is not None:
            mine.append(f)
    for k in keys:
        mine = by_key[k]
        row = {}
        for phase in PHASES:
            started = [f for f in mine if phase in f.breached]
            met = [f for f in started if not f.breached[phase]]
            row[phase] = {"met": len(met), "total": len(started),
                          "rate": _ratio(len(met), len(started)),
                          "tickets": {"met": sorted(map(_id, met)),
                                      "total": sorted(map(_id, started))}}
        out[str(k)] = row
    return out


def volume(rows: list[Row], period: Period, tz: tzinfo) -> list[dict[str, Any]]:
    """Tickets opened and resolved per day of the period."""
    opened: dict[date, list[str]] = {}
    solved: dict[date, list[str]] = {}
    lo, hi = micros(period.start), micros(period.end)
    assert lo is not None and hi is not None
    day_of = _Days(tz)
    for row in rows:
        at = row.opened
        if at is not None and lo <= at < hi:
            opened.setdefault(day_of(at), []).append(row.id)
        at = row.resolved
        if at is not None and lo <= at < hi:
            solved.setdefault(day_of(at), []).append(row.id)
    out = []
    day = period.start.date()
    while datetime(day.year, day.month, day.day, tzinfo=tz) < period.end:
        a, b = sorted(opened.get(day, [])), sorted(solved.get(day, []))
        out.append({"date": day.isoformat(), "opened": len(a), "resolved": len(b),
                    "tickets": {"opened": a, "resolved": b}})
        day += timedelta(days=1)
    return out


_HOUR = 3600 * 1_000_000


class _Days:
    """The date in `tz` of an instant (micros), read once per hour: a month's report
    dates some 7,000 instants. An hour whose first and last instant differ in date or
    in offset (the desk's midnight is not on the hour, or the zone moves its clock in
    that hour) is dated instant by instant."""

    def __init__(self, tz: tzinfo) -> None:
        self.tz = tz
        self.known: dict[int, Optional[date]] = {}

    def __call__(self, at: int) -> date:
        hour = at // _HOUR
        if hour in self.known:
            day = self.known[hour]
        else:
            first = instant(hour * _HOUR, self.tz)
            last = instant(hour * _HOUR + _HOUR - 1, self.tz)
            same = first.date() == last.date() and first.utcoffset() == last.utcoffset()
            day = self.known[hour] = first.date() if same else None
        return day if day is not None else instant(at, self.tz).date()
