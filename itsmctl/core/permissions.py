"""Who may run which command (SPEC 9, I2), as a table the tests can walk."""

from __future__ import annotations

from typing import Optional

from itsmctl.core.model import USER_SOURCES, Ticket
from itsmctl.core.policy import Policy
from itsmctl.errors import NotPermitted

DESK = "service_desk"
SUPPORT = "support"
MANAGER = "incident_manager"
LEADER = "leader"
MONITOR = "monitoring"

# command -> roles that may run it at all; "group" means members of the
# ticket's current group may run it whatever their role.
TABLE: dict[str, tuple[frozenset[str], bool]] = {
    "open": (frozenset({DESK, SUPPORT, MONITOR, MANAGER}), False),
    "open_out_of_scope": (frozenset({DESK, MANAGER}), False),
    "dispatch": (frozenset({DESK, MANAGER}), False),
    "transfer": (frozenset({MANAGER}), True),
    "accept": (frozenset(), True),
    "reject": (frozenset(), True),
    "wait": (frozenset({DESK, MANAGER}), True),
    "resume": (frozenset({DESK, MANAGER}), True),
    "resolve": (frozenset({MANAGER}), True),
    "reopen": (frozenset({DESK, MANAGER}), False),
    "close": (frozenset({MANAGER}), False),
    "classify": (frozenset({DESK, MANAGER}), True),
    "escalate": (frozenset({DESK, MANAGER, LEADER}), True),
    "note": (frozenset({DESK, SUPPORT, MANAGER, LEADER, MONITOR}), False),
    "link": (frozenset({DESK, SUPPORT, MANAGER}), False),
    "link-master": (frozenset({DESK, MANAGER, MONITOR}), True),   # MONITOR: storms (H1)
    "unlink": (frozenset({DESK, MANAGER}), True),
    "task": (frozenset({DESK, MANAGER}), True),
    "announce": (frozenset({DESK, MANAGER, LEADER}), True),
    "visit": (frozenset({DESK, MANAGER}), False),
    "hook": (frozenset({MONITOR, MANAGER}), False),
    "kb-add": (frozenset({DESK, SUPPORT, MANAGER}), False),
    "kb-publish": (frozenset({DESK, MANAGER}), False),
}


def roles_of(policy: Policy, actor: str) -> set[str]:
    person = policy.teams.people.get(actor)
    return set(person.roles) if person else set()


def in_group(policy: Policy, actor: str, group: Optional[str]) -> bool:
    person = policy.teams.people.get(actor)
    return bool(person and group and group in person.groups)


def may(policy: Policy, actor: str, command: str, ticket: Optional[Ticket] = None) -> bool:
    roles, by_group = TABLE[command]
    if roles_of(policy, actor) & roles:
        return True
    if command == "resolve" and ticket is not None and ticket.status == "new":
        return DESK in roles_of(policy, actor)          # initial support (2.7)
    if command == "close" and ticket is not None:
        return _may_close(policy, actor, ticket)
    return bool(by_group and ticket is not None and in_group(policy, actor, ticket.group))


def _may_close(policy: Policy, actor: str, ticket: Ticket) -> bool:
    """5.1.12-1: the side that opened it closes it."""
    roles = roles_of(policy, actor)
    if ticket.source in USER_SOURCES:
        return DESK in roles
    if ticket.source == "monitoring":
        return bool(roles & {DESK, MONITOR}) or actor == ticket.opened_by
    return actor == ticket.opened_by or DESK in roles


def require(policy: Policy, actor: str, command: str, ticket: Optional[Ticket] = None) -> None:
    """Raise NotPermitted (exit 6) unless the actor may run the command (I2)."""
    if may(policy, actor, command, ticket):
        return
    roles = ", ".join(sorted(roles_of(policy, actor))) or "no role"
    who, by_group = TABLE[command]
    allowed = sorted(who)
    if by_group and ticket is not None and ticket.group:
        allowed.append(f"members of {ticket.group}")
    if command == "close" and ticket is not None:
        allowed = ["the side that opened it (5.1.12-1)"] + allowed
    raise NotPermitted(
        f"{actor} ({roles}) may not {command.replace('_', ' ')}"
        + (f" {ticket.id}" if ticket is not None else "")
        + f"; allowed: {', '.join(allowed) or 'nobody'}", rule="I2")
