"""H1 storms on a real scratch desk: a storm group's tickets that cannot lead it (resolved,
closed, slaves) are judged by their index rows and never parsed, whatever the group's size."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from itsmctl.app import hooks
from itsmctl.infra.store import Transaction
from tests.app.helpers import committed, head_message, session


def payload(*alerts: tuple[str, str, str]) -> str:
    """(fingerprint, status, startsAt) alerts of one storm group (alertname, cluster)."""
    return json.dumps({"version": "4", "status": "firing", "alerts": [
        {"status": status, "labels": {"alertname": "DiskFull", "cluster": "c1",
                                      "instance": f"h-{fp}", "severity": "warning"},
         "annotations": {"summary": f"disk full on {fp}"}, "startsAt": start,
         "endsAt": "2026-11-25T02:00:00Z" if status == "resolved" else "",
         "fingerprint": fp} for fp, status, start in alerts]})


def test_H1_storm_leads_come_from_index_rows_and_the_rest_is_never_parsed(desk: Path,
                                                                          monkeypatch: Any):
    first = hooks.receive(session(desk, actor=None, now="2026-11-25T09:05:00+08:00"), payload(
        ("a1", "firing", "2026-11-25T01:00:00Z"), ("a2", "firing", "2026-11-25T01:01:00Z"),
        ("a3", "firing", "2026-11-25T01:02:00Z")))
    old_master, *old_slaves = first.opened
    assert [committed(desk, s).master for s in old_slaves] == [old_master] * 2
    cleared = hooks.receive(session(desk, actor=None, now="2026-11-25T10:05:00+08:00"), payload(
        ("a1", "resolved", "2026-11-25T01:00:00Z"), ("a2", "resolved", "2026-11-25T01:01:00Z"),
        ("a3", "resolved", "2026-11-25T01:02:00Z")))
    assert cleared.resolved == [old_master]
    assert committed(desk, old_master).status == "resolved"

    loaded: list[str] = []
    load = Transaction.load

    def counted(self: Transaction, ticket_id: str) -> Any:
        loaded.append(ticket_id)
        return load(self, ticket_id)

    monkeypatch.setattr(Transaction, "load", counted)
    # a new storm of the same group, within the window of the resolved one's start: the
    # resolved master cannot lead it, so the first new ticket does
    later = "2026-11-25T11:00:00+08:00"
    second = hooks.receive(session(desk, actor=None, now=later), payload(
        ("b1", "firing", "2026-11-25T01:10:00Z"), ("b2", "firing", "2026-11-25T01:11:00Z")))
    new_master, new_slave = second.opened
    assert committed(desk, new_slave).master == new_master
    assert committed(desk, new_master).master is None
    assert not {old_master, *old_slaves} & set(loaded)      # judged by their rows only
    assert head_message(desk).startswith(f"{new_master}: hook-alertmanager (- -> new)")

    loaded.clear()
    third = hooks.receive(session(desk, actor=None, now="2026-11-25T11:01:00+08:00"),
                          payload(("b3", "firing", "2026-11-25T01:12:00Z")))
    assert committed(desk, third.opened[0]).master == new_master
    assert set(loaded) == {new_master}                      # the one ticket that may lead


def test_H1_a_storm_payload_saves_each_ticket_once(desk: Path, monkeypatch: Any):
    """The write path finalizes what is saved (clocks, notices): a new slave is
    finalized once, not at each of its steps, and the master once per payload."""
    hooks.receive(session(desk, actor=None, now="2026-11-25T09:05:00+08:00"), payload(
        ("a1", "firing", "2026-11-25T01:00:00Z"), ("a2", "firing", "2026-11-25T01:01:00Z")))
    saved: list[str] = []
    save = Transaction.save

    def counted(self: Transaction, ticket: Any) -> Any:
        saved.append(ticket.id)
        return save(self, ticket)

    monkeypatch.setattr(Transaction, "save", counted)
    out = hooks.receive(session(desk, actor=None, now="2026-11-25T09:06:00+08:00"), payload(
        *((f"b{i}", "firing", f"2026-11-25T01:0{i}:00Z") for i in range(2, 8))))
    master = committed(desk, out.opened[0]).master
    assert master is not None and len(out.opened) == 6
    assert sorted(saved) == sorted({*out.opened, master})      # each once
    assert committed(desk, master).slaves[-6:] == out.opened
