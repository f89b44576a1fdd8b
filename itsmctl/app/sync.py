"""`itsmctl sync` (G4): push local work, rebuilding it on what arrived meanwhile."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from itsmctl.app.session import Session
from itsmctl.errors import ConcurrencyError, UsageError


@dataclass
class SyncOutcome:
    remote: str
    pushed: int = 0
    moved: bool = False
    dropped: list[str] = field(default_factory=list)

    def doc(self) -> dict[str, Any]:
        return {"remote": self.remote, "pushed": self.pushed, "moved": self.moved,
                "dropped": self.dropped}


def sync(session: Session, attempts: int = 5) -> SyncOutcome:
    """Pull (rebuilding local commits on the remote tip if both moved) and push."""
    from itsmctl.app.replay import rebuild
    from itsmctl.app.write import fetch

    remote = session.remote
    if remote is None:
        raise UsageError("no remote configured: set `remote:` in config/desk.yaml or "
                         "`git config itsmctl.remote NAME`", rule="G4")
    desk = session.desk
    outcome = SyncOutcome(remote.name)
    with desk.lock(session.policy.desk.lock_timeout):
        before = desk.head()
        for attempt in range(attempts):
            tip = fetch(session, remote)
            if tip is None:
                raise ConcurrencyError(f"{remote.name} is unreachable; nothing was pushed",
                                       rule="G4")
            head = desk.head()
            if tip and head != tip and not remote.is_ancestor(tip, head):
                if head is None or remote.is_ancestor(head, tip):
                    remote.move_to(tip)
                else:
                    outcome.dropped += rebuild(session, remote, tip)
            ahead = remote.count_ahead(tip)
            if not ahead or remote.push() == "pushed":
                outcome.pushed = ahead
                break
            if attempt == attempts - 1:
                raise ConcurrencyError(f"{remote.name} kept moving; gave up after {attempts} "
                                       "tries (G4)", rule="G4")
        outcome.moved = before != desk.head()
    return outcome
