"""Run `show` and `log` on many tickets through two source trees and compare the output.

    python bench/show_variants.py DESK --before SRC [--count N] [--work DIR] [--open-only]

Each command line runs through the console script's entry (`itsmctl.ui.entry`: `show`
takes ui/quick.py's path, `log` click's) once with this tree's `itsmctl` and once with
the one in SRC (a checkout of the commit before a change), each on its own clone of DESK
(hard links; a clone per tree, so neither rebuilds the other's policy cache). Compared:
exit code, stdout and stderr. The tickets: some of each status, masters and slaves,
waits, breached clocks, Chinese titles, tasks, escalations, long and short histories,
and N more at random; the lines: `show`, `show --json`, `log` in each format, a narrow
terminal, other `--now`s (with and without an offset), lower-case ids, unique and
ambiguous prefixes, a missing id (exit 3), a prefix too short. Prints one line per
difference and a summary; exits 1 when any differs. DESK itself is never written.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
NOW = "2026-11-25T12:00:00+08:00"
ENTRY = "import sys; sys.argv[0] = 'itsmctl'; from itsmctl.ui.entry import main; main()"


def clone(desk: Path, to: Path) -> Path:
    subprocess.run(["git", "clone", "-q", str(desk), str(to)], check=True)
    return to


def environment(tree: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ITSMCTL_") and k not in ("PAGER", "COLUMNS")}
    env.update(PYTHONPATH=str(tree), **extra)
    return env


def run(tree: Path, desk: Path, args: list[str], extra: dict[str, str]
        ) -> tuple[int, bytes, bytes]:
    proc = subprocess.run([sys.executable, "-c", ENTRY, *args], cwd=desk,
                          capture_output=True, env=environment(tree, **extra))
    return proc.returncode, proc.stdout, proc.stderr


def pick(tree: Path, desk: Path, count: int, every: bool) -> list[str]:
    """Ticket ids of every kind the comparison needs, from `list --all --json` (or the
    open queue's `list --json`: the whole of a large desk is a large JSON text)."""
    code, out, err = run(tree, desk, ["--actor", "mike", "--now", NOW, "list", "--json",
                                      *(["--all"] if every else [])], {})
    if code != 0:
        raise SystemExit(f"list failed: {err.decode(errors='replace')[-500:]}")
    docs = json.loads(out)
    kinds: dict[str, list[str]] = {}

    def add(kind: str, doc: dict) -> None:
        kinds.setdefault(kind, []).append(doc["id"])

    for doc in docs:
        add(f"status {doc['status']}", doc)
        if doc.get("master"):
            add("slave", doc)
        if doc.get("slaves"):
            add("master", doc)
        if doc.get("wait"):
            add("wait", doc)
        if any(isinstance(c, dict) and c.get("breached") for c in (doc.get("sla") or {}
                                                                      ).values()):
            add("breached", doc)
        if any(ord(ch) > 0x2fff for ch in doc.get("title") or ""):
            add("chinese", doc)
        if doc.get("tasks"):
            add("tasks", doc)
        if doc.get("escalations"):
            add("escalations", doc)
        if doc.get("major"):
            add("major", doc)
        if not doc.get("verified", True):
            add("unverified", doc)
        if len(doc.get("history") or ()) > 8:
            add("long history", doc)
        if len(doc.get("history") or ()) <= 2:
            add("short history", doc)
    rng = random.Random(13)
    chosen: list[str] = []
    for kind in sorted(kinds):
        ids = kinds[kind]
        chosen += rng.sample(ids, min(3, len(ids)))
    chosen += rng.sample([d["id"] for d in docs], min(count, len(docs)))
    print(f"{len(docs)} tickets; kinds: " + ", ".join(
        f"{k} {len(v)}" for k, v in sorted(kinds.items())), flush=True)
    return list(dict.fromkeys(chosen))


def lines(ids: list[str]) -> list[tuple[list[str], dict[str, str]]]:
    base = ["--actor", "alice", "--now", NOW]
    out: list[tuple[list[str], dict[str, str]]] = []
    for i, tid in enumerate(ids):
        out += [([*base, "show", tid], {}), ([*base, "show", tid, "--json"], {}),
                ([*base, "--json", "show", tid], {}), ([*base, "log", tid], {})]
        if i % 4 == 0:
            out += [([*base, "log", tid, "--format", fmt], {}) for fmt in ("table", "csv",
                                                                          "json")]
            out += [([*base, "show", tid], {"COLUMNS": "60"}),
                    ([*base, "show", "--no-pager", tid.lower()], {}),
                    (["--actor", "alice", "--now", "2027-03-01T09:00:00+08:00", "show",
                      tid], {}),
                    (["--actor", "alice", "show", f" {tid} "],
                     {"ITSMCTL_NOW": "2026-01-02T03:04:05+08:00"}),
                    (["--actor", "alice", "--now", "2026-11-25T12:00:00", "show", tid], {}),
                    (["--actor", "alice", "show", "--json", tid],
                     {"ITSMCTL_NOW": "2026-11-25 23:59"})]
        if i % 7 == 0:
            out += [([*base, "show", tid[:-1]], {}), ([*base, "show", tid[:-2]], {}),
                    ([*base, "show", tid[:9]], {}), ([*base, "log", tid[:-1]], {})]
    month = ids[0][:9]
    out += [([*base, "show", f"{month}ZZZZZ"], {}), ([*base, "show", "INC-0001-00000"], {}),
            ([*base, "show", "--json", "INC-0001-00000"], {}), ([*base, "show", "IN"], {}),
            ([*base, "show", "NOPE-1"], {}), ([*base, "log", "INC-0001-00000"], {}),
            ([*base, "show", "INC-26"], {})]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("desk", type=Path)
    parser.add_argument("--before", type=Path, required=True,
                        help="the source tree to compare with (its itsmctl package)")
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--open-only", action="store_true",
                        help="pick from the open queue only (for a large desk)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        new = clone(args.desk.resolve(), Path(tmp) / "new")
        old = clone(args.desk.resolve(), Path(tmp) / "old")
        ids = pick(HERE, new, args.count, not args.open_only)
        todo = lines(ids)
        differ = 0
        for argv, extra in todo:
            a = run(HERE, new, argv, extra)
            b = run(args.before.resolve(), old, argv, extra)
            if a != b:
                differ += 1
                print(f"DIFFERS ({a[0]} vs {b[0]}): {' '.join(argv)} {extra or ''}",
                      flush=True)
        codes: dict[int, int] = {}
        for argv, extra in todo[-7:]:
            code = run(HERE, new, argv, extra)[0]
            codes[code] = codes.get(code, 0) + 1
        print(f"{len(todo) - differ} of {len(todo)} command lines identical "
              f"(exit code, stdout, stderr) on {len(ids)} tickets; the error lines' exit "
              f"codes: {codes}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
