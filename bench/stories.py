"""What happens to each ticket of the benchmark desk: one generator per ticket that
yields (delay, step) and is resumed with the step's result. Steps call the simulator
(bench/desksim.py), which carries them out through itsmctl's core; a step the rules
refuse is counted (and should not happen)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Callable, Iterator, Optional

from bench import corpus
from bench import generate as itsm

ZERO = timedelta(0)
Step = tuple[timedelta, Callable[[datetime], Any]]
# kind, share of arrivals; a storm arrival opens 3-9 tickets
KINDS = [("incident", 50), ("request", 8), ("consultation", 5), ("complaint", 1),
         ("out_of_scope", 1), ("staff", 5), ("monitor", 16), ("monitor_script", 4),
         ("storm", 1), ("recurrence", 1), ("duplicate", 2)]
USER_SOURCES = [("phone", 45), ("email", 25), ("web", 22), ("transfer", 8)]
IMPACTS = [("4", 60), ("3", 27), ("2", 10), ("1", 3)]
HOURS = [.2, .1, .1, .1, .1, .2, .3, .8, 3, 8, 9, 7, 3, 4, 8, 8, 7, 5, 2, 1, 1, .6, .4, .3]
BACKLOG_SHARE = 0.098        # left open at the end on purpose; recent ones open anyway
BACKLOG_DAYS = 240           # how fast the backlog thins out with age
MONITOR_KINDS = ("monitor", "monitor_script", "storm")


@dataclass(frozen=True)
class Fate:
    kind: str
    stop: Optional[str] = None           # state a backlog ticket is left in
    size: int = 1                        # tickets a storm opens


def arrivals(sim: Any, n: int) -> list[tuple[datetime, Callable[[], Iterator[Step]]]]:
    """N tickets' arrival times and stories, spread over the desk's months."""
    rng = random.Random(sim.seed)
    sim.people = corpus.people(rng, max(50, min(900, n // 40)))
    sim.triples = _triples(sim.policy)
    events: list[tuple[str, int]] = []
    names, weights = [k for k, _ in KINDS], [w for _, w in KINDS]
    total = 0
    while total < n:
        kind = rng.choices(names, weights)[0]
        size = min(rng.randint(3, 9), n - total) if kind == "storm" else 1
        events.append((kind if size > 1 or kind != "storm" else "monitor", size))
        total += size
    days = (sim.end - sim.start).days
    growth = [1 + 0.6 * d / days for d in range(days)]
    first = sim.start.date()
    user_w = [g * (0.3 if (first + timedelta(d)).weekday() >= 5 else 1.0)
              for d, g in enumerate(growth)]
    times = []
    for kind, _ in events:
        monitor = kind in MONITOR_KINDS
        day = rng.choices(range(days), growth if monitor else user_w)[0]
        hour = rng.randrange(24) if monitor else rng.choices(range(24), HOURS)[0]
        when = datetime.combine(first + timedelta(day), time(hour), sim.tz) + \
            timedelta(seconds=rng.randrange(3600))
        times.append(min(when, sim.end - timedelta(seconds=rng.randrange(1, 3600))))
    order = sorted(range(len(events)), key=lambda i: times[i])
    open_kinds = {"incident", "request", "complaint", "staff", "monitor", "monitor_script",
                  "recurrence"}
    weight = [math.exp(-(sim.end - times[i]).days / BACKLOG_DAYS) if events[i][0] in open_kinds
              else 0.0 for i in range(len(events))]
    scale = min(0.95, BACKLOG_SHARE * n / max(sum(weight), 1e-9))
    out = []
    for i in order:
        kind, size = events[i]
        stop = None
        if rng.random() < scale * weight[i]:
            states = ["new", "assigned", "in_progress"] if kind.startswith("monitor") else \
                ["new", "assigned", "in_progress", "waiting"]
            stop = rng.choices(states, [12, 18, 35, 35][:len(states)])[0]
        fate = Fate(kind, stop, size)
        base = sim.seed * 1_000_003 + i
        out.append((times[i], _maker(sim, base, fate)))
    return out


def _maker(sim: Any, base: int, fate: Fate) -> Callable[[], Iterator[Step]]:
    return lambda: STORIES[fate.kind](sim, random.Random(base), fate)


def _triples(policy: Any) -> list[tuple[str, str, str]]:
    """Every (category, subtype, symptom) of categories.yaml."""
    return [(c, s, y) for c, cat in policy.categories.categories.items()
            for s, sub in cat.subtypes.items() for y in sub.symptoms]


# ---- time ----------------------------------------------------------------------------
def office(sim: Any, when: datetime, rng: random.Random) -> datetime:
    """Support staff mostly act in working hours: a night or weekend step waits for
    the next morning (some are done at once: on call, overtime)."""
    local = when.astimezone(sim.tz)
    if local.weekday() < 5 and time(8, 30) <= local.time() < time(18) or rng.random() < 0.2:
        return when
    day = local.date() if local.time() < time(8, 30) else local.date() + timedelta(1)
    while day.weekday() >= 5:
        day += timedelta(1)
    return datetime.combine(day, time(8, 30), sim.tz) + timedelta(seconds=rng.randrange(7200))


def later(sim: Any, rng: random.Random, lo: float, hi: float, hours: bool = False) -> timedelta:
    """A delay of lo..hi minutes (log-uniform), kept to working hours when `hours`."""
    delay = timedelta(seconds=int(60 * lo * (hi / lo) ** rng.random()) + rng.randrange(60))
    if hours:
        delay = office(sim, sim.now + delay, rng) - sim.now
    return delay


# ---- steps ---------------------------------------------------------------------------
def act(sim: Any, tid: str, actor: str, action: str, decide: Any, argv: list[str],
        note: Optional[str] = None) -> Callable[[datetime], Any]:
    return lambda now: sim.act(now, tid, actor, action, decide, argv, note)


def member(sim: Any, rng: random.Random, tid: str) -> str:
    """The ticket's assignee if any, else someone of its group."""
    t = sim.get(tid)
    people = sim.members(t.group)
    return t.assignee if t.assignee in people else rng.choice(people)


def by_group(sim: Any, rng: random.Random, tid: str, action: str, decide: Any,
             argv: list[str]) -> Callable[[datetime], Any]:
    """A step done by the assignee (or a member of the ticket's group at that time)."""
    return lambda now: sim.act(now, tid, member(sim, rng, tid), action, decide, argv)


def note(sim: Any, rng: random.Random, tid: str, w: corpus.Words,
         desk: Optional[str] = None) -> Callable[[datetime], Any]:
    text = w.pick(corpus.NOTES)

    def run(now: datetime) -> Any:
        t = sim.get(tid)
        who = desk or (member(sim, rng, tid) if t.group else rng.choice(sim.desk))
        return sim.act(now, tid, who, "note", lambda t, c: itsm.workflow.note(t, c, text),
                       ["note", tid, "--text", text])
    return run


def intake_argv(i: Any, recurrence: Optional[str] = None) -> list[str]:
    """The `open` command line that gives this intake (for the Itsmctl-Command trailer)."""
    out = ["open"] + (["--title", i.title] if i.title else [])
    out += ["--description", i.description] if i.description else []
    out += ["--type", i.type] if i.type != "incident" else []
    out += ["--source", i.source] if i.source else []
    for key, value in i.reporter.items():
        if value and key != "location":
            out += [f"--reporter-{'dept' if key == 'department' else key}", value]
    for key in ("category", "subtype", "symptom", "impact", "urgency", "location"):
        if getattr(i, key):
            out += [f"--{key}", str(getattr(i, key))]
    out += ["--affected-users", str(i.affected_users)] if i.affected_users is not None else []
    for ci in i.cis:
        out += ["--ci", ci]
    out += ["--caused-by-change", i.caused_by_change] if i.caused_by_change else []
    for key in ("id", "severity", "message"):
        if i.alert.get(key):
            out += [f"--alert-{key}", i.alert[key]]
    out += ["--recurrence-of", recurrence] if recurrence else []
    return out + (["--out-of-scope"] if i.out_of_scope else [])


def user_intake(sim: Any, rng: random.Random, kind: str, p: corpus.Person,
                triple: Optional[tuple[str, str, str]], title: str,
                desc: str) -> Any:
    source = rng.choices(*zip(*USER_SOURCES))[0]
    reporter = {"id": p.id if p.id and rng.random() < 0.6 else None, "name": p.name,
                "phone": p.phone, "email": p.email, "kind": p.kind,
                "department": p.department}
    if source == "phone" and not p.phone:
        source = "email"
    i = itsm.Intake(title=title, description=desc, type=kind, source=source, reporter=reporter)
    if triple:
        i.category, i.subtype = triple[0], triple[1]
        i.symptom = triple[2] if rng.random() < 0.9 else None
    if rng.random() < 0.25:
        i.affected_users = rng.choice([1, 2, 3, 5, 12, 40, 150])
    else:
        i.impact = rng.choices(*zip(*IMPACTS))[0]
    if rng.random() < 0.15:
        i.urgency = rng.choice(["high", "medium", "low"])
    if rng.random() < 0.3:
        i.location = p.location
        reporter["location"] = p.location
    if rng.random() < 0.3:
        i.cis = [rng.choice(corpus.HOSTS)]
    if rng.random() < 0.03:
        i.caused_by_change = f"CHG-{rng.randrange(2023, 2027)}-{rng.randrange(1, 999):04d}"
    return i


def person(sim: Any, rng: random.Random) -> corpus.Person:
    """Reporters call again and again: a few often, most now and then."""
    return sim.people[int(len(sim.people) * rng.random() ** 2)]


# ---- the stories ---------------------------------------------------------------------
def incident(sim: Any, rng: random.Random, fate: Fate) -> Iterator[Step]:
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
            yield later(sim, rng, 2, 30), lambda now: sim.pair(
                now, desk, "link-master", tid, master, itsm.relations.link_master,
                ["link-master", tid, "--master", master])
            return
    first_line = not fate.stop and rng.random() < (0.55 if kind == "service_request" else 0.12)
    yield from handle(sim, rng, fate, tid, w, first_line)


def recurrence(sim: Any, rng: random.Random, fate: Fate) -> Iterator[Step]:
    base = _recent(sim, rng, lambda t: t.source in ("phone", "email", "web") and
                   t.type == "incident" and t.close_code == "solved" and not t.master)
    if base is None:
        yield from incident(sim, rng, Fate("incident", fate.stop))
        return
    desk = rng.choice(sim.desk)
    i = itsm.Intake(recurrence_of=base, description="")
    argv = ["open", "--recurrence-of", base.id]
    tid = yield ZERO, lambda now: sim.open(now, desk, i, rng, argv)
    if tid is None:
        return
    w = corpus.Words(rng, base.classification.category or "billing", rng.random() < 0.3)
    yield from handle(sim, rng, fate, tid, w, False)


def staff(sim: Any, rng: random.Random, fate: Fate) -> Iterator[Step]:
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


def consultation(sim: Any, rng: random.Random, fate: Fate) -> Iterator[Step]:
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
    yield later(sim, rng, 2, 20), act(sim, tid, desk, "resolve",
                                     lambda t, c: itsm.workflow.resolve(t, c, answer),
                                     ["resolve", tid, "--solution", answer])


def out_of_scope(sim: Any, rng: random.Random, fate: Fate) -> Iterator[Step]:
    p = person(sim, rng)
    w = corpus.Words(rng, "office", p.english)
    title, desc = w.title_and_description(corpus.OUT_OF_SCOPE, p.name)
    i = user_intake(sim, rng, "incident", p, None, title, desc)
    i.out_of_scope = True
    desk = rng.choice(sim.desk)
    yield ZERO, lambda now: sim.open(now, desk, i, rng, intake_argv(i))


def handle(sim: Any, rng: random.Random, fate: Fate, tid: str, w: corpus.Words,
           first_line: bool) -> Iterator[Step]:
    """A user or staff ticket from classification to return visit."""
    desk = rng.choice(sim.desk)
    if rng.random() < 0.015:
        yield from _relate(sim, rng, tid, desk)
    t = sim.get(tid)
    if not t.classification.symptom:
        yield later(sim, rng, 2, 30), _classify_symptom(sim, rng, tid, desk, w)
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
        yield later(sim, rng, 3, 30), act(sim, tid, desk, "resolve",
                                         lambda t, c: itsm.workflow.resolve(t, c, solution),
                                         ["resolve", tid, "--solution", solution])
        yield from closing(sim, rng, tid, w)
        return
    yield from dispatch(sim, rng, tid, desk, w)
    if fate.stop == "assigned":
        return
    yield later(sim, rng, 3, 150, hours=True), _accept(sim, rng, tid)
    yield from work(sim, rng, fate, tid, w, desk)
    if fate.stop:
        return
    problem = sim.get(tid).links.problem
    workaround = bool(problem) and rng.random() < 0.5
    yield later(sim, rng, 20, 3000, hours=True), _resolve(sim, rng, tid, w, workaround)
    if rng.random() < 0.04:
        reason = w.pick(corpus.REOPEN)
        yield later(sim, rng, 60, 2880), act(
            sim, tid, desk, "reopen", lambda t, c: itsm.workflow.reopen(t, c, reason),
            ["reopen", tid, "--reason", reason])
        yield later(sim, rng, 5, 120, hours=True), _accept(sim, rng, tid)
        yield later(sim, rng, 30, 1440, hours=True), _resolve(sim, rng, tid, w, workaround)
    yield from closing(sim, rng, tid, w, workaround)


def dispatch(sim: Any, rng: random.Random, tid: str, desk: str,
             w: corpus.Words) -> Iterator[Step]:
    """L3, with the occasional return (L5) and a second try."""
    for attempt in range(3):
        yield later(sim, rng, 1, 35), _dispatch(sim, rng, tid, desk)
        if attempt == 2 or rng.random() >= 0.03:
            return
        reason, suggest = w.pick(corpus.REJECT), rng.choice(sim.lines)
        yield later(sim, rng, 5, 180, hours=True), by_group(
            sim, rng, tid, "reject", lambda t, c: itsm.workflow.reject(t, c, reason, suggest),
            ["reject", tid, "--reason", reason, "--suggest", suggest])


def _dispatch(sim: Any, rng: random.Random, tid: str, desk: str) -> Callable[[datetime], Any]:
    def run(now: datetime) -> Any:
        t = sim.get(tid)
        groups = itsm.workflow.routed_groups(sim.policy, t)
        group = groups[0] if rng.random() < 0.75 else rng.choice(groups)
        argv = ["assign", tid, "--group", group]
        person, away = None, None
        if rng.random() < 0.2:
            wanted = rng.choice(sim.members(group))
            argv += ["--person", wanted]
            person = itsm.delegate_for(sim.policy.teams, wanted, now.astimezone(sim.tz).date())
            away = wanted if person != wanted else None
        return sim.act(now, tid, desk, "assign", lambda t, c: itsm.workflow.assign(
            t, c, group, person, None, False, delegate_of=away), argv)
    return run


def _accept(sim: Any, rng: random.Random, tid: str) -> Callable[[datetime], Any]:
    return by_group(sim, rng, tid, "accept", itsm.workflow.accept, ["accept", tid])


def _causation(sim: Any, rng: random.Random, t: Any) -> str:
    cls = t.classification
    if cls.causation:
        return str(cls.causation)
    sub = sim.policy.categories.subtype(cls.category, cls.subtype)
    return rng.choice(list(sub.causations))


def _resolve(sim: Any, rng: random.Random, tid: str, w: corpus.Words,
             workaround: bool) -> Callable[[datetime], Any]:
    def run(now: datetime) -> Any:
        t = sim.get(tid)
        cause = _causation(sim, rng, t)
        solution = w.pick(corpus.SOLUTIONS[cause])
        argv = ["resolve", tid, "--solution", solution, "--causation", cause]
        return sim.act(now, tid, member(sim, rng, tid), "resolve",
                       lambda t, c: itsm.workflow.resolve(t, c, solution, cause, workaround),
                       argv + (["--workaround"] if workaround else []))
    return run


def _classify_symptom(sim: Any, rng: random.Random, tid: str, desk: str,
                      w: corpus.Words, triple: Optional[tuple[str, str, str]] = None
                      ) -> Callable[[datetime], Any]:
    def run(now: datetime) -> Any:
        t = sim.get(tid)
        cat, sub = t.classification.category, t.classification.subtype
        options = [x for x in sim.triples if triple is None and x[:2] == (cat, sub)]
        cat, sub, sym = triple or (rng.choice(options) if options else rng.choice(sim.triples))
        reason = w.pick(corpus.CLASSIFY)
        return sim.act(now, tid, desk, "classify", lambda t, c: itsm.workflow.classify(
            t, c, reason, category=cat, subtype=sub, symptom=sym),
            ["classify", tid, "--category", cat, "--subtype", sub, "--symptom", sym,
             "--reason", reason])
    return run


def work(sim: Any, rng: random.Random, fate: Fate, tid: str, w: corpus.Words,
         desk: str) -> Iterator[Step]:
    """In progress: notes, announcements, escalations, transfers, tasks, problems, waits."""
    if rng.random() < 0.3:
        yield later(sim, rng, 10, 240, hours=True), note(sim, rng, tid, w)
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
        yield later(sim, rng, 10, 600), act(
            sim, tid, who, "escalate", lambda t, c: itsm.workflow.escalate(t, c, reason),
            ["escalate", tid, "--reason", reason])
    if rng.random() < 0.04:
        yield later(sim, rng, 10, 600, hours=True), _transfer(sim, rng, tid)
        yield later(sim, rng, 3, 150, hours=True), _accept(sim, rng, tid)
    if rng.random() < 0.03:
        group = rng.choice(sim.lines)
        title = w.pick(corpus.TASKS)
        yield later(sim, rng, 10, 240, hours=True), by_group(
            sim, rng, tid, "task-add", lambda t, c: itsm.tasks.add_task(t, c, title, group),
            ["task", "add", tid, "--title", title, "--group", group])
        result = w.pick(corpus.TASK_RESULTS)
        yield later(sim, rng, 30, 2880, hours=True), lambda now: sim.act(
            now, tid, rng.choice(sim.members(group)), "task-done",
            lambda t, c: itsm.tasks.finish_task(t, c, "T1", result),
            ["task", "done", tid, "T1", "--result", result])
    if rng.random() < 0.06:
        prb = f"PRB-{rng.randrange(2023, 2027)}-{rng.randrange(1, 400):04d}"
        yield later(sim, rng, 30, 1440, hours=True), by_group(
            sim, rng, tid, "link-problem", lambda t, c: itsm.workflow.link_problem(t, c, prb),
            ["link", tid, "--problem", prb])
    if fate.stop == "in_progress":
        return
    if fate.stop == "waiting" or rng.random() < 0.15:
        yield from waiting(sim, rng, fate, tid, w, desk)
        if fate.stop:
            return
    if rng.random() < 0.2:
        yield later(sim, rng, 10, 480, hours=True), note(sim, rng, tid, w)


def waiting(sim: Any, rng: random.Random, fate: Fate, tid: str, w: corpus.Words,
            desk: str) -> Iterator[Step]:
    """L7 (and T2's change): park the ticket; the sweep or a person resumes it."""
    code = rng.choices(["user-info", "vendor", "scheduled", "change", "requirement"],
                       [40, 25, 18, 12, 5])[0]
    if fate.stop and code == "scheduled":
        code = "vendor"
    until = None
    if code == "change":
        chg = f"CHG-{rng.randrange(2023, 2027)}-{rng.randrange(1, 999):04d}"
        step = by_group(sim, rng, tid, "link-change",
                        lambda t, c: itsm.workflow.link_change(t, c, chg),
                        ["link", tid, "--change", chg])
    else:
        if not fate.stop and (code == "scheduled" or code == "user-info" and rng.random() < .5):
            until = office(sim, sim.now + later(sim, rng, 120, 4320), rng).replace(second=0)
        argv = ["wait", tid, "--code", code] + (["--until", until.isoformat()] if until else [])

        def step(now: datetime) -> Any:
            if until is not None and until <= now:
                return None           # the moment passed (a night in between): skip it
            who = desk if rng.random() < 0.3 else member(sim, rng, tid)
            return sim.act(now, tid, who, "wait", lambda t, c: itsm.workflow.wait(
                t, c, code, until), argv)
    yield later(sim, rng, 10, 600, hours=True), step
    if fate.stop:
        return
    if until is not None:
        yield until - sim.now + later(sim, rng, 5, 240, hours=True), lambda now: None
        return
    long = {"vendor": (1440, 20160), "change": (1440, 10080), "requirement": (2880, 30000)}
    lo, hi = long.get(code, (30, 4320))
    who = desk if rng.random() < 0.3 else None
    yield later(sim, rng, lo, hi, hours=True), lambda now: sim.act(
        now, tid, who or member(sim, rng, tid), "resume", itsm.workflow.resume,
        ["resume", tid])


def _transfer(sim: Any, rng: random.Random, tid: str) -> Callable[[datetime], Any]:
    def run(now: datetime) -> Any:
        t = sim.get(tid)
        group = rng.choice([g for g in sim.lines if g != t.group])
        cause = _causation(sim, rng, t)
        return sim.act(now, tid, member(sim, rng, tid), "assign",
                       lambda t, c: itsm.workflow.assign(t, c, group, None, cause),
                       ["assign", tid, "--group", group, "--causation", cause])
    return run


def closing(sim: Any, rng: random.Random, tid: str, w: corpus.Words,
            workaround: bool = False) -> Iterator[Step]:
    """L10 by the side that opened it, or L11 by the sweep; then the return visit (V1)."""
    if rng.random() < 0.12:
        return                                   # nobody confirms: sweep auto-closes
    t = sim.get(tid)
    user = t.source in ("phone", "email", "web", "transfer")
    code = "solved"
    if t.links.problem and (workaround or rng.random() < 0.3):
        code = "workaround" if workaround or rng.random() < 0.7 else "failed"
    closer = t.opened_by if t.source == "staff" and rng.random() < 0.7 else rng.choice(sim.desk)
    score = rng.choices([5, 4, 3, 2, 1], [50, 30, 12, 5, 3])[0] if user and \
        rng.random() < 0.7 else None
    argv = ["close", tid, "--code", code] + (["--satisfaction", str(score)] if score else [])
    yield later(sim, rng, 15, 2880, hours=True), act(
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


def _relate(sim: Any, rng: random.Random, tid: str, desk: str) -> Iterator[Step]:
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


# ---- monitoring ----------------------------------------------------------------------
def _alert_docs(rng: random.Random, alert: tuple, cluster: str, hosts: list[str],
                at: datetime) -> list[dict[str, Any]]:
    out = []
    for host in hosts:
        labels, notes = corpus.alert_labels(rng, alert, cluster, host)
        starts = at - timedelta(seconds=rng.randrange(30, 300))
        out.append({"status": "firing", "labels": labels, "annotations": notes,
                    "startsAt": starts.isoformat(), "fingerprint": itsm.fingerprint(labels),
                    "generatorURL": "http://prometheus.example.com/graph?g0.expr="
                                    f"{labels['alertname']}"})
    return out


def _cleared(docs: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    return [{**d, "status": "resolved", "endsAt": now.isoformat()} for d in docs]


def monitor(sim: Any, rng: random.Random, fate: Fate) -> Iterator[Step]:
    """H1: Alertmanager opens it; a storm opens its duplicates as slaves (M1)."""
    alert = rng.choice(corpus.ALERTS)
    cluster = rng.choice(corpus.CLUSTERS)
    hosts = [f"{h}-{rng.randrange(40):02d}" for h in rng.sample(corpus.HOSTS, fate.size)]
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
        opened = yield delay, lambda now, new=new: sim.hook(now, new, rng)
        if k == 0:
            if not opened:
                return
            tid = opened[0]
    if tid is None or sim.get(tid).master:
        return                  # joined another storm's master: it follows that one (M2)
    w = corpus.Words(rng, alert[1], rng.random() < 0.4)
    desk = rng.choice(sim.desk)
    clear = lambda now: sim.hook(now, _cleared(docs, now), rng)  # noqa: E731
    if not fate.stop and rng.random() < 0.35:
        yield later(sim, rng, 2, 45), clear       # gone before anyone looked: H1 resolves
        yield from _close_monitoring(sim, rng, tid)
        return
    triple = alert[1:4]
    yield later(sim, rng, 2, 25), _classify_symptom(sim, rng, tid, desk, w, triple)
    if fate.stop == "new":
        return
    yield from dispatch(sim, rng, tid, desk, w)
    if fate.stop == "assigned":
        return
    yield later(sim, rng, 3, 90, hours=rng.random() < 0.5), _accept(sim, rng, tid)
    if rng.random() < 0.1:
        again = [{**docs[0], "startsAt": (sim.now + timedelta(minutes=1)).isoformat()}]
        docs[0] = again[0]
        yield later(sim, rng, 10, 300), lambda now: sim.hook(now, again, rng)
    if rng.random() < 0.2:
        yield later(sim, rng, 10, 300), note(sim, rng, tid, w)
    if fate.stop:
        return
    if rng.random() < 0.65:
        yield later(sim, rng, 10, 900), clear
    else:
        yield later(sim, rng, 20, 1440, hours=True), _resolve(sim, rng, tid, w, False)
        yield later(sim, rng, 1, 120), clear
    yield from _close_monitoring(sim, rng, tid)


def _close_monitoring(sim: Any, rng: random.Random, tid: str) -> Iterator[Step]:
    if rng.random() < 0.15:
        return                                   # left to the sweep's auto-close
    desk = rng.choice(sim.desk)
    yield later(sim, rng, 10, 1440), act(
        sim, tid, desk, "close", lambda t, c: itsm.workflow.close(t, c, "solved"),
        ["close", tid, "--code", "solved"])


def monitor_script(sim: Any, rng: random.Random, fate: Fate) -> Iterator[Step]:
    """H2: another monitor's script runs `open --source monitoring --alert-…`."""
    alert = rng.choice(corpus.ALERTS)
    labels, notes = corpus.alert_labels(rng, alert)
    severity = rng.choice(["high", "average", "disaster", "warning", "information"])
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
    yield later(sim, rng, 2, 25), _classify_symptom(sim, rng, tid, desk, w, alert[1:4])
    if fate.stop == "new":
        return
    yield from dispatch(sim, rng, tid, desk, w)
    if fate.stop == "assigned":
        return
    yield later(sim, rng, 3, 120, hours=True), _accept(sim, rng, tid)
    if fate.stop:
        return
    yield later(sim, rng, 20, 2880, hours=True), _resolve(sim, rng, tid, w, False)
    yield from _close_monitoring(sim, rng, tid)


STORIES: dict[str, Callable[[Any, random.Random, Fate], Iterator[Step]]] = {
    "incident": incident, "request": incident, "complaint": incident, "duplicate": incident,
    "consultation": consultation, "out_of_scope": out_of_scope, "staff": staff,
    "monitor": monitor, "storm": monitor, "monitor_script": monitor_script,
    "recurrence": recurrence,
}
