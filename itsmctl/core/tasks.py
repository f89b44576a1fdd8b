"""Work attached to an incident: tasks for other groups (T1) and announcements (A1)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from itsmctl.core.events import Ctx, check_not_slave, check_state, step
from itsmctl.core.model import OPEN_STATUSES, Announcement, Task, Ticket
from itsmctl.core.permissions import in_group, may, require
from itsmctl.errors import NotFound, NotPermitted, RuleViolation, UsageError

if TYPE_CHECKING:
    from itsmctl.core.policy import Policy

KINDS = ("outage", "maintenance", "info")
# A1: an announcement may still be posted or updated once the service is restored


def _text(value: Optional[str], option: str, rule: str, why: str) -> str:
    if value is None or not value.strip():
        raise RuleViolation(f"{option} is required ({why})", rule=rule)
    return value.strip()


def _open_only(ticket: Ticket, command: str) -> None:
    if ticket.status == "closed":
        check_state(ticket, "task")         # L14: closed is final
    if ticket.status not in OPEN_STATUSES:
        raise RuleViolation(f"{ticket.id} is {ticket.status}; tasks belong to open tickets "
                            f"(4.4): reopen it first", rule="T1")
    check_not_slave(ticket, command)


def add_task(ticket: Ticket, ctx: Ctx, title: Optional[str],
             group: Optional[str] = None) -> Ticket:
    """T1 (4.4-1): split off a task for a group; the ticket cannot resolve until it is done."""
    _open_only(ticket, "task")
    require(ctx.policy, ctx.actor, "task-add", ticket)
    title = _text(title, "--title", "T1", "say what the task is")
    group = group or ticket.group
    if group is None:
        raise RuleViolation(f"{ticket.id} has no group yet; give the task one with --group G",
                            rule="T1")
    if group not in ctx.policy.teams.groups:
        known = ", ".join(sorted(ctx.policy.teams.groups))
        raise NotFound(f"unknown group {group!r} (config/teams.yaml); known: {known}",
                       rule="T1")
    task = Task(id=f"T{len(ticket.tasks) + 1}", title=title, group=group, opened_at=ctx.now,
                opened_by=ctx.actor)
    return step(ticket, ctx, "task-add", note=f"task {task.id} for {group}: {title}",
                tasks=[*(t.model_dump() for t in ticket.tasks), task.model_dump()])


def find_task(ticket: Ticket, ref: str) -> Task:
    wanted = ref.strip().upper()
    if wanted.isdigit():
        wanted = f"T{wanted}"
    for task in ticket.tasks:
        if task.id == wanted:
            return task
    known = ", ".join(t.id for t in ticket.tasks) or "none"
    raise NotFound(f"{ticket.id} has no task {ref!r}; its tasks: {known}", rule="T1")


def may_finish(policy: Policy, actor: str, ticket: Ticket, task: Task) -> bool:
    """The task's own group reports back (4.4-2), as do those who may manage the ticket."""
    return in_group(policy, actor, task.group) or may(policy, actor, "task-done", ticket)


def finish_task(ticket: Ticket, ctx: Ctx, ref: str, result: Optional[str]) -> Ticket:
    """T1 (4.4-2): the group that did the task records its result."""
    _open_only(ticket, "task")
    task = find_task(ticket, ref)
    if not may_finish(ctx.policy, ctx.actor, ticket, task):
        raise NotPermitted(f"{ctx.actor} may not finish task {task.id} of {ticket.id}; "
                           f"allowed: members of {task.group} or {ticket.group or 'the desk'}",
                           rule="I2")
    if task.status == "done":
        raise RuleViolation(f"task {task.id} of {ticket.id} is already done "
                            f"({task.done_by}: {task.result})", rule="T1")
    result = _text(result, "--result", "T1", "the group reports back what it did (4.4-2)")
    done = task.model_copy(update={"status": "done", "result": result, "done_at": ctx.now,
                                   "done_by": ctx.actor})
    tasks = [done if t.id == task.id else t for t in ticket.tasks]
    left = [t.id for t in tasks if t.status == "open"]
    tail = f"; still open: {', '.join(left)}" if left else "; all tasks done"
    return step(ticket, ctx, "task-done", note=f"task {task.id} ({task.group}) done: {result}"
                + tail, tasks=[t.model_dump() for t in tasks])


def announce(ticket: Ticket, ctx: Ctx, kind: str, title: Optional[str],
             body: Optional[str]) -> Ticket:
    """A1 (1.6): post, or replace, the ticket's announcement; closing the ticket closes it."""
    check_state(ticket, "announce")
    check_not_slave(ticket, "announce")
    require(ctx.policy, ctx.actor, "announce", ticket)
    if kind not in KINDS:
        raise UsageError(f"unknown announcement kind {kind!r}; one of: {', '.join(KINDS)}",
                         rule="A1")
    title = _text(title, "--title", "A1", "an announcement has a title, body and signature "
                  "(1.3.2)")
    body = _text(body, "--body", "A1", "say the cause, who is affected and when it is "
                 "expected back (1.3.2)")
    new = Announcement.model_validate(dict(kind=kind, title=title, body=body, at=ctx.now,
                                           by=ctx.actor))
    verb = "replaced" if ticket.announcement and ticket.announcement.status == "open" else "posted"
    return step(ticket, ctx, "announce", note=f"{kind} announcement {verb}: {title}",
                announcement=new.model_dump())


def suggests_announcement(policy: Policy, ticket: Ticket) -> bool:
    """A1 (1.6-2): impact at the configured level or wider suggests an announcement."""
    matrix = policy.matrix
    threshold = matrix.announce_impact
    if threshold is None or ticket.announcement is not None or not ticket.is_open:
        return False
    levels = [str(x) for x in matrix.impact_levels]
    return levels.index(str(ticket.impact)) <= levels.index(str(threshold))
