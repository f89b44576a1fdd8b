"""What happens to each ticket of the benchmark desk: when it arrives, what kind it is,
and its story, a generator that yields (delay, step) and is resumed with the step's
result. Steps call the simulator (bench/desksim.py), which carries them out through
itsmctl's core; a step the rules refuse is counted (and should not happen)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any, Callable, Generator, Optional

from bench import corpus, monitoring
from bench import generate as itsm
from bench.steps import (
    IMPACTS,
    ZERO,
    Budget,
    Fate,
    Step,
    Story,
    accept,
    act,
    by_group,
    causation,
    classify,
    dispatch,
    in_time,
    intake_argv,
    later,
    member,
    note,
    office,
    person,
    resolve,
    user_intake,
)


def incident(sim: Any, rng: random.Random, fate: Fate) -> Story:
    kind = {"request": "service_request", "complaint": "complaint"}.get(fate.kind, "incident")
    p = person(sim, rng)
    if kind == "service_request":
        triple = ("office", "desktop", rng.choice(["login-failed", "unavailable"]))
    else:
        triple = rng.choice(sim.triples)
    w = corpus.Words(rng, triple[0], p.english)
    pairs = {"service_request": corpus.REQUESTS, "complaint": corpus.COMPLAINTS}.get(
        kind, corpus.TITLES[triple[2]])
    title, desc = w.title_and_description(pairs, p.name)
    i = user_intake(sim, rng, kind, p, triple, title, desc)
    desk = rng.choice(sim.desk)
    tid = yield ZERO, lambda now: sim.open(now, desk, i, rng, intake_argv(i))
    if tid is None:
        return
    if fate.kind == "duplicate":
        master = _open_twin(sim, tid)
        if master is not None:
            yield later(sim, rng, 2, 30), _link_twin(sim, desk, tid, master)
            return
    first_line = not fate.stop and rng.random() < (0.55 if kind == "service_request" else 0.12)
    yield from handle(sim, rng, fate, tid, w, first_line)


def recurrence(sim: Any, rng: random.Random, fate: Fate) -> Story:
    base = _recent(sim, rng, lambda t: t.source in ("phone", "email", "web") and
                   t.type == "incident" and t.close_code == "solved" and not t.master)
    if base is None:
        yield from incident(sim, rng, Fate("incident", fate.stop))
        return
    desk = rng.choice(sim.desk)
    i = itsm.Intake(recurrence_of=base.id, description="")
    argv = ["open", "--recurrence-of", base.id]
    tid = yield ZERO, lambda now: sim.open(now, desk, i, rng, argv)
    if tid is None:
        return
    w = corpus.Words(rng, base.classification.category or "billing", rng.random() < 0.3)
    yield from handle(sim, rng, fate, tid, w, False)


def staff(sim: Any, rng: random.Random, fate: Fate) -> Story:
    opener = rng.choice(sim.members(rng.choice(sim.lines)))
    triple = rng.choice(sim.triples)
    w = corpus.Words(rng, triple[0], rng.random() < 0.3)
    title, desc = w.title_and_description(corpus.TITLES[triple[2]], opener)
    i = itsm.Intake(title=title, description=desc, source="staff", category=triple[0],
                    subtype=triple[1], symptom=triple[2],
                    impact=rng.choices(*zip(*IMPACTS))[0])
    tid = yield ZERO, lambda now: sim.open(now, opener, i, rng, intake_argv(i))
    if tid is not None:
        yield from handle(sim, rng, fate, tid, w, False)


def consultation(sim: Any, rng: random.Random, fate: Fate) -> Story:
    p = person(sim, rng)
    triple = rng.choice(sim.triples) if rng.random() < 0.5 else None
    w = corpus.Words(rng, triple[0] if triple else "office", p.english)
    title, desc = w.title_and_description(corpus.CONSULTATIONS, p.name)
    i = user_intake(sim, rng, "consultation", p, triple, title, desc)
    i.impact, i.affected_users = "4", None
    desk = rng.choice(sim.desk)
    tid = yield ZERO, lambda now: sim.open(now, desk, i, rng, intake_argv(i))
    if tid is None:
        return
    answer = w.pick(corpus.SOLUTIONS[None])
    yield in_time(sim, rng, tid, "respond"), act(sim, tid, desk, "resolve",
                                     lambda t, c: itsm.workflow.resolve(t, c, answer),
                                     ["resolve", tid, "--solution", answer])


def out_of_scope(sim: Any, rng: random.Random, fate: Fate) -> Story:
    p = person(sim, rng)
    w = corpus.Words(rng, "office", p.english)
    title, desc = w.title_and_description(corpus.OUT_OF_SCOPE, p.name)
    i = user_intake(sim, rng, "incident", p, None, title, desc)
    i.out_of_scope = True
    desk = rng.choice(sim.desk)
    yield ZERO, lambda now: sim.open(now, desk, i, rng, intake_argv(i))


def handle(sim: Any, rng: random.Random, fate: Fate, tid: str, w: corpus.Words,
           first_line: bool) -> Story:
    """A user or staff ticket from classification to return visit."""
    desk = rng.choice(sim.desk)
    if rng.random() < 0.015:
        yield from _relate(sim, rng, tid, desk)
    t = sim.get(tid)
    if not t.classification.symptom:
        yield later(sim, rng, 1, 8), classify(sim, rng, tid, desk, w)
    if rng.random() < 0.04:
        impact = rng.choice([x for x in ("1", "2", "3", "4") if x != str(t.impact)])
        reason = w.pick(corpus.CLASSIFY)
        yield later(sim, rng, 3, 60), act(
            sim, tid, desk, "classify", lambda t, c: itsm.workflow.classify(
                t, c, reason, impact=impact), ["classify", tid, "--impact", impact,
                                               "--reason", reason])
    if fate.stop == "new":
        if rng.random() < 0.5:
            yield later(sim, rng, 5, 600), note(sim, rng, tid, w, desk)
        return
    if first_line:
        solution = w.pick(corpus.SOLUTIONS[None])
        yield in_time(sim, rng, tid, "respond"), act(sim, tid, desk, "resolve",
                                         lambda t, c: itsm.workflow.resolve(t, c, solution),
                                         ["resolve", tid, "--solution", solution])
        yield from closing(sim, rng, tid, w)
        return
    yield from dispatch(sim, rng, tid, desk, w)
    if fate.stop == "assigned":
        return
    yield in_time(sim, rng, tid, "accept", lo=2), accept(sim, rng, tid)
    budget = Budget.restore(sim, rng, tid)
    yield from work(sim, rng, fate, tid, w, desk, budget)
    if fate.stop:
        return
    problem = sim.get(tid).links.problem
    workaround = bool(problem) and rng.random() < 0.5
    yield budget.rest(sim, rng), resolve(sim, rng, tid, w, workaround)
    if rng.random() < 0.04:
        reason = w.pick(corpus.REOPEN)
        yield later(sim, rng, 60, 2880), act(
            sim, tid, desk, "reopen", lambda t, c: itsm.workflow.reopen(t, c, reason),
            ["reopen", tid, "--reason", reason])
        yield in_time(sim, rng, tid, "accept", lo=2), accept(sim, rng, tid)
        again = Budget.restore(sim, rng, tid)
        yield again.part(sim, rng, 0.1, 0.4), resolve(sim, rng, tid, w, workaround)
    yield from closing(sim, rng, tid, w, workaround)


def work(sim: Any, rng: random.Random, fate: Fate, tid: str, w: corpus.Words,
         desk: str, budget: Budget) -> Story:
    """In progress: notes, announcements, escalations, transfers, tasks, problems, waits."""
    if rng.random() < 0.3:
        yield budget.part(sim, rng), note(sim, rng, tid, w)
    t = sim.get(tid)
    if str(t.impact) in ("1", "2") and rng.random() < 0.4:
        kind = rng.choice(["outage", "maintenance", "info"])
        title, body = w.pick([a[:2] for a in corpus.ANNOUNCE]), \
            w.pick([a[2:] for a in corpus.ANNOUNCE])
        yield later(sim, rng, 5, 40), act(
            sim, tid, desk, "announce", lambda t, c: itsm.tasks.announce(t, c, kind, title, body),
            ["announce", tid, "--kind", kind, "--title", title, "--body", body])
    if rng.random() < 0.02:
        who, reason = rng.choice([desk, "mike", "leo"]), w.pick(corpus.ESCALATE)
        yield budget.part(sim, rng), act(
            sim, tid, who, "escalate", lambda t, c: itsm.workflow.escalate(t, c, reason),
            ["escalate", tid, "--reason", reason])
    if rng.random() < 0.04:
        yield budget.part(sim, rng), _transfer(sim, rng, tid)
        yield in_time(sim, rng, tid, "accept", lo=2), accept(sim, rng, tid)
    if rng.random() < 0.03:
        group = rng.choice(sim.lines)
        title = w.pick(corpus.TASKS)
        yield budget.part(sim, rng), by_group(
            sim, rng, tid, "task-add", lambda t, c: itsm.tasks.add_task(t, c, title, group),
            ["task", "add", tid, "--title", title, "--group", group])
        result = w.pick(corpus.TASK_RESULTS)
        yield budget.part(sim, rng, 0.2, 0.6), lambda now: sim.act(
            now, tid, rng.choice(sim.members(group)), "task-done",
            lambda t, c: itsm.tasks.finish_task(t, c, "T1", result),
            ["task", "done", tid, "T1", "--result", result])
    if rng.random() < 0.06:
        prb = f"PRB-{rng.randrange(1, 1200):04d}"
        yield budget.part(sim, rng), by_group(
            sim, rng, tid, "link-problem", lambda t, c: itsm.workflow.link_problem(t, c, prb),
            ["link", tid, "--problem", prb])
    if fate.stop == "in_progress":
        return
    if fate.stop == "waiting" or rng.random() < 0.15:
        paused = yield from waiting(sim, rng, fate, tid, w, desk, budget)
        if fate.stop:
            return
        budget.end += paused                       # the restore clock stood still
    if rng.random() < 0.2:
        yield budget.part(sim, rng), note(sim, rng, tid, w)


def waiting(sim: Any, rng: random.Random, fate: Fate, tid: str, w: corpus.Words,
            desk: str, budget: Budget) -> Generator[Step, Any, timedelta]:
    """L7 (and T2's change): park the ticket; the sweep or a person resumes it."""
    code = rng.choices(["user-info", "vendor", "scheduled", "change", "requirement"],
                       [40, 25, 18, 12, 5])[0]
    if fate.stop and code == "scheduled":
        code = "vendor"
    until = None
    if code == "change":
        chg = f"CHG-{rng.randrange(1, 9999):04d}"
        step = by_group(sim, rng, tid, "link-change",
                        lambda t, c: itsm.workflow.link_change(t, c, chg),
                        ["link", tid, "--change", chg])
    else:
        if not fate.stop and (code == "scheduled" or code == "user-info" and rng.random() < .5):
            until = office(sim, sim.now + later(sim, rng, 120, 4320), rng).replace(
                second=0, microsecond=0)
        argv = ["wait", tid, "--code", code] + (["--until", until.isoformat()] if until else [])

        def step(now: datetime) -> Any:
            if until is not None and until <= now:
                return None           # the moment passed (a night in between): skip it
            who = desk if rng.random() < 0.3 else member(sim, rng, tid)
            return sim.act(now, tid, who, "wait", lambda t, c: itsm.workflow.wait(
                t, c, code, until), argv)
    yield budget.part(sim, rng), step
    since = sim.now
    if fate.stop:
        return ZERO
    if until is not None:
        yield until - sim.now + later(sim, rng, 5, 240, hours=True), lambda now: None
        return sim.now - since
    long = {"vendor": (1440, 20160), "change": (1440, 10080), "requirement": (2880, 30000)}
    lo, hi = long.get(code, (30, 4320))
    who = desk if rng.random() < 0.3 else None
    yield later(sim, rng, lo, hi, hours=True), lambda now: sim.act(
        now, tid, who or member(sim, rng, tid), "resume", itsm.workflow.resume,
        ["resume", tid])
    return sim.now - since


def _transfer(sim: Any, rng: random.Random, tid: str) -> Callable[[datetime], Any]:
    def run(now: datetime) -> Any:
        t = sim.get(tid)
        group = rng.choice([g for g in sim.lines if g != t.group])
        cause = causation(sim, rng, t)
        return sim.act(now, tid, member(sim, rng, tid), "assign",
                       lambda t, c: itsm.workflow.assign(t, c, group, None, cause),
                       ["assign", tid, "--group", group, "--causation", cause])
    return run


def closing(sim: Any, rng: random.Random, tid: str, w: corpus.Words,
            workaround: bool = False) -> Story:
    """L10 by the side that opened it, or L11 by the sweep; then the return visit (V1)."""
    if rng.random() < 0.06:
        return                                   # nobody confirms: sweep auto-closes
    t = sim.get(tid)
    user = t.source in ("phone", "email", "web", "transfer")
    code = "solved"
    if t.links.problem and (workaround or rng.random() < 0.3):
        code = "workaround" if workaround or rng.random() < 0.7 else "failed"
    # 5.1.12-1: the desk closes a user's ticket, the opener a staff ticket
    closer = rng.choice(sim.desk) if user else t.opened_by
    score = rng.choices([5, 4, 3, 2, 1], [50, 30, 12, 5, 3])[0] if user and \
        rng.random() < 0.7 else None
    argv = ["close", tid, "--code", code] + (["--satisfaction", str(score)] if score else [])
    yield in_time(sim, rng, tid, "close", lo=10), act(
        sim, tid, closer, "close", lambda t, c: itsm.workflow.close(t, c, code, score), argv)
    t = sim.get(tid)
    if t.status != "closed" or not itsm.visit.applies(t, sim.policy) or rng.random() > 0.65:
        return
    result = w.pick(corpus.VISITS)
    again = rng.choice([4, 5]) if rng.random() < 0.3 else None
    desk = rng.choice(sim.desk)
    yield later(sim, rng, 120, 5760, hours=True), act(
        sim, tid, desk, "visit", lambda t, c: itsm.visit.record(t, c, result, again),
        ["visit", tid, "--result", result] + (["--satisfaction", str(again)] if again else []))


def _relate(sim: Any, rng: random.Random, tid: str, desk: str) -> Story:
    other = _recent(sim, rng, lambda t: t.id != tid and tid not in t.related)
    if other is not None:
        yield later(sim, rng, 1, 60), lambda now: sim.pair(
            now, desk, "link-related", tid, other.id, itsm.relations.link_related,
            ["link", tid, "--related", other.id])


def _recent(sim: Any, rng: random.Random, ok: Callable[[Any], bool]) -> Any:
    """A recently finished ticket that fits, or None."""
    ids = list(sim.recent)[-300:]
    for _ in range(8):
        if not ids:
            return None
        t = sim.tickets.get(rng.choice(ids))
        if t is not None and ok(t):
            return t
    return None


def _link_twin(sim: Any, desk: str, tid: str, master: str) -> Callable[[datetime], Any]:
    """M1, unless the master was closed or linked meanwhile (the desk sees it and
    leaves the duplicate to be worked on its own)."""
    def run(now: datetime) -> Any:
        m = sim.tickets.get(master)
        if m is None or m.master or m.status == "closed":
            return None
        return sim.pair(now, desk, "link-master", tid, master, itsm.relations.link_master,
                        ["link-master", tid, "--master", master])
    return run


def _open_twin(sim: Any, tid: str) -> Optional[str]:
    """An open user ticket of the same classification, from the last day (M1 candidates)."""
    me = sim.get(tid)
    for other in reversed(sim.recent_user):
        t = sim.tickets.get(other)
        if t is None or t.id == tid or t.master or t.source not in ("phone", "email", "web"):
            continue
        if t.status in ("new", "assigned", "in_progress") and \
                t.classification.category == me.classification.category and \
                t.classification.subtype == me.classification.subtype and \
                me.opened_at - t.opened_at < timedelta(days=1):
            return str(t.id)
    return None


STORIES: dict[str, Callable[[Any, random.Random, Fate], Story]] = {
    "incident": incident, "request": incident, "complaint": incident, "duplicate": incident,
    "consultation": consultation, "out_of_scope": out_of_scope, "staff": staff,
    "monitor": monitoring.monitor, "storm": monitoring.monitor,
    "monitor_script": monitoring.monitor_script, "recurrence": recurrence,
}
