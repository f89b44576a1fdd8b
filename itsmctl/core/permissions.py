"""Who may do what (SPEC 9, I2), read from the one transition table (core/transitions.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from itsmctl.core.model import USER_SOURCES, Ticket
from itsmctl.core.transitions import DESK, MONITOR, TABLE
from itsmctl.errors import NotPermitted

if TYPE_CHECKING:
    from itsmctl.core.policy import Policy


def roles_of(policy: Policy, actor: str) -> set[str]:
    person = policy.teams.people.get(actor)
    return set(person.roles) if person else set()


def in_group(policy: Policy, actor: str, group: Optional[str]) -> bool:
    person = policy.teams.people.get(actor)
    return bool(person and group and group in person.groups)


def may(policy: Policy, actor: str, action: str, ticket: Optional[Ticket] = None) -> bool:
    """May the actor record this action (a row of the transition table)?"""
    row = TABLE[action]
    if row.roles is not None and roles_of(policy, actor) & row.roles:
        return True
    if action == "resolve" and ticket is not None and ticket.status == "new":
        return DESK in roles_of(policy, actor)          # initial support (2.7)
    if action == "close" and ticket is not None:
        return _may_close(policy, actor, ticket)
    return bool(row.by_group and ticket is not None and in_group(policy, actor, ticket.group))


def _may_close(policy: Policy, actor: str, ticket: Ticket) -> bool:
    """5.1.12-1: the side that opened it closes it."""
    roles = roles_of(policy, actor)
    if ticket.source in USER_SOURCES:
        return DESK in roles
    if ticket.source == "monitoring":
        return bool(roles & {DESK, MONITOR}) or actor == ticket.opened_by
    return actor == ticket.opened_by            # staff tickets: the opener (4.3.5 step 5.5)


def _closer(ticket: Ticket) -> str:
    """Who 5.1.12-1 lets close this ticket, in words."""
    if ticket.source in USER_SOURCES:
        return "the service desk (a user ticket, 5.1.12-1)"
    if ticket.source == "monitoring":
        return f"the service desk, monitoring or the opener {ticket.opened_by} (5.1.12-1)"
    return f"the opener {ticket.opened_by} (a staff ticket, 5.1.12-1)"


def require(policy: Policy, actor: str, action: str, ticket: Optional[Ticket] = None) -> None:
    """Raise NotPermitted (exit 6) unless the actor may record the action (I2)."""
    if may(policy, actor, action, ticket):
        return
    roles = ", ".join(sorted(roles_of(policy, actor))) or "no role"
    row = TABLE[action]
    allowed = sorted(row.roles or ())
    if row.by_group and ticket is not None and ticket.group:
        allowed.append(f"members of {ticket.group}")
    if action == "close" and ticket is not None:
        allowed = [_closer(ticket)] + allowed
    raise NotPermitted(
        f"{actor} ({roles}) may not {action.replace('-', ' ')}"
        + (f" {ticket.id}" if ticket is not None else "")
        + f"; allowed: {', '.join(allowed) or 'nobody'}", rule="I2")
