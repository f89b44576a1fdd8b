"""Make a benchmark desk of N tickets with a realistic three-year git history.

Command line (stable: other benchmarks and scripts call it this way):

    python bench/generate.py DIR [--tickets N] [--seed S] [--end YYYY-MM-DD]
                                 [--uniform [--open-share X]] [--gc] [--progress]

    DIR          a new directory (or an empty one); refused if it already holds a desk
    --tickets N  how many tickets (default 1000); 1k, 10k and 100k are the measured sizes
    --seed S     random seed (default 7): the same seed, size and end give the same
                 history, commit for commit (the same HEAD sha)
    --end DAY    the history's last day (default 2026-11-25, the benchmark's "today"); it
                 ends that morning at 08:00 desk time and starts 36 months earlier
    --uniform    the old, fast, flattering desk instead (see below)
    --open-share X  with --uniform: the share of tickets left open (default 0.1; 1 opens
                 every ticket, as bench/whatif.py wants)
    --gc         run `git gc` afterwards (default: the one pack fast-import wrote)
    --progress   a line on stderr every 50,000 commits (date reached, commits per second)

Prints the counts as JSON on stdout (tickets, open, by_status, reporters, actions,
refusals, commits, seconds, pack_bytes) and one summary line on stderr. Exit 0 when the
desk was made, 2 on a bad argument (the usage and one line saying what is wrong, no
traceback). From Python, `generate(Path(DIR), N, seed=7, uniform=False,
day="2026-11-25", gc=False, open_share=0.1)` returns the same counts. The desk is
checked out on branch `main`, with no remote; its clone id (.git/itsmctl/clone-id)
names DIR, so a copy elsewhere is a new clone to itsmctl.

Realistic (the default): reporters, classifications, texts (Chinese and English),
sources, monitoring alerts with storms, waits, transfers, reopens, escalations, tasks,
announcements and visits are drawn from a seeded random generator, and every ticket
lives its life through itsmctl's own core functions (bench/desksim.py and the stories of
bench/stories.py and bench/monitoring.py), so each file is what itsmctl writes and each
history step is one commit, authored by the person who acted, in time order, streamed
into one `git fast-import`. The sweep runs as cron would: breaches, resumes, auto-closes
and visits due, each in a sweep commit that also records the notification deliveries
made since the previous one. About 6.4 commits per ticket; 1,000 tickets take about
half a minute on one core.

Uniform (--uniform): five template tickets written by the CLI, copied N times with
shifted dates, in one commit (seconds at any size; no history to speak of).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterator, Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# ---- itsmctl internals: the one place the benchmark names the project's modules ----
# (re-point these lines when modules move; the other bench modules, desksim, dumps,
# arrivals, steps, stories and monitoring, take every internal from here)
from itsmctl.app.hooks import apply_severity  # noqa: E402
from itsmctl.app.session import SYSTEM_AUTHORS  # noqa: E402
from itsmctl.app.setup import init as init_desk  # noqa: E402
from itsmctl.app.sweep import message as sweep_message  # noqa: E402
from itsmctl.app.write import Tx as _WriteTx  # noqa: E402
from itsmctl.app.write import commit_message  # noqa: E402
from itsmctl.core import alerts, relations, tasks, visit, workflow  # noqa: E402
from itsmctl.core.delegation import delegate_for  # noqa: E402
from itsmctl.core.escalation import fired  # noqa: E402
from itsmctl.core.events import Ctx  # noqa: E402
from itsmctl.core.intake import Intake, open_ticket  # noqa: E402
from itsmctl.core.model import Ticket  # noqa: E402
from itsmctl.core.notices import fold as fold_deliveries  # noqa: E402
from itsmctl.core.notices import plan as plan_notices  # noqa: E402
from itsmctl.core.sla import clocks, stored  # noqa: E402
from itsmctl.core.sweep import settled, sweep_ctx  # noqa: E402
from itsmctl.errors import ItsmError  # noqa: E402
from itsmctl.infra.clock import zone  # noqa: E402
from itsmctl.infra.config import load_policy  # noqa: E402
from itsmctl.infra.store import ID_ALPHABET, new_id  # noqa: E402
from itsmctl.infra.yaml import dump_ticket  # noqa: E402

SWEEP_NAME, SWEEP_EMAIL = SYSTEM_AUTHORS["sweep"]


def mirror_slaves(tx: Any, before: Any, after: Any, ctx: Any) -> list[Any]:
    """M2 as the write path's Tx.mirror does it, on the simulator's transaction."""
    return _WriteTx.mirror(SimpleNamespace(load=tx.load, save=tx.save, ctx=ctx),  # type: ignore[arg-type]
                           before, after)

# ---- end of itsmctl internals ----------------------------------------------------

__all__ = ["Ctx", "DAY", "Intake", "ItsmError", "SWEEP_EMAIL", "SWEEP_NAME",
           "Ticket", "alerts", "apply_severity", "clocks", "commit_message", "delegate_for",
           "dump_ticket", "fired", "fold_deliveries", "generate", "mirror_slaves", "new_id",
           "open_ticket", "plan_notices", "relations", "settled", "stored", "sweep_ctx",
           "sweep_message", "tasks", "visit", "workflow"]

DAY = "2026-11-25"           # the benchmark's "today": the history ends that morning
MONTHS = 36


class FastImport:
    """One `git fast-import` process fed every commit of the history, in order."""

    def __init__(self, root: Path, branch: str = "refs/heads/main") -> None:
        self.proc = subprocess.Popen(["git", "fast-import", "--quiet", "--done"], cwd=root,
                                     stdin=subprocess.PIPE, bufsize=1 << 20)
        assert self.proc.stdin is not None
        self.stdin = self.proc.stdin
        self.head = b"commit " + branch.encode() + b"\n"
        self.parent: Optional[bytes] = b"from " + branch.encode() + b"^0\n"
        self.commits = 0

    def commit(self, files: dict[str, bytes], message: str, name: str, email: str,
               when: datetime) -> None:
        """Author and committer are the actor at the moment the command ran."""
        who = f"{name} <{email}> {git_time(when)}\n".encode()
        msg = message.encode()
        out = [self.head, b"author ", who, b"committer ", who, b"data %d\n" % len(msg), msg,
               b"\n"]
        if self.parent is not None:
            out.append(self.parent)
            self.parent = None
        for path in sorted(files):
            data = files[path]
            out += [b"M 100644 inline ", path.encode(), b"\ndata %d\n" % len(data), data,
                    b"\n"]
        self.stdin.write(b"".join(out))
        self.commits += 1

    def close(self) -> None:
        self.stdin.write(b"done\n")
        self.stdin.close()
        if self.proc.wait() != 0:
            raise RuntimeError(f"git fast-import exited {self.proc.returncode}")


def git_time(when: datetime) -> str:
    offset = when.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign, minutes = ("+" if minutes >= 0 else "-"), abs(minutes)
    return f"{int(when.timestamp())} {sign}{minutes // 60:02d}{minutes % 60:02d}"


@contextmanager
def dated(when: datetime) -> Iterator[None]:
    """Git commands run inside are dated `when` (the desk is created before its tickets)."""
    keys = ("GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE")
    saved = {k: os.environ.get(k) for k in keys}
    os.environ.update({k: when.isoformat() for k in keys})
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def clone_id(root: Path, rng: random.Random) -> str:
    """A fixed clone id (.git/itsmctl/clone-id): the desk delivered its own notifications."""
    cid = f"bench-{rng.getrandbits(40):010x}"
    state = root / ".git" / "itsmctl"
    state.mkdir(parents=True, exist_ok=True)
    (state / "clone-id").write_text(json.dumps({"id": cid, "root": str(root.resolve())}))
    return cid


def generate(desk: Path, n: int, seed: int = 7, uniform: bool = False, day: str = DAY,
             gc: bool = False, quiet: bool = True, open_share: float = 0.1) -> dict[str, Any]:
    """Build the desk; returns what was made (counts, seconds, pack size). `open_share`
    is for the uniform desk (the realistic one leaves about 10% open, as desks do)."""
    t0 = time.perf_counter()
    if uniform:
        stats = make_uniform(desk, n, seed, day, open_share)
    else:
        stats = make_realistic(desk, n, seed, day, quiet)
    if gc:
        subprocess.run(["git", "gc", "-q"], cwd=desk, check=True)
    stats["seconds"] = round(time.perf_counter() - t0, 1)
    stats["pack_bytes"] = pack_bytes(desk)
    return stats


def make_realistic(desk: Path, n: int, seed: int, day: str, quiet: bool) -> dict[str, Any]:
    from bench.desksim import Sim

    rng = random.Random(seed)
    span = timedelta(days=MONTHS * 365 // 12 + 1)
    # the desk is created (dated) before its first ticket; its profile gives the time zone
    with dated(datetime.fromisoformat(f"{day}T00:00:00+00:00") - span - timedelta(days=2)):
        root = init_desk(str(desk))
    policy = load_policy(root)
    tz = zone(policy.desk.timezone)
    end = datetime.fromisoformat(f"{day}T08:00:00").replace(tzinfo=tz)
    start = end - span
    stream = FastImport(root)
    try:
        sim = Sim(policy, tz, start, end, seed, stream, clone_id(root, rng))
        sim.run(n, None if quiet else lambda line: print(line, file=sys.stderr, flush=True))
    finally:
        stream.close()
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=root, check=True)
    stats = sim.summary()
    stats["commits"] = stream.commits
    return stats


def pack_bytes(desk: Path) -> int:
    pack_dir = desk / ".git" / "objects" / "pack"
    return sum(p.stat().st_size for p in pack_dir.glob("*.pack")) if pack_dir.is_dir() else 0


# ---------------------------------------------------------------- the uniform desk
def _cli(desk: Path, actor: str, day: str, *args: str) -> str:
    cmd = [sys.executable, "-m", "itsmctl", "--repo", str(desk), "--actor", actor,
           "--now", f"{day}T09:00:00", *args]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()


def _templates(desk: Path, day: str) -> dict[str, str]:
    """One ticket per lifecycle stage, written by the CLI."""
    user = ["--reporter-name", "王五", "--reporter-phone", "13800000000", "--category",
            "billing", "--subtype", "application", "--symptom", "billing-error"]
    out = {}
    for stage in ("new", "assigned", "in_progress", "waiting", "closed"):
        tid = _cli(desk, "alice", day, "open", "--title", f"计费出错 {stage}", *user)
        if stage != "new":
            _cli(desk, "alice", day, "assign", tid, "--group", "billing-app")
        if stage in ("in_progress", "waiting", "closed"):
            _cli(desk, "carol", day, "accept", tid)
        if stage == "waiting":
            _cli(desk, "carol", day, "wait", tid, "--code", "vendor")
        if stage == "closed":
            _cli(desk, "carol", day, "resolve", tid, "--solution", "fixed the rate table",
                 "--causation", "data-error")
            _cli(desk, "alice", day, "close", tid, "--code", "solved")
        out[stage] = tid
    # a sweep after the closes, as cron would have run: visits due, breaches recorded
    subprocess.run([sys.executable, "-m", "itsmctl", "--repo", str(desk), "--now",
                    f"{day}T12:00:00", "sweep", "--quiet"], check=True, capture_output=True)
    return out


_DATE = re.compile(r"(?<!\d)(20\d\d)-(\d\d)-(\d\d)(?!\d)")


def _shift_dates(text: str, days: int) -> str:
    """Every calendar date in a ticket moved by `days` (clocks stay consistent)."""
    def move(m: re.Match[str]) -> str:
        d = date(int(m.group(1)), int(m.group(2)), int(m.group(3))) + timedelta(days=days)
        return d.isoformat()

    return _DATE.sub(move, text)


def make_uniform(desk: Path, n: int, seed: int, day: str,
                 open_share: float = 0.1) -> dict[str, Any]:
    """Five CLI-written tickets copied N times over 36 months, in one commit; 10% open
    (or the share given: 1 makes every ticket open, as the what-if benchmark wants)."""
    init_desk(str(desk))
    made = _templates(desk, day)
    yy, mm = int(day[2:4]), int(day[5:7])
    texts = {stage: (desk / "tickets" / f"20{yy:02d}" / f"{mm:02d}" / f"{tid}.yaml").read_text()
             for stage, tid in made.items()}
    rng = random.Random(seed)
    last = (2000 + yy) * 12 + mm - 1
    months = [(m // 12, m % 12 + 1) for m in range(last - MONTHS + 1, last + 1)]
    stream = [b"commit refs/heads/main\ncommitter bench <bench@localhost> 1764000000 +0800\n",
              b"data 24\ngenerated benchmark desk", b"\nfrom refs/heads/main^0\n"]
    used: set[str] = set(made.values())
    open_stages = ("new", "assigned", "in_progress", "waiting")
    every = max(1, round(1 / open_share)) if open_share > 0 else n + 1
    for i in range(n):
        if i % every == 0:
            stage = open_stages[(i // every) % 4]
            year, month = months[-1 - (i // every) % 2]     # open ones are recent
        else:
            stage = "closed"
            year, month = months[rng.randrange(len(months))]
        while True:
            tid = f"INC-{year % 100:02d}{month:02d}-" + "".join(
                rng.choice(ID_ALPHABET) for _ in range(5))
            if tid not in used:
                used.add(tid)
                break
        top = int(day[8:10]) - 1 if (year, month) == months[-1] else 28   # nothing after today
        when = date(year, month, rng.randint(1, max(1, top)))
        text = _shift_dates(texts[stage].replace(made[stage], tid),
                            (when - date.fromisoformat(day)).days)
        data = text.encode()
        path = f"tickets/{year}/{month:02d}/{tid}.yaml"
        stream.append(b"M 100644 inline %s\ndata %d\n" % (path.encode(), len(data)))
        stream += [data, b"\n"]
    subprocess.run(["git", "fast-import", "--quiet"], cwd=desk, input=b"".join(stream),
                   check=True)
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=desk, check=True)
    subprocess.run(["git", "gc", "-q"], cwd=desk, check=True)
    return {"tickets": n + len(made), "commits": 1}


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", help="the new desk's directory (must not hold a desk yet)")
    parser.add_argument("--tickets", type=int, default=1000, help="how many (default 1000)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--end", default=DAY, help=f"the history's last day (default {DAY})")
    parser.add_argument("--uniform", action="store_true",
                        help="the old desk: 5 template tickets copied, one commit")
    parser.add_argument("--open-share", type=float, default=0.1, metavar="X",
                        help="with --uniform: the share left open, 0 to 1 (default 0.1)")
    parser.add_argument("--gc", action="store_true", help="run git gc afterwards")
    parser.add_argument("--progress", action="store_true", help="print progress")
    args = parser.parse_args(argv)
    if args.tickets < 1:
        parser.error("--tickets must be 1 or more")
    if not 0 <= args.open_share <= 1 or (args.open_share != 0.1 and not args.uniform):
        parser.error("--open-share takes a share from 0 to 1, with --uniform only")
    try:
        date.fromisoformat(args.end)
    except ValueError:
        parser.error(f"--end {args.end!r}: give a date as YYYY-MM-DD")
    if (Path(args.dir) / "config").exists():
        parser.error(f"{args.dir} already holds a desk; give an empty directory")
    stats = generate(Path(args.dir), args.tickets, args.seed, args.uniform, args.end,
                     args.gc, quiet=not args.progress, open_share=args.open_share)
    print(json.dumps(stats, ensure_ascii=False, indent=1))
    print(f"generated {args.tickets} tickets, {stats['commits']} commits in "
          f"{stats['seconds']:.1f}s; pack {stats['pack_bytes'] / 2**20:.1f} MiB",
          file=sys.stderr)


if __name__ == "__main__":
    main()
