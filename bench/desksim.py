"""The benchmark desk's clock: each ticket lives its story (bench/stories.py) through
itsmctl's own core functions, one commit per command, in time order; the sweep runs when
cron would find something due. Commands are carried out as the project's command layer
does them (load, decide, finalize, one commit), with the project's own helpers for
commit messages, slave mirroring and delivery records.
"""

from __future__ import annotations

import gc
import heapq
import json
import random
import time
from collections import Counter, OrderedDict, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any, Callable, Optional

from bench import generate as itsm
from bench.dumps import Dumps
from bench.steps import Story

STEP, SWEEP = 0, 1
MINUTE = timedelta(minutes=1)
RECENT = 3000               # finished tickets kept in memory for links and recurrences
Decide = Callable[[Any, Any], Any]          # (ticket, ctx) -> ticket
SETTLED = ("sent", "refused")


def unsettled(ticket: Any) -> bool:
    """A notification still to deliver (app/sweep.py's test)."""
    return any(n.status not in SETTLED for n in ticket.notifications)


class Tx:
    """What the project's helpers (mirror_slaves) use of a store transaction."""

    def __init__(self, sim: "Sim", now: datetime) -> None:
        self.sim, self.now = sim, now
        self.changed: dict[str, Any] = {}

    def load(self, tid: str) -> Any:
        got = self.changed.get(tid)
        return got if got is not None else self.sim.tickets[tid]

    def save(self, ticket: Any) -> Any:
        saved = self.changed[ticket.id] = self.sim.finalize(ticket, self.now)
        return saved


@dataclass
class Run:
    """A story in progress: its generator, the step it waits to run, its tickets."""

    make: Callable[[], Story]
    gen: Optional[Story] = None
    step: Optional[Callable[[datetime], Any]] = None
    tids: list[str] = field(default_factory=list)


class Sim:
    def __init__(self, policy: Any, tz: Any, start: datetime, end: datetime, seed: int,
                 stream: Any, origin: str) -> None:
        self.policy, self.tz, self.start, self.end = policy, tz, start, end
        self.seed, self.stream, self.origin = seed, stream, origin
        self.now = start
        self.tickets: dict[str, Any] = {}
        self.heap: list[tuple[datetime, int, int, Any]] = []
        self.seq = 0
        self.version: dict[str, int] = {}
        self.unsent: set[str] = set()
        self.storied: set[str] = set()
        self.recent: OrderedDict[str, None] = OrderedDict()
        self.by_fp: dict[str, list[str]] = {}
        self.by_group: dict[str, list[str]] = {}
        self.ids: set[str] = set()
        self.recent_user: deque[str] = deque(maxlen=200)   # duplicate candidates (M1)
        self.people: list[Any] = []                         # reporters (bench/corpus.py)
        self.triples: list[tuple[str, str, str]] = []
        self.current: Optional[Run] = None
        self.stats: Counter[str] = Counter()
        self.refusals: list[str] = []
        teams = policy.teams
        self.desk = teams.with_role("service_desk")
        self.lines = [g for g, info in teams.groups.items()
                      if info.line in (2, 3) and teams.members(g)]
        self.app: Any = SimpleNamespace(policy=policy)   # what apply_severity reads
        self.dump = Dumps()

    # ---- bookkeeping -------------------------------------------------------------
    def push(self, when: datetime, kind: int, key: Any) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (when, self.seq, kind, key))

    def get(self, tid: str) -> Any:
        return self.tickets[tid]

    def members(self, group: Optional[str]) -> list[str]:
        return self.policy.teams.members(group) if group else []

    def finalize(self, ticket: Any, now: datetime) -> Any:
        """App.transaction's finalize: stored SLA values and the pending notifications
        (no copy when the values stored are still right: the same ticket either way)."""
        fresh = itsm.stored(ticket, self.policy)
        if fresh != ticket.sla:
            ticket = ticket.evolve(sla=fresh)
        return itsm.plan_notices(ticket, self.policy, now, self.origin)

    def new_id(self, now: datetime, rng: random.Random) -> str:
        while True:
            tid = itsm.new_id(self.policy.desk.id_prefix, now, rng)
            if tid not in self.ids:
                self.ids.add(tid)
                return tid

    def commit(self, tx: Tx, message: str, actor: str, argv: list[str]) -> None:
        """One commit of the transaction's tickets; then what the desk knows changes."""
        now = tx.now
        words = ["--actor", actor, "--now", now.isoformat(), *argv]
        message = message.rstrip("\n") + "\nItsmctl-Command: " + \
            json.dumps(words, ensure_ascii=False) + "\n"
        if actor == "sweep":
            name, email = itsm.SWEEP_NAME, itsm.SWEEP_EMAIL
        else:
            person = self.policy.teams.people[actor]
            name, email = person.name, person.email or f"{actor}@itsmctl.invalid"
        files = {t.path: self.dump(t) for t in tx.changed.values()}
        self.stream.commit(files, message, name, email, now)
        self.stats["files written"] += len(files)
        for tid, ticket in tx.changed.items():
            self.tickets[tid] = ticket
            version = self.version[tid] = self.version.get(tid, 0) + 1
            if unsettled(ticket):
                self.unsent.add(tid)
            else:
                self.unsent.discard(tid)
            due = self.next_due(ticket, now)
            if due is not None:
                self.push(due.replace(second=0, microsecond=0) + MINUTE, SWEEP, (tid, version))
            self.settle_membership(ticket, due)

    def next_due(self, t: Any, now: datetime) -> Optional[datetime]:
        """When the sweep would next find something to do on this ticket (core/sweep.py)."""
        policy, found = self.policy, []
        if t.master is None:
            if t.status == "waiting" and t.wait and t.wait.until:
                found.append(t.wait.until)
            if t.status != "closed":
                for phase, c in itsm.clocks(t, policy, now).items():
                    if c.running and c.deadline is not None and \
                            not itsm.fired(t, "breach", phase):
                        if c.breached:
                            found.append(now)
                        elif t.status != "waiting":
                            found.append(c.deadline)
            if t.status == "resolved":
                found.append((t.resolved_at or t.updated_at) + policy.sla.auto_close_after)
        if t.visit is None and itsm.visit.applies(t, policy):
            found.append(now)
        return min(found) if found else None

    def settle_membership(self, t: Any, due: Optional[datetime]) -> None:
        """A closed ticket nothing more will happen to leaves memory, last-in kept a while."""
        if t.id in self.storied or t.status != "closed" or due is not None \
                or t.id in self.unsent:
            self.recent.pop(t.id, None)
            return
        self.recent[t.id] = None
        self.recent.move_to_end(t.id)
        while len(self.recent) > RECENT:
            old, _ = self.recent.popitem(last=False)
            gone = self.tickets.pop(old)
            self.dump.forget(old)
            if gone.alert is not None:
                for index, key in ((self.by_fp, gone.alert.fingerprint),
                                   (self.by_group, gone.alert.group)):
                    if key and old in index.get(key, ()):
                        index[key].remove(old)
                        if not index[key]:
                            del index[key]

    def release(self, run: Run) -> None:
        for tid in run.tids:
            self.storied.discard(tid)
            t = self.tickets.get(tid)
            if t is not None and tid not in self.recent:
                self.settle_membership(t, self.next_due(t, self.now))

    # ---- commands, as the command layer carries them out ---------------------------
    def act(self, now: datetime, tid: str, actor: str, action: str, decide: Decide,
            argv: list[str], note: Optional[str] = None) -> Any:
        """app/lifecycle.py transition(): one command on a ticket and its slaves."""
        ctx, tx = itsm.Ctx(self.policy, actor, now), Tx(self, now)
        before = tx.load(tid)
        after = decide(before, ctx)
        tx.save(after)
        itsm.mirror_slaves(tx, before, after, ctx)
        others = [t for i, t in tx.changed.items() if i != after.id]
        self.commit(tx, itsm.commit_message(action, [after, *others], actor, note,
                                            before=before.status), actor, argv)
        self.stats[action] += 1
        return tx.changed[tid]

    def pair(self, now: datetime, actor: str, action: str, first: str, second: str,
             decide: Callable[[Any, Any, Any], tuple[Any, Any]], argv: list[str]) -> Any:
        """app/relations.py pairs: one command changing two tickets."""
        ctx, tx = itsm.Ctx(self.policy, actor, now), Tx(self, now)
        a, b = tx.load(first), tx.load(second)
        new_a, new_b = decide(a, b, ctx)
        tx.save(new_a)
        tx.save(new_b)
        self.commit(tx, itsm.commit_message(action, [new_a, new_b], actor, before=a.status),
                    actor, argv)
        self.stats[action] += 1
        return new_a

    def open(self, now: datetime, actor: str, intake: Any, rng: random.Random,
             argv: list[str]) -> str:
        """app/lifecycle.py open_ticket() (and H2's open_alert for a new alert)."""
        ctx, tx = itsm.Ctx(self.policy, actor, now), Tx(self, now)
        if intake.alert.get("id"):
            itsm.apply_severity(self.app, intake)
        base = tx.load(intake.recurrence_of) if intake.recurrence_of else None
        ticket = itsm.open_ticket(intake, ctx, self.new_id(now, rng), base)
        tx.save(ticket)
        if ticket.alert is not None:
            self.index_alert(ticket)
        if ticket.source in ("phone", "email", "web"):
            self.recent_user.append(ticket.id)
        action = "open-out-of-scope" if intake.out_of_scope else "open"
        self.commit(tx, itsm.commit_message(action, [ticket], actor, ticket.title), actor,
                    argv)
        self.own(ticket.id)
        self.stats[action] += 1
        return ticket.id

    def own(self, tid: str) -> None:
        if self.current is not None:
            self.current.tids.append(tid)
            self.storied.add(tid)

    def index_alert(self, ticket: Any) -> None:
        a = ticket.alert
        if a.fingerprint and ticket.id not in self.by_fp.setdefault(a.fingerprint, []):
            self.by_fp[a.fingerprint].append(ticket.id)
        if a.group and ticket.id not in self.by_group.setdefault(a.group, []):
            self.by_group[a.group].append(ticket.id)

    def sweep(self, now: datetime, due: list[str]) -> None:
        """app/sweep.py sweep(): everything due, then the deliveries since the last
        sweep recorded (N3, a lone desk that delivered each notice after its commit)."""
        ctx, tx = itsm.sweep_ctx(self.policy, now), Tx(self, now)
        queue, seen = sorted(set(due)), set()
        touched: list[str] = []
        actions: list[Any] = []
        while queue:
            tid = queue.pop(0)
            if tid in seen:
                continue
            seen.add(tid)
            done = itsm.settled(tx.load(tid), self.policy, now)
            self.refusals += done.refused
            if not done.actions:
                continue
            tx.save(done.ticket)
            actions += done.actions
            touched.append(tid)
            for before, after in done.steps:
                for sid in after.slaves:
                    slave = tx.load(sid)
                    new = itsm.relations.propagate(after, slave, ctx, len(before.history))
                    if new is not slave:
                        tx.save(new)
                        touched.append(sid)
                        queue.append(sid)       # a slave closed with its master is owed a visit
                        seen.discard(sid)
        if not tx.changed:
            self.stats["sweep found nothing"] += 1
            return
        retried = []
        todo = [t for t in tx.changed.values() if unsettled(t)]
        todo += [tx.load(t) for t in sorted(self.unsent) if t not in tx.changed]
        for ticket in todo:
            # the outbox channel's ledger entry, written right after the command's commit
            entries = {n.id: [{"attempt": 1, "outcome": "sent", "at": n.at.isoformat(),
                               "date": n.at.isoformat()}]
                       for n in ticket.notifications if n.status not in SETTLED}
            new = itsm.fold_deliveries(ticket, entries, self.origin)
            if new != ticket:
                tx.save(new)
                retried.append(ticket.id)
        touched = list(dict.fromkeys(touched))
        tickets = list(dict.fromkeys([*touched, *retried, *tx.changed]))
        self.commit(tx, itsm.sweep_message(actions, tickets, retried), "sweep",
                    ["sweep", "--quiet"])
        self.stats["sweep"] += 1
        for a in actions:
            self.stats[f"sweep {a.kind}"] += 1

    # ---- the clock ----------------------------------------------------------------
    def run(self, n: int, progress: Optional[Callable[[str], None]] = None) -> None:
        from bench.arrivals import arrivals

        for when, make in arrivals(self, n):
            self.push(when, STEP, Run(make))
        # Millions of short-lived models and no reference cycles worth collecting: the
        # collector's default thresholds cost a sixth of the time. Restored afterwards.
        thresholds = gc.get_threshold()
        gc.freeze()
        gc.set_threshold(100_000, 50, 100)
        try:
            self._run(progress)
        finally:
            gc.set_threshold(*thresholds)
            gc.unfreeze()

    def _run(self, progress: Optional[Callable[[str], None]]) -> None:
        t0, shown = time.perf_counter(), 0
        while self.heap and self.heap[0][0] <= self.end:
            when, _, kind, key = heapq.heappop(self.heap)
            self.now = when
            if kind == STEP:
                self._step(key)
            else:
                batch = [key]
                while self.heap and self.heap[0][0] == when and self.heap[0][2] == SWEEP:
                    batch.append(heapq.heappop(self.heap)[3])
                due = [tid for tid, v in batch if self.version.get(tid) == v]
                if due:
                    self.sweep(when, due)
            if progress and self.stream.commits >= shown + 50000:
                t1 = time.perf_counter()
                progress(f"  history at {when:%Y-%m-%d}: {self.stream.commits} commits, "
                         f"{(self.stream.commits - shown) / (t1 - t0):.0f}/s")
                t0, shown = t1, self.stream.commits

    def _step(self, run: Run) -> None:
        result: Any = None
        if run.gen is None:
            run.gen = run.make()
            result = None
            try:
                _, run.step = next(run.gen)
            except StopIteration:
                return
        self.current = run
        try:
            assert run.step is not None
            result = run.step(self.now)
        except itsm.ItsmError as exc:
            self.stats["refused"] += 1
            if len(self.refusals) < 20:
                self.refusals.append(f"{self.now.isoformat()}: [{exc.rule}] {exc.message}")
        finally:
            self.current = None
        try:
            delay, run.step = run.gen.send(result)
        except StopIteration:
            self.release(run)
            return
        # whole seconds, as itsmctl's clock gives them
        self.push((self.now + max(delay, timedelta(seconds=1))).replace(microsecond=0), STEP, run)

    def summary(self) -> dict[str, Any]:
        by_status: Counter[str] = Counter()
        for tid in self.ids:
            t = self.tickets.get(tid)
            by_status[t.status if t is not None else "closed"] += 1
        open_ = sum(by_status[s] for s in ("new", "assigned", "in_progress", "waiting"))
        return {"tickets": len(self.ids), "open": open_, "by_status": dict(by_status),
                "reporters": len(self.people), "actions": dict(sorted(self.stats.items())),
                "refusals": self.refusals[:20]}
