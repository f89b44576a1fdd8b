"""Which escalation triggers fire, and what an escalation does (SPEC 6, S5-S6)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Optional

from itsmctl.core import priority as prio
from itsmctl.core.model import Escalation, Ticket

if TYPE_CHECKING:
    from itsmctl.core.policy import Policy


def handoffs(ticket: Ticket) -> int:
    c = ticket.counters
    return c.dispatches + c.transfers + c.returns


def fired(ticket: Ticket, trigger: str, phase: Optional[str] = None) -> bool:
    return any(e.trigger == trigger and e.phase == phase for e in ticket.escalations)


def due_triggers(ticket: Ticket, policy: Policy) -> list[str]:
    """S5 triggers reached by the counters that have not escalated yet."""
    rule = policy.sla.escalation
    found = []
    if handoffs(ticket) >= rule.handoffs and not fired(ticket, "handoffs"):
        found.append("handoffs")
    if ticket.counters.reopens >= rule.reopens and not fired(ticket, "reopens"):
        found.append("reopens")
    return found


def apply(ticket: Ticket, policy: Policy, trigger: str, now: datetime,
          phase: Optional[str] = None, reason: Optional[str] = None) -> Ticket:
    """S6: record the escalation once and apply the configured actions."""
    if trigger != "manual" and fired(ticket, trigger, phase):
        return ticket
    rule = policy.sla.escalation
    matrix = policy.matrix
    actions: list[str] = list(rule.actions)
    urgency, raised = ticket.urgency, ticket.priority_raise
    if trigger == "complaint" and rule.complaint == "top":
        actions = ["notify", "top_priority"]
        raised = len(matrix.priority_levels)
    if "urgency_high" in actions:
        urgency = matrix.urgency_defaults.escalated
    if "raise_priority" in actions:
        raised += 1
    new_priority = prio.compute(matrix, ticket.impact, urgency, raised)
    # keep priority_raise no larger than needed to reach the top
    level = len(ticket.escalations) + 1
    esc = Escalation(trigger=trigger, at=now, level=level, actions=actions,
                     phase=phase, reason=reason)
    return ticket.evolve(
        urgency=urgency, priority_raise=raised, priority=new_priority,
        major=prio.is_major(matrix, ticket.impact, new_priority),
        escalations=[*ticket.escalations, esc])
