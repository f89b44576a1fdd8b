"""The ticket index follows HEAD exactly and finds what the sweep must look at."""

import subprocess

from itsmctl.infra.index import open_index
from tests.helpers import BILLING, dispatched, git, itsm, ok, open_ticket


def ids(desk, statuses=None):
    index = open_index(desk)
    try:
        return sorted(d["id"] for d in index.query(statuses))
    finally:
        index.close()


def test_index_follows_commits_resets_and_deletes(desk):
    a = dispatched(desk)
    b = open_ticket(desk, *BILLING)
    assert ids(desk) == sorted([a, b])
    ok(itsm(desk, "accept", a, actor="carol"))
    index = open_index(desk)
    assert {d["id"]: d["status"] for d in index.query()}[a] == "in_progress"
    index.close()
    subprocess.run(["git", "reset", "-q", "--hard", "HEAD~1"], cwd=desk, check=True)
    index = open_index(desk)
    assert {d["id"]: d["status"] for d in index.query()}[a] == "assigned"
    index.close()
    subprocess.run(["git", "rm", "-q", f"tickets/2026/11/{b}.yaml"], cwd=desk, check=True)
    subprocess.run(["git", "commit", "-qm", "remove"], cwd=desk, check=True)
    assert ids(desk) == [a]


def test_index_rebuilds_when_deleted_or_foreign(desk):
    a = open_ticket(desk)
    assert ids(desk) == [a]
    path = desk / ".git" / "itsmctl" / "index.sqlite"
    index = open_index(desk)
    index.db.execute("UPDATE meta SET value='0' WHERE key='format'")
    index.close()
    assert ids(desk) == [a]
    for suffix in ("", "-wal", "-shm"):
        (desk / ".git" / "itsmctl" / f"index.sqlite{suffix}").unlink(missing_ok=True)
    assert ids(desk, ["new"]) == [a] and path.exists()


def test_index_of_an_older_version_without_todays_columns_is_rebuilt(desk):
    """An upgrade: the old table lacks columns today's indexes name; it is dropped first."""
    import sqlite3

    a = open_ticket(desk)
    path = desk / ".git" / "itsmctl" / "index.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        (desk / ".git" / "itsmctl" / f"index.sqlite{suffix}").unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.executescript("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);"
                     "INSERT INTO meta VALUES ('format', '1'), ('commit', 'x');"
                     "CREATE TABLE tickets (path TEXT PRIMARY KEY, blob TEXT, id TEXT);")
    db.commit()
    db.close()
    assert ids(desk) == [a]


def test_S4_sweep_candidates_from_stored_clocks(desk):
    """A ticket is a candidate once a running phase's deadline passes, not before."""
    from datetime import datetime

    tid = dispatched(desk, "--impact", "4")          # P4: accept within 2h
    index = open_index(desk)
    before = datetime.fromisoformat("2026-11-25T10:59:00+08:00").timestamp()
    after = datetime.fromisoformat("2026-11-25T11:01:00+08:00").timestamp()
    (wake,) = index.db.execute("SELECT wake_at FROM tickets WHERE id=?", (tid,)).fetchone()
    assert before < wake <= after
    index.db.execute("UPDATE tickets SET pending=0")       # as after a sweep folded them
    args = (30 * 86400, ["phone"], ["incident"], ["out_of_scope"])
    assert tid not in index.sweep_candidates(before, *args)
    assert tid in index.sweep_candidates(after, *args)
    index.close()
    assert git(desk, "status", "--porcelain") == ""


def rows(desk):
    """Every row, its pickled state read back: a row a commit wrote (Index.follow, from
    the mapping it dumped) and one read back from git hold equal states, not always
    the same pickle (which shares equal strings where they are one object)."""
    import pickle

    index = open_index(desk)
    try:
        return sorted(tuple(pickle.loads(v) if isinstance(v, bytes) else v for v in row)
                      for row in index.db.execute("SELECT * FROM tickets"))
    finally:
        index.close()


def forget(desk):
    for suffix in ("", "-wal", "-shm"):
        (desk / ".git" / "itsmctl" / f"index.sqlite{suffix}").unlink(missing_ok=True)


def test_index_built_by_workers_equals_the_one_built_here(desk, monkeypatch):
    from itsmctl.infra import index as module

    made = [dispatched(desk), open_ticket(desk, *BILLING), open_ticket(desk)]
    here = rows(desk)
    assert sorted(r[2] for r in here) == sorted(made)
    monkeypatch.setattr(module, "PARALLEL_FROM", 1)
    monkeypatch.setattr(module, "_SHARE", 1)
    monkeypatch.setattr(module, "_BATCH", 1)
    monkeypatch.setattr("os.cpu_count", lambda: 2)      # two workers even on one core
    forget(desk)
    assert rows(desk) == here


def test_index_built_by_workers_keeps_the_tree_order_whichever_worker_ends_first(
        desk, monkeypatch):
    """The table's row order (it orders a query's ties) is ls-tree order, as a build in
    this process gives it, also when a later chunk's rows arrive first: here the
    worker with the first chunk waits until the other has sent the second one."""
    import multiprocessing

    from itsmctl.infra import index as module

    for _ in range(4):
        open_ticket(desk)

    def order():
        index = open_index(desk)
        try:
            return [r[0] for r in index.db.execute("SELECT path FROM tickets ORDER BY rowid")]
        finally:
            index.close()

    forget(desk)
    here = order()
    assert here == sorted(here)
    released = multiprocessing.get_context("fork").Event()
    row_of = module._row_of

    def late_first(path, sha, data):
        if path == here[0]:
            released.wait(30)                   # bounded: the order is checked anyway
        elif path == here[2]:
            released.set()                      # the second chunk is sent by now
        return row_of(path, sha, data)

    monkeypatch.setattr(module, "_row_of", late_first)
    monkeypatch.setattr(module, "PARALLEL_FROM", 1)
    monkeypatch.setattr(module, "_SHARE", 1)
    monkeypatch.setattr(module, "_CHUNK", 1)
    monkeypatch.setattr("os.cpu_count", lambda: 2)      # two workers even on one core
    forget(desk)
    assert order() == here

def test_index_worker_failure_is_raised_and_nothing_cached(desk, monkeypatch):
    import pytest

    from itsmctl.infra import index as module

    open_ticket(desk)
    open_ticket(desk)
    monkeypatch.setattr(module, "PARALLEL_FROM", 1)
    monkeypatch.setattr(module, "_SHARE", 1)

    def broken(path, sha, data):
        raise ValueError("no parse")

    monkeypatch.setattr(module, "_row_of", broken)
    forget(desk)
    with pytest.raises(RuntimeError, match="ValueError: no parse"):
        open_index(desk)
    monkeypatch.undo()
    assert len(rows(desk)) == 2


def test_index_of_an_older_format_with_fewer_columns_is_rebuilt(desk):
    """An index written by an older itsmctl (its table lacks today's columns) is
    dropped before today's schema and its indexes are made, then rebuilt."""
    import sqlite3

    tid = open_ticket(desk, *BILLING)
    path = desk / ".git" / "itsmctl" / "index.sqlite"
    for stale in path.parent.glob("index.sqlite*"):
        stale.unlink()
    db = sqlite3.connect(path)
    db.executescript("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);"
                     "INSERT INTO meta VALUES ('format', '6');"
                     "CREATE TABLE tickets (path TEXT PRIMARY KEY, blob TEXT, id TEXT);")
    db.commit()
    db.close()
    assert ids(desk) == [tid]


def test_the_index_reads_head_as_the_store_does_without_importing_it(desk):
    """A loose branch ref, the same ref packed, a detached HEAD: index._head answers as
    Desk.head (issue 13: a read-only command imports neither the store nor git)."""
    from itsmctl.infra.index import _head
    from itsmctl.infra.store import Desk

    loose = Desk(desk).head()
    assert loose and _head(desk) == loose
    git(desk, "pack-refs", "--all", "--prune")
    assert not any((desk / ".git" / "refs" / "heads").iterdir())
    assert _head(desk) == Desk(desk).head() == loose
    git(desk, "checkout", "-q", "--detach")
    assert _head(desk) == Desk(desk).head() == loose


def test_undelivered_notifications_are_counted_as_four_counts_would():
    """`_pending` reads the notification log in one pass; it gives what counting each
    needle apart gave (None when items and statuses do not pair up)."""
    from itsmctl.infra.index import _pending

    def counted(section):
        if section.startswith(b"\nnotifications: []"):
            return 0
        if section.count(b"\n- ") != section.count(b"\n  status: "):
            return None
        return section.count(b"\n  status: pending") + section.count(b"\n  status: failed")

    entry = b"\n- id: N%d\n  status: %s\n  body: |\n    - not an item\n    status: x"
    sections = [b"\nnotifications: []", b"\nnotifications:",
                b"\nnotifications:" + entry % (1, b"sent") + entry % (2, b"pending")
                + entry % (3, b"failed") + entry % (4, b"pendingly") + entry % (5, b"refused"),
                b"\nnotifications:\n- id: N1\n  trigger: x",              # no status
                b"\nnotifications:\n- id: N1\n  status: failed\n  status: pending",
                b"\nnotifications:\n- - x\n  status: failed\n- \n  status: sent\n"]
    for section in sections:
        data = b"id: X\n" + section + b"\nvisit: null\n"
        start = data.index(b"\nnotifications:")
        end = data.index(b"\nvisit:") + 1
        assert _pending(data, start, end) == counted(data[start:end]), section
