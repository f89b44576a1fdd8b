"""W3: change a ticket's own fields (title, description, reporter, CIs, location) with a
reason, recorded in history as old -> new like a priority change (P4), so `audit` knows
the change as legal; never on a closed ticket (L14).

Pure: the caller passes the ticket, who acts and when, and the new values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from itsmctl.core.events import Ctx, check_state, step
from itsmctl.core.model import Reporter, Ticket
from itsmctl.core.permissions import require
from itsmctl.errors import RuleViolation, UsageError

REPORTER_FIELDS = ("id", "name", "kind", "phone", "email", "department", "location")


@dataclass
class Changes:
    """What `edit` was told; None means 'leave it', "" clears an optional field."""

    title: Optional[str] = None
    description: Optional[str] = None
    location: Optional[str] = None
    reporter: dict[str, Optional[str]] = field(default_factory=dict)
    cis: Optional[list[str]] = None             # the whole list, replaced
    add_cis: list[str] = field(default_factory=list)
    remove_cis: list[str] = field(default_factory=list)


def edit(ticket: Ticket, ctx: Ctx, changes: Changes, reason: Optional[str]) -> Ticket:
    """The ticket with its own fields changed and one `edit` event recording them."""
    check_state(ticket, "edit")
    require(ctx.policy, ctx.actor, "edit", ticket)
    if reason is None or not reason.strip():
        raise RuleViolation("--reason is required (every change of a ticket's own fields "
                            "records why)", rule="W3")
    fields: dict[str, Any] = {}
    if changes.title is not None:
        if not changes.title.strip():
            raise UsageError("--title cannot be empty", rule="W3")
        fields["title"] = " ".join(changes.title.split())
    if changes.description is not None:
        fields["description"] = changes.description.strip()
    if changes.location is not None:
        fields["location"] = changes.location.strip() or None
    reporter = _reporter(ticket, changes.reporter)
    if reporter is not None:
        fields["reporter"] = reporter
    cis = _cis(ticket.links.cis, changes)
    if cis is not None:
        fields["links"] = ticket.links.model_copy(update={"cis": cis}).model_dump()
    new = step(ticket, ctx, "edit", note=reason.strip(), **fields)
    if not new.history[-1].changes:
        raise UsageError("edit changed nothing; give a new --title, --description, "
                         "--location, --reporter-… or --ci", rule="W3")
    return new


def _reporter(ticket: Ticket, given: dict[str, Optional[str]]) -> Optional[dict[str, Any]]:
    wanted = {k: v for k, v in given.items() if v is not None}
    unknown = set(wanted) - set(REPORTER_FIELDS)
    if unknown:
        raise UsageError(f"unknown reporter fields: {', '.join(sorted(unknown))}", rule="W3")
    if not wanted:
        return None
    doc = ticket.reporter.model_dump() if ticket.reporter else {}
    doc.update({k: (v.strip() or None) for k, v in wanted.items()})
    if ticket.reporter is not None and ticket.reporter.name and not doc.get("name"):
        raise UsageError("the reporter's name cannot be cleared", rule="W3")
    before = ticket.reporter
    if before is not None and (before.phone or before.email) and not (
            doc.get("phone") or doc.get("email")):
        # L1 (4.3.1): a reporter the desk can reach; a wrong number is replaced, not removed
        raise RuleViolation("the reporter needs a phone or an e-mail to be reached back: give "
                            "the right one (--reporter-phone/--reporter-email) instead of "
                            "clearing it (4.3.1)", rule="L1")
    return Reporter(**doc).model_dump()


def _cis(current: list[str], changes: Changes) -> Optional[list[str]]:
    if changes.cis is None and not changes.add_cis and not changes.remove_cis:
        return None
    out = list(current) if changes.cis is None else []
    for ci in [*(changes.cis or []), *changes.add_cis]:
        ci = ci.strip()
        if ci and ci not in out:
            out.append(ci)
    missing = [ci for ci in changes.remove_cis if ci not in out]
    if missing:
        raise UsageError(f"{ticket_cis(current)} has no CI {', '.join(missing)}", rule="W3")
    return [ci for ci in out if ci not in changes.remove_cis]


def ticket_cis(cis: list[str]) -> str:
    return "the ticket" + (f" (CIs: {', '.join(cis)})" if cis else "")
