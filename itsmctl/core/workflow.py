"""The commands of the lifecycle (SPEC 3) as functions: each takes a ticket and returns
the next one, as core/transitions.py allows.

Pure: the caller passes `now`, the actor and the policy; nothing here reads a
clock, a file or git. Every refusal raises before anything is built.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Optional

from itsmctl.core import escalation
from itsmctl.core import priority as prio
from itsmctl.core.classification import routed_groups, validate_classification
from itsmctl.core.events import Ctx, check_not_slave, check_state, fold, record, step
from itsmctl.core.model import Ticket, Wait
from itsmctl.core.permissions import require
from itsmctl.errors import NotFound, RuleViolation, UsageError

if TYPE_CHECKING:
    from itsmctl.core.policy import Policy


def _need(text: Optional[str], what: str, rule: str, hint: str) -> str:
    if text is None or not str(text).strip():
        raise RuleViolation(f"{what} is required ({hint})", rule=rule)
    return str(text).strip()


def _group(policy: Policy, group: str) -> str:
    if group not in policy.teams.groups:
        known = ", ".join(sorted(policy.teams.groups))
        raise NotFound(f"unknown group {group!r} (config/teams.yaml); known: {known}",
                       rule="L3")
    return group


def _escalate_due(ticket: Ticket, ctx: Ctx) -> Ticket:
    """S5: handoff and reopen triggers fire at the moment of the transition."""
    for trigger in escalation.due_triggers(ticket, ctx.policy):
        before = ticket.to_doc()
        ticket = escalation.apply(ticket, ctx.policy, trigger, ctx.now)
        ticket = record(before, ticket, ctx, "escalate",
                        note=f"automatic escalation: {trigger} reached its threshold")
    return ticket


escalate_due = _escalate_due        # for transitions recorded elsewhere (core/alerts.py)


def assign(ticket: Ticket, ctx: Ctx, group: str, person: Optional[str] = None,
           causation: Optional[str] = None, force: bool = False,
           delegate_of: Optional[str] = None) -> Ticket:
    """L3 dispatch (new -> assigned) or L6 transfer (assigned/in_progress -> assigned)."""
    check_state(ticket, "assign")
    check_not_slave(ticket, "assign")
    policy = ctx.policy
    _group(policy, group)
    if person is not None and group not in policy.teams.people[person].groups:
        if delegate_of and group in policy.teams.people[delegate_of].groups:
            raise RuleViolation(
                f"{delegate_of} is away and their delegate {person} is not a member of "
                f"{group}; assign to another member or fix delegates in config/teams.yaml",
                rule="D1")
        raise RuleViolation(f"{person} is not a member of {group}", rule="L3")
    if ticket.status == "new":
        return _dispatch(ticket, ctx, group, person, force, delegate_of)
    require(policy, ctx.actor, "transfer", ticket)
    cls = ticket.classification
    if causation is not None:
        cls = cls.model_copy(update={"causation": causation})
        validate_classification(policy, cls, "L6")
    if not cls.causation:
        raise RuleViolation(
            f"a transfer needs the causation (5.1.3-4): itsmctl assign {ticket.id} "
            f"--group {group} --causation C", rule="L6")
    counters = ticket.counters.model_copy(update={"transfers": ticket.counters.transfers + 1})
    note = _delegation_note(person, delegate_of)
    ticket = step(ticket, ctx, "transfer", note=note, status="assigned", group=group,
                  assignee=person, classification=cls.model_dump(), counters=counters.model_dump())
    return _escalate_due(ticket, ctx)


def _delegation_note(person: Optional[str], delegate_of: Optional[str]) -> Optional[str]:
    if person and delegate_of:
        return f"{delegate_of} is away; assigned to delegate {person} (D1)"
    return None


def _dispatch(ticket: Ticket, ctx: Ctx, group: str, person: Optional[str], force: bool,
              delegate_of: Optional[str]) -> Ticket:
    policy = ctx.policy
    require(policy, ctx.actor, "dispatch", ticket)
    cls = ticket.classification
    if not (cls.category and cls.subtype and cls.symptom):
        raise RuleViolation(
            f"dispatch needs the symptom classification (5.1.2-2): itsmctl classify {ticket.id}"
            " --category C --subtype S --symptom Y --reason R", rule="L3")
    routed = routed_groups(policy, ticket)
    note = _delegation_note(person, delegate_of)
    if group not in routed:
        if not force:
            raise RuleViolation(
                f"{cls.category}/{cls.subtype} routes to {', '.join(routed)}, not {group}; "
                "an incident manager may use --force", rule="L3")
        if "incident_manager" not in policy.teams.people[ctx.actor].roles:
            raise RuleViolation("--force off the routing is for incident managers", rule="L3")
        note = "; ".join(filter(None, [note, f"forced off routing ({', '.join(routed)})"]))
    counters = ticket.counters.model_copy(update={"dispatches": ticket.counters.dispatches + 1})
    # B2: a dispatch is the desk's check of what a user submitted (IM1.2)
    ticket = step(ticket, ctx, "dispatch", note=note, status="assigned", group=group,
                  assignee=person, counters=counters.model_dump(), verified=True)
    return _escalate_due(ticket, ctx)


def accept(ticket: Ticket, ctx: Ctx) -> Ticket:
    """L4: a member of the group takes it; first-owner responsibility."""
    check_state(ticket, "accept")
    check_not_slave(ticket, "accept")
    require(ctx.policy, ctx.actor, "accept", ticket)
    return step(ticket, ctx, "accept", status="in_progress", assignee=ctx.actor)


def reject(ticket: Ticket, ctx: Ctx, reason: Optional[str], suggest: Optional[str]) -> Ticket:
    """L5: back to the desk with a reason; the return counter grows."""
    check_state(ticket, "reject")
    check_not_slave(ticket, "reject")
    require(ctx.policy, ctx.actor, "reject", ticket)
    reason = _need(reason, "--reason", "L5", "a return to the desk must say why (5.1.3-5)")
    if suggest is not None:
        _group(ctx.policy, suggest)
    counters = ticket.counters.model_copy(update={"returns": ticket.counters.returns + 1})
    note = reason + (f" (suggested group: {suggest})" if suggest else "")
    ticket = step(ticket, ctx, "reject", note=note, status="new", group=None, assignee=None,
                  counters=counters.model_dump())
    return _escalate_due(ticket, ctx)


def wait(ticket: Ticket, ctx: Ctx, code: str, until: Optional[datetime] = None,
         reference: Optional[str] = None, note: Optional[str] = None,
         action: str = "wait") -> Ticket:
    """L7: park an open ticket with a wait code; the SLA clock pauses."""
    check_state(ticket, "wait")
    check_not_slave(ticket, "wait")
    if action == "wait":
        require(ctx.policy, ctx.actor, "wait", ticket)
    if code not in ctx.policy.codes.wait:
        raise RuleViolation(f"unknown wait code {code!r}; one of: "
                            f"{', '.join(ctx.policy.codes.wait)} (config/codes.yaml)", rule="L7")
    if until is not None and until <= ctx.now:
        raise UsageError(f"--until {until.isoformat()} is not in the future", rule="L7")
    w = Wait(code=code, since=ctx.now, until=until, resume_to=ticket.status, reference=reference)
    return step(ticket, ctx, action, note=note, status="waiting", wait=w.model_dump())


def resume(ticket: Ticket, ctx: Ctx, note: Optional[str] = None,
           check_actor: bool = True) -> Ticket:
    """L7: back to the state it waited from."""
    check_state(ticket, "resume")
    check_not_slave(ticket, "resume")
    if check_actor:
        require(ctx.policy, ctx.actor, "resume", ticket)
    assert ticket.wait is not None
    return step(ticket, ctx, "resume", note=note, status=ticket.wait.resume_to, wait=None)


def resolve(ticket: Ticket, ctx: Ctx, solution: Optional[str], causation: Optional[str] = None,
            workaround: bool = False) -> Ticket:
    """L8: a solution on record; causation unless the desk solved it at first line."""
    check_state(ticket, "resolve")
    check_not_slave(ticket, "resolve")
    policy = ctx.policy
    require(policy, ctx.actor, "resolve", ticket)
    solution = _need(solution, "--solution", "L8", "say what restored the service")
    cls = ticket.classification
    if causation is not None:
        if not (cls.category and cls.subtype):
            raise RuleViolation(f"classify {ticket.id} with --category and --subtype before "
                                "giving a causation", rule="L8")
        cls = cls.model_copy(update={"causation": causation})
        validate_classification(policy, cls, "L8")
    first_line = ticket.status == "new"
    if not first_line and not cls.causation:
        raise RuleViolation(
            f"resolving after dispatch needs the causation (5.1.2-3): itsmctl resolve {ticket.id}"
            " --solution S --causation C", rule="L8")
    open_tasks = [t.id for t in ticket.tasks if t.status == "open"]
    if open_tasks:
        raise RuleViolation(f"{ticket.id} has open tasks {', '.join(open_tasks)}; finish them "
                            "with: itsmctl task done ID TASK --result R", rule="T1")
    group = ticket.group if not first_line else policy.teams.desk_group
    resolved = step(ticket, ctx, "resolve", status="resolved", solution=solution,
                    workaround=workaround, classification=cls.model_dump(),
                    resolved_at=ctx.now, resolved_group=group)
    if ticket.type == "consultation":
        return close(resolved, ctx, "solved", note="consultation closed at once (2.1)",
                     check_actor=False)
    return resolved


def reopen(ticket: Ticket, ctx: Ctx, reason: Optional[str]) -> Ticket:
    """L9: the user rejects the resolution; back to the group that resolved it."""
    check_state(ticket, "reopen")
    check_not_slave(ticket, "reopen")
    require(ctx.policy, ctx.actor, "reopen", ticket)
    reason = _need(reason, "--reason", "L9", "say what the user reported")
    counters = ticket.counters.model_copy(update={"reopens": ticket.counters.reopens + 1})
    ticket = step(ticket, ctx, "reopen", note=reason, status="assigned",
                  group=ticket.resolved_group or ticket.group, assignee=None, solution=None,
                  resolved_at=None, counters=counters.model_dump())
    return _escalate_due(ticket, ctx)


def close(ticket: Ticket, ctx: Ctx, code: str, satisfaction: Optional[int] = None,
          note: Optional[str] = None, check_actor: bool = True, action: str = "close") -> Ticket:
    """L10: a close code from the list, a solution on record, a problem where needed."""
    check_state(ticket, "close")
    check_not_slave(ticket, "close")
    policy = ctx.policy
    if check_actor:
        require(policy, ctx.actor, "close", ticket)
        if code in policy.codes.close_by_hand_forbidden:
            raise RuleViolation(f"close code {code!r} is set by the system only", rule="L10")
    if code not in policy.codes.close:
        raise RuleViolation(f"unknown close code {code!r}; one of: "
                            f"{', '.join(policy.codes.close)} (config/codes.yaml)", rule="L10")
    if not ticket.solution:
        raise RuleViolation(f"{ticket.id} has no solution on record (5.1.12-2)", rule="L10")
    if code in policy.codes.close_needs_problem and not ticket.links.problem:
        raise RuleViolation(
            f"close code {code!r} needs a problem (5.1.12-4): itsmctl link {ticket.id} "
            "--problem PRB", rule="L10")
    if satisfaction is not None and not 1 <= satisfaction <= 5:
        raise UsageError("--satisfaction is 1 (poor) to 5 (excellent)", rule="L10")
    fields: dict[str, Any] = dict(status="closed", close_code=code, closed_at=ctx.now,
                                  satisfaction=satisfaction)
    if ticket.announcement and ticket.announcement.status == "open":
        fields["announcement"] = ticket.announcement.model_copy(
            update={"status": "closed", "closed_at": ctx.now}).model_dump()
    return step(ticket, ctx, action, note=note, **fields)


def classify(ticket: Ticket, ctx: Ctx, reason: Optional[str], impact: Any = None,
             urgency: Optional[str] = None, affected_users: Optional[int] = None,
             verify: bool = False, **cls_fields: Optional[str]) -> Ticket:
    """P4: change impact/urgency/classification with the reason in history; B2 `verify`
    marks a ticket a user submitted as checked by the desk (IM1.2)."""
    check_state(ticket, "classify")
    check_not_slave(ticket, "classify")
    policy = ctx.policy
    require(policy, ctx.actor, "classify", ticket)
    only_verify = verify and impact is None and urgency is None and affected_users is None \
        and not any(v is not None for v in cls_fields.values())
    if only_verify and not reason:
        reason = "checked complete (IM1.2)"
    reason = _need(reason, "--reason", "P4", "every priority or classification change "
                   "records why (5.1.5)")
    matrix = policy.matrix
    fields: dict[str, Any] = {}
    if affected_users is not None:
        fields["affected_users"] = affected_users
        if impact is None:
            impact = prio.impact_from_users(matrix, affected_users)
    new_impact = ticket.impact if impact is None else prio.parse_impact(matrix, impact)
    new_urgency = ticket.urgency if urgency is None else prio.parse_urgency(matrix, urgency)
    given = {k: v for k, v in cls_fields.items() if v is not None}
    cls = ticket.classification.model_copy(update=given)
    if given.get("category") or given.get("subtype"):
        if "symptom" not in given:
            cls = cls.model_copy(update={"symptom": None})
        if "causation" not in given:
            cls = cls.model_copy(update={"causation": None})
    validate_classification(policy, cls, "P4")
    new_priority = prio.compute(matrix, new_impact, new_urgency, ticket.priority_raise)
    fields.update(impact=new_impact, urgency=new_urgency, priority=new_priority,
                  major=prio.is_major(matrix, new_impact, new_priority),
                  classification=cls.model_dump())
    if verify:
        fields["verified"] = True
    new = step(ticket, ctx, "classify", note=reason, **fields)
    if len(new.history) == len(ticket.history) + 1 and not new.history[-1].changes:
        # P4 records a change with its reason: without a change there is nothing to record
        raise RuleViolation("classify changed nothing; give --impact, --urgency, --category, "
                            "--subtype, --symptom, --causation or --verify with a new value",
                            rule="P4")
    return new


def escalate(ticket: Ticket, ctx: Ctx, reason: Optional[str]) -> Ticket:
    """S5: escalation by hand."""
    check_state(ticket, "escalate")
    check_not_slave(ticket, "escalate")
    require(ctx.policy, ctx.actor, "escalate", ticket)
    reason = _need(reason, "--reason", "S5", "say why it escalates")
    before = ticket.to_doc()
    ticket = escalation.apply(ticket, ctx.policy, "manual", ctx.now, reason=reason)
    return record(before, ticket, ctx, "escalate", note=reason)


def note(ticket: Ticket, ctx: Ctx, text: Optional[str]) -> Ticket:
    """A work note: no state change, allowed on any ticket."""
    require(ctx.policy, ctx.actor, "note")
    if text is None or not str(text).strip():
        # a usage error (SPEC 13 `note ID --text T`) under the rule for required texts
        raise UsageError("--text is required: the note itself (itsmctl note ID --text T)",
                         rule="W4")
    text = str(text).strip()
    return step(ticket, ctx, "note", note=text)


def link_id(policy: Policy, kind: str, value: str, rule: str) -> str:
    """An id of the problem, change or requirement tracker, as desk.yaml `link_ids` says
    it looks (a usage error otherwise: free text is not a record in another system)."""
    if not policy.desk.link_ids.check(kind, value):
        pattern = getattr(policy.desk.link_ids, kind)
        raise UsageError(f"{value!r} is not a {kind} id: config/desk.yaml link_ids.{kind} "
                         f"is {pattern!r}", rule=rule)
    return value


def link_problem(ticket: Ticket, ctx: Ctx, problem: str) -> Ticket:
    check_state(ticket, "link-problem")
    require(ctx.policy, ctx.actor, "link-problem")
    link_id(ctx.policy, "problem", problem, "T2")
    links = ticket.links.model_copy(update={"problem": problem})
    return step(ticket, ctx, "link-problem", links=links.model_dump())


def link_change(ticket: Ticket, ctx: Ctx, change: str) -> Ticket:
    """T2: a change puts the ticket into waiting with code `change` (5.1.7-3)."""
    check_state(ticket, "link-change")
    check_not_slave(ticket, "link-change")
    require(ctx.policy, ctx.actor, "link-change")
    link_id(ctx.policy, "change", change, "T2")
    linked = ticket.evolve(links=ticket.links.model_copy(update={"change": change}).model_dump())
    return fold(ticket, wait(linked, ctx, "change", reference=change, action="link-change",
                             note=f"waiting for change {change}"))


def link_requirement(ticket: Ticket, ctx: Ctx, requirement: str) -> Ticket:
    """L13: a requirement closes or parks the ticket, as desk.yaml chooses."""
    check_state(ticket, "link-requirement")
    check_not_slave(ticket, "link-requirement")
    require(ctx.policy, ctx.actor, "link-requirement")
    link_id(ctx.policy, "requirement", requirement, "L13")
    links = ticket.links.model_copy(update={"requirement": requirement}).model_dump()
    linked = ticket.evolve(links=links)
    if ctx.policy.desk.requirement_link == "wait":
        return fold(ticket, wait(linked, ctx, "requirement", reference=requirement,
                                 action="link-requirement",
                                 note=f"waiting for requirement {requirement}"))
    if not linked.solution:
        linked = linked.evolve(solution=f"handed over as requirement {requirement}")
    linked = linked.evolve(status="resolved", resolved_at=ctx.now,
                           resolved_group=ticket.group or ctx.policy.teams.desk_group)
    return fold(ticket, close(linked, ctx, "requirement", check_actor=False,
                              action="link-requirement",
                              note=f"closed into requirement {requirement} (5.1.12-3)"))
