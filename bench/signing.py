"""What signing costs (I4, I5): a transition on a signed desk beside an unsigned one,
the floor under both, and `audit --since` over 100 signed commits.

    python bench/signing.py [--runs 15]

Every transition figure is the median wall time of fresh processes (what a shell or a
hook pays). The floor is what no transition can go below: a Python start, one
`git fast-import` of a one-file commit and one `git update-ref`, each a fresh process.
The in-process figures isolate the commit itself (Desk.commit): fast-import alone
unsigned; fast-import + `git commit-tree -S` (ssh-keygen signs) + `update-ref` signed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

def _exe() -> list[str]:
    """The console script beside this interpreter when it works, else `python -m`."""
    script = Path(sys.executable).with_name("itsmctl")
    if script.exists() and subprocess.run([str(script), "--version"],
                                          capture_output=True).returncode == 0:
        return [str(script)]
    return [sys.executable, "-m", "itsmctl"]


EXE = _exe()
USER = ["--reporter-name", "王五", "--reporter-phone", "13800000000", "--category", "billing",
        "--subtype", "application", "--symptom", "billing-error"]


CPU: list[float] = []       # CPU seconds (user + system) of each process run, children too


def wall(cmd: list[str], cwd: Path, env: dict[str, str], data: bytes = b"") -> float:
    """Wall seconds of one fresh process; its CPU time (with its children) goes to CPU."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, input=data, capture_output=True)
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {proc.stderr.decode()[-300:]}")
    return elapsed


def median_ms(fn: Callable[[int], float], runs: int) -> float:
    fn(-1)                                          # warm the caches once
    return statistics.median(fn(i) for i in range(runs)) * 1000


def paired_ms(a: Callable[[int], float], b: Callable[[int], float],
              runs: int) -> tuple[float, float, float]:
    """Medians of a and b run in turns (so a busy machine weighs on both alike), and the
    median of their differences."""
    a(-1)
    b(-1)
    pairs, cpu = [], []
    for i in range(runs):
        pairs.append((a(i), b(i)))
        cpu.append((CPU[-2], CPU[-1]))
    PAIRED_CPU.extend(cpu)
    return (statistics.median(x for x, _ in pairs) * 1000,
            statistics.median(y for _, y in pairs) * 1000,
            statistics.median(y - x for x, y in pairs) * 1000)


PAIRED_CPU: list[tuple[float, float]] = []


def keypair(directory: Path, name: str) -> Path:
    key = directory / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)],
                   check=True, capture_output=True)
    return key


def desks(tmp: Path, env: dict[str, str]) -> tuple[Path, Path, dict[str, Path]]:
    keys = {p: keypair(tmp, p) for p in ("mike", "alice", "carol")}
    plain, signed = tmp / "plain", tmp / "signed"
    subprocess.run([*EXE, "init", str(plain)], env=env, check=True, capture_output=True)
    extra = [a for p in ("alice", "carol") for a in ("--key", f"{p}={keys[p]}.pub")]
    subprocess.run([*EXE, "--actor", "mike", "init", str(signed), "--signed", *extra],
                   env={**env, "ITSMCTL_SIGNING_KEY": str(keys["mike"])}, check=True,
                   capture_output=True)
    return plain, signed, keys


def floor_ms(tmp: Path, env: dict[str, str], runs: int) -> tuple[float, float, float]:
    repo = tmp / "floor"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    stream = (b"commit refs/heads/main\ncommitter a <a@b> 1700000000 +0000\ndata 2\nx\n"
              b"M 100644 inline f\ndata 2\nx\n\n")
    py = median_ms(lambda i: wall([sys.executable, "-c", "pass"], repo, env), runs)
    fi = median_ms(lambda i: wall(["git", "fast-import", "--quiet"], repo, env, stream), runs)
    head = subprocess.run(["git", "rev-parse", "main"], cwd=repo, capture_output=True,
                          text=True).stdout.strip()
    ur = median_ms(lambda i: wall(["git", "update-ref", "refs/heads/x", head], repo, env), runs)
    return py, fi, ur


def in_process_commit_ms(desk: Path, key: Path | None, runs: int) -> float:
    from itsmctl.infra import git
    from itsmctl.infra.store import Author, Desk

    d = Desk(desk)
    sign = git.SignWith("ssh", str(key)) if key else None

    def one(i: int) -> float:
        t0 = time.perf_counter()
        d.commit({"kb/bench.md": f"run {i} {time.time()}\n".encode()}, "bench\n",
                 Author("Alice", "alice@example.com"), datetime.now(timezone.utc), d.head(), sign)
        return time.perf_counter() - t0

    return median_ms(one, runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ITSMCTL_")}
    env.update(ITSMCTL_NO_SYNC="1", GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="b@example.com",
               GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="b@example.com")
    tmp = Path(tempfile.mkdtemp(prefix="itsmctl-signing-"))
    try:
        plain, signed, keys = desks(tmp, env)
        as_alice = {**env, "ITSMCTL_SIGNING_KEY": str(keys["alice"])}
        tickets = {}
        for desk, e in ((plain, {**env, "ITSMCTL_ACTOR": "alice"}), (signed, as_alice)):
            out = subprocess.run([*EXE, "--repo", str(desk), "open", "--title", "bench", *USER],
                                 env=e, check=True, capture_output=True, text=True)
            tickets[desk] = out.stdout.strip()

        def note(desk: Path, e: dict[str, str]) -> Callable[[int], float]:
            return lambda i: wall([*EXE, "--repo", str(desk), "note", tickets[desk], "--text",
                                   f"run {i}"], desk, e)

        py, fi, ur = floor_ms(tmp, env, args.runs)
        unsigned, signed_ms, extra = paired_ms(note(plain, {**env, "ITSMCTL_ACTOR": "alice"}),
                                               note(signed, as_alice), args.runs)
        commit_plain = in_process_commit_ms(plain, None, args.runs)
        commit_signed = in_process_commit_ms(signed, keys["alice"], args.runs)
        # 100 signed transitions, then audit of exactly them as a fresh process
        base = subprocess.run(["git", "rev-parse", "HEAD"], cwd=signed, capture_output=True,
                              text=True).stdout.strip()
        from itsmctl.app.lifecycle import assign, open_ticket
        from itsmctl.app.session import Session
        from itsmctl.core.intake import Intake

        os.environ["ITSMCTL_SIGNING_KEY"] = str(keys["alice"])
        os.environ["ITSMCTL_NO_SYNC"] = "1"
        for i in range(50):                 # a pull request: 50 tickets opened, dispatched
            t = open_ticket(Session(repo=str(signed)), Intake(
                title=f"t{i}", reporter={"name": "王五", "phone": "1"}, category="billing",
                subtype="application", symptom="billing-error"))
            assign(Session(repo=str(signed)), t.id, "billing-app")
        CPU.clear()
        audit = median_ms(lambda i: wall([*EXE, "--repo", str(signed), "--actor", "alice",
                                          "audit", "--since", base], signed, env), 5)
        audit_cpu = statistics.median(CPU[1:]) * 1000
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    floor = py + fi + ur
    print(f"Python start {py:.0f} ms + git fast-import {fi:.0f} ms + git update-ref "
          f"{ur:.0f} ms = floor {floor:.0f} ms")
    print(f"transition (note), unsigned desk: {unsigned:.0f} ms ({unsigned / floor:.2f}x floor)")
    print(f"transition (note), signed desk:   {signed_ms:.0f} ms ({signed_ms / floor:.2f}x floor)"
          f"; signing adds {extra:.0f} ms (median of paired runs)")
    print(f"the commit alone (in process): unsigned {commit_plain:.1f} ms, signed "
          f"{commit_signed:.1f} ms")
    cpu_plain = statistics.median(x for x, _ in PAIRED_CPU) * 1000
    cpu_signed = statistics.median(y for _, y in PAIRED_CPU) * 1000
    print(f"CPU per transition (user+sys, children included): unsigned {cpu_plain:.0f} ms, "
          f"signed {cpu_signed:.0f} ms")
    print(f"audit --since over 100 signed commits (fresh process): {audit:.0f} ms wall, "
          f"{audit_cpu:.0f} ms CPU")
    print(f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
