"""The loads of bench/stress.py: the git-only floor, the itsmctl writers and sweeps, the storm.

Each load is a set of threads, every one running its commands as child processes
(bench/stress_remote.Procs) until the budget (a deadline and/or a count) runs out.
Commands get a simulated --now: SPEED simulated seconds per wall second, and a distinct
whole second per command, so each command is named by the --now its commit's
`Itsmctl-Command` trailer records.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Optional

from bench.stress_remote import Done, Procs, Stopped

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=timezone(timedelta(hours=8)))   # a Wednesday
REPORTER = ["--reporter-name", "王五", "--reporter-phone", "13800000000"]
BILLING = ["--category", "billing", "--subtype", "application", "--symptom", "billing-error"]
DESK, SUPPORT, MANAGER = ("alice", "bob"), ("carol", "dave"), "mike"      # SPEC §14 cast
URGENCIES = ("high", "medium", "low")


class SimClock:
    """Simulated time from START at SPEED; every call a distinct whole second."""

    def __init__(self, start: datetime, speed: float) -> None:
        self.start, self.speed = start, speed
        self.wall0, self.last = time.perf_counter(), -1
        self.lock = threading.Lock()

    def take(self) -> str:
        with self.lock:
            self.last = max(self.last + 1, int((time.perf_counter() - self.wall0) * self.speed))
            return (self.start + timedelta(seconds=self.last)).isoformat()


class Budget:
    """When a load stops: a wall deadline, a number of commands, or Ctrl-C."""

    def __init__(self, seconds: float, count: Optional[int]) -> None:
        self.deadline = time.perf_counter() + seconds
        self.left = count
        self.stop = threading.Event()
        self.lock = threading.Lock()

    def take(self) -> bool:
        if self.stop.is_set() or time.perf_counter() >= self.deadline:
            return False
        with self.lock:
            if self.left is None:
                return True
            if self.left <= 0:
                return False
            self.left -= 1
            return True


@dataclass
class Call:
    """One itsmctl command as the bench ran it."""

    kind: str
    clone: int
    actor: Optional[str]
    now: str
    code: int
    seconds: float
    err: str = ""
    ticket: Optional[str] = None
    data: dict[str, Any] = field(default_factory=dict)
    shared: bool = False


@dataclass
class Ctx:
    procs: Procs
    exe: list[str]
    timeout: float
    clock: SimClock

    def itsm(self, clone: Path, actor: Optional[str], args: list[str],
             input: Optional[str] = None, now: Optional[str] = None) -> tuple[str, Done]:
        now = now or self.clock.take()
        cmd = [*self.exe, "--repo", str(clone), *(["--actor", actor] if actor else []),
               "--now", now, *args]
        return now, self.procs.run(cmd, input=input, timeout=self.timeout)


def last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1][:300] if lines else ""


def run_threads(workers: list[Callable[[], None]], budget: Budget) -> float:
    """Run the workers to their end; the wall seconds it took. Ctrl-C stops the budget."""
    errors: list[BaseException] = []

    def guard(fn: Callable[[], None]) -> None:
        try:
            fn()
        except Stopped:
            pass
        except BaseException as exc:            # reported by the main thread
            errors.append(exc)
            budget.stop.set()

    threads = [threading.Thread(target=guard, args=(w,), daemon=True) for w in workers]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    try:
        for t in threads:
            while t.is_alive():
                t.join(0.2)
    except BaseException:
        budget.stop.set()
        raise
    if errors:
        raise errors[0]
    return time.perf_counter() - t0


# -- the floor: plain git against the same kind of remote ------------------------------------

@dataclass
class FloorCommit:
    seconds: float
    rejected: int
    landed: bool


def floor_worker(procs: Procs, clone: Path, name: str, budget: Budget,
                 out: list[FloorCommit]) -> Callable[[], None]:
    ident = ["-c", "user.name=floor", "-c", "user.email=floor@example.com"]

    def work() -> None:
        n = 0
        while budget.take():
            n += 1
            t0 = time.perf_counter()
            procs.check(["git", *ident, "commit", "-q", "--allow-empty", "-m",
                         f"floor {name} {n}"], cwd=clone)
            rejected, landed = 0, False
            for _ in range(100):
                procs.run(["git", *ident, "pull", "-q", "--rebase"], cwd=clone, timeout=60)
                if procs.run(["git", "push", "-q", "origin", "HEAD"], cwd=clone,
                             timeout=60).code == 0:
                    landed = True
                    break
                rejected += 1
                if budget.stop.is_set():
                    break
            out.append(FloorCommit(time.perf_counter() - t0, rejected, landed))

    return work


# -- itsmctl: writers on pools of tickets, shared tickets, sweeps ------------------------------

class Shared:
    """Tickets every clone works on; each thread's view of them, from commands that
    exited 0 (so two clones do race for the same step)."""

    def __init__(self, ids: list[str]) -> None:
        self.state = {t: "new" for t in ids}
        self.lock = threading.Lock()

    def get(self, tid: str) -> str:
        with self.lock:
            return self.state[tid]

    def set(self, tid: str, state: str) -> None:
        with self.lock:
            self.state[tid] = state


NEXT = {"open": "new", "assign": "assigned", "accept": "in_progress", "resolve": "resolved"}


@dataclass
class Writer:
    """One concurrent writer on one clone: a desk and a support engineer of the cast."""

    ctx: Ctx
    clone: Path
    index: int
    rng: random.Random
    own: dict[str, str]
    shared: Shared
    mix: str
    budget: Budget
    out: list[Call]
    desk: str = "alice"
    support: str = "carol"
    made: int = 0

    def work(self) -> None:
        while self.budget.take():
            kind, actor, args, tid, shared = self.plan()
            now, done = self.ctx.itsm(self.clone, actor, args)
            if kind == "open" and done.code == 0:
                tid = done.out.strip()
            self.out.append(Call(kind, self.index, actor, now, done.code, done.seconds,
                                 last_line(done.err) if done.code else "", tid, shared=shared))
            if done.code == 0 and kind in NEXT and tid:
                (self.shared.set if shared else self.own.__setitem__)(tid, NEXT[kind])
            elif done.code not in (0, 5) and not shared and tid:
                self.own[tid] = "resolved"       # refused: leave that ticket alone

    def tag(self) -> str:
        self.made += 1
        return f"c{self.index}-{self.desk}{self.support}-{self.made}"

    def plan(self) -> tuple[str, str, list[str], Optional[str], bool]:
        r = self.rng.random()
        if self.mix == "notes":
            pool = list(self.own) if self.own and r >= 0.2 else list(self.shared.state)
            tid = self.rng.choice(pool)
            actor = self.rng.choice((*DESK, *SUPPORT, MANAGER))
            return "note", actor, ["note", tid, "--text", f"stress {self.tag()}"], tid, False
        if r < 0.10 and self.shared.state:
            tid = self.rng.choice(list(self.shared.state))
            return (*self.step(tid, self.shared.get(tid)), True)
        active = [t for t, s in self.own.items() if s != "resolved"]
        if r < 0.25 or not active:
            impact, urgency = self.rng.randint(1, 4), self.rng.choice(URGENCIES)
            return ("open", self.desk, ["open", "--title", f"stress {self.tag()}", *REPORTER,
                                        *BILLING, "--impact", str(impact), "--urgency",
                                        urgency], None, False)
        tid = self.rng.choice(active)
        return (*self.step(tid, self.own[tid]), False)

    def step(self, tid: str, state: str) -> tuple[str, str, list[str], str]:
        if state == "new":
            return "assign", self.desk, ["assign", tid, "--group", "billing-app"], tid
        if state == "assigned":
            return "accept", self.support, ["accept", tid], tid
        if state == "in_progress" and self.rng.random() < 0.5:
            return "resolve", self.support, ["resolve", tid, "--solution",
                                             f"stress fix {self.tag()}", "--causation",
                                             "data-error"], tid
        actor = self.support if state == "in_progress" else MANAGER
        return "note", actor, ["note", tid, "--text", f"stress {self.tag()}"], tid


def sweeper(ctx: Ctx, clone: Path, index: int, every: float, offset: float, budget: Budget,
            writers_done: threading.Event, out: list[Call]) -> Callable[[], None]:
    """`itsmctl sweep` every EVERY wall seconds (cron on this clone), each at a later --now."""

    def work() -> None:
        due = time.perf_counter() + offset
        while True:
            if budget.stop.wait(max(0.0, due - time.perf_counter())):
                return
            if writers_done.is_set() or time.perf_counter() >= budget.deadline:
                return
            due += every
            now, done = ctx.itsm(clone, None, ["--json", "sweep"])
            data: dict[str, Any] = {}
            if done.code == 0:
                try:
                    doc = json.loads(done.out)
                    data = {"commit": doc.get("commit"), "actions": doc.get("actions", [])}
                except ValueError:
                    data = {"unparsed": done.out[:200]}
            out.append(Call("sweep", index, None, now, done.code, done.seconds,
                            last_line(done.err) if done.code else "", None, data))

    return work


# -- the storm: one clone, many hook processes ----------------------------------------------

def storm_payloads(rng: random.Random, alerts: int, group: int = 10) -> list[tuple[str, list[str]]]:
    """Alertmanager v4 notifications for ALERTS distinct alerts in outages of GROUP
    alerts (one alertname and cluster each). Like Alertmanager, a group is notified as
    it grows: first its first half, then all of it (the first half again: redelivery).
    Returns (payload, fingerprints)."""
    out = []
    for g in range(0, alerts, group):
        members = [_alert(g // group, i) for i in range(min(group, alerts - g))]
        half = max(1, len(members) // 2)
        for part in (members[:half], members):
            out.append((json.dumps(_notification(g // group, part), ensure_ascii=False),
                        [a["fingerprint"] for a in part]))
    rng.shuffle(out)
    return out


def _alert(g: int, i: int) -> dict[str, Any]:
    instance = f"stress-host{g:02d}-{i:02d}:9100"
    return {
        "status": "firing",
        "labels": {"alertname": f"StressDown{g:02d}", "cluster": f"stress-{g:02d}",
                   "instance": instance, "job": "node",
                   "severity": "critical" if g % 3 == 0 else "warning"},
        "annotations": {"summary": f"Instance {instance} down",
                        "description": f"{instance} of job node has been down for 1 minute."},
        "startsAt": "2026-11-25T00:58:30Z", "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example.com:9090/graph?g0.expr=up+%3D%3D+0",
        "fingerprint": hashlib.sha1(f"stress-{g}-{i}".encode()).hexdigest()[:16],
    }


def _notification(g: int, alerts: list[dict[str, Any]]) -> dict[str, Any]:
    common = {k: v for k, v in alerts[0]["labels"].items() if k != "instance"}
    return {"receiver": "itsmctl", "status": "firing", "alerts": alerts,
            "groupLabels": {"alertname": common["alertname"]}, "commonLabels": common,
            "commonAnnotations": {}, "externalURL": "http://alertmanager.example.com:9093",
            "version": "4", "groupKey": f'{{}}:{{alertname="{common["alertname"]}"}}',
            "truncatedAlerts": 0}


def storm_sender(ctx: Ctx, clone: Path, queue: list[tuple[str, list[str]]],
                 lock: threading.Lock, budget: Budget, out: list[Call]) -> Callable[[], None]:
    def work() -> None:
        while not budget.stop.is_set():
            with lock:
                if not queue:
                    return
                payload, fps = queue.pop()
            now, done = ctx.itsm(clone, "monitor", ["--json", "hook", "alertmanager"],
                                 input=payload)
            out.append(Call("hook", 0, "monitor", now, done.code, done.seconds,
                            last_line(done.err) if done.code else "", None,
                            {"fingerprints": fps}))

    return work
