"""The committer writes its commit's rows into the ticket index it decided on (a hook
payload's: Index.follow), so the next command finds the index at HEAD: the rows, and
their order in the table, are what the next command's catch-up from git would write."""

from __future__ import annotations

import json
import pickle
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from itsmctl.app import hooks
from itsmctl.core.model import ticket_path
from itsmctl.infra import git as gitmod
from itsmctl.infra.index import Index, head_of, open_index, parse_head
from itsmctl.infra.yaml import dump_ticket
from tests.app.helpers import committed, git, session

STATE = ("index.sqlite", "index.sqlite-wal", "index.sqlite-shm")


def payload(n: int, first: int = 0, status: str = "firing", severity: str = "critical",
            cluster: str = "c1") -> str:
    """n alerts of one storm group: the first opens the master, the rest its slaves."""
    return json.dumps({"version": "4", "status": status, "alerts": [
        {"status": status, "labels": {"alertname": "InstanceDown", "cluster": cluster,
                                      "instance": f"h{i:03d}", "severity": severity},
         "annotations": {"summary": f"h{i:03d} down"}, "startsAt": "2026-11-25T01:00:00Z",
         "endsAt": "2026-11-25T01:30:00Z" if status == "resolved" else "",
         "fingerprint": f"fp{cluster}{i:04d}"} for i in range(first, first + n)]})


def hook(desk: Path, body: str, now: str) -> hooks.HookOutcome:
    return hooks.receive(session(desk, actor=None, now=now), body)  # type: ignore[arg-type]


def table(desk: Path) -> list[tuple[Any, ...]]:
    """Every row of the index's tables as it is (no catch-up), in table order, pickles
    read back."""
    index = Index(desk)
    try:
        out = []
        for name in ("tickets", "facts"):
            for row in index.db.execute(f"SELECT rowid, * FROM {name} ORDER BY rowid"):
                out.append((name, *(pickle.loads(v) if isinstance(v, bytes) else v
                                    for v in row)))
        return out
    finally:
        index.close()


def index_commit(desk: Path) -> Any:
    index = Index(desk)
    try:
        return index.commit()
    finally:
        index.close()


def keep(desk: Path, where: Path) -> None:
    where.mkdir(exist_ok=True)
    for name in STATE:
        src = desk / ".git" / "itsmctl" / name
        (where / name).unlink(missing_ok=True)
        if src.exists():
            shutil.copy(src, where / name)


def restore(desk: Path, where: Path) -> None:
    for name in STATE:
        (desk / ".git" / "itsmctl" / name).unlink(missing_ok=True)
        if (where / name).exists():
            shutil.copy(where / name, desk / ".git" / "itsmctl" / name)


def test_hook_commit_leaves_the_rows_and_order_a_catch_up_would(desk: Path, tmp_path: Path):
    first = hook(desk, payload(4), "2026-11-25T09:05:00+08:00")
    master = first.opened[0]
    open_index(desk).close()
    # new slaves of the committed master (which changes too); then a new group
    for body, now in ((payload(5, first=4), "2026-11-25T09:06:00+08:00"),
                      (payload(2, cluster="c2", severity="warning"),
                       "2026-11-25T09:07:00+08:00")):
        keep(desk, tmp_path / "before")
        out = hook(desk, body, now)
        head = git(desk, "rev-parse", "HEAD").strip()
        assert out.commit == head and index_commit(desk) == head     # no catch-up needed
        followed = table(desk)
        restore(desk, tmp_path / "before")         # at the previous payload's commit
        assert index_commit(desk) != head
        open_index(desk).close()                   # the next command's catch-up from git
        assert index_commit(desk) == head
        assert table(desk) == followed             # the same rows, in the same order
    assert committed(desk, out.opened[0]).master is None
    assert len(committed(desk, master).slaves) == 8

    for name in STATE:
        (desk / ".git" / "itsmctl" / name).unlink(missing_ok=True)
    open_index(desk).close()                       # and a build from nothing
    by_path = {(r[0], r[2]): r[1:] for r in table(desk)}
    assert {(r[0], r[2]) for r in followed} == by_path.keys()
    assert all(r[3:] == by_path[(r[0], r[2])][2:] for r in followed)


def test_hook_clearing_rows_follow_and_a_file_written_as_it_was_keeps_its_place(
        desk: Path, tmp_path: Path):
    opened = hook(desk, payload(3), "2026-11-25T09:05:00+08:00").opened
    open_index(desk).close()
    keep(desk, tmp_path / "before")
    hook(desk, payload(3, status="resolved"), "2026-11-25T09:40:00+08:00")
    assert committed(desk, opened[0]).status == "resolved"
    followed = table(desk)
    restore(desk, tmp_path / "before")
    open_index(desk).close()
    assert table(desk) == followed

    index = Index(desk)
    parent = index.commit()
    assert parent is not None
    rel = ticket_path(opened[1])
    data = (desk / rel).read_bytes()
    (rowid,) = index.db.execute("SELECT rowid FROM tickets WHERE path=?", (rel,)).fetchone()
    assert index.follow(parent, "f" * 40, [(rel, data, None)])
    assert index.db.execute("SELECT rowid FROM tickets WHERE path=?", (rel,)).fetchone() == \
        (rowid,)
    assert not index.follow(parent, "e" * 40, [])         # not at parent any more
    assert index.commit() == "f" * 40
    index.close()


def test_busy_index_is_left_to_catch_up_and_the_commit_stands(desk: Path):
    hook(desk, payload(2), "2026-11-25T09:05:00+08:00")
    before = index_commit(desk)
    other = sqlite3.connect(desk / ".git" / "itsmctl" / "index.sqlite", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")            # another process writes the index now
    try:
        out = hook(desk, payload(2, cluster="c3"), "2026-11-25T09:06:00+08:00")
    finally:
        other.execute("ROLLBACK")
        other.close()
    head = git(desk, "rev-parse", "HEAD").strip()
    assert out.commit == head and index_commit(desk) == before != head
    index = open_index(desk)
    try:
        assert index.commit() == head
        assert {d["id"] for d in index.query()} >= set(out.opened)
    finally:
        index.close()


def test_new_ids_of_a_payload_are_looked_up_in_the_index_not_git(desk: Path, monkeypatch: Any):
    hook(desk, payload(1), "2026-11-25T09:05:00+08:00")

    def no_listing(*args: Any) -> Any:
        raise AssertionError("the month was listed through git")

    monkeypatch.setattr(gitmod, "tree_names", no_listing)
    out = hook(desk, payload(12, first=1, cluster="c4"), "2026-11-25T09:06:00+08:00")
    assert len(out.opened) == 12 and len(set(out.opened)) == 12


TRICKY = ["null", "0123", "1e3", "yes", "- x", "a: b", "#c", "'q'", '"d"', "  lead",
          "trail  ", "多行\n文本\n", "tab\there", "cr\r\nlf", "line\u2028sep", "",
          "history: not a key\nnotifications: neither\n", "x\n\n\ny\n"]


@pytest.mark.parametrize("text", TRICKY)
def test_head_of_reads_what_parse_head_reads(desk: Path, text: str):
    """The state part taken from the dumped mapping equals the one read back from the
    bytes, for any text in it and any notification log."""
    tid = hook(desk, payload(1), "2026-11-25T09:05:00+08:00").opened[0]
    doc = committed(desk, tid).to_doc()
    doc["title"] = doc["description"] = text
    doc["watchers"] = [text or "w"]
    notes = doc["notifications"]
    for n, status in enumerate(("sent", "failed", "refused", "pending", "skipped")):
        notes.append({"id": f"{tid}-1-{n}", "trigger": "dispatch", "recipients": [text or "r"],
                      "status": status, "attempts": 1, "error": None,
                      "subject": text, "body": text + "\n  status: sent\n- x\n"})
    for visit in (None, {"due": "2026-11-26T09:00:00+08:00", "by": text}):
        assert "_pending" in (head_of(dump_ticket(doc), doc) or {})
        doc["visit"] = visit
        data = dump_ticket(doc)
        assert head_of(data, doc) == parse_head(data, "t.yaml")
    doc["notifications"] = []
    data = dump_ticket(doc)
    assert head_of(data, doc) == parse_head(data, "t.yaml")


def test_head_of_declines_a_file_of_another_shape():
    doc = {"id": "INC-2611-00000", "status": "new", "history": []}
    assert head_of(b"id: INC-2611-00000\nstatus: new\n", doc) is None      # no history:
    assert head_of(b"id: x\nhistory: []\n", {"id": "x"}) is None


def test_L1_open_writes_its_rows_where_a_catch_up_would(desk: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch):
    """`open` keeps the index its candidates read (issue 13): after it, the index is at
    the new commit with no catch-up from git, its rows those a catch-up writes, and the
    next `open` runs no `git diff-tree`."""
    from itsmctl.app.duplicates import candidates
    from itsmctl.app.lifecycle import open_ticket
    from tests.app.helpers import intake

    first = open_ticket(session(desk), intake())
    assert index_commit(desk) == git(desk, "rev-parse", "HEAD").strip()
    keep(desk, tmp_path / "before")
    calls: list[tuple[str, ...]] = []
    real = gitmod.call

    def call(root: Path, *args: str, **kw: Any) -> Any:
        calls.append(args)
        return real(root, *args, **kw)

    monkeypatch.setattr(gitmod, "call", call)
    second = open_ticket(session(desk, now="2026-11-25T09:10:00+08:00"), intake())
    found = candidates(session(desk, now="2026-11-25T09:10:00+08:00"), second)
    head = git(desk, "rev-parse", "HEAD").strip()
    assert index_commit(desk) == head and not [c for c in calls if c[0] == "diff-tree"]
    assert first.id in [c["id"] for c in found["duplicates"]]
    followed = table(desk)
    restore(desk, tmp_path / "before")
    open_index(desk).close()                       # the catch-up from git
    assert index_commit(desk) == head and table(desk) == followed


def test_G3_a_commit_that_fails_after_its_rows_were_made_leaves_the_index_as_it_was(
        desk: Path, monkeypatch: pytest.MonkeyPatch):
    """The commit's rows are written while git writes the commit (issue 13); when the
    commit then fails (the branch moved, G3), they are rolled back: the index is at
    the commit before, with its rows, and free for the next writer."""
    from itsmctl.errors import ConcurrencyError
    from itsmctl.infra import store

    hook(desk, payload(3), "2026-11-25T09:05:00+08:00")
    open_index(desk).close()
    before, at = table(desk), index_commit(desk)
    real = store.Desk.commit
    ran: list[bool] = []

    def failing(self: Any, *args: Any, meanwhile: Any = None, **kw: Any) -> str:
        assert meanwhile is not None            # a hook's transaction follows its index
        meanwhile()
        ran.append(True)
        raise ConcurrencyError("the branch moved while committing (G3)", rule="G3")

    monkeypatch.setattr(store.Desk, "commit", failing)
    with pytest.raises(ConcurrencyError):
        hook(desk, payload(2, first=3), "2026-11-25T09:06:00+08:00")
    monkeypatch.setattr(store.Desk, "commit", real)
    assert ran and index_commit(desk) == at and table(desk) == before
    index = Index(desk)
    try:
        index.db.execute("PRAGMA busy_timeout=0")
        index.db.execute("BEGIN IMMEDIATE")     # no transaction left open by the hook
        index.db.execute("ROLLBACK")
    finally:
        index.close()
    out = hook(desk, payload(2, first=3), "2026-11-25T09:07:00+08:00")
    assert index_commit(desk) == out.commit == git(desk, "rev-parse", "HEAD").strip()


def test_G2_update_index_gets_its_paths_before_the_rows_are_made(desk: Path):
    """IndexUpdate.finish runs `meanwhile` once, when git has all its paths (its input
    is closed), then waits: git writes the index while the rows are made."""
    (desk / "tickets" / "scratch.yaml").write_bytes(b"id: x\n")
    update = gitmod.IndexUpdate(desk)
    proc = update._proc
    assert proc is not None and proc.stdin is not None
    seen: list[bool] = []
    update.finish(["tickets/scratch.yaml"], lambda: seen.append(proc.stdin.closed))
    assert seen == [True] and proc.returncode == 0
    assert git(desk, "ls-files", "tickets/scratch.yaml").strip() == "tickets/scratch.yaml"
