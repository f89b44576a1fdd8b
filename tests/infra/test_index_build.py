"""Building the ticket index in bulk (a fresh clone's first command) gives exactly the rows
that reading every blob from git one by one gives, whatever the work tree holds."""

import os
import subprocess

from itsmctl.infra import git as gitlib
from tests.helpers import BILLING, dispatched, open_ticket


def _tree(desk):
    out = subprocess.run(["git", "ls-tree", "-r", "HEAD", "--", "tickets"], cwd=desk,
                         capture_output=True, text=True, check=True).stdout
    return [(line.split("\t")[1], line.split()[2]) for line in out.splitlines()
            if line.endswith(".yaml")]


def _rows(desk):
    from itsmctl.infra.index import open_index

    index = open_index(desk)
    try:
        return sorted(index.db.execute("SELECT * FROM tickets"))
    finally:
        index.close()


def _forget(desk):
    for stale in (desk / ".git" / "itsmctl").glob("index.sqlite*"):
        stale.unlink()


def _spoil_work_tree(desk, tree):
    """An edited file, a deleted one and a symlink where a ticket was: each must be read
    from git instead."""
    (edited, _), (deleted, _), (linked, _) = tree[:3]
    (desk / edited).write_bytes((desk / edited).read_bytes().replace(b"\nstatus: ",
                                                                     b"\nstatus: x", 1))
    (desk / deleted).unlink()
    target = desk / linked
    target.rename(desk / "elsewhere.yaml")
    os.symlink(desk / "elsewhere.yaml", target)


def test_checked_out_blobs_read_the_work_tree_only_where_it_holds_the_blob(desk):
    made = [dispatched(desk), open_ticket(desk, *BILLING), open_ticket(desk), open_ticket(desk)]
    tree = _tree(desk)
    assert len(tree) == len(made)
    _spoil_work_tree(desk, tree)
    got = dict(gitlib.checked_out_blobs(desk, tree))
    assert got == dict(gitlib.cat_blobs(desk, [sha for _, sha in tree]))
    assert set(got) == {sha for _, sha in tree}


def test_index_built_in_bulk_from_the_work_tree_equals_one_read_from_git(desk, monkeypatch):
    from itsmctl.infra import index as module

    for _ in range(3):
        open_ticket(desk, *BILLING)
    dispatched(desk)
    here = _rows(desk)                      # few blobs: read here, from git
    _spoil_work_tree(desk, _tree(desk))
    monkeypatch.setattr(module, "PARALLEL_FROM", 1)
    monkeypatch.setattr(module, "_SHARE", 1)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    _forget(desk)
    assert _rows(desk) == here


def test_a_new_index_has_large_pages_and_an_existing_one_keeps_its_own(desk):
    import sqlite3

    from itsmctl.infra import index as module

    tid = open_ticket(desk)
    _forget(desk)
    path = desk / ".git" / "itsmctl" / "index.sqlite"
    old = sqlite3.connect(path)
    old.execute("PRAGMA page_size=4096")
    old.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    old.close()
    rows = _rows(desk)
    assert [r[2] for r in rows] == [tid]
    index = module.open_index(desk)
    assert index.db.execute("PRAGMA page_size").fetchone()[0] == 4096
    index.close()
    _forget(desk)
    assert _rows(desk) == rows
    index = module.open_index(desk)
    assert index.db.execute("PRAGMA page_size").fetchone()[0] == module.PAGE_SIZE
    index.close()


def test_only_a_build_from_nothing_skips_fsync_and_it_is_back_after(desk, monkeypatch):
    from itsmctl.infra import index as module

    open_ticket(desk)
    _forget(desk)
    seen = []
    apply = module.Index._apply

    def spy(self, changes, progress):
        seen.append(self.db.execute("PRAGMA synchronous").fetchone()[0])
        return apply(self, changes, progress)

    monkeypatch.setattr(module.Index, "_apply", spy)
    index = module.open_index(desk)              # from nothing: OFF (0) while building
    assert seen == [0]
    assert index.db.execute("PRAGMA synchronous").fetchone()[0] == 1     # NORMAL again
    index.close()
    open_ticket(desk)
    index = module.open_index(desk)              # catching up: NORMAL (1) throughout
    assert seen == [0, 1]
    index.close()
