"""Make a desk of N tickets quickly, through the real file format.

A handful of template tickets are written by the real CLI (open, dispatch, accept,
resolve, close, wait); N copies are made by replacing the id and the dates in those
files, spread over 36 months, and committed in one `git fast-import`. 10% stay open (or the
share given: 1 makes every ticket open, as the what-if benchmark wants).

    python bench/generate.py DIR N [OPEN_SHARE]
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from itsmctl.infra.store import ID_ALPHABET  # noqa: E402

DAY = "2026-11-25"


def cli(desk: Path, actor: str, *args: str) -> str:
    cmd = [sys.executable, "-m", "itsmctl", "--repo", str(desk), "--actor", actor,
           "--now", f"{DAY}T09:00:00", *args]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()


def templates(desk: Path) -> dict[str, str]:
    """One ticket per lifecycle stage, written by the CLI."""
    user = ["--reporter-name", "王五", "--reporter-phone", "13800000000", "--category",
            "billing", "--subtype", "application", "--symptom", "billing-error"]
    out = {}
    for stage in ("new", "assigned", "in_progress", "waiting", "closed"):
        tid = cli(desk, "alice", "open", "--title", f"计费出错 {stage}", *user)
        if stage != "new":
            cli(desk, "alice", "assign", tid, "--group", "billing-app")
        if stage in ("in_progress", "waiting", "closed"):
            cli(desk, "carol", "accept", tid)
        if stage == "waiting":
            cli(desk, "carol", "wait", tid, "--code", "vendor")
        if stage == "closed":
            cli(desk, "carol", "resolve", tid, "--solution", "fixed the rate table",
                "--causation", "data-error")
            cli(desk, "alice", "close", tid, "--code", "solved")
        out[stage] = tid
    # a sweep after the closes, as cron would have run: visits due, breaches recorded
    cmd = [sys.executable, "-m", "itsmctl", "--repo", str(desk), "--now",
           f"{DAY}T12:00:00", "sweep", "--quiet"]
    subprocess.run(cmd, check=True, capture_output=True)
    return out


_DATE = re.compile(r"(?<!\d)(20\d\d)-(\d\d)-(\d\d)(?!\d)")


def shift_dates(text: str, days: int) -> str:
    """Every calendar date in a ticket moved by `days` (clocks stay consistent)."""
    def move(m: re.Match[str]) -> str:
        d = date(int(m.group(1)), int(m.group(2)), int(m.group(3))) + timedelta(days=days)
        return d.isoformat()

    return _DATE.sub(move, text)


def generate(desk: Path, n: int, seed: int = 7, open_share: float = 0.1) -> None:
    from itsmctl.app.setup import init

    init(str(desk))
    made = templates(desk)
    texts = {stage: (desk / "tickets" / "2026" / "11" / f"{tid}.yaml").read_text()
             for stage, tid in made.items()}
    rng = random.Random(seed)
    months = [(2023 + (m // 12), m % 12 + 1) for m in range(11, 47)]   # 2023-12 .. 2026-11
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
        last = 24 if (year, month) == months[-1] else 28     # nothing after "now"
        day = date(year, month, rng.randint(1, last))
        text = shift_dates(texts[stage].replace(made[stage], tid),
                           (day - date.fromisoformat(DAY)).days)
        data = text.encode()
        path = f"tickets/{year}/{month:02d}/{tid}.yaml"
        stream.append(b"M 100644 inline %s\ndata %d\n" % (path.encode(), len(data)))
        stream += [data, b"\n"]
    subprocess.run(["git", "fast-import", "--quiet"], cwd=desk, input=b"".join(stream),
                   check=True)
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=desk, check=True)
    subprocess.run(["git", "gc", "-q"], cwd=desk, check=True)


if __name__ == "__main__":
    generate(Path(sys.argv[1]), int(sys.argv[2]),
             open_share=float(sys.argv[3]) if len(sys.argv) > 3 else 0.1)
