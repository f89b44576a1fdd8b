"""Shared test helpers: a real desk repository and the CLI run in-process or as a process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from click.testing import CliRunner

NOW = "2026-11-25T09:00:00+08:00"
USER = ("--reporter-name", "王五", "--reporter-phone", "13800000000")
BILLING = ("--category", "billing", "--subtype", "application", "--symptom", "billing-error")


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)

    @property
    def err_json(self) -> Any:
        return json.loads(self.err.strip().splitlines()[-1])


def make_desk(path: Path, profile: str = "default") -> Path:
    from itsmctl.app.setup import init

    return init(str(path), profile)


def itsm(desk: Path, *args: str, actor: Optional[str] = "alice", now: Optional[str] = NOW,
         input: Optional[str] = None, env: Optional[dict[str, str]] = None) -> Result:
    """Run the CLI in-process through its real entry point (error funnel included)."""
    from itsmctl.ui.main import main

    full = ["--repo", str(desk)]
    if actor:
        full += ["--actor", actor]
    if now:
        full += ["--now", now]
    full += list(args)
    runner = CliRunner()
    base_env = {"ITSMCTL_NOW": None, "ITSMCTL_ACTOR": None, "ITSMCTL_REPO": None}
    base_env.update(env or {})
    with runner.isolation(input=input, env=base_env) as streams:
        try:
            main(full)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = streams[0].getvalue(), streams[1].getvalue()
    return Result(code, out.decode(), err.decode())


def itsm_process(desk: Path, *args: str, actor: Optional[str] = "alice",
                 now: Optional[str] = NOW, timeout: float = 120,
                 input: Optional[str] = None) -> Result:
    """Run the CLI as a separate process (for concurrency and start-up tests)."""
    full = [sys.executable, "-m", "itsmctl", "--repo", str(desk)]
    if actor:
        full += ["--actor", actor]
    if now:
        full += ["--now", now]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ITSMCTL_")}
    proc = subprocess.run(full + list(args), capture_output=True, text=True, timeout=timeout,
                          env=env, input=input)
    return Result(proc.returncode, proc.stdout, proc.stderr)


def ok(result: Result) -> Result:
    assert result.code == 0, f"exit {result.code}: {result.err}{result.out}"
    return result


def open_ticket(desk: Path, *extra: str, title: str = "计费出错", actor: str = "alice",
                now: str = NOW) -> str:
    args = ["open", "--title", title, *extra]
    if "--source" not in extra or any(s in extra for s in ("phone", "email", "web")):
        if "--reporter-name" not in extra and "--recurrence-of" not in extra:
            args += list(USER)
    return ok(itsm(desk, *args, actor=actor, now=now)).out.strip()


def show(desk: Path, ticket: str, now: str = NOW) -> Any:
    return ok(itsm(desk, "--json", "show", ticket, now=now)).json


def git(desk: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=desk, capture_output=True, text=True,
                          check=True).stdout


def commit_count(desk: Path) -> int:
    return int(git(desk, "rev-list", "--count", "HEAD").strip())


def dispatched(desk: Path, *extra: str, group: str = "billing-app") -> str:
    """A billing ticket dispatched to billing-app."""
    tid = open_ticket(desk, *BILLING, *extra)
    ok(itsm(desk, "assign", tid, "--group", group))
    return tid


def in_progress(desk: Path, *extra: str) -> str:
    tid = dispatched(desk, *extra)
    ok(itsm(desk, "accept", tid, actor="carol"))
    return tid


def resolved(desk: Path, *extra: str) -> str:
    tid = in_progress(desk, *extra)
    ok(itsm(desk, "resolve", tid, "--solution", "fixed the rate table", "--causation",
            "data-error", actor="carol"))
    return tid
