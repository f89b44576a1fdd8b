"""What bench/stress.py reports: exactly-once against the remote's history, the table."""

from __future__ import annotations

import math
import os
import platform
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any, Optional

from bench.stress_load import Call

HERE = Path(__file__).resolve().parent


def percentile(values: list[float], p: float) -> Optional[float]:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)]


def ratio(a: float, b: float) -> Optional[float]:
    return round(a / b, 3) if b else None


def summarize(calls: list[Call], commits: list[dict[str, Any]], seconds: float,
              seen: dict[str, int]) -> dict[str, Any]:
    """Exactly once, checked against the remote: each command is named by its --now."""
    landed = Counter(c["now"] for c in commits)
    named = {c.now for c in calls}
    problems: dict[str, list[str]] = {"missing": [], "twice": [], "landed_after_failure": [],
                                      "stray": []}
    for c in calls:
        n = landed.get(c.now, 0)
        should = 0 if c.code else (1 if c.kind != "sweep" else int(bool(c.data.get("commit"))))
        if n > 1:
            problems["twice"].append(f"{c.kind} --now {c.now} ×{n}")
        elif n != should:
            key = "landed_after_failure" if c.code else "missing"
            problems[key].append(f"{c.kind} --now {c.now} (exit {c.code})")
    problems["stray"] = [c["sha"][:12] for c in commits if c["now"] not in named]
    writes = [c for c in calls if c.kind != "sweep"]
    sweeps = [c for c in calls if c.kind == "sweep"]
    breaches = [(x.get("ticket"), x.get("phase"), x.get("when")) for s in sweeps
                for x in s.data.get("actions", []) if x.get("action") == "breach"]
    by_kind: dict[str, dict[str, Any]] = {}
    for kind in sorted({c.kind for c in calls}):
        mine = [c for c in calls if c.kind == kind]
        ok = [c.seconds for c in mine if c.code == 0]
        by_kind[kind] = {"runs": len(mine), "exit_codes": dict(sorted(Counter(
            c.code for c in mine).items())), "p50": percentile(ok, .5), "p95": percentile(ok, .95)}
    ok_lat = [c.seconds for c in calls if c.code == 0]
    exit5 = sum(c.code == 5 for c in calls)
    return {
        "seconds": round(seconds, 2), "commands": len(calls),
        "landed": len(commits), "remote_landed": seen["pushes"],
        "landed_by_action": dict(sorted(Counter(c["action"] for c in commits).items())),
        "exit_codes": dict(sorted(Counter(c.code for c in calls).items())),
        "exit5": exit5, "exit5_pct": round(100 * exit5 / len(calls), 1) if calls else None,
        "sweeps": {"runs": len(sweeps), "landed": sum(bool(s.data.get("commit")) for s in sweeps),
                   "given_up": sum(s.code == 5 for s in sweeps),
                   "breaches_recorded": len(breaches),
                   "breaches_twice": len(breaches) - len(set(breaches))},
        "exactly_once": not any(problems.values()),
        "problems": {k: v[:10] for k, v in problems.items()},
        "problem_counts": {k: len(v) for k, v in problems.items()},
        "rejected_per_landed": ratio(seen["push_attempts"] - seen["pushes"], len(commits)),
        "pushes_per_landed": ratio(seen["pushes"], len(commits)),
        "commits_per_s": ratio(len(commits), seconds),
        "transitions_per_s": ratio(sum(c["action"] != "sweep" for c in commits), seconds),
        "p50": percentile(ok_lat, .5), "p95": percentile(ok_lat, .95),
        "by_command": by_kind, "remote": seen,
        "refused": {"total": sum(c.code in (1, 6) for c in calls),
                    "on_shared_tickets": sum(c.code in (1, 6) and c.shared for c in calls)},
        "errors": dict(Counter(c.err for c in calls if c.code).most_common(5)),
        "writes": len(writes),
    }


# -- printing ----------------------------------------------------------------------------

def _s(x: Optional[float]) -> str:
    return "–" if x is None else f"{x:.2f} s"


def _n(x: Optional[float], digits: int = 2) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def table(floor: Optional[dict[str, Any]], its: dict[str, Any]) -> str:
    head = ("| run | clones × writers | landed | exit 5 | rejected pushes per landed | "
            "commits/s | p50 latency | p95 latency |\n|---|---|---|---|---|---|---|---|")
    rows = [head]
    if floor:
        rows.append(f"| floor (git only) | {floor['clones']} × 1 | {floor['landed']} | – | "
                    f"{_n(floor['rejected_per_landed'])} | {_n(floor['commits_per_s'])} | "
                    f"{_s(floor['p50'])} | {_s(floor['p95'])} |")
    mix = " (notes only)" if its["mix"] == "notes" else ""
    rows.append(f"| itsmctl | {its['clones']} × {its['writers']}{mix} | {its['landed']} | "
                f"{its['exit5']} ({its['exit5_pct']} %) | {_n(its['rejected_per_landed'])} | "
                f"{_n(its['commits_per_s'])} | {_s(its['p50'])} | {_s(its['p95'])} |")
    if floor and floor["commits_per_s"] and its["commits_per_s"] is not None:
        def x(a: Optional[float], b: Optional[float]) -> str:
            return f"×{a / b:.1f}" if a is not None and b else "–"
        rejected = x(its["rejected_per_landed"], floor["rejected_per_landed"])
        rows.append(f"| itsmctl / floor | | | | {rejected} | "
                    f"{100 * its['commits_per_s'] / floor['commits_per_s']:.0f} % | "
                    f"{x(its['p50'], floor['p50'])} | {x(its['p95'], floor['p95'])} |")
    return "\n".join(rows)


def details(its: dict[str, Any]) -> str:
    sw, r = its["sweeps"], its["remote"]
    lines = [
        f"commands run: {its['commands']} in {its['seconds']} s; exit codes {its['exit_codes']}",
        f"landed commits by action: {its['landed_by_action']}",
        f"sweeps: {sw['runs']} run, {sw['landed']} landed, {sw['given_up']} gave up (exit 5), "
        f"{sw['breaches_recorded']} breaches recorded, {sw['breaches_twice']} recorded twice",
        "exactly once: " + ("yes (every command that exited 0 landed once; none that failed "
                            "landed; nothing else landed)" if its["exactly_once"] else
                            f"NO {its['problem_counts']} {its['problems']}"),
        f"the remote saw: {r['push_attempts']} push attempts, {r['pushes']} accepted, "
        f"{r['fetches']} fetches ({_n(ratio(r['push_attempts'], its['landed']))} push "
        f"attempts, {_n(ratio(r['pushes'], its['landed']))} accepted pushes and "
        f"{_n(ratio(r['fetches'], its['landed']))} fetches per landed commit)",
        "latency by command (exit 0): " + "; ".join(
            f"{k} {v['runs']}× p50 {_s(v['p50'])} p95 {_s(v['p95'])} exits {v['exit_codes']}"
            for k, v in its["by_command"].items()),
        f"refused by a rule (exit 1 or 6): {its['refused']['total']}, of which "
        f"{its['refused']['on_shared_tickets']} on shared tickets (two clones raced for one "
        f"step; the loser is refused on the fresh state, as G4 wants)",
        f"clones left dirty: {its['dirty_clones']}",
    ]
    if its["errors"]:
        lines.append(f"most frequent errors: {its['errors']}")
    lines.append(f"audit of a fresh clone: {its['audit']['verdict']}")
    return "\n".join(lines)


def storm_text(st: dict[str, Any]) -> str:
    r = st["remote"]
    return "\n".join([
        "| storm | alerts | payloads × senders | recorded once | twice | missing | seconds | "
        "pushes/s | push attempts/s | p95 latency |",
        "|---|---|---|---|---|---|---|---|---|---|",
        f"| 1 clone | {st['alerts']} | {st['payloads']} × {st['senders']} | {st['recorded']} | "
        f"{len(st['twice'])} | {len(st['missing'])} | {st['seconds']} | "
        f"{_n(st['pushes_per_s'])} | {_n(st['push_attempts_per_s'])} | {_s(st['p95'])} |",
        f"hook exit codes {st['exit_codes']}; {st['commits']} commits landed; the remote saw "
        f"{r['push_attempts']} push attempts, {r['pushes']} accepted, {r['fetches']} fetches"
        + (f"; errors {st['errors']}" if st["errors"] else ""),
        f"audit of a fresh clone: {st['audit']['verdict']}"])


def machine() -> dict[str, Any]:
    git = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True,
                          text=True).stdout.strip()
    return {"cores": os.cpu_count(), "load": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(), "git": git, "code": head or None}
