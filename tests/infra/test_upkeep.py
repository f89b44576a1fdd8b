"""The desk's git settings reach clones, and fast-import's objects are packed with deltas."""

import subprocess
from pathlib import Path

from itsmctl.infra import upkeep
from tests.helpers import BILLING, itsm, ok, open_ticket


def git(desk: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=desk, capture_output=True,
                          text=True).stdout.strip()


def _objects_size(desk: Path) -> int:
    return sum(p.stat().st_size for p in (desk / ".git" / "objects").rglob("*") if p.is_file())


def test_clone_gets_the_settings_of_init_on_its_first_command(desk, tmp_path):
    for key, value in upkeep.SETTINGS.items():
        assert git(desk, "config", "--get", key) == value
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(desk), str(clone)], check=True)
    assert git(clone, "config", "--get", "core.splitIndex") == ""
    ok(itsm(clone, "list"))
    for key, value in upkeep.SETTINGS.items():
        assert git(clone, "config", "--get", key) == value
    assert (clone / ".git" / "itsmctl" / "settings").read_text() == upkeep.VERSION
    assert upkeep.ensure_settings(clone) is False          # once: a stat afterwards


def test_commits_are_folded_into_one_pack_with_deltas(desk):
    tid = open_ticket(desk, *BILLING)
    upkeep.pack(desk)
    before = _objects_size(desk)
    for i in range(upkeep.EVERY * 2):
        ok(itsm(desk, "note", tid, "--text", f"note {i}"))
    upkeep.pack(desk)               # waits for the background one, then folds the rest
    grown = (_objects_size(desk) - before) / (upkeep.EVERY * 2)
    packs = list((desk / ".git" / "objects" / "pack").glob("*.pack"))
    assert git(desk, "count-objects").startswith("0 objects")
    assert len(packs) <= 3, packs
    assert grown < 2048, grown
    assert git(desk, "fsck", "--no-progress", "--connectivity-only") == ""
