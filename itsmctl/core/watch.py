"""W6: people who follow a ticket. A watcher gets every notice the ticket sends (as role
W of notify.yaml, core/notices.py), and `inbox` shows what changed on it."""

from __future__ import annotations

from itsmctl.core.events import Ctx, check_state, step
from itsmctl.core.model import Ticket
from itsmctl.core.permissions import require
from itsmctl.errors import NotFound, UsageError


def _person(ctx: Ctx, person: str) -> str:
    if person not in ctx.policy.teams.people:
        known = ", ".join(sorted(ctx.policy.teams.people))
        raise NotFound(f"unknown person {person!r} (config/teams.yaml); known: {known}",
                       rule="W6")
    return person


def watch(ticket: Ticket, ctx: Ctx, person: str) -> Ticket:
    """`person` follows the ticket from now on (not a closed one: nothing will change)."""
    check_state(ticket, "watch")
    require(ctx.policy, ctx.actor, "watch", ticket)
    if _person(ctx, person) in ticket.watchers:
        raise UsageError(f"{person} already watches {ticket.id}", rule="W6")
    note = None if person == ctx.actor else f"{person} watches it (added by {ctx.actor})"
    return step(ticket, ctx, "watch", note=note, watchers=[*ticket.watchers, person])


def unwatch(ticket: Ticket, ctx: Ctx, person: str) -> Ticket:
    """`person` no longer follows the ticket (allowed on closed tickets too)."""
    check_state(ticket, "unwatch")
    require(ctx.policy, ctx.actor, "unwatch", ticket)
    if person not in ticket.watchers:
        raise UsageError(f"{person} does not watch {ticket.id}", rule="W6")
    note = None if person == ctx.actor else f"{person} removed by {ctx.actor}"
    return step(ticket, ctx, "unwatch", note=note,
                watchers=[w for w in ticket.watchers if w != person])
