"""The reporter's side of a ticket (U1): what they may see of it, their notes and their
confirmation of the resolution. Pure: tickets and the policy in, tickets and facts out.

The reporter sees the state of their ticket and its public events: opened, handed to
a team, in progress, waiting (with the wait code's label), resumed, resolved (with the
solution), reopened, closed, and their own notes and answers. Staff work notes and the
names of the people working on it stay inside the desk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Optional

from itsmctl.core.events import Ctx, check_state, step
from itsmctl.core.model import Ticket
from itsmctl.core.permissions import require, roles_of
from itsmctl.core.transitions import INTAKE
from itsmctl.errors import RuleViolation

if TYPE_CHECKING:
    from itsmctl.core.policy import Policy

MAX_TEXT = 4000         # characters of a reporter's note or title (the form says so too)
ANSWER = "用户答复 the user's answer"      # how app/mail.py labels it too

# history action -> what the reporter is told happened
PUBLIC = {"open": "opened", "dispatch": "assigned", "transfer": "assigned",
          "accept": "in_progress", "reject": "returned", "wait": "waiting",
          "link-change": "waiting", "link-requirement": "waiting", "resume": "resumed",
          "resolve": "resolved", "reopen": "reopened", "close": "closed",
          "auto-close": "closed", "confirm": "confirmed"}


@dataclass(frozen=True)
class PublicEvent:
    """One event of a ticket as its reporter sees it on the portal."""

    at: datetime
    kind: str               # a key of PUBLIC's values, or "note" (the reporter's own)
    text: str = ""          # the solution, the wait code's label, the reporter's words


def is_intake(policy: Policy, actor: str) -> bool:
    return INTAKE in roles_of(policy, actor)


def public_events(ticket: Ticket, policy: Policy) -> list[PublicEvent]:
    """The events the reporter may see, oldest first."""
    out = []
    for e in ticket.history:
        if e.action in ("note", "reply"):
            if is_intake(policy, e.actor) and e.note:
                out.append(PublicEvent(e.at, "note", e.note.removeprefix(ANSWER + ": ")))
            continue
        kind = PUBLIC.get(e.action)
        if kind is None:
            continue
        if kind == "waiting" and e.action == "link-change" and e.to != "waiting":
            continue
        if e.action == "link-requirement" and e.to == "closed":
            kind = "closed"
        text = ""
        if kind == "resolved":
            text = ticket.solution or ""
        elif kind == "waiting":
            code = _wait_code(e.changes)
            text = policy.codes.wait.get(code, code) if code else ""
        elif kind in ("confirmed", "reopened") and e.note:
            text = e.note
        out.append(PublicEvent(e.at, kind, text))
    return out


def _wait_code(changes: dict[str, Any]) -> Optional[str]:
    if "wait.code" in changes:
        return str(changes["wait.code"][1])
    new = (changes.get("wait") or [None, None])[1]
    return str(new["code"]) if isinstance(new, dict) and new.get("code") else None


def confirmed(ticket: Ticket) -> bool:
    """Whether the reporter confirmed the current resolution."""
    for e in reversed(ticket.history):
        if e.action == "confirm":
            return True
        if e.action in ("resolve", "reopen"):
            return False
    return False


def _text(text: Optional[str], what: str, rule: str) -> str:
    value = (text or "").strip()
    if not value:
        raise RuleViolation(f"{what} is empty", rule=rule)
    if len(value) > MAX_TEXT:
        raise RuleViolation(f"{what} is longer than {MAX_TEXT} characters", rule=rule)
    return value


def reporter_note(ticket: Ticket, ctx: Ctx, text: Optional[str]) -> Ticket:
    """E2 on the web: the reporter's own words (action `reply`, as a mail reply is); on a
    resolved ticket their answer, held for the desk or reopening the ticket (L9) as
    config/mail.yaml `reply_to_resolved` says. Not on a closed one: report it anew."""
    from itsmctl.core.workflow import reopen

    require(ctx.policy, ctx.actor, "reply")
    if ticket.status == "closed":
        raise RuleViolation(f"{ticket.id} is closed and closed is final (5.1.12-7); "
                            "report the problem again", rule="L14")
    check_state(ticket, "reply")
    words = _text(text, "the note", "E2")
    if ticket.status == "resolved":
        if ctx.policy.mail.reply_to_resolved == "reopen":
            return reopen(ticket, ctx, f"用户回复 the user answered on the web: {words}")
        return step(ticket, ctx, "reply", note=f"{ANSWER}: {words}")
    return step(ticket, ctx, "reply", note=words)


def confirm(ticket: Ticket, ctx: Ctx, text: Optional[str] = None) -> Ticket:
    """The reporter confirms the resolution (L10: the desk closes it then)."""
    require(ctx.policy, ctx.actor, "confirm")
    check_state(ticket, "confirm")
    if confirmed(ticket):
        raise RuleViolation(f"{ticket.id}: the resolution is already confirmed", rule="L10")
    note = (text or "").strip()[:MAX_TEXT] or None
    return step(ticket, ctx, "confirm", note=note)


@dataclass(frozen=True)
class Restoration:
    """When service should be back (N2's expected restoration, as facts)."""

    at: Optional[datetime]          # the restore deadline, or the estimate
    estimate: bool = False          # not dispatched and accepted yet: from the targets
    paused: bool = False            # waiting: the clock stands still
    restored: bool = False          # resolved or closed: `at` is when


def expected_restoration(ticket: Ticket, policy: Policy, now: datetime) -> Restoration:
    """The restore deadline, else an estimate from the accept and restore targets."""
    from itsmctl.core.sla import clocks

    if ticket.status in ("resolved", "closed") and ticket.resolved_at:
        return Restoration(ticket.resolved_at, restored=True)
    c = clocks(ticket, policy, now)
    restore, accept = c["restore"], c["accept"]
    paused = ticket.status == "waiting"
    if restore.deadline is not None:
        return Restoration(restore.deadline, paused=paused)
    start = accept.deadline if accept.running and accept.deadline else now + accept.target
    return Restoration(start + restore.target, estimate=True, paused=paused)
