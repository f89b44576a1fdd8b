"""SPEC 13, no tracebacks: output into a pipe whose reader went away (`itsmctl … | head`)
ends quietly with exit 0, buffered or not; what is still buffered goes to /dev/null."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest


def env(buffered: bool) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith("ITSMCTL_")}
    out.pop("PYTHONUNBUFFERED", None)
    if not buffered:
        out["PYTHONUNBUFFERED"] = "1"
    return out


@pytest.mark.parametrize("buffered", [True, False])
@pytest.mark.parametrize("args", [["--version"], ["--help"], ["--actor", "alice", "list"],
                                  ["--actor", "alice", "--json", "show", "INC"]])
def test_writing_into_a_pipe_nobody_reads_is_quiet(desk: Path, args: list[str],
                                                    buffered: bool) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)                  # the reader is gone before anything is written
    try:
        done = subprocess.run([sys.executable, "-m", "itsmctl", "--repo", str(desk), *args],
                              stdout=write_end, stderr=subprocess.PIPE, env=env(buffered),
                              timeout=60)
    finally:
        os.close(write_end)
    err = done.stderr.decode()
    if args[-2:] == ["show", "INC"]:            # an error still reports on stderr
        assert done.returncode == 3 and "Traceback" not in err
        return
    assert done.returncode == 0 and err == ""


def test_version_into_head_prints_no_traceback(desk: Path) -> None:
    command = f"{shlex.quote(sys.executable)} -m itsmctl --version | head -2"
    done = subprocess.run(["sh", "-c", command], capture_output=True, text=True,
                          env=env(True), timeout=60)
    assert done.stdout.startswith("itsmctl, version ") and done.stderr == ""


def through_head(desk: Path, args: str, head: str, buffered: bool = True) -> tuple[int, str]:
    """`itsmctl ARGS | head …` in a real shell pipeline: itsmctl's exit status and stderr."""
    command = (f"{shlex.quote(sys.executable)} -m itsmctl --repo {shlex.quote(str(desk))} "
               f"{args} | {head} >/dev/null; exit ${{PIPESTATUS[0]}}")
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True,
                          env=env(buffered), timeout=120)
    return done.returncode, done.stderr


@pytest.mark.parametrize("buffered", [True, False])
@pytest.mark.parametrize("args, head", [("--version", "head -c1"),
                                        ("--actor alice list", "head -1"),
                                        ("--help", "head -c1")])
def test_output_into_head_ends_quietly(desk: Path, args: str, head: str,
                                       buffered: bool) -> None:
    assert through_head(desk, args, head, buffered) == (0, "")


@pytest.mark.slow
def test_a_long_list_into_head_ends_quietly(tmp_path: Path) -> None:
    """More than a pipe holds (~100 kB of list): the write after `head` left is EPIPE."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    try:
        from bench.generate import generate
    finally:
        sys.path.pop(0)
    desk = tmp_path / "big"
    generate(desk, 1200)
    for fmt in ("", "--format csv", "--json"):
        assert through_head(desk, f"--actor alice list --all {fmt}", "head -1") == (0, "")
