"""Q1, Q4, Q6, pure: the report's quick ways to its figures (issue 13) give what the
plain definitions give, on seeded random rows: a trend period's totals without Facts,
the KPI table over a Cohort, SLA compliance in one pass, the backlog's inline test and
the volume's dates read once per hour."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from typing import Any, Optional
from zoneinfo import ZoneInfo

import pytest

from itsmctl.core import backlog as backlog_mod
from itsmctl.core import kpi, report
from itsmctl.core.rows import ALWAYS, Row, Tally, instant, micros, owner_of
from itsmctl.core.states import PHASES
from tests.core.policy_fixtures import policy

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone(timedelta(hours=8)))
STATUSES = ("new", "assigned", "in_progress", "waiting", "resolved", "closed")
GROUPS = (None, "service-desk", "billing-app", "dba", "vendor-db", "leadership", "gone")
CODES = (None, "solved", "workaround", "failed", "out_of_scope", "auto_closed")
DAY = 86_400_000_000


def rows(seed: int, count: int = 300) -> list[Row]:
    """Rows opened around October and November 2026, in every state and clock story."""
    rng = random.Random(seed)
    at = micros(NOW)
    assert at is not None
    out = []
    for i in range(count):
        opened = at - rng.randrange(70 * DAY)
        updated = opened + rng.randrange(40 * DAY)
        status = rng.choice(STATUSES)
        finished = status in ("resolved", "closed")
        clocks = tuple(None if rng.random() < 0.2 else
                       (rng.random() < 0.6, rng.choice([None, ALWAYS, opened + rng.randrange(
                           60 * DAY)])) for _ in PHASES)
        out.append(Row(
            id=f"INC-{rng.randrange(10**6):06d}-{i}", type=rng.choice(["incident", "complaint"]),
            status=status, priority=rng.choice(["P1", "P2", "P3", "P4", "P9"]),
            group=rng.choice(GROUPS), resolved_group=rng.choice(GROUPS) if finished else None,
            close_code=rng.choice(CODES) if status == "closed" else None,
            returns=rng.choice([0, 0, 1, 2]), reopens=rng.choice([0, 0, 0, 1]),
            dispatches=rng.choice([0, 1, 2]), satisfaction=rng.choice([None, 1, 3, 5]),
            problem=rng.choice([None, "PRB-1"]), recurrence_of=None,
            workaround=rng.random() < 0.2, source=rng.choice([None, "monitoring", "email"]),
            opened_by=rng.choice(["alice", "carol", "monitor"]), opened=opened,
            updated=updated, resolved=updated if finished else None,
            closed=updated if status == "closed" else None, firings=rng.choice([1, 2, 5]),
            clocks=clocks))
    # some recurrences of earlier rows
    return [r._replace(recurrence_of=out[i - 1].id) if i % 17 == 5 else r
            for i, r in enumerate(out)]


def facts(rs: list[Row], local: frozenset[str] = frozenset()) -> list[kpi.Fact]:
    make = report.fact_maker(policy(), micros(NOW) or 0, local)
    by_id = {r.id: r for r in rs}
    return [make(r, owner_of(by_id[r.recurrence_of]) if r.recurrence_of in by_id else None)
            for r in rs]


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("group", [None, "billing-app"])
def test_Q1_a_trend_period_from_its_rows_is_its_figures(seed, group):
    pol = policy()
    period = report.month("2026-10", NOW.tzinfo)
    at = micros(NOW) or 0
    mine = report.cohort(rows(seed), period, group)
    assert mine
    for i, clock in enumerate([(True, at), (True, at - 1), (False, None), None]):
        mine[i] = mine[i]._replace(clocks=(clock, *mine[i].clocks[1:]))    # on the deadline
    expected = report._trend_point(report.figures(facts(mine), pol))
    assert report.trend_point(mine, pol, at) == expected
    # a part of them counted already (infra/facts.py tally) adds up to the same
    part, rest = mine[::2], mine[1::2]
    point = report.trend_point([], pol, at)
    assert point["tickets"]["total_incidents"] == [] and point["response_rate"] is None
    resolved: dict[str, int] = {}
    for f in facts(rest):
        if f.status in ("resolved", "closed") and f.resolved_group \
                and f.close_code != "out_of_scope":
            resolved[f.resolved_group] = resolved.get(f.resolved_group, 0) + 1
    in_time = sum(1 for f in facts(rest)
                  if "respond" in f.stopped and not f.breached["respond"])
    tally = Tally(sorted(r.id for r in rest), in_time, resolved)
    assert report.trend_point(part, pol, at, tally) == expected


def plain_table(fs: list[kpi.Fact], cfg: Any, groups: list[str]) -> dict[str, Any]:
    """kpi.table as the definitions read: every group's part filtered from a plain list."""
    out: dict[str, Any] = {}
    for kpi_id, (label, fn, per_group) in kpi.KPIS.items():
        if kpi_id in kpi.LOCAL and not cfg.local_desks:
            continue
        entry = {"name": label, **kpi.row(kpi_id, fn(list(fs), cfg, None), cfg)}
        if per_group:
            by_group = {g: kpi.row(kpi_id, fn(list(fs), cfg, g), cfg) for g in groups}
            entry["by_group"] = {g: r for g, r in by_group.items() if r["denominator"]}
            entry["groups_failing"] = sorted(g for g, r in entry["by_group"].items()
                                             if r["pass"] is False)
        out[kpi_id] = entry
    return out


@pytest.mark.parametrize("seed", range(8))
def test_Q1_Q4_Q6_the_kpi_table_over_a_cohort_is_the_table_of_its_definitions(seed):
    pol = policy()
    cfg = pol.kpi.model_copy(update={"local_desks": ["service-desk"]})
    fs = facts(rows(seed), local=frozenset({"alice"}))
    groups = [g for g in pol.teams.groups if any(f.owner == g for f in fs)]
    expected = plain_table(fs, cfg, groups)
    assert kpi.table(fs, cfg, groups) == expected
    assert kpi.table(kpi.Cohort(reversed(fs)), cfg, groups) == expected
    assert kpi._of(kpi.Cohort(fs), "billing-app") == sorted(
        (f for f in fs if f.owner == "billing-app"), key=lambda f: f.id)


def plain_compliance(fs: list[kpi.Fact], key: Any, keys: list[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k in keys:
        mine = [f for f in fs if key(f) == k]
        row = {}
        for phase in PHASES:
            started = [f for f in mine if phase in f.breached]
            met = [f for f in started if not f.breached[phase]]
            row[phase] = {"met": len(met), "total": len(started),
                          "rate": len(met) / len(started) if started else None,
                          "tickets": {"met": report.ids(met), "total": report.ids(started)}}
        out[str(k)] = row
    return out


@pytest.mark.parametrize("seed", range(8))
def test_Q1_sla_compliance_in_one_pass_is_compliance_key_by_key(seed):
    fs = facts(rows(seed))
    unhashable = fs[0]._replace(owner=["a", "list"])         # equals no group: left out
    for key, keys in ((lambda f: f.priority, ["P1", "P2", "P3", "P4"]),
                      (lambda f: f.owner, ["billing-app", "dba", "nobody"])):
        assert report.compliance([unhashable, *fs], key, keys) == \
            plain_compliance([unhashable, *fs], key, keys)


def plain_backlog(rs: list[Row], at: datetime) -> dict[str, list[str]]:
    at_us = micros(at) or 0
    out: dict[str, list[str]] = {label: [] for _, label in backlog_mod.AGE_BUCKETS}
    for r in rs:
        if backlog_mod.open_at(r, at_us):
            age = timedelta(microseconds=at_us - (r.opened or 0))
            label = next(label for limit, label in backlog_mod.AGE_BUCKETS
                         if limit is None or age < limit)
            out[label].append(r.id)
    return {k: sorted(v) for k, v in out.items()}


@pytest.mark.parametrize("seed", range(8))
def test_Q1_the_backlog_by_age_is_open_at_bucket_by_bucket(seed):
    rs = [r._replace(reopens=0) for r in rows(seed)]     # no history needed
    rs[0] = rs[0]._replace(opened=micros(NOW - timedelta(days=1)))      # on the limits
    rs[1] = rs[1]._replace(opened=micros(NOW - timedelta(days=30)))
    for at in (NOW, NOW - timedelta(days=12, hours=5)):
        got = backlog_mod.backlog(rs, policy(), at)
        assert {b["age"]: b["tickets"]["count"] for b in got["buckets"]} == \
            plain_backlog(rs, at)


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Asia/Kathmandu", "Australia/Lord_Howe",
                                  "America/Santiago", "Asia/Beirut", "America/St_Johns",
                                  "Europe/Dublin", "UTC"])
@pytest.mark.parametrize("year", [1901, 1995, 2026])
def test_Q1_the_date_of_an_instant_read_once_per_hour_is_its_date(zone, year):
    """Across offsets off the hour, clock changes at or across midnight, and the old
    local mean times of 1901 (Shanghai +08:05:43): every instant gets its own date."""
    tz = ZoneInfo(zone)
    rng = random.Random(f"{zone}{year}")
    start = micros(datetime(year, 1, 1, tzinfo=timezone.utc)) or 0
    day_of = report._Days(tz)
    instants = [start + rng.randrange(366 * DAY) for _ in range(3000)]
    hours = [start + h * 3_600_000_000 + d for h in range(0, 366 * 24, 7)
             for d in (-1, 0, 1)]
    for at in instants + hours:
        assert day_of(at) == instant(at, tz).date(), instant(at, tz)


def test_Q1_volume_counts_each_day_of_the_period_in_the_desk_zone():
    tz = ZoneInfo("Asia/Kathmandu")          # +05:45: midnight is not on a UTC hour
    period = report.days(date(2026, 11, 1), date(2026, 11, 2), tz)
    midnight = micros(datetime(2026, 11, 2, tzinfo=tz)) or 0
    base = rows(1, 3)
    at: list[Optional[int]] = [midnight - 1, midnight, midnight + 1]
    rs = [r._replace(opened=a, resolved=None) for r, a in zip(base, at)]
    got = report.volume(rs, period, tz)
    assert [(v["date"], v["tickets"]["opened"]) for v in got] == [
        ("2026-11-01", [rs[0].id]), ("2026-11-02", sorted([rs[1].id, rs[2].id]))]
