"""views.yaml (W2): saved queue views, each a set of `list` filters under a name."""

from __future__ import annotations

from typing import Optional

from itsmctl.core.policy.base import Model


class View(Model):
    """One saved view: `itsmctl list --view NAME` applies these filters; options given on
    the command line are added to them (and win where both set the same one)."""

    label: str = ""  # display label, any script (shown by completion)
    status: list[str] = []  # only these statuses (default: the open ones)
    group: Optional[str] = None  # only this group
    priority: list[str] = []  # only these priorities
    assignee: Optional[str] = None  # only this person's tickets (`@me`: whoever runs it)
    mine: bool = False  # only tickets assigned to whoever runs it
    my_groups: bool = False  # only tickets of the groups of whoever runs it
    unassigned: bool = False  # only tickets nobody has taken
    unverified: bool = False  # only tickets users submitted that the desk has not checked (B2)
    major: bool = False  # only major incidents
    breached: bool = False  # only tickets past an SLA deadline
    all: bool = False  # resolved and closed tickets too
    text: Optional[str] = None  # only tickets whose words match (as `search`)
    reporter: Optional[str] = None  # only this reporter (name, e-mail or customer id)
    phone: Optional[str] = None  # only this reporter phone (its start or last four digits)
    ci: Optional[str] = None  # only tickets naming this configuration item
    since: Optional[str] = None  # opened at or after: a time, or a duration back (`7d`)
    until: Optional[str] = None  # opened before: a time, or a duration back


class Views(Model):
    """config/views.yaml: the desk's saved queue views (optional file)."""

    version: int = 1
    views: dict[str, View] = {}  # view name -> its filters
