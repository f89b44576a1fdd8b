"""Time `itsmctl what-if` (C2) on a desk of N open tickets (target: <= 5 s for 10,000).

    python bench/whatif.py [--open 10000] [--runs 5] [--keep DIR]

A desk of N open tickets (bench/generate.py, every ticket open) gets one config commit
that moves SLA targets, routing and notification rules at once; what-if between the
commit before it and it is timed as fresh processes (median wall time, time.perf_counter),
with the ticket index warm (built once before, as on any desk in use) and cold, and
once more with a business calendar in force on both sides.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.generate import generate  # noqa: E402

NOW = "2026-11-25T12:00:00+08:00"


def itsmctl(desk: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "itsmctl", "--repo", str(desk), "--now", NOW,
                           *args], capture_output=True, text=True, check=True)


def timed(desk: Path, *args: str) -> float:
    start = time.perf_counter()
    itsmctl(desk, *args)
    return time.perf_counter() - start


def edit(desk: Path, rel: str, old: str, new: str) -> None:
    path = desk / rel
    text = path.read_text()
    assert old in text, (rel, old)
    path.write_text(text.replace(old, new, 1))


def commit(desk: Path, message: str) -> None:
    subprocess.run(["git", "commit", "-qam", message], cwd=desk, check=True,
                   env={"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@localhost",
                        "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "b@localhost",
                        "PATH": "/usr/bin:/bin"})


def change(desk: Path) -> None:
    """One pull request's worth: targets, routing, recipients."""
    edit(desk, "config/sla.yaml", "P4: {respond: 1h, accept: 2h, restore: 3d",
         "P4: {respond: 30m, accept: 1h, restore: 2d")
    edit(desk, "config/categories.yaml", "groups: [billing-app]", "groups: [billing-app, ops]")
    edit(desk, "config/notify.yaml", "P4: [E]}", "P4: [E, M]}")
    commit(desk, "config change under test")


def median(desk: Path, runs: int, *args: str) -> float:
    return statistics.median(timed(desk, *args) for _ in range(runs))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--open", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--keep", metavar="DIR")
    opts = ap.parse_args()
    work = Path(opts.keep or tempfile.mkdtemp(prefix="whatif-bench-"))
    desk = work / "desk"
    try:
        t0 = time.perf_counter()
        generate(desk, opts.open, uniform=True, open_share=1.0)
        made = time.perf_counter() - t0
        index = timed(desk, "list", "--json")            # builds the ticket index
        change(desk)
        out = json.loads(itsmctl(desk, "--json", "what-if", "HEAD~1", "HEAD").stdout)
        warm = median(desk, opts.runs, "--json", "what-if", "HEAD~1", "HEAD")
        md = median(desk, opts.runs, "what-if", "HEAD~1", "HEAD", "--format", "markdown")
        (desk / ".git" / "itsmctl" / "index.sqlite").unlink()
        cold = timed(desk, "--json", "what-if", "HEAD~1", "HEAD")
        edit(desk, "config/sla.yaml", "calendar: null",
             "calendar: {hours: \"09:00-12:00,13:30-18:00\", weekdays: [1, 2, 3, 4, 5]}")
        commit(desk, "business calendar")
        edit(desk, "config/sla.yaml", "P3: {respond: 40m", "P3: {respond: 30m")
        commit(desk, "P3 respond 30m")
        cal = median(desk, opts.runs, "--json", "what-if", "HEAD~1", "HEAD")
        print(f"desk of {out['open_tickets']} open tickets made in {made:.1f} s; "
              f"index built in {index:.2f} s")
        print(f"what-if summary: {out['summary']}")
        print(f"what-if --json, warm index:      {warm:.2f} s (median of {opts.runs})")
        print(f"what-if --format markdown, warm: {md:.2f} s (median of {opts.runs})")
        print(f"what-if --json, cold index:      {cold:.2f} s (one run, index built)")
        print(f"what-if with a business calendar: {cal:.2f} s (median of {opts.runs})")
    finally:
        if not opts.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
