"""infra/outgoing.py: the clone's record of commits waiting for a push (G3, G4)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from itsmctl.errors import ConcurrencyError
from itsmctl.infra.outgoing import Outgoing, Unpushed, alive, net_lock, owner
from itsmctl.infra.store import Desk


def test_G3_a_waiting_process_is_never_taken_for_dead(desk: Path) -> None:
    """Other commands look at every owner token all the time (pacing, liveness); one
    that is being made must never look unlocked, or its commit would be replayed by
    another process while it waits for it."""
    d = Desk(desk)
    stop = threading.Event()
    seen_dead: list[str] = []
    live: set[str] = set()
    lock = threading.Lock()

    def look() -> None:
        out = Outgoing(d)
        while not stop.is_set():
            out.others("")
            with lock:          # (held while looking: a token may end right after)
                seen_dead.extend(t for t in live if not alive(d, t))

    checker = threading.Thread(target=look)
    checker.start()
    try:
        for _ in range(300):
            with owner(d) as token:
                with lock:
                    live.add(token)
                assert alive(d, token)
                with lock:
                    live.discard(token)
    finally:
        stop.set()
        checker.join(10)
    assert seen_dead == []


def test_G4_entries_follow_landed_and_forgotten(desk: Path) -> None:
    out = Outgoing(Desk(desk))
    out.add(Unpushed("a" * 40, "t1", ["tickets/x.yaml"]))
    out.add(Unpushed("b" * 40, ""))
    out.landed({"a" * 40, "b" * 40})
    queue = out.read()
    assert [(e.sha[0], e.state) for e in queue.entries] == [("a", "landed")]  # nobody waits on b
    out.forget("t1")
    assert out.read().entries == []


def _holder(d: Desk, release: threading.Event, had: threading.Event, talk: bool) -> None:
    """Holds the net lock until told; `talk`: fetches and pushes meanwhile (markers)."""
    with net_lock(d, 5.0):
        had.set()
        while not release.wait(0.05):
            if talk:
                Outgoing(d).touch("pushed")


@pytest.mark.slow
@pytest.mark.parametrize("talk", [True, False])
def test_G4_a_net_lock_waiter_gives_up_only_when_the_clone_stops_talking_to_the_remote(
        desk: Path, talk: bool) -> None:
    """72 writers on six clones (bench/stress.py) queued on one clone's net lock for over
    lock_timeout while pushes kept landing, and one gave up (exit 5). A waiter gives up
    only after lock_timeout in which no process of the clone fetched or pushed."""
    d = Desk(desk)
    release, had = threading.Event(), threading.Event()
    holder = threading.Thread(target=_holder, args=(d, release, had, talk))
    holder.start()
    try:
        assert had.wait(10)
        timer = threading.Timer(1.5, release.set)       # bounded: the holder lets go
        timer.start()
        start = time.monotonic()
        if talk:
            with net_lock(d, 0.5) as got:
                assert got and time.monotonic() - start >= 1.0
        else:
            with pytest.raises(ConcurrencyError, match="talking to the remote"):
                with net_lock(d, 0.5):
                    pass
            assert time.monotonic() - start < 1.5
        timer.join(10)
    finally:
        release.set()
        holder.join(10)


def test_G4_a_net_lock_waiter_whose_commit_landed_meanwhile_stops_waiting(desk: Path) -> None:
    d = Desk(desk)
    release, had, landed = threading.Event(), threading.Event(), threading.Event()
    holder = threading.Thread(target=_holder, args=(d, release, had, False))
    holder.start()
    try:
        assert had.wait(10)
        threading.Timer(0.3, landed.set).start()
        with net_lock(d, 30.0, ready=landed.is_set) as got:
            assert got is False and not release.is_set()
    finally:
        release.set()
        holder.join(10)
