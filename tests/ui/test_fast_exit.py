"""ui/entry.leave: a command that leaves nothing to do at exit skips the interpreter's
teardown (~5 ms of freeing what ~100 modules made), and its output, exit code and commit
are the same as with the usual exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

from tests.helpers import BILLING, NOW, git, open_ticket

ROOT = Path(__file__).resolve().parents[2]
SPY = """
import os, sys
real = os._exit
def spy(code):
    sys.stderr.write("FAST %d\\n" % code)
    sys.stderr.flush()
    real(code)
os._exit = spy
if os.environ.get("REGISTER"):
    import atexit
    atexit.register(lambda: sys.stderr.write("ATEXIT ran\\n"))
sys.argv = ["itsmctl"] + sys.argv[1:]
from itsmctl.ui.entry import main
main()
"""


def entry(desk: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The console script's entry in a Python without site's .pth hooks (one here
    registers an atexit callback of its own), our package and site-packages on the
    path."""
    path = os.pathsep.join([str(ROOT), sysconfig.get_paths()["purelib"]])
    return subprocess.run([sys.executable, "-S", "-c", SPY, "--repo", str(desk), "--actor",
                           "alice", "--now", NOW, *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": path, **env})


def test_a_transition_and_show_exit_without_teardown_and_lose_nothing(desk):
    tid = open_ticket(desk, *BILLING)
    entry(desk, "note", tid, "--text", "warms the caches")
    head = git(desk, "rev-parse", "HEAD")
    note = entry(desk, "note", tid, "--text", "fast exit")
    assert note.returncode == 0 and "FAST 0" in note.stderr, note.stderr
    assert note.stdout.startswith(f"{tid}: ") and git(desk, "rev-parse", "HEAD") != head
    assert git(desk, "status", "--porcelain") == ""
    shown = entry(desk, "--json", "show", tid)
    assert shown.returncode == 0 and "FAST 0" in shown.stderr, shown.stderr
    assert json.loads(shown.stdout)["history"][-1]["note"] == "fast exit"


def test_an_error_keeps_its_exit_code_through_the_fast_exit(desk):
    tid = open_ticket(desk, *BILLING)
    refused = entry(desk, "close", tid, "--code", "solved")     # not resolved: L10
    assert refused.returncode == 1 and "FAST 1" in refused.stderr, refused.stderr
    assert "[L10]" in refused.stderr
    missing = entry(desk, "show", "INC-2611-ZZZZZ")
    assert missing.returncode == 3 and "FAST 3" in missing.stderr


def test_an_atexit_callback_means_the_usual_exit(desk):
    tid = open_ticket(desk, *BILLING)
    done = entry(desk, "note", tid, "--text", "usual exit", REGISTER="1")
    assert done.returncode == 0 and "FAST" not in done.stderr
    assert "ATEXIT ran" in done.stderr


def test_click_commands_take_it_too(desk):
    """A command click runs (`log`) leaves through the same door."""
    tid = open_ticket(desk, *BILLING)
    logged = entry(desk, "log", tid)
    assert logged.returncode == 0 and "FAST 0" in logged.stderr, logged.stderr
    assert tid in logged.stdout or "open" in logged.stdout
