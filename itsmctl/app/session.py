"""Who acts, where and when: one typed object every use case receives.

A Session is made by a front end (the CLI, the web service, a replay) from what it
was given: the desk directory, the actor, 'now'. Everything else is resolved lazily
and once, so a read-only command never pays for what it does not use.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import datetime, tzinfo
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ContextManager, Iterator, Optional

from itsmctl.errors import NotPermitted
from itsmctl.infra.records import FieldsRecord

if TYPE_CHECKING:
    from itsmctl.core.events import Ctx
    from itsmctl.core.policy import Policy
    from itsmctl.infra.remote import Remote
    from itsmctl.infra.store import Author, Desk

Progress = Callable[[int, int], None]
ProgressFactory = Callable[[str], ContextManager[Progress]]
# the pseudo-actors of the machine's own work, with the commit author they use
SYSTEM_AUTHORS = {"sweep": ("itsmctl sweep", "sweep@itsmctl.invalid")}


@contextmanager
def no_progress(label: str) -> Iterator[Progress]:
    yield lambda done, total: None


class Call(FieldsRecord):
    """A use case as it was called, recorded in its commit so `sync` can run it again."""

    FIELDS = ("name", "args")

    def __init__(self, name: str, args: dict[str, Any]) -> None:
        self.name = name            # "lifecycle.assign": module under itsmctl.app, function
        self.args = args


class Session(FieldsRecord):
    """The desk, its policy, the actor and 'now' for one command (or one web request)."""

    FIELDS = ("repo", "actor_given", "now_given", "messages", "progress", "default_actor",
              "system", "in_replay", "call", "via", "replay_of", "joined")

    def __init__(self, repo: Optional[str] = None, actor_given: Optional[str] = None,
                 now_given: Optional[str] = None, messages: Optional[list[str]] = None,
                 progress: ProgressFactory = no_progress,
                 default_actor: Optional[str] = None, system: Optional[str] = None,
                 in_replay: bool = False, call: Optional[Call] = None,
                 via: Optional[str] = None, replay_of: Optional[str] = None,
                 joined: Optional[Any] = None) -> None:
        self.repo = repo
        self.actor_given = actor_given
        self.now_given = now_given
        self.messages: list[str] = [] if messages is None else messages
        self.progress = progress
        self.default_actor = default_actor  # who acts when nobody is named (hooks: monitor)
        self.system = system                # a pseudo-actor (the sweep), not a person
        self.in_replay = in_replay          # run again by sync, which holds lock and remote
        self.call = call                    # the use case being run, for its commit
        self.via = via                      # the front end acting for the actor (web, mail)
        self.replay_of = replay_of          # sync: the local commit this run replays (I5)
        self.joined = joined                # a batch's open write (app/batch.py, W5)

    def derive(self, **changes: Any) -> "Session":
        """A session like this one with some fields changed; the desk and policy are kept."""
        unknown = set(changes) - set(self.FIELDS)
        if unknown:
            raise TypeError(f"Session has no field {sorted(unknown)[0]!r}")
        new = Session(**{k: changes.get(k, getattr(self, k)) for k in self.FIELDS})
        for key in ("root", "desk", "policy", "facts", "tz"):
            if key in self.__dict__:
                new.__dict__[key] = self.__dict__[key]
        return new

    def say(self, text: str) -> None:
        """A message for people (stderr in the CLI), kept out of what scripts read."""
        self.messages.append(text)

    @cached_property
    def root(self) -> Path:
        from itsmctl.infra.config import find_root
        from itsmctl.infra.upkeep import ensure_settings

        root = find_root(self.repo)
        ensure_settings(root)           # a clone gets the git settings `init` gives a desk
        return root

    @cached_property
    def desk(self) -> "Desk":
        from itsmctl.infra.store import Desk

        return Desk(self.root)

    @cached_property
    def policy(self) -> "Policy":
        """The validated policy as plain objects with the models' methods (core/policy/
        plain.py): from a cache without pydantic, validated again when a file changed."""
        from itsmctl.infra.config import load_policy

        return load_policy(self.root)

    @cached_property
    def facts(self) -> dict[str, Any]:
        """Plain values of the policy (timezone, priority levels) without loading its
        models: what read-only commands need (infra/config.py facts_of)."""
        if "policy" in self.__dict__:
            from itsmctl.infra.config import facts_of

            return facts_of(self.policy)
        from itsmctl.infra.config import load_facts

        return load_facts(self.root)

    @cached_property
    def tz(self) -> tzinfo:
        from itsmctl.infra.clock import zone

        if "policy" in self.__dict__ and "facts" not in self.__dict__:
            return zone(self.policy.desk.timezone)      # (facts_of is more than this)
        return zone(self.facts["timezone"])

    @cached_property
    def now(self) -> datetime:
        """The time given with an offset as it is (the desk's zone, zoneinfo with
        sysconfig, is then not loaded for it: ~3% of a transition's instructions,
        issue 13); else the time given in, or the clock read in, the desk's zone."""
        from itsmctl.infra.clock import given_instant, now

        at = given_instant(self.now_given)
        return at if at is not None else now(self.now_given, self.tz)

    def parse_time(self, text: str, what: str) -> datetime:
        from itsmctl.infra.clock import parse_time

        return parse_time(text, self.tz, what)

    def named_actor(self) -> Optional[str]:
        """The actor as named by --actor or ITSMCTL_ACTOR, if anybody was."""
        return self.actor_given or os.environ.get("ITSMCTL_ACTOR") or None

    def _key_owner(self) -> Optional[str]:
        """Whose key a command of this person would sign with (I4): the key git or
        ITSMCTL_SIGNING_KEY names (the default actor's account key when there is one);
        None without a key or with one teams.yaml does not list."""
        from itsmctl.infra.signing import signing_key

        found = signing_key(self.root, self.default_actor or None)
        if found is None or found.fingerprint is None:
            return None
        return self.policy.teams.signers().get(found.fingerprint)

    @cached_property
    def actor(self) -> str:
        """I1: --actor, ITSMCTL_ACTOR, git user.email; must be a person in teams.yaml.
        On a signed desk the signing key's owner comes before the defaults (I4)."""
        if self.system is not None:
            return self.system
        # from the plain facts of the config unless its models are loaded already:
        # `list --mine` loads none (issue 13)
        if "policy" in self.__dict__:
            require_signed, find = self.policy.desk.require_signed, self.policy.teams.find
        else:
            from itsmctl.core.filters import Known

            facts = self.facts
            require_signed, find = facts["require_signed"], \
                Known.from_doc(facts["known"]).find
        given = self.named_actor()
        source = "--actor" if self.actor_given else "ITSMCTL_ACTOR"
        if not given and require_signed and self.via is None:
            given, source = self._key_owner(), "the signing key"
        if not given and self.default_actor:
            given, source = self.default_actor, "the configured default"
        if not given:
            from itsmctl.infra import git

            given = git.config(self.root, "user.email") or ""
            source = "git user.email"
        if not given:
            raise NotPermitted("no actor: give --actor, set ITSMCTL_ACTOR or git user.email",
                               rule="I1")
        person = find(given)
        if person is None:
            raise NotPermitted(f"unknown actor {given!r} (from {source}); add them to "
                               "config/teams.yaml", rule="I1")
        return person

    @property
    def ctx(self) -> "Ctx":
        from itsmctl.core.events import Ctx

        return Ctx(policy=self.policy, actor=self.actor, now=self.now)

    @property
    def author(self) -> "Author":
        from itsmctl.infra.store import Author

        if self.system is not None:
            name, email = SYSTEM_AUTHORS[self.system]
            return Author(name=name, email=email)
        person = self.policy.teams.people[self.actor]
        return Author(name=person.name, email=person.email or f"{self.actor}@itsmctl.invalid")

    @cached_property
    def remote(self) -> Optional["Remote"]:
        """The remote to pull from and push to (G4); None without one, and in a replay."""
        if self.in_replay:
            return None
        name = self.desk.remote_name(self.policy.desk.remote)
        if not name:
            return None
        from itsmctl.infra.remote import Remote

        return Remote(self.desk, name)

    def resolve(self, ref: str) -> str:
        """A ticket id from a full id or a unique prefix."""
        return self.desk.resolve_id(ref)
