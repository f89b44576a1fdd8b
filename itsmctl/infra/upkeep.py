"""The desk's own git settings and object packing: what keeps a transition cheap and the
repository small, in a clone as much as in the desk `init` made.

Settings (`SETTINGS`): `init` applies them, and so does the first command in a clone
(a clone copies no configuration): `ensure_settings` stats one marker file under
.git/itsmctl and runs `git config` only when the marker is missing or older.

Packing: every commit is one `git fast-import`, which writes its few objects loose
(below `fastimport.unpackLimit`) or as a tiny pack of its own, and can only store the
ticket's month tree (~2,800 entries at 100,000 tickets, ~75 KB compressed) and the
ticket file whole: a pack never stores a delta against an object of another pack.
Measured, that was ~200 KB a transition at 100,000 tickets, and git's own `gc --auto`
waits for 6,700 loose objects (~1,100 transitions, ~220 MB). So every `EVERY` commits
a detached `git repack -d --geometric=16` folds the loose objects and the small packs
into one pack, where each tree and ticket is a delta of its previous version; the big
pack of the clone is left alone until the others add up to a sixteenth of it. Repacks
never overlap (`flock -n` on .git/itsmctl/pack.lock); the command does not wait.

What that cannot remove: each pack holds one whole copy of every month tree and
ticket it has versions of (the base of their deltas). With one recent pack (factor
16, not 2: measured at 100,000 tickets, factor 2 kept a pack per power of two, each
with its own copies), that is a fixed ~80 KB per month touched since the big pack
was written, shared by all the transitions since: a long run approaches the ~1 KB
of a transition's deltas, a short window right after a clone does not.
"""

from __future__ import annotations

import os
from pathlib import Path

from itsmctl.infra import git

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
EVERY = 8               # commits between two repacks


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
    for key, value in SETTINGS.items():
        git.run(root, "config", key, value)
    marker.parent.mkdir(parents=True, exist_ok=True)
    tmp = marker.with_name(f".settings.{os.getpid()}")
    tmp.write_text(VERSION)
    os.replace(tmp, marker)
    return True


def after_commit(root: Path) -> None:
    """Count a commit; every EVERY commits start a repack in the background."""
    state = _state(root)
    counter = state / "unpacked"
    try:
        fd = os.open(counter, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, b".")
            count = os.fstat(fd).st_size
        finally:
            os.close(fd)
    except OSError:
        return
    if count < EVERY:
        return
    try:
        counter.unlink()
    except OSError:
        return              # another process took this turn
    pack(root, wait=False)


def pack(root: Path, wait: bool = True) -> None:
    """Fold loose objects and small packs into one pack (deltas between versions)."""
    args = ("repack", "-d", "-q", "--geometric=16")
    lock = _state(root) / "pack.lock"
    if wait:
        git.run_locked(root, lock, *args)
    else:
        git.spawn_detached(root, *args, lock=lock)
