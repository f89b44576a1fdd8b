"""Monitoring tickets of the benchmark desk: Alertmanager payloads (H1) with storms of
duplicates (M1), other monitors' scripts (H2), and the hook carried out as
itsmctl/app/hooks.py does it."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any, Callable

from bench import corpus
from bench import generate as itsm
from bench.desksim import Tx
from bench.steps import (
    ZERO,
    Fate,
    Story,
    accept,
    act,
    classify,
    dispatch,
    in_time,
    intake_argv,
    later,
    note,
    resolve,
)

INSTANCES = 400             # instances of each host name: alerts of one label set are rare


def _alert_docs(rng: random.Random, alert: tuple, cluster: str, hosts: list[str],
                at: datetime) -> list[dict[str, Any]]:
    out = []
    for host in hosts:
        labels, notes = corpus.alert_labels(rng, alert, cluster, host)
        starts = at - timedelta(seconds=rng.randrange(30, 300))
        out.append({"status": "firing", "labels": labels, "annotations": notes,
                    "startsAt": starts.isoformat(), "fingerprint": itsm.alerts.fingerprint(labels),
                    "generatorURL": "http://prometheus.example.com/graph?g0.expr="
                                    f"{labels['alertname']}"})
    return out


def _hook(sim: Any, docs: list[dict[str, Any]], rng: random.Random
          ) -> Callable[[datetime], Any]:
    return lambda now: hook(sim, now, docs, rng)


def _cleared(sim: Any, docs: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """Alertmanager's resolved notice for these alerts: for the firing a ticket holds
    (another alert of the same labels may have fired again onto it since)."""
    out = []
    for d in docs:
        start = d["startsAt"]
        for tid in sim.by_fp.get(d["fingerprint"], ()):
            t = sim.tickets.get(tid)
            if t is not None and t.status != "closed" and t.alert and \
                    t.alert.status == "firing" and t.alert.started_at:
                start = t.alert.started_at.isoformat()
        out.append({**d, "status": "resolved", "startsAt": start, "endsAt": now.isoformat()})
    return out


def monitor(sim: Any, rng: random.Random, fate: Fate) -> Story:
    """H1: Alertmanager opens it; a storm opens its duplicates as slaves (M1)."""
    alert = rng.choice(corpus.ALERTS)
    cluster = rng.choice(corpus.CLUSTERS)
    hosts = [f"{h}-{rng.randrange(INSTANCES):03d}" for h in rng.sample(corpus.HOSTS, fate.size)]
    docs: list[dict[str, Any]] = []
    batches = [hosts[:rng.randint(1, min(3, len(hosts)))]] if fate.size > 1 else [hosts]
    while sum(map(len, batches)) < len(hosts):
        done = sum(map(len, batches))
        batches.append(hosts[done:done + rng.randint(1, 3)])
    tid = None
    for k, batch in enumerate(batches):
        delay = ZERO if k == 0 else later(sim, rng, 1, 6)
        new = _alert_docs(rng, alert, cluster, batch, sim.now + delay)
        docs += new
        opened = yield delay, _hook(sim, new, rng)
        if k == 0:
            if not opened:
                return
            tid = opened[0]
    if tid is None:
        return

    def clear(now: datetime) -> Any:
        return hook(sim, now, _cleared(sim, docs, now), rng)

    if sim.get(tid).master:     # joined another story's storm (H1): follows its master
        yield later(sim, rng, 5, 120), clear      # (M2) until its own alert clears too
        return
    w = corpus.Words(rng, alert[1], rng.random() < 0.4)
    desk = rng.choice(sim.desk)

    if not fate.stop and rng.random() < 0.35:
        yield later(sim, rng, 2, 30), clear       # gone before anyone looked: H1 resolves
        yield from close_monitoring(sim, rng, tid)
        return
    triple = alert[1:4]
    yield later(sim, rng, 1, 8), classify(sim, rng, tid, desk, w, triple)
    if fate.stop == "new":
        return
    yield from dispatch(sim, rng, tid, desk, w)
    if fate.stop == "assigned":
        return
    yield in_time(sim, rng, tid, "accept", lo=2), accept(sim, rng, tid)
    if rng.random() < 0.1:
        again = [{**docs[0], "startsAt": (sim.now + timedelta(minutes=1)).isoformat()}]
        docs[0] = again[0]
        yield later(sim, rng, 10, 300), lambda now: hook(sim, now, again, rng)
    if rng.random() < 0.2:
        yield later(sim, rng, 10, 300), note(sim, rng, tid, w)
    if fate.stop:
        return
    if rng.random() < 0.65:
        yield in_time(sim, rng, tid, "restore", lo=10), clear
    else:
        yield in_time(sim, rng, tid, "restore", lo=20), resolve(sim, rng, tid, w, False)
        yield later(sim, rng, 1, 120), clear
    yield from close_monitoring(sim, rng, tid)


def close_monitoring(sim: Any, rng: random.Random, tid: str) -> Story:
    """L10 once the ticket is resolved: H1 resolves it when every alert of its storm has
    cleared, which may take a while; the desk looks again now and then."""
    for _ in range(8):
        if sim.get(tid).status == "resolved":
            break
        yield later(sim, rng, 30, 180), lambda now: None
    else:
        return                                   # still firing somewhere: stays open
    if rng.random() < 0.08:
        return                                   # left to the sweep's auto-close
    desk = rng.choice(sim.desk)
    yield in_time(sim, rng, tid, "close", lo=10), act(
        sim, tid, desk, "close", lambda t, c: itsm.workflow.close(t, c, "solved"),
        ["close", tid, "--code", "solved"])


def monitor_script(sim: Any, rng: random.Random, fate: Fate) -> Story:
    """H2: another monitor's script runs `open --source monitoring --alert-…`."""
    alert = rng.choice(corpus.ALERTS)
    labels, notes = corpus.alert_labels(rng, alert)
    severity = rng.choices(["disaster", "high", "average", "warning", "information"],
                           [1, 2, 3, 6, 3])[0]
    host = labels["instance"].split(":")[0]
    i = itsm.Intake(title=f"{alert[0]} on {host}: {notes['summary']}", source="monitoring",
                    alert={"id": f"zbx-{rng.randrange(10**7)}", "severity": severity,
                           "message": notes["summary"]})
    actor = sim.policy.monitoring.actor
    tid = yield ZERO, lambda now: sim.open(now, actor, i, rng, intake_argv(i))
    if tid is None:
        return
    w = corpus.Words(rng, alert[1], rng.random() < 0.4)
    desk = rng.choice(sim.desk)
    yield later(sim, rng, 1, 8), classify(sim, rng, tid, desk, w, alert[1:4])
    if fate.stop == "new":
        return
    yield from dispatch(sim, rng, tid, desk, w)
    if fate.stop == "assigned":
        return
    yield in_time(sim, rng, tid, "accept", lo=2), accept(sim, rng, tid)
    if fate.stop:
        return
    yield in_time(sim, rng, tid, "restore", lo=20), resolve(sim, rng, tid, w, False)
    yield from close_monitoring(sim, rng, tid)


# ---- the hook, as itsmctl/app/hooks.py receive() carries out a payload --------------
class Known:
    """app/hooks.py AlertTickets: tickets by fingerprint and storm group (the simulator's
    index of the tickets it holds; the closed ones it let go decide nothing)."""

    def __init__(self, sim: Any, tx: Tx) -> None:
        self.sim, self.tx = sim, tx

    def holding(self, fp: str) -> list[Any]:
        found = [self.tx.load(t) for t in self.sim.by_fp.get(fp, []) if t in self.sim.tickets]
        return sorted(found, key=lambda t: t.opened_at)

    def storm(self, group: Any) -> list[Any]:
        return [self.tx.load(t) for t in sorted(self.sim.by_group.get(group or "", []))
                if t in self.sim.tickets]


def hook(sim: Any, now: datetime, alerts: list[dict[str, Any]], rng: random.Random) -> list[str]:
    """app/hooks.py receive(): one Alertmanager payload, one commit; the ids opened."""
    policy, actor = sim.policy, sim.policy.monitoring.actor
    incs = [itsm.alerts.incoming(itsm.alerts.AlertIn.from_doc(a), "alertmanager",
                                 policy.monitoring) for a in alerts]
    ctx, tx = itsm.Ctx(policy, actor, now), Tx(sim, now)
    known = Known(sim, tx)
    before = {tid: tx.load(tid).status for i in incs for tid in sim.by_fp.get(i.fingerprint, [])
              if tid in sim.tickets}
    out: dict[str, list[str]] = {"opened": [], "fired again": [], "reopened": [],
                                 "cleared": [], "resolved": [], "unchanged": []}
    for inc in incs:
        if inc.status == "firing":
            _firing(sim, tx, ctx, known, inc, rng, out)
        else:
            _clearing(sim, tx, ctx, known, inc, out)
    if not tx.changed:
        return []
    note = "; ".join(f"{k} {t}" for k, ids in out.items() for t in ids)
    main = next(iter(tx.changed))
    sim.commit(tx, itsm.commit_message("hook-alertmanager", list(tx.changed.values()),
                                        actor, note, before=before.get(main)),
               actor, ["hook", "alertmanager"])
    for tid in out["opened"]:
        sim.own(tid)
    sim.stats["hook-alertmanager"] += 1
    sim.stats["alerts"] += len(incs)
    if out["reopened"]:
        sim.stats["alert reopened"] += len(out["reopened"])
    return out["opened"]


def _firing(sim: Any, tx: Tx, ctx: Any, known: Known, inc: Any, rng: random.Random,
            out: dict[str, list[str]]) -> None:
    conf = sim.policy.monitoring
    decision = itsm.alerts.decide_firing(inc, known.holding(inc.fingerprint),
                                         known.storm(inc.group), conf.storm.window,
                                         conf.on_refire)
    if decision.kind == "unchanged":
        out["unchanged"].append(inc.fingerprint)
        return
    if decision.kind == "fire":
        tx.save(itsm.alerts.record_firing(tx.load(str(decision.ticket)), inc, ctx))
        out["fired again"].append(str(decision.ticket))
        return
    if decision.kind == "reopen":
        holder = tx.load(str(decision.ticket))
        target = tx.load(decision.master) if decision.master else holder
        reopened = tx.save(itsm.alerts.reopen_firing(target, inc, ctx,
                                                     holder=decision.master is None))
        itsm.mirror_slaves(tx, target, reopened, ctx)
        out["reopened"].append(reopened.id)
        if decision.master is not None:
            tx.save(itsm.alerts.record_firing(tx.load(holder.id), inc, ctx))
        return
    intake = itsm.Intake(title=inc.title, description=inc.description, source="monitoring",
                         alert={"id": inc.alert_id, "severity": inc.severity,
                                "message": inc.message, "fingerprint": inc.fingerprint})
    itsm.apply_severity(sim.app, intake)
    ticket = tx.save(itsm.open_ticket(intake, ctx, sim.new_id(ctx.now, rng)))
    ticket = tx.save(ticket.evolve(alert=itsm.alerts.alert_record(inc, ctx.actor).model_dump()))
    sim.index_alert(ticket)
    out["opened"].append(ticket.id)
    if decision.related is not None:
        old, ticket = itsm.alerts.link_firing(tx.load(decision.related), ticket, inc, ctx)
        tx.save(old)
        ticket = tx.save(ticket)
    if decision.master is not None:
        slave, master = itsm.relations.link_master(ticket, tx.load(decision.master), ctx)
        tx.save(slave)
        tx.save(master)


def _clearing(sim: Any, tx: Tx, ctx: Any, known: Known, inc: Any,
              out: dict[str, list[str]]) -> None:
    decision = itsm.alerts.decide_clearing(inc, known.holding(inc.fingerprint))
    if decision.kind == "unchanged":
        out["unchanged"].append(inc.fingerprint)
        return
    target = tx.save(itsm.alerts.record_clearing(tx.load(str(decision.ticket)), inc, ctx))
    out["cleared"].append(target.id)
    if sim.policy.monitoring.on_clear == "record":
        return
    master = tx.load(target.master or target.id)
    if not itsm.alerts.group_cleared(master, [tx.load(s) for s in master.slaves]):
        return
    done = itsm.alerts.resolve_cleared(master, ctx)
    if done is None:
        return
    itsm.mirror_slaves(tx, master, tx.save(done), ctx)
    if sim.policy.monitoring.on_clear == "close":
        before = tx.load(master.id)
        itsm.mirror_slaves(tx, before, tx.save(itsm.workflow.close(
            before, ctx, "solved", check_actor=False,
            note="monitoring ticket: closed without user confirmation (L10)")), ctx)
    out["resolved"].append(master.id)
