"""Steps of the benchmark desk's stories (bench/stories.py, bench/monitoring.py): when
people act, who acts, and the commands they run, as calls on the simulator
(bench/desksim.py) that carries them out through itsmctl's core."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Callable, Generator, Optional

from bench import corpus
from bench import generate as itsm

ZERO = timedelta(0)
Step = tuple[timedelta, Callable[[datetime], Any]]
# a ticket's story: yields (delay, step), is resumed with the step's result
Story = Generator[Step, Any, None]
USER_SOURCES = [("phone", 45), ("email", 25), ("web", 22), ("transfer", 8)]
IMPACTS = [("4", 60), ("3", 27), ("2", 10), ("1", 3)]


@dataclass(frozen=True)
class Fate:
    kind: str
    stop: Optional[str] = None           # state a backlog ticket is left in
    size: int = 1                        # tickets a storm opens


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


def in_time(sim: Any, rng: random.Random, tid: str, phase: str, lo: float = 1.0,
            late: float = 0.05) -> timedelta:
    """The delay before the step that stops `phase` of the ticket's SLA clock: within the
    target of its priority mostly, late now and then; low-priority work arriving at night
    sometimes waits for the morning (others are on call)."""
    t = sim.get(tid)
    target = getattr(sim.policy.sla.targets[t.priority], phase).total_seconds() / 60
    if rng.random() < late:
        delay = later(sim, rng, target * 1.05, target * 3)
    else:
        delay = later(sim, rng, min(lo, target / 4), target * 0.85)
    if t.priority in sim.policy.matrix.priority_levels[-2:] and rng.random() < 0.2:
        delay = max(delay, office(sim, sim.now + delay, rng) - sim.now)
    return delay


@dataclass
class Budget:
    """Until when a ticket's work in progress runs (its restore time, waits excluded)."""

    end: datetime

    @classmethod
    def restore(cls, sim: Any, rng: random.Random, tid: str, late: float = 0.06) -> "Budget":
        t = sim.get(tid)
        target = sim.policy.sla.targets[t.priority].restore
        share = rng.uniform(1.05, 2.5) if rng.random() < late else rng.uniform(0.05, 0.85)
        return cls(sim.now + timedelta(seconds=int(target.total_seconds() * share)))

    def part(self, sim: Any, rng: random.Random, lo: float = 0.05, hi: float = 0.3
             ) -> timedelta:
        """Some of what is left: for a step on the way."""
        left = max(self.end - sim.now, timedelta(minutes=2))
        return timedelta(seconds=int(left.total_seconds() * rng.uniform(lo, hi)) + 30)

    def rest(self, sim: Any, rng: random.Random) -> timedelta:
        return max(self.end - sim.now, timedelta(minutes=1)) + \
            timedelta(seconds=rng.randrange(60))


# ---- people and commands -------------------------------------------------------------
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


def dispatch(sim: Any, rng: random.Random, tid: str, desk: str,
             w: corpus.Words) -> Story:
    """L3, with the occasional return (L5) and a second try."""
    for attempt in range(3):
        yield in_time(sim, rng, tid, "respond"), dispatch_step(sim, rng, tid, desk)
        if attempt == 2 or rng.random() >= 0.01:
            return
        reason, suggest = w.pick(corpus.REJECT), rng.choice(sim.lines)
        yield in_time(sim, rng, tid, "accept"), by_group(
            sim, rng, tid, "reject", lambda t, c: itsm.workflow.reject(t, c, reason, suggest),
            ["reject", tid, "--reason", reason, "--suggest", suggest])


def dispatch_step(sim: Any, rng: random.Random, tid: str, desk: str) -> Callable[[datetime], Any]:
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


def accept(sim: Any, rng: random.Random, tid: str) -> Callable[[datetime], Any]:
    return by_group(sim, rng, tid, "accept", itsm.workflow.accept, ["accept", tid])


def causation(sim: Any, rng: random.Random, t: Any) -> str:
    cls = t.classification
    if cls.causation:
        return str(cls.causation)
    sub = sim.policy.categories.subtype(cls.category, cls.subtype)
    return rng.choice(list(sub.causations))


def resolve(sim: Any, rng: random.Random, tid: str, w: corpus.Words,
             workaround: bool) -> Callable[[datetime], Any]:
    def run(now: datetime) -> Any:
        t = sim.get(tid)
        cause = causation(sim, rng, t)
        solution = w.pick(corpus.SOLUTIONS[cause])
        argv = ["resolve", tid, "--solution", solution, "--causation", cause]
        return sim.act(now, tid, member(sim, rng, tid), "resolve",
                       lambda t, c: itsm.workflow.resolve(t, c, solution, cause, workaround),
                       argv + (["--workaround"] if workaround else []))
    return run


def classify(sim: Any, rng: random.Random, tid: str, desk: str,
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


# ---- intake --------------------------------------------------------------------------
def person(sim: Any, rng: random.Random) -> corpus.Person:
    """Reporters call again and again: a few often, most now and then."""
    return sim.people[int(len(sim.people) * rng.random() ** 2)]


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
        i.affected_users = rng.choices([1, 2, 3, 5, 12, 40, 150], [30, 20, 15, 15, 10, 7, 3])[0]
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
        i.caused_by_change = f"CHG-{rng.randrange(1, 9999):04d}"
    return i


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
