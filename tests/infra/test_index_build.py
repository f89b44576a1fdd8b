"""Building the ticket index in bulk (a fresh clone's first command) gives exactly the rows
that reading every blob from git one by one gives, whatever the work tree holds."""

import os
import subprocess

import pytest

from itsmctl.infra import git as gitlib
from tests.helpers import BILLING, dispatched, open_ticket
from tests.infra.test_index import rows as _rows


def _tree(desk):
    out = subprocess.run(["git", "ls-tree", "-r", "HEAD", "--", "tickets"], cwd=desk,
                         capture_output=True, text=True, check=True).stdout
    return [(line.split("\t")[1], line.split()[2]) for line in out.splitlines()
            if line.endswith(".yaml")]


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
    if len(tree) > 3 and hasattr(os, "mkfifo"):
        fifo = desk / tree[3][0]
        fifo.unlink()
        os.mkfifo(fifo)                     # opened without waiting for a writer


def test_checked_out_blobs_read_the_work_tree_only_where_it_holds_the_blob(desk):
    made = [dispatched(desk), open_ticket(desk, *BILLING), open_ticket(desk), open_ticket(desk)]
    tree = _tree(desk)
    assert len(tree) == len(made)
    _spoil_work_tree(desk, tree)
    got = dict(gitlib.checked_out_blobs(desk, tree))
    assert got == dict(gitlib.cat_blobs(desk, [sha for _, sha in tree]))
    assert set(got) == {sha for _, sha in tree}


@pytest.mark.parametrize("chunk", [1, 2000])
def test_index_built_in_bulk_from_the_work_tree_equals_one_read_from_git(desk, monkeypatch,
                                                                         chunk):
    """Workers take chunks in turn (1: one blob at a time) and read what the work tree
    does not hold at the end, through git."""
    from itsmctl.infra import index as module

    for _ in range(3):
        open_ticket(desk, *BILLING)
    dispatched(desk)
    here = _rows(desk)                      # few blobs: read here, from git
    _spoil_work_tree(desk, _tree(desk))
    monkeypatch.setattr(module, "PARALLEL_FROM", 1)
    monkeypatch.setattr(module, "_SHARE", 1)
    monkeypatch.setattr(module, "_CHUNK", chunk)
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
    dispatched(desk)            # (an open writes its own row; the assign is caught up)
    index = module.open_index(desk)              # catching up: NORMAL (1) throughout
    assert seen == [0, 1]
    index.close()


def test_a_build_from_nothing_writes_no_wal_and_the_wal_is_back_after(desk, monkeypatch):
    """Rows into an empty table go through a rollback journal (the WAL would write each
    page twice: the commit, then its checkpoint); the index is in WAL mode again after,
    and a catch-up, or a build while another connection has the file open, keeps it."""
    import sqlite3

    from itsmctl.infra import index as module

    open_ticket(desk)
    _forget(desk)
    seen = []
    apply = module.Index._apply

    def spy(self, changes, progress):
        seen.append(self.db.execute("PRAGMA journal_mode").fetchone()[0])
        return apply(self, changes, progress)

    monkeypatch.setattr(module.Index, "_apply", spy)
    index = module.open_index(desk)
    assert seen == ["delete"]
    assert index.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    built = _rows(desk)
    index.close()
    dispatched(desk)            # (an open writes its own row; the assign is caught up)
    module.open_index(desk).close()                 # catching up: the WAL throughout
    assert seen == ["delete", "wal"]
    _forget(desk)
    index = module.Index(desk)
    other = sqlite3.connect(index.path)             # a reader holds the file open
    other.execute("SELECT count(*) FROM meta").fetchone()
    index.refresh()
    assert seen[-1] == "wal"
    index.close()
    other.close()
    assert len(_rows(desk)) == len(built) + 1

def _head_decoding_all(data, where):
    """parse_head as it was: the whole state part decoded at once, then cut."""
    from itsmctl.infra.index import _parse_part

    cut_at = data.find(b"\nhistory:")
    text = (data if cut_at < 0 else data[:cut_at + 9]).decode("utf-8", "replace")
    end = text.find("\nhistory:")
    end = len(text) if end < 0 else end
    notes = text.find("\nnotifications:", 0, end)
    doc = _parse_part(text[:(notes if notes >= 0 else end) + 1], where)
    if doc is None or notes < 0:
        return doc
    visit_at = text.find("\nvisit:", notes, end)
    visit_at = end if visit_at < 0 else visit_at
    section = text[notes:visit_at + 1]
    part = _parse_part(section[1:], where) or {}
    doc["_pending"] = sum(1 for n in part.get("notifications") or ()
                          if isinstance(n, dict) and n.get("status") not in ("sent", "refused"))
    if visit_at < end:
        doc.update(_parse_part(text[visit_at + 1:end + 1], where) or {})
    return doc


def test_parse_head_decodes_its_parts_as_the_whole_would(desk):
    """Only the parts parsed are decoded; bytes that are not UTF-8 next to a cut (a
    hand-edited file) read the same as when the whole state part was decoded."""
    from itsmctl.infra.index import parse_head

    tid = dispatched(desk)
    path, _ = _tree(desk)[0]
    data = (desk / path).read_bytes()
    assert b"\nnotifications:" in data and b"\nhistory:" in data
    variants = [data, data.replace(b"\nhistory:", b"\nvisit: null\nhistory:", 1)]
    for bad in (b"\xe8\xae", b"\xff", b"\xe8"):
        for at in (b"\nnotifications:", b"\nhistory:"):
            for base in list(variants[:2]):
                variants.append(base.replace(at, b"\ntitle_x: a" + bad + at, 1))
                variants.append(base.replace(at, b"\ntitle_x: |\n  a" + bad + at, 1))
    variants.append(data.replace(b"\nnotifications:", b"\nnotes_x: \xe8\xae", 1))
    variants.append(data[:data.find(b"\nhistory:")] + b"\xe8")
    for variant in variants:
        assert parse_head(variant, path) == _head_decoding_all(variant, path), variant[:80]
    assert parse_head(data, path)["id"] == tid


def test_bulk_build_equals_the_index_caught_up_commit_by_commit(desk, monkeypatch):
    """Varied tickets and committed files that are not readable tickets (the index keeps
    why, for list and sweep): a build from nothing by the workers gives the rows that
    catching up after each commit gave, problems included."""
    from itsmctl.infra import index as module
    from tests.helpers import git, resolved

    made = [resolved(desk), dispatched(desk, "--impact", "1"), open_ticket(desk, *BILLING)]
    _rows(desk)
    month = _tree(desk)[0][0].rsplit("/", 1)[0]
    (edited, _), (renamed, _) = _tree(desk)[1:3]
    broken = {
        f"{month}/INC-2611-BAD01.yaml": b"id: [unclosed\n",
        f"{month}/INC-2611-LIST1.yaml": b"- a list\n- not a ticket\n",
        f"{month}/INC-2611-UTF01.yaml": b"id: INC-2611-UTF01\ntitle: \xff\xfe\nstatus: x\n",
    }
    for rel, data in broken.items():
        (desk / rel).write_bytes(data)
        git(desk, "add", rel)
        git(desk, "commit", "-qm", f"add {rel}")
        _rows(desk)                                 # caught up commit by commit
    text = (desk / edited).read_bytes()
    (desk / edited).write_bytes(text.replace(b"\nstatus: ", b"\nstatus: bogus_", 1))
    git(desk, "commit", "-qam", "a status no ticket has")
    _rows(desk)
    git(desk, "mv", renamed, f"{month}/INC-2611-MOVED.yaml")
    git(desk, "commit", "-qm", "a file whose name is not its id")
    caught_up = _rows(desk)
    index = module.open_index(desk)
    problems = index.invalid()
    index.close()
    assert len(problems) == 5 and len(caught_up) == len(made) + 3
    monkeypatch.setattr(module, "PARALLEL_FROM", 1)
    monkeypatch.setattr(module, "_SHARE", 1)
    monkeypatch.setattr(module, "_CHUNK", 2)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    _forget(desk)
    assert _rows(desk) == caught_up
    index = module.open_index(desk)
    assert index.invalid() == problems
    index.close()


@pytest.mark.parametrize("enabled", [True, False])
def test_a_parallel_build_collects_no_cycles_meanwhile_and_leaves_gc_as_it_was(
        desk, monkeypatch, enabled):
    """The parent does not run the cycle collector while the rows stream in (issue 13),
    and gives it back as it found it, also when the build fails."""
    import gc

    from itsmctl.infra import index as module

    for _ in range(2):
        open_ticket(desk, *BILLING)
    monkeypatch.setattr(module, "PARALLEL_FROM", 1)
    monkeypatch.setattr(module, "_SHARE", 1)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    seen = []
    stream = module._rows_parallel

    def watched(root, by_sha):
        for rows in stream(root, by_sha):
            seen.append(gc.isenabled())
            yield rows

    monkeypatch.setattr(module, "_rows_parallel", watched)
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        _forget(desk)
        _rows(desk)
        assert seen and not any(seen)
        assert gc.isenabled() is enabled

        def failing(path, sha, data):
            raise OSError("disk gone")          # in a worker: the parent raises

        monkeypatch.setattr(module, "_row_of", failing)
        _forget(desk)
        with pytest.raises(RuntimeError, match="disk gone"):
            _rows(desk)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
