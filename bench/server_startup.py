"""Time how long each loopback test server of tests/servers.py takes to start and to stop.

    python bench/server_startup.py [--runs 5] [NAME ...]

Prints the median (and min/max) wall time of entering the helper (start + wait until it
answers) and of leaving it (stop + kill the process group), measured with perf_counter.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import servers  # noqa: E402


def bare(tmp: Path) -> Path:
    import subprocess

    subprocess.run(["git", "init", "-q", "--bare", str(tmp / "srv/desk.git")], check=True)
    return tmp / "srv"


HELPERS: dict[str, Callable[[Path], AbstractContextManager[Any]]] = {
    "git_daemon": lambda tmp: servers.git_daemon(bare(tmp)),
    "smart_http": lambda tmp: servers.smart_http(bare(tmp)),
    "mta_pipe": lambda tmp: servers.mta_pipe(["cat"]),
    "smtp_sink": lambda tmp: servers.smtp_sink(),
    "webhook_sink": lambda tmp: servers.webhook_sink(),
    "alertmanager": lambda tmp: servers.alertmanager("http://127.0.0.1:9/hook"),
    "chromium_page": lambda tmp: servers.chromium_page(tmp),
    "ssh_keypair": lambda tmp: _Call(lambda: servers.ssh_keypair(tmp, "k")),
}


class _Call(AbstractContextManager[Any]):
    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn = fn

    def __enter__(self) -> Any:
        return self.fn()

    def __exit__(self, *exc: object) -> None:
        return None


def measure(make: Callable[[Path], AbstractContextManager[Any]],
            runs: int) -> tuple[list[float], list[float]]:
    starts, stops = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            manager = make(Path(tmp))
            t0 = time.perf_counter()
            manager.__enter__()
            t1 = time.perf_counter()
            manager.__exit__(None, None, None)
            t2 = time.perf_counter()
        starts.append(t1 - t0)
        stops.append(t2 - t1)
    return starts, stops


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("names", nargs="*", default=list(HELPERS))
    args = parser.parse_args()
    print(f"{'helper':15} {'start median':>12} {'(min-max)':>15} {'stop median':>12}")
    for name in args.names:
        starts, stops = measure(HELPERS[name], args.runs)
        print(f"{name:15} {statistics.median(starts):11.3f}s "
              f"({min(starts):.3f}-{max(starts):.3f}) {statistics.median(stops):11.3f}s")


if __name__ == "__main__":
    main()
