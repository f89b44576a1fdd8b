"""Time the daily reads of SPEC 17 on a desk (W1 search, W2 my queue) beside two floors,
in one run: median wall time of fresh processes and the CPU time they used (user + sys,
steadier than wall time on a shared machine).

    python bench/desk_work.py DESK [--actor ID] [--repeat N] [QUERY ...]

Goals (issue 17): `search` <= 150 ms and `list --mine` <= 80 ms at 100,000 tickets. A
desk: bench/generate.py, or `python bench/exchange.py 100000 --keep DIR` (a GLPI-style
import with varied callers and texts).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time

NOW = "2026-11-25T09:00:00+08:00"


def timed(cmd: list[str], repeat: int) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(repeat):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True)
        walls.append(time.perf_counter() - t0)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)}: exit {proc.returncode}: {proc.stderr[-300:]!r}")
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("desk")
    parser.add_argument("--actor", default="carol")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("queries", nargs="*", default=["王五", "13800000000", "计费"])
    args = parser.parse_intermixed_args()
    base = [sys.executable, "-m", "itsmctl", "--repo", args.desk, "--now", NOW]
    cases = [("python -c pass", [sys.executable, "-c", "pass"]),
             ("python -c 'import click, pydantic'",
              [sys.executable, "-c", "import click, pydantic"])]
    cases += [(f"search {q}", base + ["search", q]) for q in args.queries]
    cases += [(f"--actor {args.actor} list --mine",
               base + ["--actor", args.actor, "list", "--mine"])]
    subprocess.run(cases[-1][1], capture_output=True)        # the caches caught up
    subprocess.run(cases[2][1] if len(cases) > 3 else cases[-1][1], capture_output=True)
    print(f"{'wall':>9} {'cpu':>9}  measure")
    for name, cmd in cases:
        wall, cpu = timed(cmd, args.repeat)
        print(f"{wall:7.0f}ms {cpu:7.0f}ms  {name}", flush=True)


if __name__ == "__main__":
    main()
