"""This clone's delivery ledger (N3): its id, an append-only outcome log, a sender lock.

Lives in .git/itsmctl/, so it is local to the clone and never committed; sweep folds
it into the tickets (itsmctl/app/deliver.py explains the design).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional

from itsmctl.infra import git, jsontext
from itsmctl.infra.locking import flock_within

LEDGER = "deliveries.jsonl"
Entries = dict[str, list[dict[str, Any]]]


def state_dir(root: Path) -> Path:
    return root / ".git" / "itsmctl"


def clone_id(root: Path) -> str:
    """This clone's id, made once; a copied or moved desk directory gets a new one."""
    path = state_dir(root) / "clone-id"
    try:
        doc = jsontext.loads(path.read_text())
        if doc.get("root") == str(root.resolve()):
            return str(doc["id"])
    except (OSError, ValueError, KeyError, AttributeError):
        pass
    import random  # (only here, once per clone: ~0.5 ms of every write otherwise)
    import socket

    host = socket.gethostname().split(".")[0] or "host"
    new = f"{host}-{random.SystemRandom().getrandbits(40):010x}"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".clone-id.{os.getpid()}.tmp")
    tmp.write_text(jsontext.dumps({"id": new, "root": str(root.resolve())}))
    os.replace(tmp, path)
    return new


def lazy_origin(root: Path) -> Callable[[], Optional[str]]:
    """origin(root), looked up at most once and only when asked."""
    found: list[Optional[str]] = []

    def get() -> Optional[str]:
        if not found:
            found.append(origin(root))
        return found[0]

    return get


def origin(root: Path) -> Optional[str]:
    """Who delivers what this process plans: this clone, or None to defer to sweep."""
    return None if git.config(root, "itsmctl.delivery") == "sweep" else clone_id(root)


def read_ledger(root: Path, ids: Optional[Iterable[str]] = None) -> Entries:
    """Outcomes by notification id; a torn last line (a killed writer) is skipped.

    With `ids`, only their lines are decoded: a transition asks about its own few
    notifications and should not pay for the whole history of deliveries."""
    out: Entries = {}
    try:
        data = (state_dir(root) / LEDGER).read_bytes()
    except FileNotFoundError:
        return out
    needles = [i.encode() for i in ids] if ids is not None else None
    for line in data.splitlines():
        if needles is not None and not any(n in line for n in needles):
            continue
        try:
            entry = jsontext.loads(line)
            out.setdefault(entry["id"], []).append(entry)
        except (ValueError, KeyError, TypeError):
            continue
    return out


def append_ledger(root: Path, entry: dict[str, Any]) -> None:
    """One line, appended and fsynced before the caller moves on."""
    path = state_dir(root) / LEDGER
    path.parent.mkdir(parents=True, exist_ok=True)
    line = jsontext.dumps(entry, sort_keys=True).encode() + b"\n"
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            line = b"\n" + line           # close a line torn by a killed writer
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


COMPACT_ABOVE = 4 << 20       # bytes: past this, sweep drops old outcomes
KEEP_DAYS = 30                # outcomes younger than this always stay


def compact_ledger(root: Path, now: Any) -> int:
    """Drop outcomes older than KEEP_DAYS once the ledger passes COMPACT_ABOVE; the
    number dropped. Call under the delivery lock. By then a sweep (every minute) has
    long recorded those outcomes on their tickets; only a desk whose sweep did not run
    for a month could send such a notification again."""
    from datetime import datetime, timedelta

    path = state_dir(root) / LEDGER
    try:
        if path.stat().st_size <= COMPACT_ABOVE:
            return 0
        data = path.read_bytes()
    except FileNotFoundError:
        return 0
    cutoff = now - timedelta(days=KEEP_DAYS)
    kept, dropped = [], 0
    for line in data.splitlines():
        try:
            at = datetime.fromisoformat(jsontext.loads(line)["at"])
            if at < cutoff:
                dropped += 1
                continue
        except (ValueError, KeyError, TypeError):
            pass                          # unreadable lines are kept as they were
        kept.append(line)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_bytes(b"".join(line + b"\n" for line in kept))
    os.replace(tmp, path)
    return dropped


@contextmanager
def delivery_lock(root: Path, timeout: float) -> Iterator[bool]:
    """Serialise senders on this clone; yields False when not had within timeout."""
    path = state_dir(root) / "deliveries.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        yield flock_within(fd, timeout)
    finally:
        os.close(fd)


def sent(entries: Entries, nid: str) -> bool:
    return any(e.get("outcome") == "sent" for e in entries.get(nid, ()))
