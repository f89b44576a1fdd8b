"""When the benchmark desk's tickets arrive and what each will be: three years of
arrivals growing over time, user tickets in office hours, alerts round the clock, and
the backlog that is still open at the end (bench/stories.py tells each ticket's story)."""

from __future__ import annotations

import math
import random
from datetime import datetime, time, timedelta
from itertools import accumulate
from typing import Any, Callable

from bench import corpus
from bench.steps import Fate, Story
from bench.stories import STORIES

# kind, share of arrivals; a storm arrival opens 3-9 tickets
KINDS = [("incident", 50), ("request", 8), ("consultation", 5), ("complaint", 1),
         ("out_of_scope", 1), ("staff", 5), ("monitor", 16), ("monitor_script", 4),
         ("storm", 1), ("recurrence", 1), ("duplicate", 2)]
HOURS = [.2, .1, .1, .1, .1, .2, .3, .8, 3, 8, 9, 7, 3, 4, 8, 8, 7, 5, 2, 1, 1, .6, .4, .3]
BACKLOG_SHARE = 0.098        # left open at the end on purpose; recent ones open anyway
BACKLOG_DAYS = 720           # how slowly the backlog thins out with age
MONITOR_KINDS = ("monitor", "monitor_script", "storm")


def arrivals(sim: Any, n: int) -> list[tuple[datetime, Callable[[], Story]]]:
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
    cum = {True: list(accumulate(growth)), False: list(accumulate(user_w))}
    times = []
    for kind, _ in events:
        monitor = kind in MONITOR_KINDS
        day = rng.choices(range(days), cum_weights=cum[monitor])[0]
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


def _maker(sim: Any, base: int, fate: Fate) -> Callable[[], Story]:
    return lambda: STORIES[fate.kind](sim, random.Random(base), fate)


def _triples(policy: Any) -> list[tuple[str, str, str]]:
    """Every (category, subtype, symptom) of categories.yaml."""
    return [(c, s, y) for c, cat in policy.categories.categories.items()
            for s, sub in cat.subtypes.items() for y in sub.symptoms]
