"""Use cases called directly (no click): sessions on a real scratch desk."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any, Optional

from itsmctl.app.session import Session
from itsmctl.core.intake import Intake
from itsmctl.core.model import Ticket, ticket_path
from itsmctl.infra.ticketfile import parse_ticket
from itsmctl.infra.yaml import load_ticket
from tests.helpers import NOW

REPORTER = {"name": "王五", "phone": "13800000000"}
BILLING = {"category": "billing", "subtype": "application", "symptom": "billing-error"}


def session(desk: Path, actor: str = "alice", now: str = NOW) -> Session:
    return Session(repo=str(desk), actor_given=actor, now_given=now)


def intake(title: str = "计费出错 invoice wrong", **extra: Any) -> Intake:
    fields: dict[str, Any] = {"title": title, "reporter": dict(REPORTER), **BILLING}
    fields.update(extra)
    return Intake(**fields)


def committed(desk: Path, ticket_id: str, rev: str = "HEAD") -> Ticket:
    """The ticket as git holds it at rev (not as the work tree has it)."""
    rel = ticket_path(ticket_id)
    data = subprocess.run(["git", "show", f"{rev}:{rel}"], cwd=desk, capture_output=True,
                          check=True).stdout
    return parse_ticket(load_ticket(data, rel), rel)


def head_message(desk: Path, rev: str = "HEAD") -> str:
    return subprocess.run(["git", "log", "-1", "--format=%B", rev], cwd=desk,
                          capture_output=True, text=True, check=True).stdout


def commits(desk: Path) -> int:
    return int(subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=desk,
                              capture_output=True, text=True, check=True).stdout)


def git(desk: Path, *args: str, check: bool = True) -> str:
    return subprocess.run(["git", *args], cwd=desk, capture_output=True, text=True,
                          check=check).stdout


def shared_remote(tmp: Path, seed: Path) -> tuple[Path, Any]:
    """A bare remote made from seed, and a function cloning it as a configured desk."""
    remote = tmp / "remote.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(seed), str(remote)], check=True)

    def clone(name: str, url: Optional[str] = None) -> Path:
        path = tmp / name
        subprocess.run(["git", "clone", "-q", url or str(remote), str(path)], check=True)
        git(path, "config", "itsmctl.remote", "origin")
        return path

    return remote, clone
