"""`itsmctl sync` (G4): push local work, moving it onto what arrived meanwhile."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from itsmctl.app.session import Session
from itsmctl.errors import ConcurrencyError, RuleViolation, UsageError


@dataclass
class SyncOutcome:
    """What `sync` did with a remote: commits pushed, moved or dropped."""

    remote: str
    pushed: int = 0
    moved: bool = False
    dropped: list[str] = field(default_factory=list)

    def doc(self) -> dict[str, Any]:
        return {"remote": self.remote, "pushed": self.pushed, "moved": self.moved,
                "dropped": self.dropped}


def sync(session: Session, attempts: int = 5) -> SyncOutcome:
    """Pull and push: local commits move onto the remote tip as they are when nothing
    they depend on changed there; the others run their recorded use case again."""
    from itsmctl.app.landing import fetch, integrate, recover
    from itsmctl.infra import git
    from itsmctl.infra.outgoing import Outgoing, net_lock

    remote = session.remote
    if remote is None:
        raise UsageError("no remote configured: set `remote:` in config/desk.yaml or "
                         "`git config itsmctl.remote NAME`", rule="G4")
    desk, out = session.desk, Outgoing(session.desk)
    timeout = session.policy.desk.lock_timeout
    outcome = SyncOutcome(remote.name)
    before = desk.head()
    with net_lock(desk, timeout):
        recover(session, remote)
        for attempt in range(attempts):
            tip = fetch(session, remote)
            if tip is None:
                raise ConcurrencyError(f"{remote.name} is unreachable; nothing was pushed",
                                       rule="G4")
            out.touch("fetched")
            with desk.lock(timeout):
                outcome.dropped += integrate(session, remote, tip, "")
            head = desk.head()
            ahead = remote.count_ahead(tip)
            if not ahead or head is None:
                break
            pushed = remote.push(head)
            if pushed == "pushed":
                outcome.pushed = ahead
                out.touch("pushed")
                out.landed(set(git.run(session.root, "rev-list", f"{tip}..{head}" if tip
                                       else head).decode().split()))
                break
            if pushed == "refused":         # the remote's own check (I6): not a race
                raise RuleViolation(f"{remote.name} refused the push: {remote.refusal}; "
                                    "the local commits stay here", rule="I6")
            if attempt == attempts - 1:
                raise ConcurrencyError(f"{remote.name} kept moving; gave up after {attempts} "
                                       "tries (G4)", rule="G4")
    outcome.moved = before != desk.head()
    return outcome
