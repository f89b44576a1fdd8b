"""THE write path: lock -> fast-forward -> load -> decide -> save -> commit -> push ->
(on a rejected push, the use case again on the fresh state) -> deliver.

Every command that changes the desk is `write(session, decide)`: `decide` gets a Tx,
loads tickets from it, applies core rules, saves what changed and says what the commit
is; everything else happens here, once. Nothing else takes the desk lock for a
ticket change, builds a commit message or pushes.
"""

from __future__ import annotations

import functools
import inspect
import json
import random
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional, TypeVar

from itsmctl.app.session import Call, Session
from itsmctl.errors import ConcurrencyError, PushRejected, RuleViolation

if TYPE_CHECKING:
    from itsmctl.core.events import Ctx
    from itsmctl.core.model import Ticket
    from itsmctl.infra.git import SignWith
    from itsmctl.infra.remote import Remote
    from itsmctl.infra.store import Author, Transaction

R = TypeVar("R")
F = TypeVar("F", bound=Callable[..., Any])
RETRIES = 8                 # G4: runs of the use case after the first rejected push
CALL_TRAILER = "Itsmctl-Command"
REPLAY_TRAILER = "Itsmctl-Replay-Of"


@dataclass
class Tx:
    """What a decision works with: the transaction's tickets and what the commit says."""

    session: Session
    inner: "Transaction"
    action: str = ""
    note: Optional[str] = None
    before: Optional[str] = None            # status before, for the subject
    message: Optional[str] = None           # a whole message of its own (sweep, kb)
    author: Optional["Author"] = None       # the session's author unless set
    call_args: dict[str, Any] = field(default_factory=dict)

    @property
    def ctx(self) -> "Ctx":
        return self.session.ctx

    @property
    def parent(self) -> Optional[str]:
        return self.inner.parent

    def resolve(self, ref: str) -> str:
        return self.session.resolve(ref)

    def load(self, ticket_id: str) -> "Ticket":
        return self.inner.load(ticket_id)

    def exists(self, ticket_id: str) -> bool:
        return self.inner.exists(ticket_id)

    def save(self, ticket: "Ticket") -> "Ticket":
        """Keep a changed ticket for the commit; returns it as it will be committed."""
        return self.inner.save(ticket)

    def write(self, rel: str, data: Optional[bytes]) -> None:
        self.inner.write(rel, data)

    def read(self, rel: str) -> Optional[bytes]:
        return self.inner.read(rel)

    @property
    def changed(self) -> dict[str, "Ticket"]:
        return self.inner.changed

    def describe(self, action: str, note: Optional[str] = None,
                 before: Optional[str] = None) -> None:
        self.action, self.note, self.before = action, note, before

    def mirror(self, before: "Ticket", after: "Ticket") -> list["Ticket"]:
        """M2: a master's transition is repeated on each slave in the same commit."""
        from itsmctl.core.relations import CARRIED, MIRRORED, propagate

        since = len(before.history)
        new_events = after.history[since:]
        if not after.slaves or not new_events:
            return []
        if all(getattr(before, k) == getattr(after, k) for k in MIRRORED) and \
                new_events[0].action not in CARRIED:
            return []
        out = []
        for sid in after.slaves:
            slave = self.load(sid)
            new = propagate(after, slave, self.ctx, since)
            if new is not slave:
                out.append(self.save(new))
        return out


Decide = Callable[[Tx], R]


def commit_message(action: str, tickets: list["Ticket"], actor: str,
                   note: Optional[str] = None, before: Optional[str] = None) -> str:
    """Subject for people, trailers for machines (I3)."""
    main = tickets[0]
    subject = f"{main.id}: {action}"
    if before != main.status:
        subject += f" ({before or '-'} -> {main.status})"
    subject += f" by {actor}"
    body = [subject, ""]
    if note:
        body += [note.strip().splitlines()[0][:200], ""]
    trailers = {"Itsmctl-Ticket": main.id, "Itsmctl-Action": action, "Itsmctl-Actor": actor}
    others = [t.id for t in tickets[1:]]
    if others:
        trailers["Itsmctl-Also"] = " ".join(others)
    body += [f"{k}: {v}" for k, v in trailers.items()]
    return "\n".join(body) + "\n"


def _message(tx: Tx) -> str:
    session = tx.session
    if tx.message is not None:
        text = tx.message
    else:
        tickets = list(tx.changed.values())
        text = commit_message(tx.action, tickets, session.actor, tx.note, tx.before)
    if session.via is not None:
        text = text.rstrip("\n") + f"\nItsmctl-Via: {session.via}\n"
    if session.replay_of is not None:       # I5: keeps the time of the command it replays
        text = text.rstrip("\n") + f"\n{REPLAY_TRAILER}: {session.replay_of}\n"
    if session.call is not None:
        record = {"call": session.call.name, "args": {**session.call.args, **tx.call_args},
                  "actor": session.actor, "now": session.now.isoformat()}
        text = text.rstrip("\n") + f"\n{CALL_TRAILER}: " + json.dumps(
            record, ensure_ascii=False, separators=(",", ":"), default=str) + "\n"
    return text


def _finalize(session: Session) -> Callable[["Ticket"], "Ticket"]:
    """Derived values and pending notices of new events, applied on every save (N1-N3)."""
    from itsmctl.core.notices import plan
    from itsmctl.core.sla import stored
    from itsmctl.infra.ledger import lazy_origin

    policy, now, clone = session.policy, session.now, lazy_origin(session.root)
    return lambda t: plan(t.evolve(sla=stored(t, policy)), policy, now, clone)


def write(session: Session, decide: Decide[R]) -> R:
    """Run a decision as one commit (G1, G2), pushed when there is a remote (G4), and
    deliver its notices (N3). A rejected push runs the decision again on the fresh
    state, so its rules are checked again."""
    return written(session, decide)[0]


def written(session: Session, decide: Decide[R]) -> tuple[R, Optional[str]]:
    """`write`, and the commit it made (None when the decision changed nothing)."""
    from itsmctl.app.trust import signer

    sign = signer(session)              # a signed desk: whose key, and is now the clock's
    for attempt in range(RETRIES + 1):
        try:
            result, saved, sha = _attempt(session, decide, sign)
        except PushRejected as exc:
            if attempt == RETRIES:
                exc.message += f"; gave up after {RETRIES} retries"
                raise
            # writers that lost the same race should not meet again at once
            time.sleep(random.uniform(0, min(2.0, 0.05 * 2 ** attempt)))
            continue
        if saved:
            from itsmctl.app.deliver import deliver

            _off_branch(session)
            deliver(session, saved)
        return result, sha
    raise ConcurrencyError("unreachable", rule="G4")      # pragma: no cover


def _off_branch(session: Session) -> None:
    """Say so when the commit went to a branch other than the desk's (a config pull
    request's branch, say): ticket work there is lost to the desk until merged."""
    if session.in_replay:
        return
    desk = session.desk
    branch = desk.branch_ref().removeprefix("refs/heads/")
    name = session.remote.name if session.remote is not None else None
    home = desk.home_branch(session.policy.desk.branch, name)
    if home is not None and branch != home:
        where = "config/desk.yaml branch" if session.policy.desk.branch else "the desk's branch"
        session.say(f"itsmctl: warning: committed on branch {branch}, not on {home} "
                    f"({where}); tickets belong on {home}: git switch {home}")


def _attempt(session: Session, decide: Decide[R],
             sign: Optional["SignWith"] = None) -> tuple[R, list["Ticket"], Optional[str]]:
    from contextlib import nullcontext

    from itsmctl.infra.store import transaction

    desk = session.desk
    remote = session.remote
    locked = nullcontext() if session.in_replay else desk.lock(session.policy.desk.lock_timeout)
    with locked:
        if remote is not None:
            pull(session, remote)
        with transaction(desk, finalize=_finalize(session)) as inner:
            tx = Tx(session, inner)
            result = decide(tx)
            if not (inner.changed or inner.extra):      # (files() dumps every ticket)
                return result, [], None
            sha = inner.commit(_message(tx), tx.author or session.author, session.now, sign)
            while desk.warnings:
                session.say(desk.warnings.pop(0))
            if remote is not None:
                push(session, remote, inner.parent)
            return result, list(inner.changed.values()), sha


def pull(session: Session, remote: "Remote") -> None:
    """Fast-forward to the remote; rebuild local-only commits on it if both moved."""
    desk = session.desk
    tip = fetch(session, remote)
    if not tip:
        return
    head = desk.head()
    if head == tip or remote.is_ancestor(tip, head):
        return                      # up to date, or local work still to push
    if head is None or remote.is_ancestor(head, tip):
        remote.move_to(tip)
        return
    from itsmctl.app.replay import rebuild

    rebuild(session, remote, tip)


def fetch(session: Session, remote: "Remote") -> Optional[str]:
    """remote.fetch(); on a signed desk refusing a remote whose history was rewritten
    under us (I5): what this clone saw there must still be in what it has now."""
    known = session.desk.read_ref(remote.tracking) if session.policy.desk.require_signed \
        else None
    tip = remote.fetch()
    if known and tip and tip != known and not remote.is_ancestor(known, tip):
        from itsmctl.errors import RuleViolation

        remote.set_tracking(known)      # refused again next time, until someone looks
        raise RuleViolation(f"{remote.name}'s {remote.branch} was rewritten: commits this "
                            f"clone saw there ({known[:10]}) are gone (a force-push?); "
                            f"refusing to follow it; compare with `git log {known[:10]}` "
                            "and restore the remote's history", rule="I5")
    return tip


def push(session: Session, remote: "Remote", parent: Optional[str]) -> None:
    """Push the new commit; on rejection drop it, take the fresh tip, ask for a re-run."""
    if remote.offline:
        session.say(f"offline: {remote.name} unreachable; committed locally, "
                    "run `itsmctl sync` to push")
        return
    outcome = remote.push()
    if outcome == "pushed":
        return
    if outcome == "offline":
        session.say(f"offline: push to {remote.name} failed; committed locally, "
                    "run `itsmctl sync` to push")
        return
    if outcome == "refused":        # the remote's own check (I6): not a race to retry
        if parent is not None:
            remote.move_to(parent)
        raise RuleViolation(f"{remote.name} refused the commit: {remote.refusal}; nothing "
                            "was applied", rule="I6")
    tip = fetch(session, remote)
    if parent is not None:
        remote.move_to(parent)
    if tip:
        pull(session, remote)
    raise PushRejected(f"{remote.name} moved while we committed (G4); "
                       "the command was not applied", rule="G4")


def recorded(**types: Callable[[Any], Any]) -> Callable[[F], F]:
    """Mark a use case whose commits `sync` may run again: the call (its name and
    arguments) is recorded in the commit. `types` rebuilds arguments from JSON."""

    def wrap(fn: F) -> F:
        signature = inspect.signature(fn)
        name = fn.__module__.removeprefix("itsmctl.app.") + "." + fn.__name__

        @functools.wraps(fn)
        def run(session: Session, *args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(session, *args, **kwargs)
            bound.apply_defaults()
            given = dict(list(bound.arguments.items())[1:])
            record = {k: _jsonable(v) for k, v in given.items()}
            return fn(session.derive(call=Call(name, record)), *args, **kwargs)

        run.replay_types = types  # type: ignore[attr-defined]
        run.replayable = True     # type: ignore[attr-defined]
        return run  # type: ignore[return-value]

    return wrap


def _jsonable(value: Any) -> Any:
    import dataclasses

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value
