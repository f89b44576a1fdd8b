"""Who provably made a commit, and may they (I4, I5, I7): pure checks over what the
commit's signature, trailers and config say; app/audit.py feeds them commit by commit.

From the signing anchor on (the commit that turns `require_signed` on), every commit
that touches tickets/, config/, kb/ or attachments/ must carry a good signature by a key
that teams.yaml listed *at its parent*; its owner must be the person the trailers name
(or, for a front end's commit, that front end's machine account, and for the sweep the
sweep's key); the role checks of G6 use the parent's config. Each failure is a Finding
naming commit, ticket and rule:

- unsigned   (I5) no signature
- signature  (I5) a signature that does not verify (changed after signing, forged)
- signer     (I5) a key teams.yaml did not list at the parent, or another person's key
- anchor     (I4) require_signed turned on without an incident manager's signature by a
                  key the same commit lists
- teams      (I7) keys or roles changed (or signing turned off) by someone who was no
                  incident manager at the parent: reported, and not honoured afterwards
- time       (I5) an event before the ticket's previous event or the parent commit, or
                  after its own commit (beyond the desk's clock tolerance)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Optional

from itsmctl.core.audit import Commit, Finding
from itsmctl.core.keys import VIA_ACCOUNTS
from itsmctl.core.model import Event
from itsmctl.core.transitions import MANAGER, SWEEP

if TYPE_CHECKING:
    from itsmctl.core.policy import Policy, Teams

DESK, TEAMS = "config/desk.yaml", "config/teams.yaml"


@dataclass(frozen=True)
class Signature:
    """What a commit's signature says: status good / bad / none / unknown, and the key."""

    status: str                         # "good", "bad", "none", "unknown"
    key: Optional[str] = None           # fingerprint of the signing key
    detail: str = ""


def _f(commit: Commit, where: str, kind: str, rule: str, message: str) -> Finding:
    return Finding(commit.sha, where, kind, message, rule)


def signer(commit: Commit, sig: Signature, before: Policy,
           where: str) -> tuple[Optional[str], list[Finding]]:
    """I5: whose listed key (as of the parent) made a good signature; else findings."""
    if sig.status == "none":
        return None, [_f(commit, where, "unsigned", "I5", "not signed; on this signed desk "
                         "every commit is signed by the person acting (git commit -S)")]
    if sig.status != "good":
        why = f" ({sig.detail})" if sig.detail else ""
        text = ("the signature cannot be verified here" if sig.status == "unknown" else
                "the signature does not verify: the commit was changed after signing or "
                "the signature is forged")
        return None, [_f(commit, where, "signature", "I5", text + why)]
    owner = before.teams.signers().get(sig.key or "")
    if owner is None:
        return None, [_f(commit, where, "signer", "I5", f"signed with key {sig.key}, which "
                         "config/teams.yaml did not list at the parent commit")]
    return owner, []


def identity(commit: Commit, owner: str, where: str, touches_config: bool) -> list[Finding]:
    """I4/I5: the key's owner is who the trailers name (a front end's account for its
    commits, the sweep's key for the sweep's)."""
    trailers = commit.trailers
    actor, via = trailers.get("Itsmctl-Actor"), trailers.get("Itsmctl-Via")
    if via:
        account = VIA_ACCOUNTS.get(via, via)
        if owner != account:
            return [_f(commit, where, "signer", "I4", f"made through {via} for {actor} but "
                       f"signed by {owner}; such commits are signed by the {account} account")]
        return []
    if actor and owner != actor:
        return [_f(commit, where, "signer", "I4", f"the trailers name {actor} but the commit "
                   f"is signed with {owner}'s key")]
    if owner == SWEEP and (touches_config or not actor):
        return [_f(commit, where, "signer", "I4", "the sweep's key signed a commit that is "
                   "no sweep")]
    return []


def governed(before: Teams, after: Teams) -> list[str]:
    """I7: what changed in keys and roles (people added or removed included)."""
    out = []
    for pid in sorted(set(before.people) | set(after.people)):
        old, new = before.people.get(pid), after.people.get(pid)
        if old is None and new is not None:
            if new.roles or new.keys:
                out.append(f"{pid} added with roles {', '.join(new.roles) or '-'}")
        elif new is None and old is not None:
            out.append(f"{pid} removed")
        elif old is not None and new is not None:
            if set(old.roles) != set(new.roles):
                gained = sorted(set(new.roles) - set(old.roles))
                lost = sorted(set(old.roles) - set(new.roles))
                change = [f"+{r}" for r in gained] + [f"-{r}" for r in lost]
                out.append(f"{pid}'s roles {' '.join(change)}")
            if set(old.keys) != set(new.keys):
                out.append(f"{pid}'s keys")
    if set(before.sweep_keys) != set(after.sweep_keys):
        out.append("sweep_keys")
    return out


def is_manager(policy: Policy, who: Optional[str]) -> bool:
    person = policy.teams.people.get(who or "")
    return person is not None and MANAGER in person.roles


def config_change(commit: Commit, owner: Optional[str], before: Policy,
                  after: Policy) -> tuple[Policy, list[Finding]]:
    """I7: keys, roles and signing itself change only by an incident manager's signed
    commit. Returns the config later commits are judged by: an unauthorised change of
    keys or roles is reported and not honoured (so a self-granted role grants nothing,
    even after it is reverted), and signing stays on."""
    found = []
    trusted = after
    changes = governed(before.teams, after.teams)
    if changes and not is_manager(before, owner):
        roles = ", ".join(before.teams.people[owner].roles) if owner in before.teams.people \
            else "not a person of teams.yaml"
        found.append(_f(commit, TEAMS, "teams", "I7", f"{owner or 'an unverified signer'} "
                        f"({roles}) changed {'; '.join(changes)}; only an incident manager's "
                        "signed commit may change keys and roles"))
        trusted = trusted.model_copy(update={"teams": before.teams})
    if before.desk.require_signed and not after.desk.require_signed \
            and not is_manager(before, owner):
        found.append(_f(commit, DESK, "teams", "I7", f"{owner or 'an unverified signer'} "
                        "turned require_signed off; only an incident manager may"))
        trusted = trusted.model_copy(update={"desk": trusted.desk.model_copy(
            update={"require_signed": True})})
    return trusted, found


def anchor(commit: Commit, sig: Signature, own: Policy,
           before: Optional[Policy]) -> list[Finding]:
    """I4: the commit that turns signing on is signed by an incident manager's key that
    the same commit lists (and who was an incident manager before it, if there was a
    before)."""
    if sig.status != "good":
        return [_f(commit, DESK, "anchor", "I4", "turns require_signed on but is not "
                   "validly signed by an incident manager")]
    owner = own.teams.signers().get(sig.key or "")
    if owner is None:
        return [_f(commit, DESK, "anchor", "I4", f"turns require_signed on, signed with key "
                   f"{sig.key}, which the same commit does not list")]
    if not is_manager(own, owner) or (before is not None and not is_manager(before, owner)):
        return [_f(commit, DESK, "anchor", "I4", f"turns require_signed on, signed by "
                   f"{owner}, who is no incident manager")]
    return []


def times(commit: Commit, where: str, earlier: list[Event], new: list[Event],
          parent_time: Optional[datetime], committed: datetime, tolerance: timedelta,
          replay_window: Optional[timedelta]) -> list[Finding]:
    """I5: each new event lies after the ticket's previous event and the parent commit,
    and not after its own commit (clock tolerance allowed). A sync replay (its window
    given) keeps the time of the command it replays, up to replay_window back."""
    out = []
    back = replay_window if replay_window is not None else tolerance
    prev = earlier[-1].at if earlier else None
    for e in new:
        stamp = e.at.isoformat()
        if prev is not None and e.at < prev - back:
            out.append(_f(commit, where, "time", "I5", f"{e.action} at {stamp} lies before "
                          f"the ticket's previous event ({prev.isoformat()}): backdated"))
        elif parent_time is not None and e.at < parent_time - back:
            out.append(_f(commit, where, "time", "I5", f"{e.action} at {stamp} lies before "
                          f"the parent commit ({parent_time.isoformat()}): backdated"))
        if e.at > committed + tolerance:
            out.append(_f(commit, where, "time", "I5", f"{e.action} at {stamp} lies after "
                          f"its own commit ({committed.isoformat()}): post-dated"))
        prev = e.at
    return out
