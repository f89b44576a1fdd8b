"""The on-call chain outside working hours (R2; handbook appendix 1 1.1.3). Pure.

When a ticket is dispatched (or transferred) to a group outside working hours and
rota.yaml names an on-call pair for that group that night:

1. the dispatch notice's E (support) is the on-call primary, not the whole group;
2. when the accept phase breaches (sweep, S4), the breach escalation calls the backup:
   its record carries the action `oncall_backup` and its notice goes to the backup
   (E) and the recorder (C), not yet to the incident manager;
3. if the ticket is still not accepted `manager_after` later (rota.yaml; by default the
   accept target again), sweep records an escalation `oncall` with the action
   `oncall_manager`, which tells the incident manager (M) (1.1.3: 如果支持人员未能
   响应 … 可以采用事件升级的步骤).

Absences (D1) apply to the pair. A ticket accepted meanwhile stops the chain.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Optional

from itsmctl.core.model import Escalation, Ticket

if TYPE_CHECKING:
    from itsmctl.core.events import Ctx
    from itsmctl.core.policy import Policy
    from itsmctl.core.rota import OnCallPair
    from itsmctl.core.sla import Clock

BACKUP = "oncall_backup"
MANAGER = "oncall_manager"
TRIGGER = "oncall"


def pair_for(policy: "Policy", group: Optional[str],
             at: Optional[datetime]) -> Optional["OnCallPair"]:
    """The on-call pair answering for a group at an instant, outside working hours.
    (core/rota.py, ~4 ms of CPU to import, only for a desk with an on-call rota.)"""
    if at is None or not policy.rota.oncall:
        return None
    from itsmctl.core.rota import answering

    return answering(policy, group, at)


def backup_called(ticket: Ticket) -> Optional[Escalation]:
    """The breach escalation that called the backup, if any."""
    return next((e for e in reversed(ticket.escalations) if BACKUP in e.actions), None)


def mark_backup(ticket: Ticket, policy: "Policy", accept: "Clock") -> Ticket:
    """Step 2: the accept breach just recorded (the last escalation) calls the backup
    when the dispatch was answered by an on-call pair."""
    pair = pair_for(policy, ticket.group, accept.start)
    if pair is None or not ticket.escalations:
        return ticket
    last = ticket.escalations[-1]
    actions = [a for a in last.actions if a != BACKUP]
    actions = (actions if "notify" in actions else ["notify", *actions]) + [BACKUP]
    reason = (f"{last.reason or 'accept deadline passed'}; on-call primary "
              f"{pair.primary.covers} did not accept: backup {pair.backup.covers} called "
              "(R2, 1.1.3)")
    done = last.model_copy(update={"actions": actions, "reason": reason})
    return ticket.evolve(escalations=[*ticket.escalations[:-1], done.model_dump()])


def manager_due(ticket: Ticket, policy: "Policy", accept: "Clock") -> Optional[datetime]:
    """Step 3: when the incident manager is to be called, or None (no chain, already
    called, or accepted)."""
    called = backup_called(ticket)
    if called is None or not accept.running or ticket.status != "assigned":
        return None
    if any(e.trigger == TRIGGER and e.phase == "accept" and e.at >= called.at
           for e in ticket.escalations):
        return None
    wait = policy.rota.manager_after or accept.target
    return called.at + wait


def call_manager(ticket: Ticket, ctx: "Ctx", due: datetime) -> Ticket:
    """Step 3 as the sweep records it: an escalation `oncall` telling M."""
    from itsmctl.core.events import record

    before = ticket.to_doc()
    called = backup_called(ticket)
    backup = _backup_name(called)
    note = (f"on-call backup{backup} did not accept by {due.isoformat()}: incident manager "
            "called by sweep (R2, 1.1.3)")
    esc = Escalation(trigger=TRIGGER, at=ctx.now, level=len(ticket.escalations) + 1,
                     actions=["notify", MANAGER], phase="accept", reason=note)
    escalated = ticket.evolve(escalations=[*ticket.escalations, esc.model_dump()])
    return record(before, escalated, ctx, "escalate", note=note)


def _backup_name(called: Optional[Escalation]) -> str:
    reason = called.reason if called and called.reason else ""
    marker = "backup "
    if marker in reason:
        return " " + reason.split(marker, 1)[1].split(" ", 1)[0]
    return ""


# ---------------------------------------------------------------- notices (core/notices.py)
def _chain(ticket: Ticket, at: datetime) -> list[str]:
    return [a for e in ticket.escalations if e.at == at for a in e.actions]


def roles(ticket: Ticket, index: int, trigger: str, configured: list[str]) -> list[str]:
    """The roles an on-call escalation tells: the backup and the recorder first, the
    incident manager at step 3."""
    if trigger != "escalate":
        return configured
    actions = _chain(ticket, ticket.history[index].at)
    if MANAGER in actions:
        return ["M"] + (["C"] if "C" in configured else [])
    if BACKUP in actions:
        return ["E"] + (["C"] if "C" in configured else [])
    return configured


def recipient(ticket: Ticket, policy: "Policy", index: int, trigger: str,
              state: dict[str, Any]) -> Optional[list[str]]:
    """Who E is on the chain: the on-call primary for a dispatch outside working hours,
    the backup for the escalation that calls them; None: E as usual."""
    event = ticket.history[index]
    if trigger in ("dispatch", "transfer") and not state["assignee"]:
        pair = pair_for(policy, state["group"], event.at)
        return [pair.primary.covers] if pair else None
    if trigger == "escalate" and BACKUP in _chain(ticket, event.at):
        start = _accept_start(ticket, index)
        pair = pair_for(policy, state["group"], start)
        return [pair.backup.covers] if pair else None
    return None


def _accept_start(ticket: Ticket, index: int) -> Optional[datetime]:
    """When the accept phase running at event `index` started (its dispatch)."""
    for event in reversed(ticket.history[:index + 1]):
        if event.to == "assigned" and event.action in ("dispatch", "transfer", "reopen"):
            return event.at
    return None


__all__ = ["BACKUP", "MANAGER", "TRIGGER", "call_manager", "manager_due", "mark_backup",
           "pair_for", "recipient", "roles"]
