"""What one sweep does (S4, S6, L7, L11, V1): plan(tickets, policy, now) -> actions, no I/O.

The sweep acts as the reserved pseudo-actor `sweep` (no person in teams.yaml may carry
that id), and every action is recorded in the ticket's own history under that name:

- breach      a running SLA phase past its deadline, recorded once per phase per ticket
              as an Escalation(trigger="breach", phase=...) with the configured actions
              (S4, S6); history action `escalate`
- resume      a waiting ticket whose `wait --until` has come (L7); history `resume`
- auto-close  a resolved ticket after `auto_close_after`, code auto_closed (L11);
              history `auto-close`
- visit-due   a closed user ticket is owed a return visit by visit.due (V1); history
              `visit-due` (once: it sets `visit`)
- oncall      outside working hours, the on-call backup called at the accept breach has
              not accepted either: the incident manager is called (R2, core/oncall.py);
              history `escalate` (the breach that calls the backup is a `breach`)

Slaves follow their master (M2, M5): only visit-due is planned for them; `settled`
lists a master's status changes and the app mirrors them onto its slaves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable, Optional

from itsmctl.core import escalation, oncall, visit, workflow
from itsmctl.core.events import Ctx, record
from itsmctl.core.model import Ticket
from itsmctl.core.policy import format_duration
from itsmctl.core.sla import clocks
from itsmctl.errors import ItsmError

if TYPE_CHECKING:
    from itsmctl.core.policy import Policy

SWEEP_ACTOR = "sweep"
KINDS = ("resume", "breach", "oncall", "auto-close", "visit-due")
RULE = {"resume": "L7", "breach": "S4", "oncall": "R2", "auto-close": "L11",
        "visit-due": "V1"}
MAX_ROUNDS = 6          # an action can make another due (a breach raises priority)


@dataclass(frozen=True)
class Action:
    """One thing the sweep does to one ticket."""

    ticket: str
    kind: str
    when: datetime                   # the deadline / until / auto-close time / visit due
    phase: Optional[str] = None

    def describe(self) -> str:
        at = self.when.isoformat()
        return {"breach": f"breach of {self.phase} (deadline {at}): escalate",
                "resume": f"wait --until {at} has come: resume",
                "oncall": f"on-call backup did not accept by {at}: call the incident "
                          "manager",
                "auto-close": f"resolved for auto_close_after (since {at}): close "
                              "as auto_closed",
                "visit-due": f"return visit due by {at}"}[self.kind]

    def doc(self) -> dict[str, Any]:
        return {"ticket": self.ticket, "action": self.kind, "phase": self.phase,
                "when": self.when.isoformat(), "rule": RULE[self.kind],
                "description": self.describe()}


def sweep_ctx(policy: Policy, now: datetime) -> Ctx:
    return Ctx(policy=policy, actor=SWEEP_ACTOR, now=now)


def due_actions(ticket: Ticket, policy: Policy, now: datetime) -> list[Action]:
    """What is due on this ticket now, in the order it is carried out."""
    out: list[Action] = []
    own = ticket.master is None           # a slave follows its master
    if own and ticket.status == "waiting" and ticket.wait and ticket.wait.until \
            and ticket.wait.until <= now:
        out.append(Action(ticket.id, "resume", ticket.wait.until))
    if own and ticket.status != "closed":
        running = clocks(ticket, policy, now)
        for phase, clock in running.items():
            if clock.running and clock.breached and clock.deadline is not None \
                    and not escalation.fired(ticket, "breach", phase):
                out.append(Action(ticket.id, "breach", clock.deadline, phase))
        due = oncall.manager_due(ticket, policy, running["accept"])
        if due is not None and due <= now:
            out.append(Action(ticket.id, "oncall", due, "accept"))
    if own and ticket.status == "resolved":
        since = ticket.resolved_at or ticket.updated_at
        if since + policy.sla.auto_close_after <= now:
            out.append(Action(ticket.id, "auto-close", since))
    if ticket.visit is None and visit.applies(ticket, policy):
        out.append(Action(ticket.id, "visit-due", visit.due(ticket, policy)))
    return out


def carry_out(ticket: Ticket, action: Action, ctx: Ctx) -> Ticket:
    """One action as the sweep actor; the history event names the rule."""
    if action.kind == "resume":
        return workflow.resume(ticket, ctx, check_actor=False,
                               note=f"wait --until {action.when.isoformat()} has come; "
                                    "resumed by sweep (L7)")
    if action.kind == "breach":
        before = ticket.to_doc()
        note = (f"SLA breach: {action.phase} deadline {action.when.isoformat()} passed; "
                "escalated by sweep (S4)")
        escalated = escalation.apply(ticket, ctx.policy, "breach", ctx.now,
                                     phase=action.phase, reason=note)
        if action.phase == "accept":                # R2: outside working hours, the backup
            escalated = oncall.mark_backup(escalated, ctx.policy,
                                           clocks(ticket, ctx.policy, ctx.now)["accept"])
            note = escalated.escalations[-1].reason or note
        return record(before, escalated, ctx, "escalate", note=note)
    if action.kind == "oncall":
        return oncall.call_manager(ticket, ctx, action.when)
    if action.kind == "auto-close":
        after = ctx.policy.sla.auto_close_after
        return workflow.close(ticket, ctx, "auto_closed", check_actor=False,
                              action="auto-close",
                              note=f"resolved {format_duration(after)} ago with no answer; "
                                   "closed by sweep (L11, 5.1.12-5)")
    if action.kind == "visit-due":
        return visit.mark_due(ticket, ctx)
    raise ValueError(f"unknown sweep action {action.kind!r}")


@dataclass
class Settled:
    """One ticket after the sweep: what was done, what was refused, and the status
    changes its slaves must mirror (M2: the app applies them, core has no slaves here)."""

    ticket: Ticket
    actions: list[Action] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    steps: list[tuple[Ticket, Ticket]] = field(default_factory=list)


def settled(ticket: Ticket, policy: Policy, now: datetime) -> Settled:
    """Carry out everything due until nothing more is.

    A refused action (a hand-edited file, say) is reported, and the rest goes on.
    """
    ctx = sweep_ctx(policy, now)
    out = Settled(ticket)
    failed: set[tuple[str, Optional[str]]] = set()
    for _ in range(MAX_ROUNDS):
        todo = [a for a in due_actions(out.ticket, policy, now)
                if (a.kind, a.phase) not in failed]
        if not todo:
            break
        action = todo[0]
        try:
            after = carry_out(out.ticket, action, ctx)
        except ItsmError as exc:
            failed.add((action.kind, action.phase))
            out.refused.append(f"{ticket.id}: {action.kind}: [{exc.rule or '-'}] "
                               f"{exc.message}")
            continue
        if after.slaves and after.status != out.ticket.status:
            out.steps.append((out.ticket, after))
        out.ticket = after
        out.actions.append(action)
    return out


def settle(ticket: Ticket, policy: Policy,
           now: datetime) -> tuple[Ticket, list[Action], list[str]]:
    """(ticket, actions, refusals) of `settled`."""
    s = settled(ticket, policy, now)
    return s.ticket, s.actions, s.refused


def plan(tickets: Iterable[Ticket], policy: Policy, now: datetime) -> list[Action]:
    """Everything one sweep at `now` would do, in order (what `sweep --dry-run` prints)."""
    return [a for s in (settled(t, policy, now) for t in tickets) for a in s.actions]


def summary(actions: list[Action]) -> str:
    """'2 breaches, 1 auto-close' for the commit subject and the terminal."""
    names = {"breach": ("breach", "breaches"), "resume": ("resume", "resumes"),
             "oncall": ("on-call escalation", "on-call escalations"),
             "auto-close": ("auto-close", "auto-closes"),
             "visit-due": ("visit due", "visits due")}
    parts = []
    for kind in ("breach", "oncall", "resume", "auto-close", "visit-due"):
        n = sum(1 for a in actions if a.kind == kind)
        if n:
            parts.append(f"{n} {names[kind][n != 1]}")
    return ", ".join(parts) or "nothing to do"
