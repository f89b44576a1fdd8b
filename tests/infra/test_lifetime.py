"""infra/lifetime.py (issue 13): a command line process ends with its SQLite connections
open instead of checkpointing the index's WAL at its last close; everything else
closes them as usual."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from itsmctl.infra import lifetime
from itsmctl.infra.index import Index
from tests.helpers import BILLING, NOW, USER, open_ticket


def _cli(desk: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command line as an installed script runs it. Without site's .pth files
    (python -S, the packages on PYTHONPATH instead): one of this machine's registers an
    atexit callback in every process, which (rightly) keeps `leave` from os._exit."""
    return subprocess.run([sys.executable, "-S", "-m", "itsmctl", "--repo", str(desk),
                           "--actor", "alice", "--now", NOW, *args], capture_output=True,
                          text=True, timeout=120, env=_path_env())


def _path_env() -> dict[str, str]:
    """The environment with this checkout and the packages on PYTHONPATH (for -S)."""
    import os
    import site

    root = Path(__file__).resolve().parents[2]
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(root),
                                                         *site.getsitepackages()])}


def test_G1_a_command_leaves_the_index_wal_for_the_next_one(desk: Path):
    tid = open_ticket(desk, *BILLING)
    wal = desk / ".git" / "itsmctl" / "index.sqlite-wal"
    first = _cli(desk, "list")
    assert first.returncode == 0 and tid in first.stdout
    opened = _cli(desk, "open", "--title", "计费出错 again", *USER, *BILLING)
    assert opened.returncode == 0, opened.stderr
    new = opened.stdout.strip()
    assert wal.exists() and wal.stat().st_size > 0        # not checkpointed at its end
    listed = _cli(desk, "list")
    assert listed.returncode == 0 and new in listed.stdout and tid in listed.stdout
    index = Index(desk)                     # (this process: closes as usual)
    try:
        assert index.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert index.has(f"tickets/20{new[4:6]}/{new[6:8]}/{new}.yaml")
    finally:
        index.close()


def test_G1_only_a_process_that_ends_with_exit_keeps_connections(tmp_path: Path,
                                                                  monkeypatch):
    # (other tests of this process may have left connections of their own open: the
    # assertions are about these connections only)
    db = sqlite3.connect(tmp_path / "x.sqlite")
    lifetime.opened(db)
    assert id(db) in lifetime._OPEN and not lifetime.all_closed()
    lifetime.close(db)                      # not the command line's end: closed
    assert id(db) not in lifetime._OPEN
    try:
        db.execute("SELECT 1")
        raise AssertionError("the connection is still open")
    except sqlite3.ProgrammingError:
        pass
    monkeypatch.setattr(lifetime, "ENDS_WITH_EXIT", True)
    monkeypatch.setattr(lifetime, "MAX_KEPT", 1)
    kept, other = sqlite3.connect(tmp_path / "y.sqlite"), sqlite3.connect(tmp_path / "z.sqlite")
    monkeypatch.setattr(lifetime, "_KEPT", [])
    for c in (kept, other):
        lifetime.opened(c)
        lifetime.close(c)
    assert id(kept) not in lifetime._OPEN and id(other) not in lifetime._OPEN
    assert lifetime._KEPT == [kept]
    kept.execute("SELECT 1")                # kept open for os._exit (at most MAX_KEPT)
    try:
        other.execute("SELECT 1")
        raise AssertionError("more than MAX_KEPT kept")
    except sqlite3.ProgrammingError:
        pass
    lifetime.release()                      # the usual end after all: closed
    assert not lifetime.ENDS_WITH_EXIT
    try:
        kept.execute("SELECT 1")
        raise AssertionError("release left it open")
    except sqlite3.ProgrammingError:
        pass


def test_the_entry_point_imports_no_typing_for_it():
    """ui/entry.main imports this module before `--help` prints its cached text:
    typing (with re) would be ~8 ms of that 20 ms process."""
    code = ("import sys; from itsmctl.infra import lifetime; "
            "print(sorted(m for m in ('typing', 're') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True,
                         timeout=60, env=_path_env()).stdout
    assert out.strip() == "[]"
