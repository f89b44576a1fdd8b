"""What this clone committed and the remote does not have yet (G4), shared by its processes.

.git/itsmctl/outgoing.json holds one entry per such commit made by itsmctl: what its
decision read (so that a rebase knows whether what arrived meanwhile matters to it), who
waits for it (a token whose flock its process holds while it lives) and its state:
`local`, `landed` (a push carried it) or `dropped` (it must be decided again). While a
rebase moves the branch it also holds `pending`: the old and new tips and how commits
moved, applied once the branch has moved (or forgotten if it never did). Every change is
a read-modify-write under outgoing.lock, written whole with a rename.

Beside it: net.lock (one fetch or push at a time from this clone), `fetched` and `pushed`
(their mtimes say when this clone last heard from the remote and last pushed) and
owners/<token> (the flock that says a waiting process is alive).
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterator, Optional

from itsmctl.errors import ConcurrencyError
from itsmctl.infra.locking import flock_within
from itsmctl.infra.store import Desk, write_atomic

KEEP_DONE = 600.0       # seconds a landed or dropped entry waits for its owner to read it


@dataclass
class Unpushed:
    """One commit of this clone that is not known to be on the remote."""

    sha: str
    token: str = ""                     # the waiting process ('' when nobody waits)
    reads: list[str] = field(default_factory=list)      # paths the decision read
    watch: list[str] = field(default_factory=list)      # texts a new ticket must not hold
    state: str = "local"                # local | landed | dropped
    why: str = ""                       # for dropped: what changed meanwhile
    at: float = 0.0


@dataclass
class Queue:
    """Commits waiting to be pushed, and a push under way."""

    entries: list[Unpushed] = field(default_factory=list)
    pending: Optional[dict[str, Any]] = None

    def by_sha(self) -> dict[str, Unpushed]:
        return {e.sha: e for e in self.entries}

    def find(self, token: str) -> Optional[Unpushed]:
        return next((e for e in self.entries if token and e.token == token), None)


class Outgoing:
    """The clone's outgoing.json, its lock, markers and owner tokens."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.dir = desk.state
        self.path = desk.state / "outgoing.json"

    def read(self) -> Queue:
        try:
            doc = json.loads(self.path.read_bytes())
        except (FileNotFoundError, ValueError):
            return Queue()
        return Queue([Unpushed(**e) for e in doc.get("entries", [])], doc.get("pending"))

    @contextmanager
    def edit(self) -> Iterator[Queue]:
        """The queue to change; written back when the block ends without error."""
        self.dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.dir / "outgoing.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            queue = self.read()
            yield queue
            now = time.time()
            queue.entries = [e for e in queue.entries
                             if e.state in ("local", "replay") or now - e.at < KEEP_DONE]
            write_atomic(self.path, json.dumps(
                {"entries": [asdict(e) for e in queue.entries], "pending": queue.pending},
                separators=(",", ":")).encode())
        finally:
            os.close(fd)

    def add(self, entry: Unpushed) -> None:
        entry.at = time.time()
        with self.edit() as queue:
            queue.entries = [e for e in queue.entries if e.sha != entry.sha] + [entry]

    def forget(self, token: str) -> None:
        with self.edit() as queue:
            queue.entries = [e for e in queue.entries if e.token != token or not token]

    def disown(self, token: str) -> None:
        """Nobody waits for it any more: a later push carries it, a rebase replays it."""
        with self.edit() as queue:
            for e in queue.entries:
                if e.token == token:
                    e.token = ""

    def landed(self, shas: set[str]) -> None:
        """A push carried these commits: their owners may return."""
        now = time.time()
        with self.edit() as queue:
            kept = []
            for e in queue.entries:
                if e.sha in shas and e.state == "local":
                    if not e.token:
                        continue                    # nobody to tell
                    e.state, e.at = "landed", now
                kept.append(e)
            queue.entries = kept

    def others(self, token: str) -> bool:
        """Are other itsmctl commands of this clone writing (deciding or waiting)?"""
        try:
            names = os.listdir(self.dir / "owners")
        except FileNotFoundError:
            return False
        return any(alive(self.desk, name) for name in names
                   if name != token and not name.startswith("."))

    # ---- markers -------------------------------------------------------------------------
    def age(self, name: str) -> float:
        """Seconds since this clone last did NAME (`fetched`, `pushed`); inf if never."""
        try:
            return max(0.0, time.time() - (self.dir / name).stat().st_mtime)
        except FileNotFoundError:
            return float("inf")

    def touch(self, name: str) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / name).touch()


MARKERS = ("fetched", "pushed", "unreachable")     # what a process talking to the remote
WAKE = 0.25             # seconds between two looks of a waiter at `ready` and the markers


@contextmanager
def net_lock(desk: Desk, timeout: float, then: str = "try again",
             ready: Optional[Callable[[], bool]] = None) -> Iterator[bool]:
    """One fetch or push (and the rebase between them) at a time from this clone.

    A waiter gives up only when nobody has held the lock and talked to the remote for
    `timeout` seconds (a hung push): while the clone's other processes keep fetching
    and pushing, it waits on, however many they are (flock is not fair). `ready`,
    asked every WAKE seconds while waiting: True means the lock is not needed any more
    (another's push carried this commit); the block then runs without the lock and
    gets False."""
    desk.state.mkdir(parents=True, exist_ok=True)
    fd = os.open(desk.state / "net.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        seen, quiet = _last_heard(desk), time.monotonic()
        while not flock_within(fd, WAKE):
            if ready is not None and ready():
                yield False
                return
            heard = _last_heard(desk)
            if heard != seen:
                seen, quiet = heard, time.monotonic()
            elif time.monotonic() - quiet >= timeout:
                raise ConcurrencyError(f"another itsmctl has been talking to the remote "
                                       f"for over {timeout:g}s (G4); {then}", rule="G4")
        yield True
    finally:
        os.close(fd)


def _last_heard(desk: Desk) -> float:
    """When a process of this clone last fetched, pushed or found the remote unreachable."""
    times = [0.0]
    for name in MARKERS:
        try:
            times.append((desk.state / name).stat().st_mtime)
        except FileNotFoundError:
            pass
    return max(times)


@contextmanager
def owner(desk: Desk) -> Iterator[str]:
    """A token that stays alive (its flock held) as long as this block runs."""
    directory = desk.state / "owners"
    directory.mkdir(parents=True, exist_ok=True)
    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    path = directory / token
    # locked before it has its name: nobody may find it unlocked and take it for dead
    fd = os.open(directory / f".{token}", os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.rename(directory / f".{token}", path)
        yield token
    finally:
        os.close(fd)
        path.unlink(missing_ok=True)


def alive(desk: Desk, token: str) -> bool:
    """Is the process that holds token still waiting for its commit?"""
    if not token:
        return False
    path = desk.state / "owners" / token
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    path.unlink(missing_ok=True)                # its process died without cleaning up
    return False
