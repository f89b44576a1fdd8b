"""infra/outgoing.py: the clone's record of commits waiting for a push (G3, G4)."""

from __future__ import annotations

import threading
from pathlib import Path

from itsmctl.infra.outgoing import Entry, Outgoing, alive, owner
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
            with lock:
                tokens = set(live)
            seen_dead.extend(t for t in tokens if not alive(d, t))

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
    out.add(Entry("a" * 40, "t1", ["tickets/x.yaml"]))
    out.add(Entry("b" * 40, ""))
    out.landed({"a" * 40, "b" * 40})
    queue = out.read()
    assert [(e.sha[0], e.state) for e in queue.entries] == [("a", "landed")]  # nobody waits on b
    out.forget("t1")
    assert out.read().entries == []
