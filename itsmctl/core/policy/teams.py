"""teams.yaml (I1, I2, D1): people, roles, groups, delegates."""

from __future__ import annotations

from datetime import date
from typing import Optional

from pydantic import Field, model_validator

from itsmctl.core.keys import fingerprint
from itsmctl.core.policy.base import Model, Role
from itsmctl.core.policy.rules import TeamsRules


class Group(Model):
    label: str = ""  # display label
    line: Optional[int] = None  # support line: 1, 2 or 3
    onsite: bool = False  # works on site (desktop support)
    external: bool = False  # an external vendor
    email: Optional[str] = None  # the group's mailbox, for notifications


class Person(Model):
    name: str  # full name, any script
    email: Optional[str] = None  # --actor accepts it; commit author and notifications
    phone: Optional[str] = None  # phone number, for notifications
    roles: list[Role]  # what the person may do (I2)
    groups: list[str] = []  # groups the person belongs to
    # I4: public keys this person signs commits with: SSH public key lines (git's
    # gpg.format=ssh) or OpenPGP fingerprints. Only an incident manager's signed commit
    # may change them (I7); private keys never enter the repository (I8)
    keys: list[str] = []


class Delegation(Model):
    person: str  # who is away
    delegate: str  # who takes their work meanwhile (D1)
    start: date = Field(alias="from")  # first day away
    end: date = Field(alias="to")  # last day away
    reason: str = ""  # why (annual leave...)


class Teams(TeamsRules, Model):
    version: int = 1
    groups: dict[str, Group]  # group id -> group
    people: dict[str, Person]  # person id -> person; the ids --actor takes
    desk_group: str = "service-desk"  # the service desk's group
    manager_group: Optional[str] = None  # the incident managers' group, if any
    leadership_group: str = "leadership"  # told about major incidents (P5)
    delegates: list[Delegation] = []  # who covers for whom while away (D1)
    # I4: public keys of the sweep (itsmctl sweep from cron), which is no person; its
    # private key stays on the machine that runs it
    sweep_keys: list[str] = []

    @model_validator(mode="after")
    def _refs(self) -> "Teams":
        for pid, person in self.people.items():
            for g in person.groups:
                if g not in self.groups:
                    raise ValueError(f"people.{pid}.groups: unknown group {g!r}")
        for i, d in enumerate(self.delegates):
            for who in (d.person, d.delegate):
                if who not in self.people:
                    raise ValueError(f"delegates.{i}: unknown person {who!r}")
            if d.end < d.start:
                raise ValueError(f"delegates.{i}: 'to' is before 'from'")
        seen: dict[str, str] = {}
        for owner, at, entries in self._key_lists():
            for i, entry in enumerate(entries):
                try:
                    fp = fingerprint(entry)
                except ValueError as exc:
                    raise ValueError(f"{at}.{i}: {exc}") from None
                if fp in seen and seen[fp] != owner:
                    raise ValueError(f"{at}.{i}: the same key is listed for {seen[fp]}; "
                                     "a key names one signer (I4)")
                seen[fp] = owner
        for name in (self.desk_group, self.leadership_group):
            if name not in self.groups:
                raise ValueError(f"unknown group {name!r}")
        return self
