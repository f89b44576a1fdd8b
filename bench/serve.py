"""Time `itsmctl serve` on a desk with a large open queue, and a storm of alerts.

    python bench/serve.py [--open 10000] [--runs 40] [--out bench/SERVE.md]
                          [--baseline DIR]

Makes a desk of `--open` open tickets (bench/generate.py, all of them open), starts the
real service on a free loopback port and asks each page `--runs` times after a warm-up.
Server time is the service's own `Server-Timing: app;dur=` (request in to answer out);
wall time is the client's (time.perf_counter). Then two storms of 500 alerts: 50
concurrent POSTs of 10 alerts, and 500 POSTs of 1 alert by 50 workers. Last, the command
line's start-up (`itsmctl --help`, a transition), beside `--baseline DIR` (another
checkout, e.g. the main branch) when given, and whether the web libraries get imported.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench.generate import DAY, generate  # noqa: E402

PASSWORD = "bench-password"
TOKEN = "bench-token-0123456789"
NOW = f"{DAY}T12:00:00+08:00"


NOTES = """Reading the tables:

- Server time is the service's own Server-Timing (request in to answer out); the goal is a
  page of the 10,000-ticket open queue within 50 ms. The whole open queue comes from the
  briefs the service keeps per HEAD (sorted once); filters from sqlite's covering index;
  the breached and major filters, the wallboard and /metrics from the same briefs.
- The machine is shared: a load average far above its core count slows every figure.
- A hook answers 200 with what it did when its commit is made within --hook-wait
  (0.5 s), else 202 once the payload is kept in the spool; "all committed" is when the
  last spooled payload was in a commit (hundreds of new tickets in one commit).
- The report page builds the whole report (core/report.py, as `itsmctl report` does)."""


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def request(port: int, method: str, path: str, body: Optional[bytes] = None,
            headers: Optional[dict[str, str]] = None) -> tuple[int, float, float, bytes]:
    """(status, server ms from Server-Timing, wall ms, body) of one request."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    began = time.perf_counter()
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read()
    wall = (time.perf_counter() - began) * 1000
    timing = resp.getheader("server-timing") or ""
    conn.close()
    server = float(timing.split("dur=")[1]) if "dur=" in timing else float("nan")
    return resp.status, server, wall, data


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(len(ordered) * q + 0.5) - 1))]


def serve(desk: Path, env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "itsmctl", "--repo", str(desk), "--now", NOW, "serve",
            "--listen", f"127.0.0.1:{port}"]
    log = open(desk.parent / "serve.log", "wb")
    proc = subprocess.Popen(argv, env=env, stdout=log, stderr=log, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if request(port, "GET", "/healthz")[0] == 200:
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("itsmctl serve did not answer")


def pages(port: int, runs: int, ids: list[str], link: str) -> list[tuple[str, dict[str, Any]]]:
    import base64

    auth = {"Authorization": "Basic " + base64.b64encode(
        f"alice:{PASSWORD}".encode()).decode()}
    asked = [("queue, page 1 of 10,000 open", "/desk", auth),
             ("queue, page 150", "/desk?page=150", auth),
             ("queue, filtered (group + priority)", "/desk?group=billing-app&priority=P4",
              auth),
             ("queue, breached only (read from the clocks)", "/desk?breached=1", auth),
             ("a ticket", f"/desk/t/{ids[0]}", auth),
             ("wallboard", "/desk/wallboard", auth),
             ("metrics", "/metrics", {}),
             ("reporter's form", "/", {}),
             ("reporter's status page", link, {}),
             ("report 2026-11 (figures and drill-down)", "/desk/report?month=2026-11", auth)]
    out = []
    for name, path, headers in asked:
        for _ in range(3):
            request(port, "GET", path, headers=headers)
        server, wall = [], []
        n = runs if "report" not in name else max(5, runs // 8)
        for _ in range(n):
            status, s, w, _body = request(port, "GET", path, headers=headers)
            assert status == 200, (path, status)
            server.append(s)
            wall.append(w)
        out.append((name, {"runs": n, "server_median": statistics.median(server),
                           "server_p95": quantile(server, 0.95),
                           "wall_median": statistics.median(wall)}))
    return out


def storm_payload(post: int, per_post: int, first: int = 0) -> bytes:
    alerts = []
    for i in range(per_post):
        n = first + post * per_post + i
        alerts.append({"status": "firing", "fingerprint": f"bench{n:04d}",
                       "labels": {"alertname": f"Storm{n % 10}", "cluster": "bench",
                                  "instance": f"host{n:04d}:9100", "severity": "critical"},
                       "annotations": {"summary": f"host{n:04d} down"},
                       "startsAt": "2026-11-25T03:58:30Z", "endsAt": "0001-01-01T00:00:00Z"})
    return json.dumps({"version": "4", "status": "firing", "receiver": "itsmctl",
                       "alerts": alerts}).encode()


def storm(desk: Path, env: dict[str, str], posts: int, per_post: int,
          workers: int, first: int = 0) -> dict[str, Any]:
    """A storm on a fresh service; figures once every payload is committed."""
    port = free_port()
    before = int(subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=desk,
                                capture_output=True, text=True).stdout)
    proc = serve(desk, env, port)
    try:
        todo = list(range(posts))
        lock = threading.Lock()
        walls: list[float] = []
        statuses: list[int] = []
        gate = threading.Barrier(workers)

        def work() -> None:
            gate.wait()
            while True:
                with lock:
                    if not todo:
                        return
                    post = todo.pop()
                status, _s, wall, _b = request(
                    port, "POST", "/hooks/alertmanager", storm_payload(post, per_post, first),
                    {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
                with lock:
                    walls.append(wall)
                    statuses.append(status)

        began = time.perf_counter()
        threads = [threading.Thread(target=work) for _ in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        answered = time.perf_counter() - began
        while b"itsmctl_hook_payloads_queued 0\n" not in request(port, "GET", "/metrics")[3]:
            time.sleep(0.1)
        committed = time.perf_counter() - began
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    after = int(subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=desk,
                               capture_output=True, text=True).stdout)
    return {"alerts": posts * per_post, "posts": posts, "workers": workers,
            "commits": after - before, "p95_ms": quantile(walls, 0.95),
            "max_ms": max(walls), "answered_202": statuses.count(202),
            "errors": sum(1 for s in statuses if s not in (200, 202)),
            "all_answered_s": answered, "all_committed_s": committed}


def cli_times(checkout: Path, desk: Path, runs: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    env.pop("ITSMCTL_REPO", None)

    def timed(args: list[str]) -> float:
        samples = []
        for i in range(runs):
            full = [a.replace("{i}", str(i)) for a in args]
            began = time.perf_counter()
            subprocess.run([sys.executable, "-m", "itsmctl", *full], env=env, check=True,
                           capture_output=True)
            samples.append((time.perf_counter() - began) * 1000)
        return statistics.median(samples)

    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, itsmctl.ui.main as m\n"
         "try:\n    m.main(['--help'])\nexcept SystemExit:\n    pass\n"
         "print(','.join(x for x in ('starlette', 'uvicorn', 'jinja2') if x in sys.modules),"
         " file=sys.stderr)"], env=env, capture_output=True, text=True).stderr.strip()
    return {"help_ms": timed(["--help"]),
            "open_ms": timed(["--repo", str(desk), "--actor", "alice", "--now", NOW, "open",
                              "--title", "bench {i}", "--reporter-name", "王五",
                              "--reporter-phone", "13800000000"]),
            "web_modules_on_help": loaded or "none"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--open", type=int, default=10000, help="open tickets on the desk")
    ap.add_argument("--runs", type=int, default=40, help="requests per page")
    ap.add_argument("--out", help="write the results (markdown) here too")
    ap.add_argument("--baseline", help="another checkout to time the command line of")
    args = ap.parse_args()
    from itsmctl.app.portal import link_token
    from itsmctl.infra.websecret import hash_password

    lines = []
    with tempfile.TemporaryDirectory(prefix="itsmctl-serve-bench-") as tmp:
        desk = Path(tmp) / "desk"
        began = time.perf_counter()
        generate(desk, args.open, uniform=True, open_share=1.0)
        made = time.perf_counter() - began
        subprocess.run([sys.executable, "-m", "itsmctl", "--repo", str(desk), "list",
                        "--format", "csv"], check=True, capture_output=True)   # the index
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("ITSMCTL_")},
               "ITSMCTL_WEB_SECRET": "b" * 40, "ITSMCTL_WEBHOOK_TOKEN": TOKEN,
               "ITSMCTL_WEB_PASSWORDS": f"alice:{hash_password(PASSWORD)}"}
        ids = sorted(p.stem for p in (desk / "tickets").glob("*/*/*.yaml"))
        link = f"/t/{ids[0]}?k={link_token(b'b' * 40, ids[0])}"
        port = free_port()
        proc = serve(desk, env, port)
        try:
            measured = pages(port, args.runs, ids, link)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
        storms = [storm(desk, env, 50, 10, 50), storm(desk, env, 500, 1, 50, first=500)]
        cli = {"this checkout": cli_times(ROOT, desk, 10)}
        if args.baseline:
            cli["baseline " + args.baseline] = cli_times(Path(args.baseline), desk, 10)

    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines += ["# itsmctl serve benchmark", "",
              f"Measured {stamp} on {os.cpu_count()} cores (load average {load:.1f} when "
              f"done), Python {platform.python_version()}; a desk of {args.open:,} open "
              f"tickets made in {made:.0f} s by bench/generate.py.", "",
              "| page | server median | server p95 | wall median |", "|---|---|---|---|"]
    lines += [f"| {name} | {m['server_median']:.1f} ms | {m['server_p95']:.1f} ms | "
              f"{m['wall_median']:.1f} ms |" for name, m in measured]
    lines += ["", "| storm | commits | p95 answer | max answer | answered 202 | errors | "
              "all answered | all committed |", "|---|---|---|---|---|---|---|---|"]
    lines += [f"| {s['alerts']} alerts: {s['posts']} POSTs by {s['workers']} senders | "
              f"{s['commits']} | {s['p95_ms']:.0f} ms | {s['max_ms']:.0f} ms | "
              f"{s['answered_202']} | {s['errors']} | {s['all_answered_s']:.1f} s | "
              f"{s['all_committed_s']:.1f} s |" for s in storms]
    lines += ["", "| command line | `itsmctl --help` | `open` | web modules imported by "
              "`--help` |", "|---|---|---|---|"]
    lines += [f"| {name} | {c['help_ms']:.0f} ms | {c['open_ms']:.0f} ms | "
              f"{c['web_modules_on_help']} |" for name, c in cli.items()]
    lines += ["", NOTES]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
