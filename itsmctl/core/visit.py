"""Return visits after closing (V1, ISO procedure 5.14): who is due one, by when, the record."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Optional

from itsmctl.core.calendar import working_days
from itsmctl.core.events import Ctx, step
from itsmctl.core.model import Ticket, Visit
from itsmctl.core.permissions import require
from itsmctl.errors import RuleViolation, UsageError

if TYPE_CHECKING:
    from itsmctl.core.policy import Policy


def applies(ticket: Ticket, policy: Policy) -> bool:
    """A closed user ticket of a visited type, not closed as out of scope."""
    rule = policy.sla.visit
    return (ticket.status == "closed" and ticket.closed_at is not None
            and rule.within_working_days > 0
            and ticket.source in rule.sources and ticket.type in rule.types
            and ticket.close_code not in rule.skip_close_codes)


def due(ticket: Ticket, policy: Policy) -> datetime:
    """closed_at + N working days (sla.yaml visit, working days of the SLA calendar)."""
    if ticket.visit is not None:
        return ticket.visit.due
    assert ticket.closed_at is not None
    return working_days(policy).add_days(ticket.closed_at, policy.sla.visit.within_working_days)


def pending(ticket: Ticket, policy: Policy) -> bool:
    """Owed a visit that has not been made (whether or not sweep has announced it)."""
    return applies(ticket, policy) and (ticket.visit is None or ticket.visit.result is None)


def mark_due(ticket: Ticket, ctx: Ctx) -> Ticket:
    """Sweep records that the visit is owed and by when (the notice goes out from this)."""
    when = due(ticket, ctx.policy)
    return step(ticket, ctx, "visit-due", note=f"return visit due by {when.isoformat()} (V1)",
                visit=Visit(due=when).model_dump())


def record(ticket: Ticket, ctx: Ctx, result: Optional[str],
           satisfaction: Optional[int] = None) -> Ticket:
    """`visit ID --result R`: the outcome of the call, once, on a closed ticket."""
    require(ctx.policy, ctx.actor, "visit", ticket)
    if ticket.status != "closed":
        raise RuleViolation(f"{ticket.id} is {ticket.status}; a return visit follows the close "
                            f"(itsmctl close {ticket.id} --code C first)", rule="V1")
    if ticket.visit is not None and ticket.visit.result is not None:
        raise RuleViolation(f"{ticket.id} was visited on {ticket.visit.at} by "
                            f"{ticket.visit.by}: {ticket.visit.result}", rule="V1")
    if result is None or not result.strip():
        raise RuleViolation("--result is required (what the user said)", rule="V1")
    if satisfaction is not None and not 1 <= satisfaction <= 5:
        raise UsageError("--satisfaction is 1 (poor) to 5 (excellent)", rule="V1")
    visit = Visit(due=due(ticket, ctx.policy), result=result.strip(), at=ctx.now, by=ctx.actor)
    fields: dict[str, Any] = {"visit": visit.model_dump()}
    if satisfaction is not None:
        fields["satisfaction"] = satisfaction
    return step(ticket, ctx, "visit", note=result.strip(), **fields)
