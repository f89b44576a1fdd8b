"""The KPI table of the handbook (6.2): each KPI a numerator over a denominator (Q1).

Every KPI is computed over a *cohort*: the tickets opened in the report period
(`opened_at` in [from, to), desk time zone), narrowed to one group by `--group`.
Per-group rows use the ticket's *owner group*: the group that resolved it once it
is resolved or closed (`resolved_group`), else its current `group`; tickets with
neither (never dispatched, still with the desk) have no per-group row.

"Breached" for a phase means what `show --json` says (`sla.<phase>.breached`): the
phase clock of core/sla.py at the report's `now` is past its target, or sweep
recorded a breach of that phase. A phase counts once it has started.

"Successful" (成功解决): status `resolved` without the workaround flag, or
`closed` with a close code in kpi.yaml `successful_close_codes` (solved,
auto_closed). "Unsuccessful" (不成功): closed with a code in
`unsuccessful_close_codes` (workaround, failed).

Local desks (Q4, 6.2 本地网服务台): a *local-desk ticket* was opened by a member of a
group listed in kpi.yaml `local_desks`; it was *handled locally* (本地处理) when it
was resolved or closed without ever being dispatched onwards (`counters.dispatches`
0: first-line resolution, or closed out of scope), or resolved by a local-desk
group. The two local-desk KPIs are reported only when `local_desks` names a group.

Alert tickets (Q4, 告警工单生成率): tickets of source `monitoring`. The valid alerts
they stand for are their own alert plus every later firing of it recorded on them
(`alert-fire` events, H1): a firing that got no ticket of its own.

A ratio whose denominator is 0 has value None and pass None ("n/a"). Q6: every row
also names its tickets: `tickets.numerator` (the tickets counted above the line, for
a sum the tickets that add to it) and `tickets.denominator`, ids sorted.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Callable, Iterable, NamedTuple, Optional

if TYPE_CHECKING:       # the report runs on a plain copy of the policy (no pydantic)
    from itsmctl.core.policy import KpiConfig


class Fact(NamedTuple):
    """What the KPIs and the monthly figures need of one ticket, computed once (a named
    tuple: a report makes one per ticket of its period and trend, ~13,000 at 100k
    tickets, and a frozen dataclass costs ~3x as much to make)."""

    id: str
    type: str
    status: str
    priority: str
    owner: Optional[str]
    resolved_group: Optional[str]
    close_code: Optional[str]
    returns: int
    reopens: int
    dispatches: int
    satisfaction: Optional[int]
    problem: Optional[str]
    recurrence_of: Optional[str]
    breached: dict[str, bool]        # phase -> breached (only phases that started)
    stopped: frozenset[str]          # phases whose clock has stopped
    successful: bool
    unsuccessful: bool
    original_owner: Optional[str]    # for recurrences: who resolved the original
    source: str = "phone"
    local: bool = False              # opened by a local desk (kpi.yaml local_desks)
    handled_locally: bool = False    # local and never dispatched onwards (本地处理)
    alert_firings: int = 0           # monitoring tickets: its alert's firings (>= 1)


class Goal(NamedTuple):
    """A KPI target such as '< 1%' (kpi.yaml; core/policy/kpi.py Target reads it)."""

    op: str                 # <, <=, >, >=
    percent: float

    def met(self, ratio: float) -> bool:
        value, limit = round(ratio * 100, 9), self.percent
        return {"<": value < limit, "<=": value <= limit, ">": value > limit,
                ">=": value >= limit}[self.op]

    def __str__(self) -> str:
        return f"{self.op} {self.percent:g}%"


@dataclass(frozen=True)
class Share:
    """A KPI's numerator over its denominator, and the tickets behind each (Q6)."""

    numerator: int
    denominator: int
    counted: tuple[str, ...] = ()    # tickets behind the numerator
    among: tuple[str, ...] = ()      # tickets behind the denominator


_id = attrgetter("id")


class Cohort(list[Fact]):
    """Facts in id order, with each owner group's part split off once: the KPI table
    asks for every group's part of every KPI counted per group."""

    def __init__(self, facts: Iterable[Fact]) -> None:
        super().__init__(sorted(facts, key=_id))
        self.owned: dict[Optional[str], list[Fact]] = {}
        for f in self:
            try:
                self.owned.setdefault(f.owner, []).append(f)
            except TypeError:       # an owner no group's name equals
                pass


def _share(hits: list[Fact], base: list[Fact], weight: Optional[Callable[[Fact], int]] = None,
           total: Optional[int] = None) -> Share:
    num = sum(weight(f) for f in hits) if weight else len(hits)
    return Share(num, len(base) if total is None else total,
                 tuple(sorted(map(_id, hits))), tuple(sorted(map(_id, base))))


def _of(facts: list[Fact], group: Optional[str]) -> list[Fact]:
    if group is None:
        return facts
    if isinstance(facts, Cohort):
        return facts.owned.get(group, [])
    return [f for f in facts if f.owner == group]


def dispatch_accuracy(facts: list[Fact], cfg: KpiConfig, group: Optional[str] = None) -> Share:
    """派单准确率: sum of `counters.returns` (returns to the desk, L5) / tickets."""
    mine = _of(facts, group)
    return _share([f for f in mine if f.returns], mine, lambda f: f.returns)


def dispatch_timeliness(facts: list[Fact], cfg: KpiConfig, group: Optional[str] = None) -> Share:
    """派单及时率: dispatched tickets (dispatches >= 1) whose respond phase (open -> first
    dispatch) is not breached / dispatched tickets."""
    sent = [f for f in _of(facts, group) if f.dispatches >= 1]
    return _share([f for f in sent if not f.breached.get("respond", False)], sent)


def accept_timeliness(facts: list[Fact], cfg: KpiConfig, group: Optional[str] = None) -> Share:
    """受理及时率, per group: tickets whose accept phase (dispatch or transfer -> accept)
    started and is not breached / tickets whose accept phase started."""
    return _in_time(_of(facts, group), "accept")


def restore_timeliness(facts: list[Fact], cfg: KpiConfig, group: Optional[str] = None) -> Share:
    """处理完成及时率, per group: tickets whose restore phase (accept -> resolved) started
    and is not breached / tickets whose restore phase started."""
    return _in_time(_of(facts, group), "restore")


def _in_time(facts: list[Fact], phase: str) -> Share:
    started = [f for f in facts if phase in f.breached]
    return _share([f for f in started if not f.breached[phase]], started)


def close_confirmation(facts: list[Fact], cfg: KpiConfig, group: Optional[str] = None) -> Share:
    """关单确认率, per group: sum of `counters.reopens` (resolutions the user rejected, L9)
    / tickets."""
    mine = _of(facts, group)
    return _share([f for f in mine if f.reopens], mine, lambda f: f.reopens)


def problem_coverage(facts: list[Fact], cfg: KpiConfig, group: Optional[str] = None) -> Share:
    """问题单覆盖率: unsuccessful tickets with a linked problem (`links.problem`) /
    unsuccessful tickets."""
    bad = [f for f in _of(facts, group) if f.unsuccessful]
    return _share([f for f in bad if f.problem], bad)


def resolution_rate(facts: list[Fact], cfg: KpiConfig, group: Optional[str] = None) -> Share:
    """处理完成率, per group: successful tickets / tickets."""
    mine = _of(facts, group)
    return _share([f for f in mine if f.successful], mine)


def recurrence_rate(facts: list[Fact], cfg: KpiConfig, group: Optional[str] = None) -> Share:
    """重发故障率, per group: tickets opened as a recurrence (`recurrence_of` set, L12) /
    successful tickets. Per group, a recurrence counts for the group that resolved the
    original (its owner when the original is unknown); successful tickets by owner."""
    again = [f for f in facts if f.recurrence_of]
    if group is not None:
        again = [f for f in again if (f.original_owner or f.owner) == group]
    return _share(again, [f for f in _of(facts, group) if f.successful])


def satisfaction(facts: list[Fact], cfg: KpiConfig, group: Optional[str] = None) -> Share:
    """客户满意度: tickets rated at or below `dissatisfied_at_most` (1-5 scale) / rated
    tickets (`satisfaction` set)."""
    rated = [f for f in _of(facts, group) if f.satisfaction is not None]
    return _share([f for f in rated if (f.satisfaction or 0) <= cfg.dissatisfied_at_most],
                  rated)


def complaint_rate(facts: list[Fact], cfg: KpiConfig, group: Optional[str] = None) -> Share:
    """投诉率: tickets of type `complaint` / tickets."""
    mine = _of(facts, group)
    return _share([f for f in mine if f.type == "complaint"], mine)


def local_preprocessing(facts: list[Fact], cfg: KpiConfig,
                        group: Optional[str] = None) -> Share:
    """本地网服务台预处理率 (Q4): local-desk tickets handled locally / local-desk tickets."""
    mine = [f for f in _of(facts, group) if f.local]
    return _share([f for f in mine if f.handled_locally], mine)


def escalation_correctness(facts: list[Fact], cfg: KpiConfig,
                           group: Optional[str] = None) -> Share:
    """上报正确率 (Q4): local-desk tickets the desk returned (`counters.returns` >= 1, L5)
    / local-desk tickets."""
    mine = [f for f in _of(facts, group) if f.local]
    return _share([f for f in mine if f.returns], mine)


def alert_to_ticket(facts: list[Fact], cfg: KpiConfig, group: Optional[str] = None) -> Share:
    """告警工单生成率 (Q4): alert tickets / the valid alerts they stand for (their own and
    every later firing recorded on them)."""
    alerts = [f for f in _of(facts, group) if f.source == "monitoring"]
    return _share(alerts, alerts, total=sum(max(1, f.alert_firings) for f in alerts))


Count = Callable[[list[Fact], "KpiConfig", Optional[str]], Share]
# id -> (label, function, reported per group as well)
KPIS: dict[str, tuple[str, Count, bool]] = {
    "dispatch_accuracy": ("dispatch accuracy 派单准确率 (returns / tickets)",
                          dispatch_accuracy, False),
    "dispatch_timeliness": ("dispatch timeliness 派单及时率", dispatch_timeliness, False),
    "accept_timeliness": ("accept timeliness 受理及时率", accept_timeliness, True),
    "restore_timeliness": ("restore timeliness 处理完成及时率", restore_timeliness, True),
    "close_confirmation": ("close confirmation 关单确认率 (reopens / tickets)",
                           close_confirmation, True),
    "problem_coverage": ("problem coverage 问题单覆盖率", problem_coverage, False),
    "resolution_rate": ("resolution rate 处理完成率", resolution_rate, True),
    "recurrence_rate": ("recurrence rate 重发故障率", recurrence_rate, True),
    "satisfaction": ("dissatisfied customers 客户满意度 (dissatisfied / rated)",
                     satisfaction, False),
    "complaint_rate": ("complaint rate 投诉率", complaint_rate, False),
    "local_preprocessing": ("local-desk pre-processing rate 本地网服务台预处理率",
                            local_preprocessing, False),
    "escalation_correctness": ("local-desk escalation correctness 上报正确率 (returned / "
                               "local tickets)", escalation_correctness, False),
    "alert_to_ticket": ("alert-to-ticket rate 告警工单生成率 (alert tickets / valid alerts)",
                        alert_to_ticket, False),
}
# reported only for desks with local desks (kpi.yaml local_desks)
LOCAL = frozenset({"local_preprocessing", "escalation_correctness"})


def row(kpi_id: str, share: Share, cfg: KpiConfig) -> dict[str, Any]:
    """One KPI value: numerator, denominator, value, target, pass, and its tickets."""
    num, den = share.numerator, share.denominator
    target = getattr(cfg.targets, kpi_id)
    value = num / den if den else None
    return {"numerator": num, "denominator": den, "value": value,
            "percent": round(value * 100, 2) if value is not None else None,
            "target": str(target), "pass": target.met(value) if value is not None else None,
            "tickets": {"numerator": list(share.counted), "denominator": list(share.among)}}


def table(facts: list[Fact], cfg: KpiConfig, groups: Iterable[str]) -> dict[str, Any]:
    """Every KPI overall, and per owner group where the handbook counts it per group."""
    out: dict[str, Any] = {}
    groups = list(groups)
    # in id order, each KPI's lists of ids come out sorted already (sorting them again
    # is then one pass): the table sorts some 60 lists of up to a month's tickets
    facts = facts if isinstance(facts, Cohort) else Cohort(facts)
    for kpi_id, (label, fn, per_group) in KPIS.items():
        if kpi_id in LOCAL and not cfg.local_desks:
            continue
        entry: dict[str, Any] = {"name": label, **row(kpi_id, fn(facts, cfg, None), cfg)}
        if per_group:
            rows = {g: row(kpi_id, fn(facts, cfg, g), cfg) for g in groups}
            entry["by_group"] = {g: r for g, r in rows.items() if r["denominator"]}
            entry["groups_failing"] = sorted(g for g, r in entry["by_group"].items()
                                             if r["pass"] is False)
        out[kpi_id] = entry
    return out
