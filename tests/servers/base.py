"""Start, wait for, and stop a server process: the plumbing every helper shares."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Optional, TypeVar

import pytest

T = TypeVar("T")
LOOPBACK = "127.0.0.1"
INSTALL = "run .ci/packages.sh"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def need(program: str, package: str) -> str:
    """The path of `program`, or skip the test: its Debian package is not installed."""
    path = shutil.which(program)
    if path is None:
        pytest.skip(f"{package} is not installed ({INSTALL})")
    return path


def wait_until(check: Callable[[], T], timeout: float, what: str) -> T:
    """Poll `check` until it returns something true, for at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout:g}s")
        time.sleep(0.02)


def answers(port: int) -> bool:
    """Whether something accepts TCP connections on 127.0.0.1:port."""
    try:
        socket.create_connection((LOOPBACK, port), timeout=0.5).close()
        return True
    except OSError:
        return False


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as reply:
            return bool(reply.status == 200)
    except OSError:
        return False


def group_alive(pgid: int) -> bool:
    """Whether a live process (zombies do not count) is left in the process group."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        state, _ppid, group = text[text.rindex(")") + 2:].split()[:3]
        if state != "Z" and int(group) == pgid:
            return True
    return False


def kill_group(pgid: int, leader: Optional[subprocess.Popen[bytes]] = None,
               grace: float = 5.0) -> None:
    """SIGTERM a process group, then SIGKILL what is left after `grace` seconds.

    `leader`, when it is our child, is reaped on the way. Orphans of a daemon that made its
    own group (postfix's master) are reaped by init whenever it gets round to it, so the
    group counts as gone when only zombies are left.
    """
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if leader is not None:
                leader.poll()
            if not group_alive(pgid):
                return
            time.sleep(0.02)


@contextmanager
def process(argv: list[str], log: Path, *, ready: Callable[[], Any], timeout: float = 10.0,
            env: Optional[Mapping[str, str]] = None,
            stop: Optional[Callable[[], None]] = None) -> Iterator[subprocess.Popen[bytes]]:
    """Run `argv` in its own process group, logging to `log`, until `ready()` holds.

    On exit `stop()` (for daemons that leave the group) runs first, then the group is killed.
    """
    with open(log, "ab") as out:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                env=None if env is None else dict(env), start_new_session=True)
    try:
        def up() -> bool:
            if proc.poll() is not None:
                raise RuntimeError(f"{argv[0]} exited with {proc.returncode}:\n{tail(log)}")
            return bool(ready())
        try:
            wait_until(up, timeout, f"{argv[0]} to answer")
        except TimeoutError as exc:
            raise RuntimeError(f"{exc}\n{tail(log)}") from None
        yield proc
    finally:
        try:
            if stop is not None:
                stop()
        finally:
            kill_group(proc.pid, proc)
            proc.wait(timeout=5)


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no {path.name})"

