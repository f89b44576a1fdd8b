"""Master/slave duplicates and related tickets (SPEC 4, M1-M5)."""

from __future__ import annotations

from typing import Optional

from itsmctl.core.events import Ctx, check_state, fields_step, members_step, step
from itsmctl.core.model import Ticket
from itsmctl.core.permissions import require
from itsmctl.errors import RuleViolation

# what a slave copies from its master (2.3/2.4: status and owner are the master's)
MIRRORED = ("status", "group", "assignee")
# what a master's transition also copies, per action
CARRIED = {"resolve": ("solution", "workaround", "resolved_at", "resolved_group"),
            "close": ("close_code", "closed_at"),
            "auto-close": ("close_code", "closed_at"),     # L11 by sweep
            "reopen": ("solution", "resolved_at"),
            "alert-reopen": ("solution", "resolved_at", "workaround"),
            "wait": ("wait",), "resume": ("wait",), "link-change": ("wait",),
            "link-requirement": ("wait", "close_code", "closed_at", "solution", "resolved_at")}


def link_master(slave: Ticket, master: Ticket, ctx: Ctx) -> tuple[Ticket, Ticket]:
    """M1: bind a duplicate to its master; it mirrors the master from now on."""
    require(ctx.policy, ctx.actor, "link-master", slave)
    if slave.id == master.id:
        raise RuleViolation(f"{slave.id} cannot be its own master", rule="M1")
    for t in (slave, master):
        if t.status == "closed":
            raise RuleViolation(f"{t.id} is closed; a closed ticket can only be linked with: "
                                f"itsmctl link {slave.id} --related {master.id}", rule="M3")
        check_state(t, "link-master")
    if master.master:
        raise RuleViolation(f"{master.id} is itself a slave of {master.master}; "
                            f"link to {master.master} instead", rule="M1")
    if slave.master:
        raise RuleViolation(f"{slave.id} is already a slave of {slave.master}; "
                            f"unlink it first", rule="M1")
    if slave.slaves:
        raise RuleViolation(f"{slave.id} is the master of {', '.join(slave.slaves)}; "
                            "a master cannot become a slave (no chains or cycles)", rule="M1")
    mirrored = {k: getattr(master, k) for k in MIRRORED}
    new_slave = fields_step(slave, ctx, "link-master", note=f"duplicate of {master.id}",
                            master=master.id,
                            wait=master.wait.model_dump() if master.wait else None, **mirrored)
    # the master's event records only the slave it gained (members_step), not its list
    new_master = members_step(master, ctx, "link-slave", "slaves", added=[slave.id],
                              note=f"{slave.id} linked as duplicate")
    return new_slave, new_master


def unlink(slave: Ticket, master: Ticket, ctx: Ctx) -> tuple[Ticket, Ticket]:
    """M4: end the relation; the slave keeps its mirrored state."""
    require(ctx.policy, ctx.actor, "unlink", slave)
    if slave.master != master.id:
        raise RuleViolation(f"{slave.id} is not a slave of {master.id}", rule="M4")
    new_slave = step(slave, ctx, "unlink", note=f"no longer a duplicate of {master.id}",
                     master=None)
    new_master = members_step(master, ctx, "unlink-slave", "slaves", removed=[slave.id],
                              note=f"{slave.id} unlinked")
    return new_slave, new_master


def propagate(master: Ticket, slave: Ticket, ctx: Ctx, since: Optional[int] = None) -> Ticket:
    """M2: repeat the master's transition on a slave, in its own history.

    `since` is the master's history length before the command: its first new event
    names the transition (an automatic escalation may follow it)."""
    new = master.history[since:] if since is not None else []
    # each transition of the command, in its order: a consultation resolved at first
    # contact is also closed by the same command (L9), and its slaves resolve and close
    # with it (two legal steps, each carrying its fields); an automatic escalation that
    # follows a transition is the master's own
    steps = [e for e in new if e.action in CARRIED or e.from_ != e.to] or \
        [new[0] if new else master.history[-1]]
    for event in steps:
        fields = {k: getattr(master, k) for k in MIRRORED}
        if len(steps) > 1 and event.to:
            fields["status"] = event.to
        for key in CARRIED.get(event.action, ()):
            value = getattr(master, key)
            fields[key] = value.model_dump() if hasattr(value, "model_dump") else value
        if slave.status == fields["status"] and \
                all(getattr(slave, k) == v for k, v in fields.items()):
            continue
        slave = step(slave, ctx, event.action, note=f"mirrors master {master.id}",
                     via=master.id, **fields)
    return slave


def link_related(a: Ticket, b: Ticket, ctx: Ctx) -> tuple[Ticket, Ticket]:
    """M3: related, not bound; allowed with closed tickets (5.1.10)."""
    require(ctx.policy, ctx.actor, "link-related")
    if a.id == b.id:
        raise RuleViolation(f"{a.id} cannot be related to itself", rule="M3")
    if b.id in a.related:
        raise RuleViolation(f"{a.id} and {b.id} are already related", rule="M3")
    new_a = step(a, ctx, "link-related", note=f"related to {b.id}", related=[*a.related, b.id])
    new_b = step(b, ctx, "link-related", note=f"related to {a.id}", related=[*b.related, a.id])
    return new_a, new_b
