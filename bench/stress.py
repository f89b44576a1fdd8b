"""Many machines, one remote (SPEC G4): how much of the remote's pace itsmctl keeps.

    python bench/stress.py [--clones 4] [--writers 1] [--duration 60 | --count N]
                           [--mix full|notes] [--transport daemon|http] [--seed 1] [--json]
    python bench/stress.py --storm [--storm-alerts 300] [--storm-senders 6]

Starts its own bare remote on 127.0.0.1 (`git daemon`, or `git http-backend` behind
lighttpd), makes a desk with `itsmctl init` and a pool of tickets, pushes it, and clones
it N times (each with `itsmctl.remote origin` and the desk's git settings). Then:

- FLOOR: N clones doing nothing but `git commit --allow-empty` + `git pull --rebase` +
  `git push` in a loop against a remote of the same desk: the pace the remote allows.
- ITSMCTL: N clones × W writer processes running the §14 cast through open, assign,
  accept, note and resolve on mostly their own tickets (some tickets shared by every
  clone: real conflicts), plus `itsmctl sweep` from two clones at a later --now each time.
- STORM (--storm): one clone, N alerts through `itsmctl hook alertmanager` from several
  concurrent processes.

It then checks the remote's history (every command that exited 0 landed exactly once,
none that failed landed, nothing else landed), counts what the remote saw (push
attempts, accepted pushes, fetches), prints the table with the floor beside it, and ends
with `itsmctl audit` on a fresh clone. Only the standard library; itsmctl runs as a
command (the console script beside this interpreter, or --itsmctl).
"""

# ruff: noqa: E402  (the checkout's root goes on sys.path before bench.* is imported)

from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import shutil
import signal
import sys
import tempfile
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.stress_load import (
    BILLING,
    REPORTER,
    T0,
    URGENCIES,
    Budget,
    Call,
    Ctx,
    FloorCommit,
    Shared,
    SimClock,
    Writer,
    floor_worker,
    run_threads,
    storm_payloads,
    storm_sender,
    sweeper,
)
from bench.stress_remote import Procs, Server, delta, desk_git_config, end_strays, make_clone
from bench.stress_report import details, machine, percentile, ratio, storm_text, summarize, table

_BESIDE = Path(sys.executable).with_name("itsmctl")
EXE = str(_BESIDE) if _BESIDE.exists() else (shutil.which("itsmctl") or "itsmctl")


def parse(argv: Optional[list[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clones", type=int, default=4)
    p.add_argument("--writers", type=int, default=1, help="concurrent writers per clone")
    p.add_argument("--duration", type=float, help="seconds per load (default 60)")
    p.add_argument("--count", type=int, help="commands per load (the floor: landed commits)")
    p.add_argument("--mix", choices=("full", "notes"), default="full")
    p.add_argument("--transport", choices=("daemon", "http"), default="daemon")
    p.add_argument("--storm", action="store_true", help="run the alert storm instead")
    p.add_argument("--storm-alerts", type=int, default=300)
    p.add_argument("--storm-senders", type=int, default=6)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--pool", type=int, default=6, help="tickets opened beforehand per clone")
    p.add_argument("--shared", type=int, default=6, help="tickets every clone works on")
    p.add_argument("--sweep-every", type=float, default=10,
                   help="wall seconds between sweeps of one sweeping clone (0: none)")
    p.add_argument("--speed", type=float, default=60,
                   help="simulated seconds per wall second (--now of every command)")
    p.add_argument("--no-floor", action="store_true")
    p.add_argument("--timeout", type=float, default=300, help="seconds per command at most")
    p.add_argument("--itsmctl", default=shlex.quote(EXE),
                   help="the itsmctl command to measure (split like a shell would)")
    p.add_argument("--keep", action="store_true", help="keep the scratch directory")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--json-out", metavar="FILE", help="also write the JSON report to FILE")
    args = p.parse_args(argv)
    if args.clones < 1 or args.writers < 1 or (args.count is not None and args.count < 1):
        p.error("--clones, --writers and --count must be at least 1")
    if args.duration is None:
        args.duration = 600.0 if args.count else 60.0
    args.exe = shlex.split(args.itsmctl)
    return args


def say(args: argparse.Namespace, text: str) -> None:
    print(text, file=sys.stderr if args.json else sys.stdout, flush=True)


class Bench:
    """One run: scratch directory, server, desks and clones; cleaned up by close()."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.root = Path(tempfile.mkdtemp(prefix="itsmctl-stress-"))
        (self.root / "home").mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith("ITSMCTL_")}
        env.update(HOME=str(self.root / "home"), GIT_CONFIG_NOSYSTEM="1", LANG="C.UTF-8",
                   GIT_TERMINAL_PROMPT="0", GIT_COMMITTER_NAME="stress bench",
                   GIT_COMMITTER_EMAIL="stress@example.com")
        self.procs = Procs(env)
        self.server = Server(self.procs, self.root, args.transport)
        self.budgets: list[Budget] = []

    def close(self) -> None:
        for b in self.budgets:
            b.stop.set()
        self.procs.stop_all()
        self.server.stop()
        end_strays(self.root)
        if self.args.keep:
            say(self.args, f"scratch kept in {self.root}")
        else:
            shutil.rmtree(self.root, ignore_errors=True)

    def budget(self) -> Budget:
        b = Budget(self.args.duration, self.args.count)
        self.budgets.append(b)
        return b

    def ctx(self, clock: SimClock) -> Ctx:
        return Ctx(self.procs, self.args.exe, self.args.timeout, clock)

    # -- desks, remotes, clones ----------------------------------------------------------

    def seed_desk(self, name: str, pool: int) -> tuple[Path, list[str]]:
        """`itsmctl init`, then POOL tickets of mixed priority opened an hour before T0."""
        desk = self.root / name
        self.procs.check([*self.args.exe, "init", str(desk)])
        ctx = self.ctx(SimClock(T0 - timedelta(hours=1), 0))
        rng = random.Random(f"{self.args.seed}-pool")
        ids = []
        for i in range(pool):
            _, done = ctx.itsm(desk, ("alice", "bob")[i % 2], [
                "open", "--title", f"stress pool {i}", *REPORTER, *BILLING, "--impact",
                str(i % 4 + 1), "--urgency", rng.choice(URGENCIES)])
            if done.code != 0:
                raise RuntimeError(f"opening the pool failed: {done.err.strip()[-300:]}")
            ids.append(done.out.strip())
        return desk, ids

    def publish(self, desk: Path, name: str) -> tuple[str, str]:
        """A served bare remote holding the desk; its url and tip."""
        branch = self.procs.check(["git", "symbolic-ref", "--short", "HEAD"], cwd=desk).out
        self.server.make_remote(name, branch.strip())
        url = self.server.url(name)
        self.procs.check(["git", "push", "-q", url, f"HEAD:refs/heads/{branch.strip()}"],
                         cwd=desk)
        tip = self.procs.check(["git", "rev-parse", "HEAD"], cwd=desk).out.strip()
        return url, tip

    def clones(self, url: str, prefix: str, n: int, settings: list[tuple[str, str]],
               desk: bool) -> list[Path]:
        paths = [make_clone(self.procs, url, self.root / f"{prefix}{i}", settings, desk)
                 for i in range(n)]
        if desk:       # every clone's ticket index built before the clock starts
            ctx = self.ctx(SimClock(T0, 0))

            def warm(clone: Path) -> Callable[[], None]:
                def run() -> None:
                    ctx.itsm(clone, "alice", ["list"])
                return run

            run_threads([warm(c) for c in paths], self.budget())
        return paths

    def history(self, url: str, base: str, name: str) -> tuple[Path, list[dict[str, Any]]]:
        """A fresh clone of the remote and its commits after BASE, with their trailers."""
        fresh = self.root / f"fresh-{name}"
        self.procs.check(["git", "clone", "-q", url, str(fresh)], timeout=120)
        fmt = ("%H%x1f%(trailers:key=Itsmctl-Action,valueonly,unfold)%x1f"
               "%(trailers:key=Itsmctl-Command,valueonly,unfold)%x1e")
        out = self.procs.check(["git", "log", f"--format={fmt}", f"{base}..HEAD"],
                               cwd=fresh).out
        commits = []
        for rec in out.split("\x1e"):
            if not rec.strip():
                continue
            sha, action, command = (rec.strip("\n").split("\x1f") + ["", ""])[:3]
            now = None
            try:
                record = json.loads(command.strip().splitlines()[0]) if command.strip() else {}
                if isinstance(record, dict):             # {"call", "args", "actor", "now"}
                    now = record.get("now")
                elif "--now" in record:                  # an older itsmctl's argv
                    now = record[record.index("--now") + 1]
            except (ValueError, IndexError, TypeError):
                pass
            commits.append({"sha": sha, "action": action.strip(), "now": now})
        return fresh, commits

    def audit(self, fresh: Path) -> dict[str, Any]:
        done = self.procs.run([*self.args.exe, "--repo", str(fresh), "--json", "audit"],
                              timeout=600)
        try:
            doc = json.loads(done.out)
        except ValueError:
            doc = {"ok": False, "error": (done.err.strip() or done.out.strip())[-300:]}
        findings = doc.get("findings", [])
        verdict = (f"clean: {doc.get('commits')} commit(s) replayed, 0 findings"
                   if done.code == 0 and doc.get("ok") else
                   f"NOT clean (exit {done.code}): {len(findings)} finding(s) "
                   f"{json.dumps(findings[:3], ensure_ascii=False)[:400]}"
                   f"{doc.get('error', '')}")
        return {"exit": done.code, "ok": done.code == 0 and bool(doc.get("ok")),
                "commits": doc.get("commits"), "findings": len(findings), "verdict": verdict}

    # -- the loads -----------------------------------------------------------------------

    def floor(self, url: str, settings: list[tuple[str, str]]) -> dict[str, Any]:
        a = self.args
        clones = self.clones(url, "floor", a.clones, settings, desk=False)
        before = self.server.seen("floor")
        budget, out = self.budget(), list[FloorCommit]()
        workers = [floor_worker(self.procs, c, str(i), budget, out) for i, c in enumerate(clones)]
        seconds = run_threads(workers, budget)
        seen = delta(self.server.seen("floor"), before)
        landed = sum(c.landed for c in out)
        lat = [c.seconds for c in out if c.landed]
        return {"clones": a.clones, "writers": 1, "seconds": round(seconds, 2),
                "landed": landed, "remote_landed": seen["pushes"], "exit5": None,
                "rejected_per_landed": ratio(seen["push_attempts"] - seen["pushes"], landed),
                "client_rejections": sum(c.rejected for c in out),
                "commits_per_s": ratio(landed, seconds), "p50": percentile(lat, .5),
                "p95": percentile(lat, .95), "remote": seen}

    def itsmctl(self, url: str, base: str, settings: list[tuple[str, str]],
                pools: list[list[str]], shared_ids: list[str]) -> dict[str, Any]:
        a = self.args
        clones = self.clones(url, "clone", a.clones, settings, desk=True)
        before = self.server.seen("desk")
        clock = SimClock(T0, a.speed)
        ctx, budget, shared = self.ctx(clock), self.budget(), Shared(shared_ids)
        out: list[Call] = []
        writers = []
        for c, path in enumerate(clones):
            for w in range(a.writers):
                own = {t: "new" for t in pools[c][w::a.writers]}
                writers.append(Writer(ctx, path, c, random.Random(f"{a.seed}-{c}-{w}"), own,
                                      shared, a.mix, budget, out, desk=("alice", "bob")[w % 2],
                                      support=("carol", "dave")[w % 2]))
        done = threading.Event()
        sweepers = []
        if a.sweep_every > 0:
            for k, path in enumerate(clones[:2]):
                sweepers.append(sweeper(ctx, path, k, a.sweep_every,
                                        a.sweep_every * (0.5 + k) / 2, budget, done, out))

        def writing() -> None:
            try:
                run_threads([w.work for w in writers], budget)
            finally:
                done.set()

        seconds = run_threads([writing, *sweepers], budget)
        seen = delta(self.server.seen("desk"), before)
        fresh, commits = self.history(url, base, "desk")
        result = summarize(out, commits, seconds, seen)
        result.update(clones=a.clones, writers=a.writers, mix=a.mix,
                      dirty_clones=sum(bool(self.procs.run(
                          ["git", "status", "--porcelain"], cwd=c).out.strip()) for c in clones),
                      audit=self.audit(fresh))
        return result

    def storm(self) -> dict[str, Any]:
        a = self.args
        desk, _ = self.seed_desk("storm-seed", 0)
        url, base = self.publish(desk, "storm")
        (clone,) = self.clones(url, "storm", 1, desk_git_config(self.procs, desk), desk=True)
        queue = storm_payloads(random.Random(a.seed), a.storm_alerts)
        expected = {fp for _, fps in queue for fp in fps}
        before = self.server.seen("storm")
        ctx, budget, lock = self.ctx(SimClock(T0, a.speed)), self.budget(), threading.Lock()
        out: list[Call] = []
        budget.left = None                       # the storm is bounded by its alerts
        seconds = run_threads([storm_sender(ctx, clone, queue, lock, budget, out)
                               for _ in range(a.storm_senders)], budget)
        seen = delta(self.server.seen("storm"), before)
        fresh, commits = self.history(url, base, "storm")
        listed = self.procs.run([*a.exe, "--repo", str(fresh), "--json", "list", "--all"],
                                timeout=600)
        try:
            tickets = json.loads(listed.out)
        except ValueError:
            tickets = []
        per_fp = Counter((t.get("alert") or {}).get("fingerprint") for t in tickets)
        codes = Counter(c.code for c in out)
        lat = [c.seconds for c in out if c.code == 0]
        return {"alerts": len(expected), "payloads": len(out), "senders": a.storm_senders,
                "seconds": round(seconds, 2), "exit_codes": dict(sorted(codes.items())),
                "recorded": sum(1 for fp in expected if per_fp.get(fp) == 1),
                "twice": sorted(fp for fp in expected if per_fp.get(fp, 0) > 1),
                "missing": sorted(fp for fp in expected if fp not in per_fp),
                "commits": len(commits), "remote": seen,
                "pushes_per_s": ratio(seen["pushes"], seconds),
                "push_attempts_per_s": ratio(seen["push_attempts"], seconds),
                "p50": percentile(lat, .5), "p95": percentile(lat, .95),
                "errors": sorted({c.err for c in out if c.code})[:5],
                "audit": self.audit(fresh)}


# -- main ----------------------------------------------------------------------------------

def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt()          # SIGTERM cleans up like Ctrl-C


def main(argv: Optional[list[str]] = None) -> int:
    args = parse(argv)
    why = Server.unavailable(args.transport)
    if why:
        print(json.dumps({"skipped": why}) if args.json else why)
        return 0
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)     # also when started with &
    report: dict[str, Any] = {"args": {k: v for k, v in vars(args).items()
                                       if k not in ("itsmctl", "exe")},
                              "machine_before": machine()}
    bench = Bench(args)
    try:
        bench.server.start()
        if args.storm:
            say(args, f"storm: {args.storm_alerts} alerts, {args.storm_senders} senders "
                      f"over {args.transport} …")
            report["storm"] = bench.storm()
        else:
            say(args, f"setting up {args.clones} clones over {args.transport} …")
            pool = max(args.pool, args.writers)
            desk, ids = bench.seed_desk("seed", args.clones * pool + args.shared)
            pools = [ids[c * pool:(c + 1) * pool] for c in range(args.clones)]
            shared_ids = ids[args.clones * pool:]
            settings = desk_git_config(bench.procs, desk)
            url, base = bench.publish(desk, "desk")
            floor_url, _ = bench.publish(desk, "floor")
            if not args.no_floor:
                say(args, f"floor: {args.clones} clones of plain git …")
                report["floor"] = bench.floor(floor_url, settings)
            say(args, f"itsmctl: {args.clones} clones × {args.writers} writers ({args.mix}) …")
            report["itsmctl"] = bench.itsmctl(url, base, settings, pools, shared_ids)
    except KeyboardInterrupt:
        say(args, "interrupted: stopping every process the bench started")
        return 130
    except (RuntimeError, OSError) as exc:           # setup failed: one line, no traceback
        print(f"stress: {exc}", file=sys.stderr)
        return 2
    finally:
        bench.close()
    report["machine_after"] = machine()
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    elif args.storm:
        print(storm_text(report["storm"]))
    else:
        print(table(report.get("floor"), report["itsmctl"]))
        print(details(report["itsmctl"]))
    if not args.json:
        m0, m1 = report["machine_before"], report["machine_after"]
        print(f"machine: {m1['cores']} cores, load average {m0['load']} before, {m1['load']} "
              f"after; Python {m1['python']}, {m1['git']}, code {m1['code']}")
    part = report.get("storm") or report["itsmctl"]
    ok = part["audit"]["ok"] and (part.get("exactly_once", True)
                                  and not part.get("twice") and not part.get("missing"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
