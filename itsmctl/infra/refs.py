"""A ref read from .git without git: what the store and the index share (issue 13: a
read-only command need not import the store, git or subprocess to know HEAD)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional


def packed(gitdir: Path, ref: str) -> Optional[str]:
    """The commit `packed-refs` gives `ref`; None when it lists none (or there is none)."""
    try:
        with open(gitdir / "packed-refs") as fh:
            for line in fh:
                if line.endswith(" " + ref + "\n"):
                    return line.split(" ", 1)[0]
    except FileNotFoundError:
        pass
    return None
