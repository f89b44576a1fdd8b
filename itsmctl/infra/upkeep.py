"""The desk's own git settings and object packing: what keeps a transition cheap and the
repository small, in a clone as much as in the desk `init` made.

Settings (`SETTINGS`): `init` applies them, and so does the first command in a clone
(a clone copies no configuration): `ensure_settings` stats one marker file under
.git/itsmctl and runs `git config` only when the marker is missing or older.

Packing: every commit is one `git fast-import`, which writes its objects as a tiny pack
of its own: the ticket file, its month tree (~2,800 entries at 100,000 tickets, ~75 KB
compressed), the year, tickets and root trees and the commit, all whole, since a pack
never stores a delta against an object of another pack. After each commit a
background process (`roll`) folds every small pack (and any loose object) into
one "recent" pack, where each tree and ticket is a delta of its previous version; the
clone's big pack is left alone. It lists the objects from the packs' indexes and hands
them to `git pack-objects` (`git repack --geometric` walks from every commit of the
packs it folds: 10 s a run at 100,000 tickets). The new pack is in place before an old
one is removed. Rolls never overlap: the command takes .git/itsmctl/pack.lock (flock,
non-blocking) and hands it to the roll, which rolls again while commits that found
the lock taken have left their mark (.git/itsmctl/pending); the command never waits.
A roll starts once no commit came for QUIET (PATIENCE at most): a burst is rolled once,
and its commands do not share the CPU and disk with a roll after each of them.

What that cannot remove: a pack is self-contained, so the recent pack holds one whole
copy of every month tree (and ticket) it has a version of, the base of that tree's
deltas: ~75 KB per month touched since the clone at 100,000 tickets, paid once and
shared by all later transitions (one copy: see `roll` on its one thread), which then
cost ~1.4 KB each (the ticket's first version in the pack ~0.9 KB, the commit
~0.2 KB, the trees' deltas ~0.2 KB, the pack index ~0.17 KB). Only
rewriting the clone's big pack (1.7 GB at 100,000 tickets) would remove those copies;
ticket paths (tickets/YYYY/MM/ID.yaml) are a contract, so the month trees stay as big.
A roll rewrites the recent pack (~0.3 s of CPU for 10 MB), so it is left alone once it
reaches SETTLED or TREES times the size of HEAD's tickets/ trees, whichever is more
(~14 MB at 100,000 tickets), and a new one starts, paying the month copies again: at
100,000 tickets ~2.7 MB per ~8,000 transitions, ~0.3 KB a transition.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from itsmctl.errors import GitError

# bump VERSION when SETTINGS change: every desk applies them again on its next command
VERSION = "1"
SETTINGS = {
    # the index is rewritten by every transition: split it so the write stays small
    # (without it a transition in a clone of 100,000 tickets cost +52 % CPU)
    "core.splitIndex": "true",
    # keep fast-import's pack as it is: loosening its few objects is one more process
    # (`git unpack-objects`, ~5 ms) per transition, and the repack below folds packs
    "fastimport.unpackLimit": "1",
}
SETTLED = 4 << 20        # packs from this size on are left alone (a clone's pack) ...
TREES = 3                # ... or from TREES x the size of HEAD's tickets/ trees, if more
WINDOW = 25              # pack-objects' delta window when rolling the recent packs
MODE = "ITSMCTL_UPKEEP"  # background (default) | foreground (tests) | off
QUIET = 1.0              # seconds without a commit before a background roll starts ...
PATIENCE = 5.0           # ... or this long after it was started, in a steady stream


def _state(root: Path) -> Path:
    return root / ".git" / "itsmctl"


def ensure_settings(root: Path) -> bool:
    """Apply SETTINGS unless this repository has them already; True when applied."""
    marker = _state(root) / "settings"
    try:
        if marker.read_text() == VERSION:
            return False
    except OSError:
        pass
    if not (root / ".git").is_dir():
        return False        # a worktree or an unusual layout: leave git's config alone
    from itsmctl.infra import git  # here: a command that finds them set runs no process

    for key, value in SETTINGS.items():
        git.run(root, "config", key, value)
    marker.parent.mkdir(parents=True, exist_ok=True)
    tmp = marker.with_name(f".settings.{os.getpid()}")
    tmp.write_text(VERSION)
    os.replace(tmp, marker)
    return True


def after_commit(root: Path) -> None:
    """Mark a new pack to roll; start the roll unless one is running (it rolls ours too).

    The lock is taken here and handed to the background process (an inherited flock),
    so whoever waits for the lock after this command returns waits for the roll."""
    mode = os.environ.get(MODE, "background")
    if mode == "off" or not (root / ".git").is_dir():
        return
    state = _state(root)
    try:
        state.mkdir(exist_ok=True)
        os.close(os.open(state / "pending", os.O_WRONLY | os.O_CREAT, 0o644))
        os.utime(state / "pending")         # its time says when the last commit came
        fd = os.open(state / "pack.lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return
    try:
        if not _take(fd):
            return              # a roll is running: it sees `pending` and rolls this pack
        if mode == "foreground":
            fd, mine = -1, fd
            drain(root, mine)
            return
        import subprocess
        import sys

        subprocess.Popen([sys.executable, "-m", "itsmctl.infra.upkeep", str(root), str(fd)],
                         pass_fds=(fd,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError:
        pass
    finally:
        if fd >= 0:
            os.close(fd)        # the child holds the lock through its own copy


def _take(fd: int) -> bool:
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def drain(root: Path, fd: int, quiet: float = 0.0) -> None:
    """Holding the lock on fd: roll while commits mark `pending`, then let go (and look
    once more: a commit that found the lock taken just before it was let go).

    With `quiet`, a roll waits until no commit came for that long (PATIENCE at most):
    a burst of commits is rolled once, not once per commit (each roll rewrites the
    recent pack), and the commands of the burst do not share the disk with it."""
    pending = _state(root) / "pending"
    while True:
        try:
            while _settle(pending, quiet) and _unmark(pending):
                try:
                    roll(root)
                except (GitError, OSError):
                    pass            # housekeeping: the next commit tries again
        finally:
            os.close(fd)            # lets go of the lock
        if not pending.exists():
            return
        try:
            fd = os.open(_state(root) / "pack.lock", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            return
        if not _take(fd):
            os.close(fd)
            return


def _settle(pending: Path, quiet: float) -> bool:
    """Wait until the last commit is `quiet` seconds old (PATIENCE at most)."""
    if quiet <= 0:
        return True
    import time

    until = time.monotonic() + PATIENCE
    while True:
        try:
            age = time.time() - pending.stat().st_mtime
        except FileNotFoundError:
            return False
        left = min(quiet - age, until - time.monotonic())
        if left <= 0:
            return True
        time.sleep(left)


def _unmark(pending: Path) -> bool:
    try:
        pending.unlink()
        return True
    except FileNotFoundError:
        return False


def pack(root: Path) -> None:
    """Roll now, in this process, after a running roll has finished (tests)."""
    import fcntl

    _state(root).mkdir(parents=True, exist_ok=True)
    fd = os.open(_state(root) / "pack.lock", os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        roll(root)
    finally:
        os.close(fd)


def roll(root: Path) -> Optional[str]:
    """Fold the loose objects and every pack not yet settled into one new pack; its name.

    Objects are listed from the packs' indexes (no walk of the history: `git repack
    --geometric` walks from every commit of the packs it folds, 10 s at 100,000
    tickets); pack-objects keeps the deltas it finds in those packs and looks for new
    ones among the objects it was given. The new pack is in place before an old one
    is removed (a crash leaves duplicates, never a missing object).

    One thread: the objects carry no path, and pack-objects cuts the list it hands its
    threads wherever it falls between objects without one, so a month's versions cut
    apart came out as two whole copies of its tree (75 KB at 100,000 tickets), kept by
    every later roll (pack-objects never retries a delta between two whole objects of
    one pack). With 2 threads at 10,000 tickets: one to three months twice in every
    bench run; the roll's CPU is the same, its wall time longer (it runs niced, after
    a burst)."""
    from itsmctl.infra import git

    objects = root / ".git" / "objects"
    packdir = objects / "pack"
    if (packdir / "multi-pack-index").exists():
        git.run(root, "repack", "-d", "-q", "--geometric=16")
        return None
    packs, settled = [], None
    for p in packdir.glob("pack-*.pack"):
        if any(p.with_suffix(ext).exists() for ext in (".keep", ".promisor")):
            continue
        size = p.stat().st_size
        if size >= SETTLED and settled is None:
            settled = max(SETTLED, TREES * _trees(root))
        if p.with_suffix(".idx").exists() and size < (settled or SETTLED):
            packs.append(p)
    loose = _loose(objects)
    if len(packs) + (1 if loose else 0) < 2:
        return None
    oids: list[bytes] = list(loose)
    for p in packs:
        out = git.run(root, "show-index", input=p.with_suffix(".idx").read_bytes())
        oids.extend(line.split()[1] for line in out.splitlines())
    made = git.run(root, "pack-objects", "-q", "--delta-base-offset", f"--window={WINDOW}",
                   "--threads=1",
                   str(packdir / "pack"), input=b"\n".join(oids) + b"\n").decode().strip()
    for p in packs:
        if p.stem != f"pack-{made}":
            for ext in (".idx", ".pack", ".rev", ".bitmap"):
                p.with_suffix(ext).unlink(missing_ok=True)
    if loose:
        git.run(root, "prune-packed", "-q")
    return made


def _trees(root: Path) -> int:
    """The size of HEAD's tickets/ trees (~4.7 MB at 100,000 tickets): what a new recent
    pack pays in whole copies as it gets touched, so the pack is left alone only once it
    is several times that (a roll rewrites it: ~0.3 s of CPU for 10 MB)."""
    from itsmctl.infra import git

    names = git.run(root, "ls-tree", "-r", "-d", "--format=%(objectname)", "HEAD", "tickets",
                    check=False)
    if not names:
        return 0
    sizes = git.run(root, "cat-file", "--batch-check=%(objectsize)", input=names, check=False)
    return sum(int(n) for n in sizes.split() if n.isdigit())


def _loose(objects: Path) -> list[bytes]:
    found: list[bytes] = []
    for sub in objects.iterdir():
        if len(sub.name) == 2 and sub.is_dir():
            found.extend((sub.name + f.name).encode() for f in sub.iterdir()
                         if len(f.name) == 38)
    return found


if __name__ == "__main__":              # the background roll after_commit starts
    import sys

    try:
        os.nice(19)             # the CPU goes to commands first
    except OSError:
        pass
    drain(Path(sys.argv[1]), int(sys.argv[2]), quiet=QUIET)
