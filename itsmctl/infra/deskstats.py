"""Facts about the desk's activity for monitoring (U4): commits made lately and when the
sweep last ran. The sweep leaves a stamp in .git/itsmctl (it commits nothing when
nothing is due); a sweep on another clone shows through its commits."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Optional

from itsmctl.infra import git

SWEEP_STAMP = "last-sweep"
SWEEP_EMAIL = "sweep@itsmctl.invalid"


def record_sweep(root: Path, when: datetime) -> None:
    """Note that a sweep ran at `when` (best effort: monitoring must not fail a sweep)."""
    path = root / ".git" / "itsmctl" / SWEEP_STAMP
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{SWEEP_STAMP}.{os.getpid()}.tmp")
        tmp.write_text(when.isoformat() + "\n")
        os.replace(tmp, path)
    except OSError:
        pass


def last_sweep(root: Path, since: float) -> Optional[float]:
    """When the sweep last ran (epoch seconds): its stamp here, or its last commit (one
    made after `since`: the walk back through history stops there)."""
    found: list[float] = []
    try:
        text = (root / ".git" / "itsmctl" / SWEEP_STAMP).read_text().strip()
        found.append(datetime.fromisoformat(text).timestamp())
    except (OSError, ValueError):
        pass
    out = git.run(root, "log", "-1", "--format=%at", f"--author={SWEEP_EMAIL}",
                  f"--since={int(since)}", "HEAD", check=False).strip().decode()
    if out.isdigit():
        found.append(float(out))
    return max(found) if found else None


def commits_since(root: Path, epoch: float) -> int:
    """Commits on HEAD whose committer date is at or after `epoch`."""
    out = git.run(root, "rev-list", "--count", f"--since={int(epoch)}", "HEAD",
                  check=False).strip().decode()
    return int(out) if out.isdigit() else 0
