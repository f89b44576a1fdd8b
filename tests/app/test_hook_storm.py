"""H1 storms on a real scratch desk: a storm group's tickets that cannot lead it (resolved,
closed, slaves) are judged by their index rows and never parsed, whatever the group's size."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path
from typing import Any

import pytest

from itsmctl.app import hooks
from itsmctl.infra.store import Transaction
from tests.app.helpers import committed, git, head_message, session


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


def _rules_on_every_step(desk: Path) -> None:
    """notify.yaml rules for the steps a storm takes, so intermediate states plan."""
    path = desk / "config" / "notify.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  dispatch: {P1:", "  link-slave: {P1: [M], P2: [M], "
                                 "P3: [M], P4: [M]}\n  dispatch: {P1:"), encoding="utf-8")
    git(desk, "commit", "-qam", "config: notify on link-slave")


@pytest.mark.parametrize("notify_links", [False, True])
def test_H1_holding_changes_commits_what_saving_each_step_commits(desk: Path, tmp_path: Path,
                                                                  monkeypatch: Any,
                                                                  notify_links: bool):
    """Held keeps a change unfinalized only when finalizing could plan nothing: with
    every change saved at once (plans_nothing always False, the write path's own way)
    the same payloads commit the same trees and messages, several payloads in one
    commit (U3) included."""
    import itsmctl.core.alerts as alerts
    import itsmctl.infra.store as store

    if notify_links:
        _rules_on_every_step(desk)
    other = tmp_path / "other"
    shutil.copytree(desk, other, symlinks=True)
    plain_new_id = store.new_id
    runs = [
        ("2026-11-25T09:05:00+08:00", [payload(("a1", "firing", "2026-11-25T01:00:00Z")),
                                       payload(*((f"a{i}", "firing", "2026-11-25T01:02:00Z")
                                                 for i in range(2, 6)))]),
        ("2026-11-25T09:06:00+08:00", [payload(("a6", "firing", "2026-11-25T01:03:00Z"),
                                               ("a2", "resolved", "2026-11-25T01:02:00Z"))]),
        ("2026-11-25T09:07:00+08:00", [payload(*((f"a{i}", "resolved", "2026-11-25T01:0"
                                                  f"{0 if i == 1 else 3 if i == 6 else 2}:00Z")
                                                 for i in range(1, 7)))]),
        ("2026-11-25T09:08:00+08:00", [payload(("a3", "firing", "2026-11-25T01:30:00Z"),
                                               ("b1", "firing", "2026-11-25T01:31:00Z"))]),
    ]
    seen = []
    for where, every_step in ((desk, False), (other, True)):
        # one clone id: planned notices name it as their origin
        (where / ".git" / "itsmctl").mkdir(parents=True, exist_ok=True)
        (where / ".git" / "itsmctl" / "clone-id").write_text(json.dumps(
            {"id": "test-0000000000", "root": str(where.resolve())}))
        rng = random.Random(5)
        monkeypatch.setattr(store, "new_id", lambda p, o, r=None: plain_new_id(p, o, r or rng))
        if every_step:
            monkeypatch.setattr(alerts, "plans_nothing", lambda *a, **k: False)
        done = []
        for now, bodies in runs:
            s = session(where, actor=None, now=now)
            outs = hooks.receive_all(s, [hooks.parse(s, b) for b in bodies])
            done.append(([o.lines() for o in outs],
                         git(where, "log", "-1", "--format=%an %ad%n%B"),
                         git(where, "rev-parse", "HEAD^{tree}")))
        seen.append(done)
    assert seen[0] == seen[1]
    assert any("reopened" in " ".join(lines[0]) for lines, _, _ in seen[0])
    first = seen[0][0][0][0][0].split()[-1]                 # the storm's master
    triggers = {n.trigger for n in committed(desk, first).notifications}
    assert ("link-slave" in triggers) is notify_links
