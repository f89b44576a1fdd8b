"""Per-person marks kept outside the repository (.git/itsmctl/inbox/<person>.json): when
each person last looked at their inbox (W6). Local to the clone, never committed."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Optional


def _path(root: Path, person: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in person)
    return root / ".git" / "itsmctl" / "inbox" / f"{safe}.json"


def last_seen(root: Path, person: str) -> Optional[datetime]:
    try:
        doc = json.loads(_path(root, person).read_text(encoding="utf-8"))
        return datetime.fromisoformat(str(doc["seen"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def mark_seen(root: Path, person: str, when: datetime) -> None:
    from itsmctl.infra.store import write_atomic

    write_atomic(_path(root, person), json.dumps({"seen": when.isoformat()}).encode())
