"""How long one `hook alertmanager` payload holds the desk (issue 11), fresh processes.

    python bench/hook_payload.py [--alerts 100 1000] [--runs 3]

For each size, a payload of that many new alerts (distinct names, no storm) on a fresh
desk: the median wall time (s) of the whole command, which holds the desk lock for
nearly all of it. Then the refusals of monitoring.yaml `limits`: 10,000 alerts and a
50 MB annotation, which must be quick and commit nothing. Scratch desks live in a
temporary directory.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOW = "2026-11-25T09:00:00+08:00"


def payload(alerts: int, annotation: int = 10) -> bytes:
    out = []
    for i in range(alerts):
        out.append({"status": "firing", "fingerprint": f"{i:016x}",
                    "labels": {"alertname": f"Alert{i}", "instance": f"host{i}",
                               "severity": "warning"},
                    "annotations": {"summary": "x" * annotation},
                    "startsAt": "2026-11-25T00:58:30Z"})
    return json.dumps({"version": "4", "status": "firing", "alerts": out}).encode()


def desk(tmp: Path, name: str) -> Path:
    path = tmp / name
    subprocess.run([sys.executable, "-m", "itsmctl", "init", str(path)], check=True,
                   capture_output=True, env=ENV)
    return path


def hook(path: Path, body: bytes) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "itsmctl", "--repo", str(path), "--now", NOW,
                           "hook", "alertmanager"], input=body, capture_output=True, env=ENV)
    return time.perf_counter() - start, done.returncode


ENV = {**{k: v for k, v in os.environ.items() if not k.startswith("ITSMCTL_")},
       "PYTHONPATH": str(ROOT)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--alerts", type=int, nargs="+", default=[100, 1000])
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        for n in a.alerts:
            body = payload(n)
            times = []
            for run in range(a.runs):
                seconds, code = hook(desk(tmp, f"d{n}-{run}"), body)
                assert code == 0, f"{n} alerts: exit {code}"
                times.append(seconds)
            print(f"{n:>6} alerts: {statistics.median(times):6.2f} s "
                  f"({1000 * statistics.median(times) / n:.1f} ms an alert)")
        refusing = desk(tmp, "refusals")
        for label, body in (("10,000 alerts", payload(10_000)),
                            ("a 50 MB annotation", payload(1, 50 << 20))):
            seconds, code = hook(refusing, body)
            print(f"{label}: refused with exit {code} in {seconds:.2f} s")


if __name__ == "__main__":
    main()
