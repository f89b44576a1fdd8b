"""Per-person marks kept outside the repository (.git/itsmctl/inbox/<person>.json): when
each person last looked at their inbox, and at which commit (W6). Local to the clone,
never committed.

"Since I last looked" is counted in commits, not in event times: work done offline and
synced later keeps its own (earlier) time, and another clone's clock may lag, so an event
can arrive after a look with a time before it. The commit a person looked at tells what
they have seen: every event a ticket holds beyond its history at that commit is new."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Optional

from itsmctl.errors import ItsmError


@dataclass
class Mark:
    """When a person last looked at their queue, and at which commit."""

    seen: datetime                 # when the person looked
    head: Optional[str] = None     # the commit they looked at (None: a mark of old)


def _path(root: Path, person: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in person)
    return root / ".git" / "itsmctl" / "inbox" / f"{safe}.json"


def last_mark(root: Path, person: str) -> Optional[Mark]:
    try:
        doc = json.loads(_path(root, person).read_text(encoding="utf-8"))
        head = doc.get("head")
        return Mark(datetime.fromisoformat(str(doc["seen"])),
                    head if isinstance(head, str) and head else None)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def last_seen(root: Path, person: str) -> Optional[datetime]:
    mark = last_mark(root, person)
    return mark.seen if mark else None


def mark_seen(root: Path, person: str, when: datetime, head: Optional[str] = None) -> None:
    from itsmctl.infra.store import write_atomic

    write_atomic(_path(root, person),
                 json.dumps({"seen": when.isoformat(), "head": head}).encode())


@dataclass
class Before:
    """A ticket as it was at the commit a person looked at."""

    events: int = 0                           # how many history events it held
    people: dict[str, str] = field(default_factory=dict)    # person -> owner/watcher/opener


def events_before(root: Path, old: str, new: str) -> Optional[dict[str, Before]]:
    """Ticket id -> what it was at commit `old`, for every ticket file changed from `old`
    to `new` (no events: the ticket is new since). None when `old` is not a commit here
    any more (history rewritten, or another clone's mark)."""
    from itsmctl.infra import git
    from itsmctl.infra.yaml import load_ticket

    res = git.call(root, "diff-tree", "-r", "-z", "--no-renames", old, new, "--", "tickets")
    if res.code != 0:
        return None
    fields = res.out.split(b"\0")
    blob_of: dict[str, str] = {}                       # id -> old blob ("" when none)
    for meta, path in zip(fields[0::2], fields[1::2]):
        if not meta.startswith(b":") or not path.endswith(b".yaml"):
            continue
        parts = meta[1:].split()
        if len(parts) >= 5 and parts[4] != b"D":
            blob = parts[2].decode()
            blob_of[Path(path.decode()).stem] = "" if set(blob) == {"0"} else blob
    wanted = sorted({b for b in blob_of.values() if b})
    blobs = git.cat_batch(root, wanted) if wanted else {}
    out: dict[str, Before] = {}
    for ticket_id, blob in blob_of.items():
        before = Before()
        if blob and blob in blobs:
            try:
                doc = load_ticket(blobs[blob], ticket_id)
            except ItsmError:          # an unreadable old version: all its events are new
                doc = None
            if isinstance(doc, dict):
                history = doc.get("history")
                before.events = len(history) if isinstance(history, list) else 0
                for who in doc.get("watchers") or ():
                    before.people.setdefault(str(who), "watcher")
                for key, why in (("opened_by", "opener"), ("assignee", "owner")):
                    if doc.get(key):
                        before.people[str(doc[key])] = why
        out[ticket_id] = before
    return out
