"""Time itsmctl on desks of N tickets, each measure interleaved with its floor.

    python bench/run.py [--sizes 1000,10000] [--desk N=DIR ...] [--out bench/RESULTS.md]

Run it with the interpreter of a regular install (`python -m venv v && v/bin/pip install .
&& v/bin/python bench/run.py`): the console script beside that interpreter is what is
measured, and the header says whether it was a regular or an editable install.

Every figure is the median over fresh processes of wall time (what a shell or a hook
pays) and the peak RSS of the process. Each run of a measure is followed at once by a
run of its floor, so both see the same machine load, and the table gives the ratio
beside the absolute figures:

  git floor     Python start + `git fast-import` of one file + `git update-ref`
                (what any tool that commits one file from Python pays)
  python        `python -c pass`
  show floor    2 x `python -c pass` + one `git cat-file`

The desks come from bench/generate.py (realistic history, one commit per transition),
or are given with --desk N=DIR: each is cloned (hard links, no remote) and the clone
is measured, so the source desk is never changed and the first command in the clone
is the "fresh clone" figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Optional

HERE = Path(__file__).resolve().parent
# the console script beside this interpreter: a version manager's shim on PATH (pyenv)
# would add ~50 ms of its own to every figure
_HERE_EXE = Path(sys.executable).with_name("itsmctl")
EXE = str(_HERE_EXE) if _HERE_EXE.exists() else (shutil.which("itsmctl") or "itsmctl")
PY = sys.executable
DAY = "2026-11-25"
FLOOR_CODE = r"""
import subprocess, sys, time
root, ref = sys.argv[1], sys.argv[2]
head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                      text=True).stdout.strip()
data = b"id: FLOOR\nat: %d\n" % time.time_ns()
msg = b"floor\n"
stream = (b"commit refs/bench/floor\nmark :1\ncommitter Floor <floor@bench> 1700000000 +0000\n"
          b"data %d\n" % len(msg) + msg + b"from " + head.encode() + b"\n"
          b"M 100644 inline " + ref.encode() + b"\ndata %d\n" % len(data) + data +
          b"\nget-mark :1\ndone\n")
out = subprocess.run(["git", "fast-import", "--quiet", "--done", "--force"], cwd=root,
                     input=stream, capture_output=True, check=True).stdout
subprocess.run(["git", "update-ref", "refs/bench/floor-tip", out.strip().decode()],
               cwd=root, check=True)
"""

Sample = tuple[float, int, float]   # wall seconds, peak RSS KiB, CPU seconds


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def run(cmd: list[str], cwd: Path, stdin: Optional[bytes] = None,
        ok: tuple[int, ...] = (0, 1)) -> tuple[float, int, str, float]:
    """Wall seconds, peak RSS (KiB, from /usr/bin/time), stdout and CPU seconds (user +
    system, the processes it waited for included: git) of one process."""
    timed = ["/usr/bin/time", "-f", "%M", *cmd] if os.path.exists("/usr/bin/time") else cmd
    c0 = _cpu()
    t0 = time.perf_counter()
    proc = subprocess.run(timed, cwd=cwd, capture_output=True, input=stdin)
    elapsed = time.perf_counter() - t0
    cpu = _cpu() - c0
    err = proc.stderr.decode(errors="replace").strip().splitlines()
    rss = int(err[-1]) if timed is not cmd and err and err[-1].isdigit() else 0
    if proc.returncode not in ok:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {err[-3:]}")
    return elapsed, rss, proc.stdout.decode(errors="replace"), cpu


def sample(cmd: list[str], cwd: Path, stdin: Optional[bytes] = None,
           ok: tuple[int, ...] = (0, 1)) -> Sample:
    wall, rss, _, cpu = run(cmd, cwd, stdin=stdin, ok=ok)
    return wall, rss, cpu


class Bench:
    """One desk's measures, each beside its floor."""

    def __init__(self, desk: Path, repeat: int) -> None:
        self.desk, self.repeat = desk, repeat
        self.rows: list[dict[str, object]] = []
        self.minute = 0
        path = subprocess.run(["git", "ls-files", "tickets"], cwd=desk, capture_output=True,
                              text=True).stdout.split()
        self.some_path = path[len(path) // 2] if path else "README.md"
        self.month = self.some_path.rsplit("/", 1)[0] if path else "tickets"

    # ---- floors ----------------------------------------------------------
    def floor_git(self) -> Sample:
        ref = f"{self.month}/FLOOR-{random.randrange(1 << 30)}.yaml"
        return sample([PY, "-c", FLOOR_CODE, str(self.desk), ref], self.desk)

    def floor_python(self) -> Sample:
        return sample([PY, "-c", "pass"], self.desk)

    def floor_show(self) -> Sample:
        a = sample([PY, "-c", "pass"], self.desk)
        b = sample(["git", "cat-file", "-p", f"HEAD:{self.some_path}"], self.desk)
        return 2 * a[0] + b[0], max(a[1], b[1]), 2 * a[2] + b[2]

    # ---- itsmctl -------------------------------------------------------------
    def now(self) -> str:
        self.minute += 1
        return f"{DAY}T{12 + self.minute // 60 % 12:02d}:{self.minute % 60:02d}:00+08:00"

    def itsm(self, actor: str, *args: str, stdin: Optional[bytes] = None,
             ok: tuple[int, ...] = (0, 1)) -> Sample:
        return sample([EXE, "--repo", str(self.desk), "--actor", actor, "--now", self.now(),
                       *args], self.desk, stdin=stdin, ok=ok)

    def measure(self, name: str, fn: Callable[[int], Sample],
                floor: Optional[Callable[[], Sample]], goal: str = "",
                limit: Optional[float] = None, mib: Optional[float] = None,
                times: Optional[int] = None) -> None:
        """`fn(i)` and `floor()` alternately; medians, ratio and the goal's verdict. The
        CPU ratio (user + system time of the processes) is beside the wall-time ratio:
        on a shared machine other processes' load stretches wall time, not CPU time."""
        got, base, peak = [], [], 0
        got_cpu, base_cpu = [], []
        for i in range(times or self.repeat):
            try:
                t, rss, cpu = fn(i)
            except RuntimeError as exc:
                print(f"  skipped {name}: {str(exc)[:300]}", flush=True)
                return
            got.append(t)
            got_cpu.append(cpu)
            peak = max(peak, rss)
            if floor is not None:
                f = floor()
                base.append(f[0])
                base_cpu.append(f[2])
        med = statistics.median(got)
        ratio = med / statistics.median(base) if base else None
        cpu_med = statistics.median(got_cpu)
        cpu_ratio = (cpu_med / statistics.median(base_cpu)
                     if base_cpu and statistics.median(base_cpu) > 0 else None)
        verdict = ""
        if goal:
            passed = True
            if limit is not None and ratio is not None and goal.startswith("≤") and "×" in goal:
                passed = ratio <= limit
            elif limit is not None:
                passed = med <= limit
            if mib is not None:
                passed = passed and peak / 1024 <= mib
            verdict = "yes" if passed else "no"
        row = {"measure": name, "ms": med * 1000, "mib": peak / 1024,
               "floor_ms": statistics.median(base) * 1000 if base else None,
               "ratio": ratio, "goal": goal, "met": verdict, "cpu_ms": cpu_med * 1000,
               "floor_cpu_ms": statistics.median(base_cpu) * 1000 if base_cpu else None,
               "cpu_ratio": cpu_ratio}
        self.rows.append(row)
        print(f"  {name:<46} {med * 1000:9.1f} ms {peak / 1024:6.1f} MiB"
              + (f"  floor {row['floor_ms']:7.1f} ms  x{ratio:.2f}" if ratio else "")
              + f"  cpu {cpu_med * 1000:7.1f} ms"
              + (f" (floor {row['floor_cpu_ms']:.1f}, x{cpu_ratio:.2f})" if cpu_ratio else "")
              + (f"  goal {goal}: {verdict}" if goal else ""), flush=True)

    def fact(self, name: str, value: str, goal: str = "", met: str = "") -> None:
        self.rows.append({"measure": name, "text": value, "goal": goal, "met": met})
        print(f"  {name:<46} {value}  {goal} {met}", flush=True)


def open_ids(desk: Path) -> list[dict[str, str]]:
    out = run([EXE, "--repo", str(desk), "--actor", "alice", "list", "--json"], desk)[2]
    return [{"id": d["id"], "status": d["status"], "group": d.get("group") or "",
             "assignee": d.get("assignee") or ""} for d in json.loads(out)]


def alerts_payload(n: int, seed: int) -> bytes:
    """An Alertmanager webhook (version 4) with n firing alerts, each a new fingerprint."""
    rng = random.Random(seed)
    alerts = []
    for i in range(n):
        host = f"bench-{seed}-{i:03d}"
        alerts.append({
            "status": "firing",
            "labels": {"alertname": rng.choice(["InstanceDown", "HighLatency", "DiskFull"]),
                       "instance": f"{host}:9100", "job": "node",
                       "severity": rng.choice(["critical", "warning", "info"])},
            "annotations": {"summary": f"{host} needs attention"},
            "startsAt": f"{DAY}T01:{i % 60:02d}:00Z", "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus.example.com/graph",
            "fingerprint": f"{seed:06x}{i:010x}"})
    return json.dumps({"receiver": "itsmctl", "status": "firing", "alerts": alerts,
                       "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
                       "externalURL": "http://alertmanager.example.com", "version": "4",
                       "groupKey": f"bench-{seed}", "truncatedAlerts": 0}).encode()


def objects_size(desk: Path) -> int:
    total = 0
    for root, _, files in os.walk(desk / ".git" / "objects"):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    return total


def wait_for_repack(desk: Path) -> None:
    """Our own background repack (if one runs) finishes before sizes are read."""
    lock = desk / ".git" / "itsmctl" / "pack.lock"
    if lock.exists() and shutil.which("flock"):
        subprocess.run(["flock", str(lock), "true"], check=False)


def settled_size(desk: Path) -> int:
    """The size at which the desk's recent pack is left alone and a new one starts
    (itsmctl.infra.upkeep), 0 if the installed itsmctl does not say."""
    code = ("import sys; from pathlib import Path; from itsmctl.infra import upkeep as u; "
            "print(max(u.SETTLED, u.TREES * u._trees(Path(sys.argv[1]))))")
    out = subprocess.run([PY, "-c", code, str(desk)], capture_output=True, text=True)
    return int(out.stdout) if out.returncode == 0 and out.stdout.strip().isdigit() else 0


def months_by_volume(desk: Path) -> list[str]:
    counts: dict[str, int] = {}
    out = subprocess.run(["git", "ls-files", "tickets"], cwd=desk, capture_output=True,
                         text=True).stdout.split()
    for path in out:
        parts = path.split("/")
        if len(parts) == 4:
            key = f"{parts[1]}-{parts[2]}"
            counts[key] = counts.get(key, 0) + 1
    return sorted(counts, key=lambda k: counts[k])


def measure_desk(desk: Path, repeat: int) -> list[dict[str, object]]:
    b = Bench(desk, repeat)
    # a fresh clone's first command: settings applied, the ticket index built from git
    t, rss, _, cpu = run([EXE, "--repo", str(desk), "--actor", "alice", "list"], desk)
    b.fact("fresh clone: first command (list)",
           f"{t * 1000:,.0f} ms, {cpu:,.1f} s CPU, {rss / 1024:.0f} MiB",
           "≤ 15 s at 100k", "yes" if t <= 15 else "no")
    split = subprocess.run(["git", "config", "--get", "core.splitIndex"], cwd=desk,
                           capture_output=True, text=True).stdout.strip()
    b.fact("clone has core.splitIndex after it", split or "unset", "true",
           "yes" if split == "true" else "no")
    queue = open_ids(desk)
    b.fact("open queue", f"{len(queue):,} tickets")
    ids = [q["id"] for q in queue]
    rng = random.Random(7)
    rng.shuffle(ids)
    new_ids = [q["id"] for q in queue if q["status"] == "new"]
    b.measure("--help", lambda i: sample([EXE, "--help"], desk), b.floor_python,
              "≤ 3× python", 3)
    # a transition must commit (exit 0): a refusal is no measure of one
    b.measure("note", lambda i: b.itsm("alice", "note", ids[i], "--text", f"bench note {i}",
                                       ok=(0,)), b.floor_git, "≤ 2× git floor", 2)
    b.measure("open", lambda i: b.itsm(
        "alice", "open", "--title", f"bench 计费出错 {i}", "--reporter-name", "王五",
        "--reporter-phone", "13800000000", "--category", "billing", "--subtype",
        "application", "--symptom", "billing-error", ok=(0,)), b.floor_git,
        "≤ 2× git floor", 2)
    dispatched: list[str] = []

    def assign(i: int) -> Sample:
        tid = new_ids[i] if i < len(new_ids) else ids[-1 - i]
        dispatched.append(tid)
        # --force (off the routing, whatever the ticket's category) is the incident
        # manager's: until stop 23 this ran as alice and measured L3's refusal (exit 1)
        return b.itsm("mike", "assign", tid, "--group", "billing-app", "--force", ok=(0,))

    b.measure("assign", assign, b.floor_git, "≤ 2× git floor", 2)
    b.measure("hook alertmanager, 50 alerts", lambda i: b.itsm(
        "monitor", "hook", "alertmanager", stdin=alerts_payload(50, 1000 + i), ok=(0,)),
        b.floor_git, "≤ 3× git floor", 3)
    # the reads are measured once our own background pack roll of the writes above has
    # finished: in two runs at 100k where it overlapped them (pack-objects on both
    # cores), `list` took 159-174 ms instead of 113-125 ms (stop 23)
    wait_for_repack(desk)
    b.measure("list (open queue)", lambda i: b.itsm("alice", "list"), b.floor_python,
              "≤ 150 ms, ≤ 60 MiB", 0.150, 60)
    people: dict[str, int] = {}
    for q in queue:
        if q["assignee"]:
            people[q["assignee"]] = people.get(q["assignee"], 0) + 1
    if people:
        who = min(people, key=lambda p: abs(people[p] - 40))
        b.measure(f"list --assignee {who} ({people[who]} tickets)",
                  lambda i: b.itsm("alice", "list", "--assignee", who), b.floor_python,
                  "≤ 80 ms", 0.080)
    b.measure("show", lambda i: b.itsm("alice", "show", ids[i], ok=(0,)), b.floor_show,
              "≤ 1× (2× python + cat-file)", 1)
    months = months_by_volume(desk)
    if months:
        for label, month in (("typical", months[len(months) // 2]), ("busiest", months[-1])):
            b.measure(f"report --month {month} ({label})", lambda i, m=month: b.itsm(
                "mike", "report", "--month", m, "--format", "json"), b.floor_python,
                "≤ 300 ms, ≤ 100 MiB", 0.300, 100, times=min(repeat, 5))
    b.measure("audit --since HEAD~100", lambda i: b.itsm("mike", "audit", "--since",
                                                          "HEAD~100"), None, "≤ 1 s", 1.0,
              times=3)
    b.measure("validate --since HEAD~100", lambda i: b.itsm("mike", "validate", "--since",
                                                             "HEAD~100"), None, "≤ 1 s", 1.0,
              times=3)
    # growth: transitions as the desk writes them (our own background repack included,
    # nobody's gc), over tickets of the queue
    wait_for_repack(desk)
    # start from the desk's own packed state: the floors' fast-import runs above left
    # packs of their own, which the first repack of the notes would fold (and count)
    subprocess.run(["git", "repack", "-d", "-q", "--geometric=16"], cwd=desk, check=True)
    # first, one note in each month of the queue: the first commit to a month after a
    # clone gives the recent pack its one whole copy of that month's tree (a pack holds
    # no delta against another pack's object); measured apart, as what it is
    first: dict[str, str] = {}
    for ticket in ids:
        first.setdefault(ticket.split("-")[1], ticket)     # YYMM
    before = objects_size(desk)
    for i, ticket in enumerate(first.values()):
        b.itsm("alice", "note", ticket, "--text", f"first in its month {i}: 计费出错")
    wait_for_repack(desk)
    copies = objects_size(desk) - before
    b.fact(f"growth, first note in each month ({len(first)} months)",
           f"{copies / max(len(first), 1) / 1024:,.0f} KB a month, "
           f"{copies / 2**20:.1f} MB in all", "once per recent pack", "–")
    before = objects_size(desk)
    count = 64
    for i in range(count):
        b.itsm("alice", "note", ids[(i * 7) % len(ids)] if i % 4 else ids[0],
               "--text", f"growth {i}: 计费出错，用户反馈第{i}次")
    wait_for_repack(desk)
    grown = (objects_size(desk) - before) / count
    b.fact(f"repository growth per transition ({count} notes, as written)",
           f"{grown:,.0f} B", "≤ 2 KB", "yes" if grown <= 2048 else "no")
    settle = settled_size(desk)
    if settle and grown > 0 and settle > copies:
        period = (settle - copies) / grown
        average = (copies + period * grown) / period
        b.fact("growth, long run (copies again when the recent pack settles)",
               f"{average:,.0f} B a transition: the copies again every "
               f"~{period:,.0f} transitions (at {settle / 2**20:.1f} MB)", "≤ 2 KB",
               "yes" if average <= 2048 else "no")
    return b.rows


def install_kind() -> str:
    code = "import itsmctl, sys; print(itsmctl.__file__)"
    where = subprocess.run([PY, "-c", code], capture_output=True, text=True, cwd="/",
                           env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
                           ).stdout.strip()
    if "site-packages" in where and "__editable__" not in where:
        return "regular install (site-packages)"
    return "editable install or source tree"


def load() -> str:
    try:
        return open("/proc/loadavg").read().split(" ", 3)[:3].__str__()
    except OSError:
        return "unknown"


def prepare(source: Optional[Path], n: int, work: Path, uniform: bool) -> tuple[Path, str]:
    """A desk to measure: a clone of the given one, or a new one from bench/generate.py."""
    desk = work / f"desk-{n}"
    if desk.exists():
        shutil.rmtree(desk)
    if source is None:
        sys.path.insert(0, str(HERE.parent))
        from bench.generate import generate

        made = work / f"source-{n}"
        if made.exists():
            shutil.rmtree(made)
        t0 = time.perf_counter()
        stats = generate(made, n, uniform=uniform)
        note = (f"generated {n:,} tickets, {stats['commits']:,} commits in "
                f"{time.perf_counter() - t0:,.0f} s" + (", --uniform" if uniform else ""))
        source = made
    else:
        note = f"desk {source.name}"        # no machine's paths in the results
    subprocess.run(["git", "clone", "-q", str(source), str(desk)], check=True)
    subprocess.run(["git", "remote", "remove", "origin"], cwd=desk, check=True)
    return desk, note


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--desk", action="append", default=[], metavar="N=DIR",
                        help="measure a clone of this desk as size N (repeatable)")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--work", default="/tmp/itsmctl-bench")
    parser.add_argument("--uniform", action="store_true",
                        help="generated desks: the old one-commit desk")
    parser.add_argument("--out", default=str(HERE / "RESULTS.md"))
    args = parser.parse_args()
    given = {int(k): Path(v) for k, v in (d.split("=", 1) for d in args.desk)}
    sizes = sorted(set(given) | ({int(s) for s in args.sizes.split(",")} if not given
                                 else set()))
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    header = {"install": install_kind(), "load before": load()}
    print(header, flush=True)
    results: dict[int, tuple[str, list[dict[str, object]]]] = {}
    for n in sizes:
        desk, note = prepare(given.get(n), n, work, args.uniform)
        print(f"{n:,} tickets: {note}", flush=True)
        results[n] = (note, measure_desk(desk, args.repeat))
    header["load after"] = load()
    write(Path(args.out), results, header)


def write(out: Path, results: dict[int, tuple[str, list[dict[str, object]]]],
          header: dict[str, str]) -> None:
    cpu = "unknown"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    git_version = subprocess.run(["git", "--version"], capture_output=True,
                                 text=True).stdout.strip()
    lines = ["# itsmctl benchmark results", "",
             f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} "
             f"cores ({cpu}), Python {platform.python_version()}, {git_version}; "
             f"{header['install']}.",
             f"Load average (1, 5, 15 min) before: {header['load before']}, after: "
             f"{header['load after']}.", "",
             "Medians of fresh processes (wall time, peak RSS, CPU time); each run of a "
             "measure is followed by a run of its floor, and each ratio is of the two "
             "medians (wall, and CPU: user + system time of the process and the git "
             "processes it ran).", ""]
    for n, (note, rows) in results.items():
        lines += [f"## {n:,} tickets ({note})", "",
                  "| measure | median | peak RSS | floor | ratio | CPU | CPU floor | CPU ratio "
                  "| goal | met |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for r in rows:
            if "text" in r:
                lines.append(f"| {r['measure']} | {r['text']} | | | | | | | {r['goal']} | "
                             f"{r['met']} |")
                continue
            floor = f"{r['floor_ms']:,.0f} ms" if r["floor_ms"] else ""
            ratio = f"×{r['ratio']:.2f}" if r["ratio"] else ""
            cpu_floor = f"{r['floor_cpu_ms']:,.0f} ms" if r.get("floor_cpu_ms") else ""
            cpu_ratio = f"×{r['cpu_ratio']:.2f}" if r.get("cpu_ratio") else ""
            lines.append(f"| {r['measure']} | {r['ms']:,.0f} ms | {r['mib']:.0f} MiB | "
                         f"{floor} | {ratio} | {r['cpu_ms']:,.0f} ms | {cpu_floor} | "
                         f"{cpu_ratio} | {r['goal']} | {r['met']} |")
        lines.append("")
    out.write_text("\n".join(lines) + NOTES)
    print(f"wrote {out}")


NOTES = """
Floors: `git floor` is a Python process that commits one file with `git fast-import`
and moves a ref with `git update-ref` in the measured desk (its git settings included);
`python` is `python -c pass`; the `show` floor is two Python starts and one
`git cat-file -p`. Growth is the size of .git/objects after the notes minus before
(taken after one `git repack -d --geometric=16`, the desk's own packing, folded the
floors' packs), with itsmctl's own background pack roll (after each burst of commits)
finished and nobody's `git gc`. It is measured in two parts. First one note on an open
ticket of each month: the first commit to a month after a clone gives the recent pack
one whole copy of that month's tree (a pack holds no delta against another pack's
object), paid once per recent pack. Then 64 notes (a quarter on one ticket, the rest
spread over the open queue): the growth per transition. The long-run figure spreads
the month copies over the transitions a recent pack takes before it settles at the
size itsmctl.infra.upkeep gives and a new one starts (and pays them again).
"""


if __name__ == "__main__":
    main()
