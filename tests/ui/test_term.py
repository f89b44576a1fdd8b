
"""Colour only on a terminal without NO_COLOR; progress on stderr only on a terminal."""

import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import BILLING, dispatched, open_ticket

ESC = "\x1b["


def on_tty(args: list[str], env: dict[str, str], cwd: Path) -> str:
    """Run a process with stdout and stderr on a pseudo-terminal; what it printed."""
    master, slave = os.openpty()
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave,
                            env=env, cwd=cwd)
    os.close(slave)
    out = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 1)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:           # EIO: the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    proc.wait(timeout=30)
    os.close(master)
    assert proc.returncode == 0, out
    return out.decode("utf-8", "replace")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "ITSMCTL_NOW")}
    env.update(TERM="xterm", **extra)
    return env


def test_list_is_coloured_on_a_terminal_only(desk):
    dispatched(desk)
    open_ticket(desk, *BILLING, "--impact", "1", "--urgency", "high")
    cmd = [sys.executable, "-m", "itsmctl", "--repo", str(desk), "list"]
    coloured = on_tty(cmd, _env(), desk)
    assert ESC + "31" in coloured or ESC + "1m" in coloured      # P1 in red (bold)
    assert "P1" in coloured and "assigned" in coloured
    assert ESC not in on_tty(cmd, _env(NO_COLOR="1"), desk)
    piped = subprocess.run(cmd, capture_output=True, text=True, env=_env(), cwd=desk)
    assert piped.returncode == 0 and ESC not in piped.stdout and "P1" in piped.stdout


PROGRESS = ("from itsmctl.ui.term import track\n"
            "for _ in track(range(2000), 'validating tickets'): pass\n"
            "print('done')\n")


def test_progress_on_a_terminal_and_silent_in_a_pipe(tmp_path):
    shown = on_tty([sys.executable, "-c", PROGRESS], _env(), tmp_path)
    assert "validating tickets" in shown and "2000/2000" in shown and "done" in shown
    piped = subprocess.run([sys.executable, "-c", PROGRESS], capture_output=True, text=True,
                           env=_env())
    assert piped.stdout == "done\n" and piped.stderr == ""


def test_progress_is_not_drawn_for_short_work(tmp_path):
    short = PROGRESS.replace("2000", "20")
    assert on_tty([sys.executable, "-c", short], _env(), tmp_path).strip() == "done"


@pytest.mark.slow
def test_index_build_shows_progress_on_a_terminal_only(tmp_path):
    """A first `list` on a large desk builds the index: a bar on a terminal, nothing
    in a pipe (bench/generate.py makes the desk through the real file format)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    try:
        from bench.generate import generate
    finally:
        sys.path.pop(0)
    desk = tmp_path / "big"
    generate(desk, 1200, uniform=True)
    index = desk / ".git" / "itsmctl" / "index.sqlite"
    cmd = [sys.executable, "-m", "itsmctl", "--repo", str(desk), "list", "--format", "csv"]
    for extra in ("", "-wal", "-shm"):
        Path(f"{index}{extra}").unlink(missing_ok=True)
    shown = on_tty(cmd, _env(), desk)
    assert "building the ticket index" in shown and re.search(r"\b12\d\d/12\d\d\b", shown)
    for extra in ("", "-wal", "-shm"):
        Path(f"{index}{extra}").unlink(missing_ok=True)
    piped = subprocess.run(cmd, capture_output=True, text=True, env=_env(), cwd=desk)
    assert piped.returncode == 0 and piped.stderr == "" and piped.stdout.startswith("id,")
