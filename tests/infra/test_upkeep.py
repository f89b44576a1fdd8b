"""The desk's git settings reach clones, and fast-import's packs are rolled into one pack
with deltas, in the background, one roll at a time, never losing an object."""

import fcntl
import os
import subprocess
from pathlib import Path

import pytest

from itsmctl.errors import GitError
from itsmctl.infra import git as gitmod
from itsmctl.infra import upkeep
from tests.helpers import BILLING, itsm, ok, open_ticket


def git(desk: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=desk, capture_output=True,
                          text=True).stdout.strip()


def _objects_size(desk: Path) -> int:
    return sum(p.stat().st_size for p in (desk / ".git" / "objects").rglob("*") if p.is_file())


def _packs(desk: Path) -> set[str]:
    return {p.name for p in (desk / ".git" / "objects" / "pack").glob("*.pack")}


def _complete(desk: Path) -> None:
    res = subprocess.run(["git", "fsck", "--no-progress", "--full", "--strict"], cwd=desk,
                         capture_output=True, text=True)
    assert res.returncode == 0 and "missing" not in res.stdout + res.stderr, res


def test_clone_gets_the_settings_of_init_on_its_first_command(desk, tmp_path):
    for key, value in upkeep.SETTINGS.items():
        assert git(desk, "config", "--get", key) == value
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(desk), str(clone)], check=True)
    assert git(clone, "config", "--get", "core.splitIndex") == ""
    ok(itsm(clone, "list"))
    for key, value in upkeep.SETTINGS.items():
        assert git(clone, "config", "--get", key) == value
    assert (clone / ".git" / "itsmctl" / "settings").read_text() == upkeep.VERSION
    assert upkeep.ensure_settings(clone) is False          # once: a stat afterwards


def test_every_commit_is_rolled_into_one_pack_with_deltas(desk, monkeypatch):
    monkeypatch.setenv("ITSMCTL_UPKEEP", "foreground")
    tid = open_ticket(desk, *BILLING)
    upkeep.pack(desk)
    assert len(_packs(desk)) == 1
    before = _objects_size(desk)
    for i in range(16):
        ok(itsm(desk, "note", tid, "--text", f"note {i}"))
        assert len(_packs(desk)) == 1             # rolled after each commit, nothing left
    grown = (_objects_size(desk) - before) / 16
    assert git(desk, "count-objects").startswith("0 objects")
    assert grown < 1024, grown                   # deltas, not whole trees and tickets
    _complete(desk)
    assert not (desk / ".git" / "itsmctl" / "pending").exists()


def test_the_background_roll_holds_the_lock_until_done(desk, monkeypatch):
    """Whoever waits for pack.lock after a command returns waits for its roll: the lock is
    taken before the roll starts and handed to the background process."""
    tid = open_ticket(desk, *BILLING)
    monkeypatch.setenv("ITSMCTL_UPKEEP", "background")
    for i in range(3):
        ok(itsm(desk, "note", tid, "--text", f"note {i}"))
    fd = os.open(desk / ".git" / "itsmctl" / "pack.lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)            # waits for the roll, not for a deadline
        assert len(_packs(desk)) == 1, _packs(desk)
        assert not (desk / ".git" / "itsmctl" / "pending").exists()
    finally:
        os.close(fd)
    _complete(desk)


def test_no_second_roll_while_one_runs_and_its_commits_are_not_lost(desk, monkeypatch):
    monkeypatch.setenv("ITSMCTL_UPKEEP", "foreground")
    tid = open_ticket(desk, *BILLING)
    lock = desk / ".git" / "itsmctl" / "pack.lock"
    held = os.open(lock, os.O_RDWR | os.O_CREAT)
    fcntl.flock(held, fcntl.LOCK_EX)              # a roll in progress
    ok(itsm(desk, "note", tid, "--text", "while rolling"))
    ok(itsm(desk, "note", tid, "--text", "still rolling"))
    assert len(_packs(desk)) >= 3                  # nobody rolled beside the holder
    assert (desk / ".git" / "itsmctl" / "pending").exists()
    upkeep.drain(desk, held)                       # the holder looks at `pending` and rolls
    assert len(_packs(desk)) == 1
    assert not (desk / ".git" / "itsmctl" / "pending").exists()
    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)    # drain let go of the lock
    finally:
        os.close(fd)
    _complete(desk)


def test_a_failed_roll_removes_nothing(desk, monkeypatch):
    tid = open_ticket(desk, *BILLING)
    for i in range(2):
        ok(itsm(desk, "note", tid, "--text", f"note {i}"))
    packs = _packs(desk)
    real = gitmod.run

    def failing(root, *args, **kw):
        if args[0] == "pack-objects":
            raise GitError("git pack-objects failed: disk full")
        return real(root, *args, **kw)

    monkeypatch.setattr(gitmod, "run", failing)
    with pytest.raises(GitError):
        upkeep.roll(desk)
    assert _packs(desk) == packs
    monkeypatch.setattr(gitmod, "run", real)
    _complete(desk)


def test_settled_packs_and_kept_packs_are_left_alone(desk, monkeypatch):
    tid = open_ticket(desk, *BILLING)
    upkeep.pack(desk)
    (big,) = _packs(desk)
    monkeypatch.setattr(upkeep, "SETTLED", (desk / ".git/objects/pack" / big).stat().st_size)
    for i in range(2):
        ok(itsm(desk, "note", tid, "--text", f"note {i}"))
    kept = sorted(_packs(desk) - {big})[0]
    (desk / ".git/objects/pack" / kept).with_suffix(".keep").touch()
    blob = subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=desk, input=b"loose\n",
                          capture_output=True, check=True).stdout.decode().strip()
    made = upkeep.roll(desk)
    assert {big, kept} < _packs(desk) and len(_packs(desk)) == 3
    assert f"pack-{made}.pack" in _packs(desk)
    assert git(desk, "count-objects").startswith("0 objects")    # the loose one is packed
    assert git(desk, "cat-file", "-t", blob) == "blob"
    _complete(desk)


def test_a_pack_settles_only_once_it_outweighs_the_month_trees(desk, monkeypatch):
    """A new recent pack pays whole copies of the month trees it touches: the one being
    filled is not left alone before it is several times their size."""
    tid = open_ticket(desk, *BILLING)
    upkeep.pack(desk)
    (big,) = _packs(desk)
    ok(itsm(desk, "note", tid, "--text", "one more"))
    monkeypatch.setattr(upkeep, "SETTLED", 1)
    monkeypatch.setattr(upkeep, "TREES", 10 ** 6)            # the trees outweigh it
    made = upkeep.roll(desk)
    assert _packs(desk) == {f"pack-{made}.pack"} and big not in _packs(desk)
    _complete(desk)


def test_a_background_roll_waits_for_a_quiet_moment_but_not_forever(desk, monkeypatch):
    """A burst of commits is rolled once: the roll waits until the last commit is QUIET
    old, and never longer than PATIENCE (here 0: it rolls at once)."""
    monkeypatch.setenv("ITSMCTL_UPKEEP", "off")
    tid = open_ticket(desk, *BILLING)
    ok(itsm(desk, "note", tid, "--text", "one"))
    state = desk / ".git" / "itsmctl"
    lock = os.open(state / "pack.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(lock, fcntl.LOCK_EX)
    (state / "pending").touch()                  # a commit just now
    monkeypatch.setattr(upkeep, "PATIENCE", 0.0)
    upkeep.drain(desk, lock, quiet=3600.0)
    assert len(_packs(desk)) == 1 and not (state / "pending").exists()
    _complete(desk)


def test_a_commit_long_past_is_rolled_without_waiting(desk, monkeypatch):
    monkeypatch.setenv("ITSMCTL_UPKEEP", "off")
    tid = open_ticket(desk, *BILLING)
    ok(itsm(desk, "note", tid, "--text", "one"))
    state = desk / ".git" / "itsmctl"
    (state / "pending").touch()
    os.utime(state / "pending", (1, 1))          # the last commit came long ago
    monkeypatch.setattr(upkeep, "PATIENCE", 3600.0)
    lock = os.open(state / "pack.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(lock, fcntl.LOCK_EX)
    upkeep.drain(desk, lock, quiet=60.0)
    assert len(_packs(desk)) == 1


@pytest.fixture(scope="module")
def _module_env() -> dict[str, str]:
    """What a module-scoped fixture (built before any function-scoped one) sees."""
    return dict(os.environ)


def test_module_scoped_desks_are_made_without_a_background_roll(_module_env):
    # month_desk and the like are shared by a module's tests, which copy them: a roll left
    # running in one rewrote its packs under shutil.copytree (a flaky shutil.Error)
    assert _module_env.get("ITSMCTL_UPKEEP") == "off"


def _fast_import(repo: Path, commits: list[dict[str, bytes]], when: int) -> int:
    """Commits on main, each in a pack of its own as itsmctl's (fast-import's `checkpoint`
    ends a pack); the time of the last."""
    out = []
    for n, files in enumerate(commits):
        when += 1
        out.append(b"commit refs/heads/main\ncommitter T <t@t> %d +0000\ndata 2\nc\n" % when)
        if n == 0 and when > 1:
            out.append(b"from refs/heads/main^0\n")
        for path, data in files.items():
            out.append(b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(data), data))
        out.append(b"checkpoint\n")
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=b"".join(out),
                   check=True, capture_output=True)
    return when


def _whole_month_trees(repo: Path, pack: Path) -> dict[str, int]:
    """How many whole (not delta) copies of each month's tree a pack holds."""
    listing = git(repo, "verify-pack", "-v", str(pack.with_suffix(".idx"))).splitlines()
    whole = [f.split()[0] for f in listing if f.split()[1:2] == ["tree"] and len(f.split()) == 5]
    found: dict[str, int] = {}
    for oid in whole:
        first = git(repo, "ls-tree", "--name-only", oid).split("\n", 1)[0]
        if first.startswith("INC-"):
            found[first[4:8]] = found.get(first[4:8], 0) + 1
    return found


def test_a_roll_keeps_one_whole_copy_of_each_month_tree(tmp_path, monkeypatch):
    """pack-objects' threads split the list of objects to deltify wherever it falls when
    objects carry no path (the roll names none): a month's versions split between two
    threads came out as two whole copies of its tree (~75 KB at 100,000 tickets), and
    later rolls never deltify two whole objects of the same pack against each other.
    Seen in every bench run at 10,000 tickets (one to three months twice). Months differ
    in size, as a desk's do: same-sized trees of many months would need a wider window."""
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    for key, value in upkeep.SETTINGS.items():
        git(repo, "config", key, value)
    # many threads, each given a part of the list as small as pack-objects allows (two
    # windows): many cuts through the months' versions, as a larger list has on 2 cores
    git(repo, "config", "pack.threads", "16")
    monkeypatch.setattr(upkeep, "WINDOW", 4)
    months = [f"26{m:02d}" for m in range(1, 13)]
    when = _fast_import(repo, [{f"tickets/2026/{m[2:]}/INC-{m}-{i:05d}.yaml":
                                b"id: %s-%d\n" % (m.encode(), i)
                                for n, m in enumerate(months) for i in range(40 + n)}], 0)
    (big,) = (repo / ".git/objects/pack").glob("*.pack")
    big.with_suffix(".keep").touch()             # the clone's pack, left alone
    for burst in range(4):
        # five changes in each month: notes, and in the later months new tickets
        notes = [(months[i % 12], i) for i in range(60)]
        when = _fast_import(repo, [{f"tickets/2026/{m[2:]}/INC-{m}-{t:05d}.yaml":
                                    b"id: %s-%d\nnote: %d\n" % (m.encode(), t, burst)}
                                   for m, t in notes], when)
        made = upkeep.roll(repo)
        assert made is not None
    assert git(repo, "rev-list", "--count", "main") == str(when)
    assert len(git(repo, "ls-tree", "-r", "main", "tickets/2026/12").splitlines()) == 40 + 11 + 1
    recent = repo / ".git/objects/pack" / f"pack-{made}.pack"
    assert _packs(repo) == {big.name, recent.name}
    copies = _whole_month_trees(repo, recent)
    assert sorted(copies) == months and set(copies.values()) == {1}, copies
    _complete(repo)
