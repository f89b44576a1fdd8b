"""The benchmark desk's clock: each ticket lives its story (bench/stories.py) through
itsmctl's own core functions, one commit per command, in time order; the sweep runs when
cron would find something due. Commands are carried out as the project's command layer
does them (load, decide, finalize, one commit), with the project's own helpers for
commit messages, slave mirroring and delivery records.
"""

from __future__ import annotations

import heapq
import json
import random
import time
from collections import Counter, OrderedDict, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any, Callable, Generator, Optional

from bench import generate as itsm

STEP, SWEEP = 0, 1
MINUTE = timedelta(minutes=1)
RECENT = 3000               # finished tickets kept in memory for links and recurrences
Decide = Callable[[Any, Any], Any]          # (ticket, ctx) -> ticket
Story = Generator[tuple[timedelta, Callable[[datetime], Any]], Any, None]


class Tx:
    """What the project's helpers (mirror_slaves, Mirror) use of a store transaction."""

    def __init__(self, sim: "Sim", now: datetime) -> None:
        self.sim, self.now = sim, now
        self.changed: dict[str, Any] = {}

    def load(self, tid: str) -> Any:
        got = self.changed.get(tid)
        return got if got is not None else self.sim.tickets[tid]

    def save(self, ticket: Any) -> None:
        self.changed[ticket.id] = self.sim.finalize(ticket, self.now)


Piece = tuple[str, bytes]      # (repr of the value, its YAML)


class Dumps:
    """itsmctl's dump_ticket, in pieces. A ticket file is a block mapping: it is the
    concatenation of its keys dumped one by one, and a list of mappings (history,
    notifications) that of its items. Each piece is dumped once and reused while its
    value is unchanged; the pieces that changed are dumped in one call (one for the keys,
    one per list) and cut apart at their first lines, or one by one should a cut not come
    out. PyYAML's representer is pure Python and was two thirds of the generator's time.
    tests/test_bench_generate.py checks every file against dump_ticket byte for byte."""

    def __init__(self) -> None:
        self.cache: dict[str, dict[Any, Piece]] = {}

    def __call__(self, ticket: Any) -> bytes:
        mine = self.cache.setdefault(ticket.id, {})
        order: list[Any] = []
        todo: dict[Optional[str], list[tuple[Any, Any, str]]] = {}
        for key, value in ticket.to_doc().items():
            if isinstance(value, list) and value and all(isinstance(x, dict) for x in value):
                order.append(f"{key}:\n".encode())
                pieces = [((key, i), item) for i, item in enumerate(value)]
                container: Optional[str] = key
            else:
                pieces, container = [(key, value)], None
            for ck, v in pieces:
                order.append(ck)
                text = repr(v)
                hit = mine.get(ck)
                if hit is None or hit[0] != text:
                    todo.setdefault(container, []).append((ck, v, text))
        for container, changed in todo.items():
            self._fill(mine, container, changed)
        return b"".join(p if isinstance(p, bytes) else mine[p][1] for p in order)

    @staticmethod
    def _dump(container: Optional[str], values: list[tuple[Any, Any, str]]) -> bytes:
        if container is None:
            return itsm.dump_ticket({ck: v for ck, v, _ in values})
        return itsm.dump_ticket({container: [v for _, v, _ in values]})[len(container) + 2:]

    def _fill(self, mine: dict[Any, Piece], container: Optional[str],
              changed: list[tuple[Any, Any, str]]) -> None:
        out = self._dump(container, changed)
        cuts: list[int] = []
        for ck, _, _ in changed:
            mark = f"{ck}:".encode() if container is None else b"- "
            if not cuts:
                at = 0 if out.startswith(mark) else -1
            else:
                at = out.find(b"\n" + mark, cuts[-1]) + 1 or -1
            if at < 0:
                break
            cuts.append(at)
        if len(cuts) != len(changed) or (container is not None and
                                         out.find(b"\n- ", cuts[-1]) != -1):
            for piece in changed:                       # not cut cleanly: one by one
                mine[piece[0]] = (piece[2], self._dump(container, [piece]))
            return
        for (ck, _, text), a, b in zip(changed, cuts, [*cuts[1:], len(out)]):
            mine[ck] = (text, out[a:b])

    def forget(self, tid: str) -> None:
        self.cache.pop(tid, None)


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
        self.app = SimpleNamespace(policy=policy)
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
        """App.transaction's finalize: stored SLA values and the pending notifications."""
        return itsm.plan_notices(ticket.evolve(sla=itsm.stored(ticket, self.policy)),
                                 self.policy, now, self.origin)

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
            if any(n.status != "sent" for n in ticket.notifications):
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
        """commands/app.py transition(): one command on a ticket and its slaves."""
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
        """commands/links.py _pair(): one command changing two tickets."""
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
        """commands/lifecycle.py open_ticket() (and H2's open_alert for a new alert)."""
        ctx, tx = itsm.Ctx(self.policy, actor, now), Tx(self, now)
        if intake.alert.get("id"):
            itsm.apply_severity(self.app, intake)
        ticket = itsm.open_ticket(intake, ctx, self.new_id(now, rng))
        tx.save(ticket)
        if ticket.alert is not None:
            self._index(ticket)
        if ticket.source in ("phone", "email", "web"):
            self.recent_user.append(ticket.id)
        action = "open-out-of-scope" if intake.out_of_scope else "open"
        self.commit(tx, itsm.commit_message(action, [ticket], actor, ticket.title), actor,
                    argv)
        self._own(ticket.id)
        self.stats[action] += 1
        return ticket.id

    def _own(self, tid: str) -> None:
        if self.current is not None:
            self.current.tids.append(tid)
            self.storied.add(tid)

    def _index(self, ticket: Any) -> None:
        a = ticket.alert
        if a.fingerprint and ticket.id not in self.by_fp.setdefault(a.fingerprint, []):
            self.by_fp[a.fingerprint].append(ticket.id)
        if a.group and ticket.id not in self.by_group.setdefault(a.group, []):
            self.by_group[a.group].append(ticket.id)

    def _by_fp(self, tx: Tx, fp: str) -> list[Any]:
        found = [tx.load(t) for t in self.by_fp.get(fp, []) if t in self.tickets]
        return sorted(found, key=lambda t: t.opened_at)

    def hook(self, now: datetime, alerts: list[dict[str, Any]], rng: random.Random) -> list[str]:
        """commands/hook.py run(): one Alertmanager payload, one commit; the ids opened."""
        policy, actor = self.policy, self.policy.monitoring.actor
        incs = [itsm.incoming(itsm.AlertIn.model_validate(a), "alertmanager",
                              policy.monitoring) for a in alerts]
        ctx, tx = itsm.Ctx(policy, actor, now), Tx(self, now)
        out: dict[str, list[str]] = {"opened": [], "fired again": [], "cleared": [],
                                     "resolved": []}
        for inc in incs:
            if inc.status == "firing":
                self._firing(tx, ctx, inc, rng, out)
            else:
                self._clearing(tx, ctx, inc, out)
        if not tx.changed:
            return []
        note = "; ".join(f"{k} {t}" for k, ids in out.items() for t in ids)
        self.commit(tx, itsm.commit_message("hook-alertmanager", list(tx.changed.values()),
                                            actor, note), actor, ["hook", "alertmanager"])
        for tid in out["opened"]:
            self._own(tid)
        self.stats["hook-alertmanager"] += 1
        self.stats["alerts"] += len(incs)
        return out["opened"]

    def _firing(self, tx: Tx, ctx: Any, inc: Any, rng: random.Random,
                out: dict[str, list[str]]) -> None:
        live = [t for t in self._by_fp(tx, inc.fingerprint) if t.is_open]
        if live:
            tx.save(itsm.record_firing(live[0], inc, ctx))
            out["fired again"].append(live[0].id)
            return
        master = self._storm_master(tx, inc)
        intake = itsm.Intake(title=inc.title, description=inc.description, source="monitoring",
                             alert={"id": inc.alert_id, "severity": inc.severity,
                                    "message": inc.message, "fingerprint": inc.fingerprint})
        itsm.apply_severity(self.app, intake)
        ticket = itsm.open_ticket(intake, ctx, self.new_id(ctx.now, rng))
        tx.save(ticket)
        ticket = tx.load(ticket.id).evolve(
            alert=itsm.alert_record(inc, ctx.actor).model_dump())
        tx.save(ticket)
        self._index(ticket)
        out["opened"].append(ticket.id)
        if master is not None:
            slave, new_master = itsm.relations.link_master(tx.load(ticket.id), master, ctx)
            tx.save(slave)
            tx.save(new_master)

    def _storm_master(self, tx: Tx, inc: Any) -> Any:
        if not inc.group:
            return None
        window = self.policy.monitoring.storm.window
        for tid in sorted(self.by_group.get(inc.group, [])):
            t = tx.load(tid) if tid in self.tickets else None
            if t is not None and t.is_open and not t.master and t.alert and itsm.within(
                    window, t.alert.started_at or t.opened_at, inc.started_at or t.opened_at):
                return t
        return None

    def _clearing(self, tx: Tx, ctx: Any, inc: Any, out: dict[str, list[str]]) -> None:
        live = [t for t in self._by_fp(tx, inc.fingerprint) if t.status != "closed"]
        target = next((t for t in live if itsm.clears(t, inc)), None)
        if target is None:
            return
        tx.save(itsm.record_clearing(target, inc, ctx))
        out["cleared"].append(target.id)
        if self.policy.monitoring.on_clear == "record":
            return
        master = tx.load(target.master or target.id)
        if not itsm.group_cleared(master, [tx.load(s) for s in master.slaves]):
            return
        done = itsm.resolve_cleared(master, ctx)
        if done is None:
            return
        tx.save(done)
        itsm.mirror_slaves(tx, master, tx.load(master.id), ctx)
        if self.policy.monitoring.on_clear == "close":
            before = tx.load(master.id)
            tx.save(itsm.workflow.close(before, ctx, "solved", check_actor=False,
                                        note="monitoring ticket: closed without user "
                                             "confirmation (L10)"))
            itsm.mirror_slaves(tx, before, tx.load(master.id), ctx)
        out["resolved"].append(master.id)

    def sweep(self, now: datetime, due: list[str]) -> None:
        """commands/sweep.py run(): everything due, then the deliveries since the last
        sweep recorded (N3, a lone desk that delivered each notice after its commit)."""
        ctx, tx = itsm.sweep_ctx(self.policy, now), Tx(self, now)
        queue, seen, touched, actions, skipped = sorted(set(due)), set(), [], [], []
        while queue:
            tid = queue.pop(0)
            if tid in seen:
                continue
            seen.add(tid)
            mirror = itsm.Mirror(tx, ctx, skipped)
            new, done, refused = itsm.settle(tx.load(tid), self.policy, now, on_step=mirror)
            self.refusals += refused
            for sid, slave in mirror.slaves.items():
                tx.save(slave)
                touched.append(sid)
                queue.append(sid)
                seen.discard(sid)
            if done:
                tx.save(new)
                actions += done
                touched.append(tid)
        if not tx.changed:
            self.stats["sweep found nothing"] += 1
            return
        retried = []
        todo = [t for t in tx.changed.values() if any(n.status != "sent"
                                                      for n in t.notifications)]
        todo += [tx.load(t) for t in sorted(self.unsent) if t not in tx.changed]
        for ticket in todo:
            entries = {n.id: [{"attempt": 1, "outcome": "sent", "at": n.at.isoformat()}]
                       for n in ticket.notifications if n.status != "sent"}
            new = itsm.fold_deliveries(ticket, entries, self.origin)
            if new != ticket:
                tx.save(new)
                retried.append(ticket.id)
        tickets = list(dict.fromkeys([*touched, *retried, *tx.changed]))
        self.commit(tx, itsm.sweep_message(actions, tickets, retried), "sweep",
                    ["sweep", "--quiet"])
        self.stats["sweep"] += 1
        for a in actions:
            self.stats[f"sweep {a.kind}"] += 1

    # ---- the clock ----------------------------------------------------------------
    def run(self, n: int, progress: Optional[Callable[[str], None]] = None) -> None:
        from bench import stories

        for when, make in stories.arrivals(self, n):
            self.push(when, STEP, Run(make))
        t0, shown = time.perf_counter(), 0
        while self.heap and self.heap[0][0] <= self.end:
            when, _, kind, key = heapq.heappop(self.heap)
            self.now = when
            if kind == STEP:
                self._step(key)
                continue
            batch = [key]
            while self.heap and self.heap[0][0] == when and self.heap[0][2] == SWEEP:
                batch.append(heapq.heappop(self.heap)[3])
            due = [tid for tid, v in batch if self.version.get(tid) == v]
            if due:
                self.sweep(when, due)
            if progress and self.stream.commits >= shown + 20000:
                shown = self.stream.commits
                rate = shown / (time.perf_counter() - t0)
                progress(f"  {when:%Y-%m-%d} {shown} commits, {rate:.0f}/s")

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
        self.push(self.now + max(delay, timedelta(seconds=1)), STEP, run)

    def summary(self) -> dict[str, Any]:
        by_status: Counter[str] = Counter()
        for tid in self.ids:
            t = self.tickets.get(tid)
            by_status[t.status if t is not None else "closed"] += 1
        open_ = sum(by_status[s] for s in ("new", "assigned", "in_progress", "waiting"))
        return {"tickets": len(self.ids), "open": open_, "by_status": dict(by_status),
                "reporters": len(self.people), "actions": dict(sorted(self.stats.items())),
                "refusals": self.refusals[:20]}
