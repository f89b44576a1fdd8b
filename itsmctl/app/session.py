"""What every command shares: the desk, the policy, the actor, 'now', and the
transition runner (load -> core -> save -> one commit -> after-commit work)."""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional

from itsmctl.errors import NotPermitted

Step = Callable[[Any, Any, Any], Any]   # (ticket, ctx, tx) -> ticket
AfterCommit = Callable[["App", list[Any]], None]

# Hooks other capabilities register (notifications, caches); run after each commit.
AFTER_COMMIT: list[AfterCommit] = []


@dataclass
class App:
    """Global options, resolved lazily so read-only commands stay cheap."""

    repo: Optional[str] = None
    actor_given: Optional[str] = None
    now_given: Optional[str] = None
    json: bool = False
    messages: list[str] = field(default_factory=list)
    argv: Optional[list[str]] = None        # the command's own words, for Itsmctl-Command

    @cached_property
    def root(self) -> Path:
        from itsmctl.infra.config import find_root

        return find_root(self.repo)

    @cached_property
    def desk(self) -> Any:
        from itsmctl.infra.store import Desk

        return Desk(self.root)

    @cached_property
    def policy(self) -> Any:
        from itsmctl.infra.config import load_policy

        return load_policy(self.root)

    @cached_property
    def tz(self) -> Any:
        from itsmctl.infra.clock import zone

        return zone(self.policy.desk.timezone)

    @cached_property
    def now(self) -> datetime:
        from itsmctl.infra.clock import now

        return now(self.now_given, self.tz)

    def parse_time(self, text: str, what: str) -> datetime:
        from itsmctl.infra.clock import parse_time

        return parse_time(text, self.tz, what)

    @cached_property
    def actor(self) -> str:
        """I1: --actor, ITSMCTL_ACTOR, git user.email; must be a person in teams.yaml."""
        given = self.actor_given or os.environ.get("ITSMCTL_ACTOR")
        source = "--actor" if self.actor_given else "ITSMCTL_ACTOR"
        if not given:
            from itsmctl.infra.store import git

            given = git(self.root, "config", "user.email", check=False).decode().strip()
            source = "git user.email"
        if not given:
            raise NotPermitted("no actor: give --actor, set ITSMCTL_ACTOR or git user.email",
                               rule="I1")
        person = self.policy.teams.find(given)
        if person is None:
            raise NotPermitted(f"unknown actor {given!r} (from {source}); add them to "
                               "config/teams.yaml", rule="I1")
        return person

    def ctx(self) -> Any:
        from itsmctl.core.workflow import Ctx

        return Ctx(policy=self.policy, actor=self.actor, now=self.now)

    def author(self) -> Any:
        from itsmctl.infra.store import Author

        person = self.policy.teams.people[self.actor]
        return Author(name=person.name, email=person.email or f"{self.actor}@itsmctl.invalid")

    def transaction(self) -> Any:
        """The desk lock and a transaction whose saved tickets carry fresh derived values
        and the pending notifications of their new events (N1-N3: in the same commit)."""
        from itsmctl.app.deliver import lazy_origin
        from itsmctl.core.notices import plan
        from itsmctl.core.sla import stored
        from itsmctl.infra.store import transaction

        policy, now, clone = self.policy, self.now, lazy_origin(self.root)
        return self._synced(transaction(
            self.desk, policy.desk.lock_timeout,
            finalize=lambda t: plan(t.evolve(sla=stored(t, policy)), policy, now, clone),
            before=self._pull))

    @cached_property
    def sync(self) -> Any:
        """The remote to pull from and push to (G4), or None."""
        from itsmctl.infra.remote import Sync, remote_name

        remote = remote_name(self.desk, self.policy.desk.remote)
        return Sync(self.desk, remote, self.say) if remote else None

    def _pull(self) -> None:
        if self.sync is not None:
            self.sync.before()

    @contextmanager
    def _synced(self, inner: Any) -> Iterator[Any]:
        """Record the command in the commit, and push it once committed (G4)."""
        with inner as tx:
            if self.argv is not None:
                tx.trailers["Itsmctl-Command"] = json.dumps(self.replay_argv(),
                                                            ensure_ascii=False)
            yield tx
            if tx.committed and self.sync is not None:
                self.sync.after(tx.parent)

    def replay_argv(self) -> list[str]:
        """This command as it can be run again: actor and time fixed, output options off."""
        return ["--actor", self.actor, "--now", self.now.isoformat(), *(self.argv or [])]

    def say(self, text: str) -> None:
        """A message for stderr (kept out of stdout so scripts read one value)."""
        self.messages.append(text)


def commit_message(action: str, tickets: list[Any], actor: str, note: Optional[str] = None,
                   extra: Optional[dict[str, str]] = None,
                   before: Optional[str] = None) -> str:
    """Subject for people, trailers for machines (I3)."""
    main = tickets[0]
    subject = f"{main.id}: {action}"
    if before != main.status:
        subject += f" ({before or '-'} -> {main.status})"
    subject += f" by {actor}"
    body = [subject, ""]
    if note:
        body += [note, ""]
    trailers = {"Itsmctl-Ticket": main.id, "Itsmctl-Action": action, "Itsmctl-Actor": actor}
    others = [t.id for t in tickets[1:]]
    if others:
        trailers["Itsmctl-Also"] = " ".join(others)
    trailers.update(extra or {})
    body += [f"{k}: {v}" for k, v in trailers.items()]
    return "\n".join(body) + "\n"


def mirror_slaves(tx: Any, before: Any, after: Any, ctx: Any) -> list[Any]:
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
        slave = tx.load(sid)
        new = propagate(after, slave, ctx, since)
        if new is not slave:
            tx.save(new)
            out.append(new)
    return out


def transition(app: App, ticket_ref: str, action: str, step: Step,
               note: Optional[str] = None) -> Any:
    """Run one command on one ticket (and its slaves) as exactly one commit."""
    from itsmctl.infra.store import tx_commit

    ctx = app.ctx()
    desk = app.desk
    with app.transaction() as tx:
        ticket_id = desk.resolve_id(ticket_ref)
        before = tx.load(ticket_id)
        after = step(before, ctx, tx)
        tx.save(after)
        mirror_slaves(tx, before, after, ctx)
        others = [t for tid, t in tx.changed.items() if tid != after.id]
        tx_commit(tx, commit_message(action, [after, *others], app.actor, note,
                                     before=before.status),
                  app.author(), app.now)
        changed = list(tx.changed.values())
    after_commit(app, changed)
    return after


def after_commit(app: App, tickets: Iterable[Any]) -> None:
    for hook in AFTER_COMMIT:
        hook(app, list(tickets))


def _deliver_notifications(app: App, tickets: list[Any]) -> None:
    """N3: send what the commit recorded (itsmctl/notify.py); never raises."""
    from itsmctl.app.deliver import deliver

    deliver(app, tickets)


AFTER_COMMIT.append(_deliver_notifications)
