"""Who may commit on a signed desk (I4, I5): the key decides who acts, the clock when.

On a desk with `require_signed: true` every command's commit is signed by git with the
key of whoever acts: a person's own key (git's `user.signingkey`, or
`ITSMCTL_SIGNING_KEY`), or a machine account's kept outside the repository
(`ITSMCTL_SIGNING_KEY_SWEEP`, `_MONITOR`, `_WEB`, `_MAILGATE`). Before anything is
written, `signer` checks that the key is one teams.yaml lists, for the person (or
account) the commit will name, and that "now" is the clock's: a signed history must
not be backdated or post-dated with --now, except when `sync` replays a command made
offline, which keeps its original time. Read-only commands never come here.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Optional

from itsmctl.app.session import Session
from itsmctl.errors import NotPermitted

if TYPE_CHECKING:
    from itsmctl.infra.git import SignWith
    from itsmctl.infra.signing import Key


def signed(session: Session) -> bool:
    return session.policy.desk.require_signed


def machine_account(session: Session) -> Optional[str]:
    """The account whose key signs when it is not the actor's own: the sweep, the front
    end acting for a person (web, mail), the hook's default actor when nobody is named."""
    from itsmctl.core.keys import VIA_ACCOUNTS

    if session.system is not None:
        return session.system
    if session.via is not None:
        return VIA_ACCOUNTS.get(session.via, session.via)
    if not session.named_actor() and session.default_actor:
        return session.default_actor
    return None


def key(session: Session) -> Optional["Key"]:
    from itsmctl.infra.signing import signing_key

    return signing_key(session.root, machine_account(session))


def signer(session: Session) -> Optional["SignWith"]:
    """How this command's commit is signed; None on an unsigned desk. Refuses (exit 6)
    a missing or unlisted key, a key of someone else than the actor, and a --now away
    from the clock (unless a sync replay)."""
    if not signed(session):
        return None
    found = key(session)
    if found is None:
        raise NotPermitted("this desk requires signed commits (I4): set git config "
                           "user.signingkey (with gpg.format ssh) or ITSMCTL_SIGNING_KEY to "
                           "your key", rule="I4")
    expected = machine_account(session) if (session.system or session.via) else session.actor
    if found.fingerprint is not None:
        owner = session.policy.teams.signers().get(found.fingerprint)
        if owner is None:
            raise NotPermitted(f"the signing key {found.fingerprint} (from {found.source}) "
                               "is not listed in config/teams.yaml (I4)", rule="I4")
        if owner != expected:
            who = "the command's account" if (session.system or session.via) else "--actor"
            raise NotPermitted(f"{who} names {expected} but the signing key (from "
                               f"{found.source}) is {owner}'s; on a signed desk the actor "
                               "is the person whose key signs (I4)", rule="I4")
    _clock(session)
    return found.sign


def _clock(session: Session) -> None:
    """I5: a signed desk records the time of the act; only a sync replay keeps its own."""
    if session.in_replay:
        return
    from itsmctl.core.policy import format_duration

    tolerance = session.policy.desk.clock_tolerance
    off = session.now - datetime.now(timezone.utc)
    if abs(off) > tolerance:
        when = "ahead of" if off.total_seconds() > 0 else "behind"
        raise NotPermitted(f"--now is {format_duration(abs(off))} {when} the clock; a signed "
                           f"desk records when things happen (more than "
                           f"{format_duration(tolerance)} off is refused; I5)", rule="I5")
