"""Waiting for an flock with a deadline: the desk lock and the delivery lock share it."""

from __future__ import annotations

import errno
import fcntl
import time


def flock_within(fd: int, timeout: float) -> bool:
    """Take an exclusive flock on fd, polling until timeout; False when not had.

    flock, not a lock file: the kernel releases it when the holder dies, so a killed
    process never leaves a stale lock behind (G3)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            if time.monotonic() >= deadline:
                return False
            import random  # only when waiting: ~1 ms to import in every command

            time.sleep(0.01 + random.random() * 0.02)
