"""SPEC 10 G1-G3 and ids: commits touch only their files, all or nothing, no lost update."""

import os
import random
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest

from itsmctl.core.model import ID_RE, ticket_path
from itsmctl.infra.store import new_id
from tests.helpers import (
    BILLING,
    commit_count,
    dispatched,
    git,
    itsm,
    itsm_process,
    ok,
    open_ticket,
    show,
)


def test_G1_one_commit_touching_only_the_ticket(desk):
    (desk / "notes.txt").write_text("my unrelated work\n")
    (desk / "config" / "desk.yaml").write_text(
        (desk / "config" / "desk.yaml").read_text() + "\n# a local edit in progress\n")
    subprocess.run(["git", "add", "notes.txt"], cwd=desk, check=True)
    tid = open_ticket(desk, *BILLING)
    files = git(desk, "show", "--name-only", "--format=", "HEAD").split()
    assert files == [ticket_path(tid)]
    status = git(desk, "status", "--porcelain").splitlines()
    assert sorted(status) == sorted(["A  notes.txt", " M config/desk.yaml"])


def test_G1_tree_is_clean_after_transitions(desk):
    tid = dispatched(desk)
    ok(itsm(desk, "accept", tid, actor="carol"))
    assert git(desk, "status", "--porcelain") == ""
    assert commit_count(desk) == 4


def test_G2_failure_leaves_nothing(desk):
    tid = dispatched(desk)
    path = desk / ticket_path(tid)
    before = path.read_bytes()
    head = git(desk, "rev-parse", "HEAD")
    r = itsm(desk, "resolve", tid, "--solution", "x", "--causation", "nonsense", actor="carol")
    assert r.code == 3
    assert path.read_bytes() == before and git(desk, "rev-parse", "HEAD") == head
    assert git(desk, "status", "--porcelain") == ""


def test_G2_hand_edited_ticket_is_refused_not_clobbered(desk):
    tid = dispatched(desk)
    path = desk / ticket_path(tid)
    path.write_text(path.read_text().replace("title: 计费出错", "title: hand edit"))
    r = itsm(desk, "accept", tid, actor="carol")
    assert r.code == 4 and "uncommitted" in r.err
    assert "hand edit" in path.read_text()


@pytest.mark.parametrize("written", ["json", "nul"])
def test_G2_killed_after_commit_is_recovered_by_next_command(desk, written):
    """A journal left by a process killed between update-ref and the work tree: as this
    version writes it (NUL-terminated paths) or as versions before did (a JSON list)."""
    tid = dispatched(desk)
    path = desk / ticket_path(tid)
    ok(itsm(desk, "accept", tid, actor="carol"))
    committed = path.read_bytes()
    # simulate: branch moved, work tree and index still old, journal present
    old = git(desk, "show", f"HEAD~1:{ticket_path(tid)}")
    path.write_text(old)
    subprocess.run(["git", "update-index", ticket_path(tid)], cwd=desk, check=True)
    journal = f'["{ticket_path(tid)}"]' if written == "json" else f"{ticket_path(tid)}\0"
    (desk / ".git" / "itsmctl" / "journal").write_text(journal)
    ok(itsm(desk, "note", tid, "--text", "after a crash", actor="carol"))
    assert git(desk, "status", "--porcelain") == ""
    assert committed.decode() in path.read_text() or "after a crash" in path.read_text()
    assert show(desk, tid)["status"] == "in_progress"


def test_G3_killed_process_leaves_no_stale_lock(desk):
    """A process holding the lock is killed; the next command runs at once."""
    code = ("import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT);"
            "fcntl.flock(fd, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(60)")
    lock = desk / ".git" / "itsmctl" / "lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen([sys.executable, "-c", code, str(lock)], stdout=subprocess.PIPE,
                              text=True)
    assert holder.stdout.readline().strip() == "locked"
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=10)
    t0 = time.monotonic()
    open_ticket(desk)
    assert time.monotonic() - t0 < 10


def test_G3_lock_timeout_exits_5(desk):
    code = ("import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT);"
            "fcntl.flock(fd, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(30)")
    cfg = desk / "config" / "desk.yaml"
    cfg.write_text(cfg.read_text().replace("lock_timeout: 60", "lock_timeout: 0.3"))
    lock = desk / ".git" / "itsmctl" / "lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen([sys.executable, "-c", code, str(lock)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        r = itsm(desk, "open", "--title", "x", "--reporter-name", "n", "--reporter-phone", "1")
        assert r.code == 5 and "[G3]" in r.err
    finally:
        holder.kill()
        holder.wait(timeout=10)


def test_ids_are_unique_short_and_map_to_paths():
    when = datetime(2026, 11, 25, 9, 0)
    ids = {new_id("INC", when, random.Random(i)) for i in range(2000)}
    assert len(ids) == 2000
    for i in list(ids)[:50]:
        assert ID_RE.match(i) and len(i) == 14
        assert ticket_path(i) == f"tickets/2026/11/{i}.yaml"


def test_ids_two_clones_same_second_do_not_collide(tmp_path):
    when = datetime(2026, 11, 25, 9, 0)
    a = {new_id("INC", when) for _ in range(500)}
    b = {new_id("INC", when) for _ in range(500)}
    assert not a & b


def test_unique_prefix_accepted_and_ambiguous_refused(desk):
    tid = open_ticket(desk)
    assert show(desk, tid[:11].lower())["id"] == tid
    open_ticket(desk)
    r = itsm(desk, "show", "INC-2611")
    assert r.code == 2 and "ambiguous" in r.err
    assert itsm(desk, "show", "INC-2611-ZZZZZ").code == 3


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_G2_atomic_write_never_leaves_partial_file(tmp_path):
    from itsmctl.infra.store import write_atomic

    tmp_path = tmp_path / "w"
    tmp_path.mkdir()
    target = tmp_path / "f.yaml"
    write_atomic(target, b"a" * 100000)
    write_atomic(target, b"b" * 10)
    assert target.read_bytes() == b"b" * 10
    assert [p.name for p in tmp_path.iterdir()] == ["f.yaml"]


@pytest.mark.slow
def test_G3_twenty_writers_same_and_different_tickets(desk):
    """Twenty processes at once: ten notes on one ticket, five on others, five opens.
    Every update lands, each in its own commit, and the tree is clean."""
    tid = dispatched(desk)
    others = [open_ticket(desk, title=f"other {i}") for i in range(5)]
    start = commit_count(desk)
    jobs = [("note", tid, "--text", f"same {i}") for i in range(10)] + \
           [("note", t, "--text", "different") for t in others] + \
           [("open", "--title", f"storm {i}", "--reporter-name", "n", "--reporter-phone", "1")
            for i in range(5)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda a: itsm_process(desk, *a), jobs))
    assert all(r.code == 0 for r in results), [r.err for r in results if r.code]
    assert commit_count(desk) == start + 20
    notes = [e["note"] for e in show(desk, tid)["history"] if e["action"] == "note"]
    assert sorted(notes) == sorted(f"same {i}" for i in range(10))
    assert len(list((desk / "tickets").glob("*/*/*.yaml"))) == 1 + 5 + 5
    assert git(desk, "status", "--porcelain") == ""


@pytest.mark.slow
def test_G3_killed_mid_command_leaves_no_trace(desk):
    """Writers killed at random moments: no partial file, no stale lock, no half commit."""
    tid = dispatched(desk)
    rng = random.Random(3)
    base = [sys.executable, "-m", "itsmctl", "--repo", str(desk), "--actor", "alice",
            "--now", "2026-11-25T09:30:00+08:00"]
    for i in range(8):
        proc = subprocess.Popen(base + ["note", tid, "--text", f"maybe {i}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, 0.4))
        proc.kill()
        proc.wait(timeout=10)
    ok(itsm(desk, "note", tid, "--text", "after the storm"))
    assert git(desk, "status", "--porcelain") == ""
    assert not list(desk.glob("tickets/**/.*.tmp"))
    history = show(desk, tid)["history"]
    assert history[-1]["note"] == "after the storm"
    # every commit on the branch is whole: one history event more than its parent
    subjects = git(desk, "log", "--format=%s").splitlines()
    assert len([s for s in subjects if s.startswith(f"{tid}: note")]) == \
        len([e for e in history if e["action"] == "note"])
    ok(itsm(desk, "validate"))


def test_G2_commit_refused_by_cas_leaves_tree_and_index_as_head(desk):
    """The branch moved under a commit: nothing of it stays in the work tree or index."""
    from datetime import datetime, timezone

    from itsmctl.errors import ConcurrencyError
    from itsmctl.infra.store import Author, Desk

    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "moved"], cwd=desk,
                   check=True)
    store = Desk(desk)
    stale = git(desk, "rev-parse", "HEAD~1").strip()
    with pytest.raises(ConcurrencyError):
        store.commit({"new.txt": b"x", "README.md": b"overwritten"}, "m", Author("a", "a@b"),
                     datetime.now(timezone.utc), stale)
    assert git(desk, "status", "--porcelain") == ""
    assert not (desk / "new.txt").exists()
    assert "overwritten" not in (desk / "README.md").read_text()


def _index_state(desk):
    index = desk / ".git" / "index"
    return index.read_bytes(), (desk / ".git" / "index.lock").exists()


def test_G2_a_transaction_that_commits_nothing_leaves_git_index_alone(desk):
    """git's index is read by a `git update-index` started with the transaction (its
    ~14 ms at 100,000 tickets overlap the decision); closed with no path, it writes
    nothing, holds no lock after, and a decision's error is the one raised."""
    from itsmctl.errors import RuleViolation
    from itsmctl.infra.store import Desk, transaction

    tid = open_ticket(desk, *BILLING)
    before = _index_state(desk)
    store = Desk(desk)
    with transaction(store) as tx:
        assert tx.index is not None
        tx.load(tid)
    assert _index_state(desk) == before
    with pytest.raises(RuleViolation):
        with transaction(store) as tx:
            raise RuleViolation("refused", rule="L3")
    assert _index_state(desk) == before
    assert git(desk, "status", "--porcelain") == ""


def test_G2_the_index_read_early_is_brought_up_to_date_by_the_commit(desk):
    """A commit through the transaction's early `git update-index`: the files the commit
    wrote are in git's index as committed, stat data included (`git diff-files` quiet)."""
    from datetime import datetime, timezone

    from itsmctl.infra.store import Author, Desk, transaction

    store = Desk(desk)
    with transaction(store) as tx:
        tx.write("kb/early.md", b"# early\n")
        sha = tx.commit("m", Author("a", "a@b"), datetime.now(timezone.utc))
    assert sha and git(desk, "rev-parse", "HEAD").strip() == sha
    assert git(desk, "status", "--porcelain") == ""
    assert subprocess.run(["git", "diff-files", "--quiet"], cwd=desk).returncode == 0
    assert not (desk / ".git" / "index.lock").exists()


def test_G2_a_held_index_lock_at_the_start_leaves_the_refusal_to_the_commit(desk):
    """With index.lock held when the transaction begins, no early `git update-index`
    runs; the commit then refuses as before (G2) and nothing changes."""
    from datetime import datetime, timezone

    from itsmctl.errors import ConcurrencyError
    from itsmctl.infra.store import Author, Desk, transaction

    head = git(desk, "rev-parse", "HEAD")
    lock = desk / ".git" / "index.lock"
    lock.write_text("")
    try:
        with pytest.raises(ConcurrencyError, match="index.lock"):
            with transaction(Desk(desk)) as tx:
                assert tx.index is None
                tx.write("kb/early.md", b"# early\n")
                tx.commit("m", Author("a", "a@b"), datetime.now(timezone.utc))
    finally:
        lock.unlink()
    assert git(desk, "rev-parse", "HEAD") == head and not (desk / "kb" / "early.md").exists()


def test_G1_ids_taken_are_found_by_cat_file_first_then_by_listing_the_month(desk):
    """`open` asks whether its new id is taken: the running cat-file answers the first
    few of a month (no `git ls-tree` process), a batch's later ones the listed month;
    both give the same answers, for committed ids whose file is gone too."""
    from itsmctl.core.model import ticket_path
    from itsmctl.infra.store import LIST_AFTER, Desk, transaction

    taken = open_ticket(desk, *BILLING)
    (desk / ticket_path(taken)).unlink()           # committed, not on disk: git decides
    free = taken[:-5] + ("ZZZZZ" if not taken.endswith("ZZZZZ") else "YYYYY")
    folder = ticket_path(taken).rpartition("/")[0]
    with transaction(Desk(desk)) as tx:
        answers = []
        for _ in range(LIST_AFTER + 2):
            answers.append((tx.exists(taken), tx.exists(free), folder in tx.listed))
    assert all(a[:2] == (True, False) for a in answers)
    assert answers[0][2] is False and answers[-1][2] is True
    git(desk, "checkout", "--", ticket_path(taken))


def test_G1_a_commit_leaves_no_loose_copy_of_its_files(desk):
    """fast-import packs the commit's blobs; git's index gets their ids without git
    storing each file a second time as a loose object (update-index --info-only)."""
    def loose() -> set[str]:
        objects = desk / ".git" / "objects"
        return {str(p.relative_to(objects)) for p in objects.glob("[0-9a-f][0-9a-f]/*")}

    tid = open_ticket(desk, *BILLING)
    before = loose()
    ok(itsm(desk, "note", tid, "--text", "no loose copy"))
    blob = git(desk, "rev-parse", f"HEAD:{ticket_path(tid)}").strip()
    assert loose() - before == set()
    assert git(desk, "cat-file", "-t", blob).strip() == "blob"
    assert git(desk, "status", "--porcelain") == ""
    assert git(desk, "ls-files", "-s", ticket_path(tid)).split()[1] == blob


def test_G3_a_ticket_read_ahead_is_used_only_while_HEAD_is_that_commit(desk):
    """`prefetch` asks cat-file for the ticket before the command takes the desk lock:
    the transaction uses that answer when HEAD is still the commit it was read at; when
    another command committed meanwhile, it reads the ticket as HEAD has it now."""
    from itsmctl.infra import store as store_module
    from itsmctl.infra.store import Desk, prefetch, transaction

    tid = dispatched(desk)
    head = git(desk, "rev-parse", "HEAD").strip()
    prefetch(str(desk), (tid.lower(),))
    early = store_module._EARLY[desk.resolve()]
    assert early.asked(f"{head}:{ticket_path(tid)}")
    with transaction(Desk(desk.resolve())) as tx:
        assert tx.blobs is early and not store_module._EARLY
        same = tx.load(tid)
    assert same.history == Desk(desk).read_file_ticket(desk / ticket_path(tid)).history

    prefetch(str(desk), (tid,))
    ok(itsm(desk, "note", tid, "--text", "committed meanwhile"))
    assert git(desk, "rev-parse", "HEAD").strip() != head
    with transaction(Desk(desk.resolve())) as tx:
        moved = tx.load(tid)
    assert moved.history[-1].note == "committed meanwhile"
    assert len(moved.history) == len(same.history) + 1


def test_G1_a_read_ahead_never_used_is_dropped_without_waiting_on_git(desk):
    """A command that stops before its transaction leaves its read-ahead: dropping it
    ends cat-file even with a large answer unread (nothing waits on a full pipe), and
    the next command works as usual."""
    code = f"""
import subprocess, sys
from pathlib import Path
from itsmctl.infra import git, store
root = Path({str(desk)!r})
big = subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=root, input=b"x" * 300000,
                     capture_output=True, check=True).stdout.decode().strip()
store.prefetch(str(root), ())
store._EARLY[root.resolve()].ask(big)
store.drop_prefetch()
assert not store._EARLY
print("ok")
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr
    tid = open_ticket(desk, *BILLING)
    ok(itsm(desk, "note", tid, "--text", "after"))
    assert git(desk, "status", "--porcelain") == ""


def _lock_is_free(desk) -> bool:
    code = ("import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR); "
            "fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB); print('free')")
    proc = subprocess.run([sys.executable, "-c", code, str(desk / ".git" / "itsmctl" / "lock")],
                          capture_output=True, text=True, timeout=30)
    return proc.stdout.strip() == "free"


def test_G3_the_desk_lock_taken_at_the_start_is_the_transactions(desk):
    """`prefetch` takes the desk lock when it is free and starts git's index read under
    it; the write path's lock and transaction take both over (one commit, index up to
    date, lock let go); dropped unused, git writes no index and the lock is free."""
    from datetime import datetime, timezone

    from itsmctl.infra import store as store_module
    from itsmctl.infra.store import Author, Desk, drop_prefetch, prefetch, transaction

    tid = open_ticket(desk, *BILLING)
    root = desk.resolve()
    before = _index_state(desk)
    prefetch(str(desk), (tid,))
    assert root in store_module._LOCKED and not _lock_is_free(desk)
    assert (desk / ".git" / "index.lock").exists()          # git's read under our lock
    drop_prefetch()
    assert _lock_is_free(desk) and _index_state(desk) == before

    prefetch(str(desk), (tid,))
    fd, early_index = store_module._LOCKED[root]
    store = Desk(root)
    with store.lock(0.0):
        with transaction(store) as tx:
            assert tx.index is early_index and tx.blobs is not None
            tx.write("kb/early.md", b"# early\n")
            sha = tx.commit("m", Author("a", "a@b"), datetime.now(timezone.utc))
    assert not store_module._LOCKED and not store_module._LOCKED_INDEX
    assert _lock_is_free(desk) and git(desk, "rev-parse", "HEAD").strip() == sha
    assert git(desk, "status", "--porcelain") == ""


def test_G3_the_hook_starts_cat_file_early_but_never_the_desk_lock(desk):
    """`hook alertmanager` reads its payload from stdin (a sender may be slow) before it
    needs the lock: its read-ahead (lock=False) starts cat-file only; the lock stays
    free for others until the write path takes it."""
    from itsmctl.infra import store as store_module
    from itsmctl.infra.store import drop_prefetch, prefetch
    from itsmctl.ui.quick import PREFETCH, PREFETCH_UNLOCKED

    assert "itsmctl.ui.alerting:alertmanager" in PREFETCH_UNLOCKED - PREFETCH
    open_ticket(desk, *BILLING)
    root = desk.resolve()
    prefetch(str(desk), (), lock=False)
    try:
        assert root in store_module._EARLY and root not in store_module._LOCKED
        assert _lock_is_free(desk) and not (desk / ".git" / "index.lock").exists()
    finally:
        drop_prefetch()


def test_G4_no_early_lock_where_a_remote_may_be_asked_first_or_the_lock_is_busy(desk):
    """A desk that names a remote (config/desk.yaml, git config itsmctl.remote) pulls
    before it locks, and a busy lock is waited for by the command as always: `prefetch`
    takes no lock then, and never waits."""
    from itsmctl.infra import store as store_module
    from itsmctl.infra.store import drop_prefetch, prefetch

    root = desk.resolve()
    open_ticket(desk, *BILLING)                     # the desk's state folder, its lock
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR); "
        "fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); sys.stdin.read()"),
        str(desk / ".git" / "itsmctl" / "lock")], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        prefetch(str(desk), ())
        assert time.monotonic() - started < 5 and root not in store_module._LOCKED
        drop_prefetch()
    finally:
        holder.communicate("")
    subprocess.run(["git", "config", "itsmctl.remote", "origin"], cwd=desk, check=True)
    prefetch(str(desk), ())
    assert root not in store_module._LOCKED and root in store_module._EARLY
    drop_prefetch()
    subprocess.run(["git", "config", "--unset", "itsmctl.remote"], cwd=desk, check=True)
    conf = desk / "config" / "desk.yaml"
    conf.write_text(conf.read_text() + "\n# remote: origin (later)\n")
    prefetch(str(desk), ())
    assert root not in store_module._LOCKED
    drop_prefetch()
    git(desk, "checkout", "--", "config/desk.yaml")
    prefetch(str(desk), ())
    assert root in store_module._LOCKED
    drop_prefetch()
