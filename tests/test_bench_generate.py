"""bench/generate.py makes a desk itsmctl itself accepts (G5, G6, G1, I3): validate and
audit find nothing, there is one commit per command, authored by its actor, and every
ticket file is byte for byte what itsmctl writes for that ticket."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow      # builds benchmark desks

ROOT = Path(__file__).resolve().parents[1]


def generate(desk: Path, n: int, seed: int) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    try:
        from bench.generate import generate as make
    finally:
        sys.path.pop(0)
    return make(desk, n, seed=seed)


def git(desk: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=desk, capture_output=True, text=True,
                          check=True).stdout


def itsmctl(desk: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "itsmctl", "--repo", str(desk), *args],
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def made(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    desk = tmp_path / "desk"
    return desk, generate(desk, 60, seed=11)


def test_G5_G6_generated_desk_passes_validate_and_audit(made):
    desk, stats = made
    assert stats["tickets"] == 60 and not stats["refusals"], stats
    checked = itsmctl(desk, "validate")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    audited = itsmctl(desk, "audit")
    assert audited.returncode == 0, audited.stdout + audited.stderr
    assert f"{stats['commits'] + 1} commit(s) replayed, 0 finding(s)" in audited.stderr + \
        audited.stdout


def test_G1_one_commit_per_command_in_time_order(made):
    from itsmctl.infra.store import Desk

    desk, stats = made
    log = git(desk, "log", "--reverse", "--format=%at %ae %(trailers:key=Itsmctl-Action,"
                    "valueonly)").split("\n")
    commits = [line.split() for line in log if line.strip()]
    assert len(commits) == stats["commits"] + 1 and commits[0][2] == "init"
    stamps = [int(c[0]) for c in commits[1:]]
    assert stamps == sorted(stamps)                     # committed in time order
    # each command's events share its moment and actor: one such pair per commit
    moments = {(e.at, e.actor) for p in Desk(desk).ticket_files()
               for e in Desk(desk).read_file_ticket(p).history}
    assert len(moments) == stats["commits"]
    actions = {c[2] for c in commits[1:]}
    assert {"open", "assign", "accept", "resolve", "close", "sweep",
            "hook-alertmanager"} <= actions


def test_generated_files_are_what_itsmctl_writes(made):
    from itsmctl.infra.ticketfile import parse_ticket
    from itsmctl.infra.yaml import dump_ticket, load_ticket

    desk, stats = made
    files = sorted(desk.glob("tickets/*/*/*.yaml"))
    assert len(files) == stats["tickets"]
    fraction = re.compile(rb"T\d\d:\d\d:\d\d\.\d")        # itsmctl's clock: whole seconds
    assert not fraction.search(git(desk, "log", "--format=%B").encode())
    for path in files:
        data = path.read_bytes()
        assert not fraction.search(data), path
        assert dump_ticket(parse_ticket(load_ticket(data, path.name), path.name).to_doc()) \
            == data, path
    assert git(desk, "status", "--porcelain") == ""
    assert git(desk, "config", "core.splitIndex").strip() == "true"
    listed = itsmctl(desk, "list", "--format", "csv")
    assert listed.returncode == 0 and listed.stdout.startswith("id,")


def test_same_seed_same_history(made, tmp_path):
    desk, _ = made
    again = tmp_path / "again"
    generate(again, 60, seed=11)
    assert git(again, "rev-parse", "HEAD") == git(desk, "rev-parse", "HEAD")


def test_uniform_desk_is_one_commit_of_copies(tmp_path):
    desk = tmp_path / "uniform"
    stats = generate_uniform(desk, 40)
    assert stats["commits"] == 1 and stats["tickets"] == 45
    assert len(list(desk.glob("tickets/*/*/*.yaml"))) == 45
    checked = itsmctl(desk, "validate")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def generate_uniform(desk: Path, n: int) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    try:
        from bench.generate import generate as make
    finally:
        sys.path.pop(0)
    return make(desk, n, seed=3, uniform=True)


@pytest.mark.parametrize("args, says", [
    (["--tickets", "0"], "--tickets must be 1 or more"),
    (["--end", "25/11/2026"], "give a date as YYYY-MM-DD"),
])
def test_command_line_refuses_bad_arguments_in_one_line(tmp_path, args, says):
    got = subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"),
                          str(tmp_path / "d"), *args], capture_output=True, text=True,
                         timeout=60)
    assert got.returncode == 2 and says in got.stderr.splitlines()[-1]
    assert "Traceback" not in got.stderr and not (tmp_path / "d").exists()


def test_a_directory_holding_a_desk_is_refused(made):
    desk, _ = made
    head = git(desk, "rev-parse", "HEAD")
    got = subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), str(desk),
                          "--tickets", "5"], capture_output=True, text=True, timeout=60)
    assert got.returncode == 2 and "already holds a desk" in got.stderr
    assert git(desk, "rev-parse", "HEAD") == head
