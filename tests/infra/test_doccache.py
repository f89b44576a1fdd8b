"""Large tickets kept parsed by content (infra/doccache.py, issue 13): a storm master's
next reader unpickles what its committer dumped, and gets what parsing would give."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from itsmctl.infra import doccache
from itsmctl.infra import yaml as yamlmod
from itsmctl.infra.yaml import load_ticket
from tests.app.helpers import committed, git
from tests.infra.test_index_follow import hook, payload


def _bytes(desk: Path, tid: str) -> bytes:
    from itsmctl.core.model import ticket_path

    return (desk / ticket_path(tid)).read_bytes()


def test_H2_a_storm_master_is_read_as_its_committer_kept_it(desk: Path,
                                                           monkeypatch: pytest.MonkeyPatch):
    first = hook(desk, payload(40), "2026-11-25T09:05:00+08:00")
    master = first.opened[0]
    data = _bytes(desk, master)
    assert len(data) >= doccache.SIZE_FROM and len(committed(desk, master).slaves) == 39
    kept = doccache.get(desk, data)
    assert kept is not None and kept == load_ticket(data, "master")
    small = _bytes(desk, first.opened[1])
    assert len(small) < doccache.SIZE_FROM and doccache.get(desk, small) is None

    parsed: list[int] = []
    real = yamlmod.load_ticket

    def counted(text: Any, where: str) -> Any:
        parsed.append(len(text))
        return real(text, where)

    monkeypatch.setattr(yamlmod, "load_ticket", counted)
    hook(desk, payload(5, first=40), "2026-11-25T09:06:00+08:00")
    assert all(n < doccache.SIZE_FROM for n in parsed)         # the master: not parsed
    again = _bytes(desk, master)
    assert again != data and doccache.get(desk, data) is None   # the old entry went
    assert doccache.get(desk, again) == load_ticket(again, "master")
    assert len(committed(desk, master).slaves) == 44
    assert git(desk, "status", "--porcelain") == ""


def test_H2_an_entry_that_cannot_be_read_is_parsed_again(desk: Path):
    first = hook(desk, payload(40), "2026-11-25T09:05:00+08:00")
    master = first.opened[0]
    data = _bytes(desk, master)
    entry = doccache._folder(desk) / doccache._name(data)
    entry.write_bytes(b"torn")
    assert doccache.get(desk, data) is None
    out = hook(desk, payload(3, first=40), "2026-11-25T09:06:00+08:00")
    assert out.commit and len(committed(desk, master).slaves) == 42


def test_H2_the_cache_keeps_at_most_its_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / ".git").mkdir()
    monkeypatch.setattr(doccache, "MAX_FILES", 3)
    for i in range(5):
        data = b"x" * doccache.SIZE_FROM + str(i).encode()
        doccache.put(tmp_path, data, {"i": i})
    names = sorted(p.name for p in doccache._folder(tmp_path).iterdir())
    assert len(names) == 3
    last = b"x" * doccache.SIZE_FROM + b"4"
    assert doccache.get(tmp_path, last) == {"i": 4}
