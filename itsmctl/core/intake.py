"""Opening a ticket (L1, L2, L12, L15): validate the intake and compute its priority."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

import msgspec

from itsmctl.core import escalation
from itsmctl.core import priority as prio
from itsmctl.core.classification import validate_classification
from itsmctl.core.events import Ctx, diff, record
from itsmctl.core.model import USER_SOURCES, Alert, Classification, Event, Links, Reporter, Ticket
from itsmctl.core.permissions import require
from itsmctl.errors import RuleViolation, UsageError

if TYPE_CHECKING:
    from itsmctl.core.policy import Policy

SUBMITTED = ("email", "web")        # sources of tickets users submit themselves (B2)


class Intake(msgspec.Struct):
    """What `open` was told; None means 'not given'. (A msgspec struct, not a
    dataclass: a dataclass compiles its methods from text as its module loads, ~1 ms
    of every hook and `open`, issue 13.)"""

    title: Optional[str] = None
    description: str = ""
    type: str = "incident"
    source: Optional[str] = None
    reporter: dict[str, Optional[str]] = msgspec.field(default_factory=dict)
    category: Optional[str] = None
    subtype: Optional[str] = None
    symptom: Optional[str] = None
    impact: Any = None
    urgency: Optional[str] = None
    affected_users: Optional[int] = None
    location: Optional[str] = None
    cis: list[str] = msgspec.field(default_factory=list)
    caused_by_change: Optional[str] = None
    alert: dict[str, Optional[str]] = msgspec.field(default_factory=dict)
    recurrence_of: Optional[str] = None         # the id given; the app loads it
    out_of_scope: bool = False
    duplicate_of: Optional[str] = None          # M6: linked as a slave of this at once
    verified: bool = True                       # B2: what users submit is checked later


def default_source(policy: Policy, actor: str, intake: Intake) -> str:
    roles = policy.teams.people[actor].roles
    if intake.alert.get("id") or "monitoring" in roles:
        return "monitoring"
    if "service_desk" in roles:
        return "phone"
    return "staff"


def open_ticket(intake: Intake, ctx: Ctx, ticket_id: str,
                base: Optional[Ticket] = None) -> Ticket:
    """L1: a new ticket, priority from the matrix (P1-P5); `base` is the closed ticket a
    recurrence repeats (L12)."""
    policy, matrix = ctx.policy, ctx.policy.matrix
    require(policy, ctx.actor, "open-out-of-scope" if intake.out_of_scope else "open")
    if base is not None and base.status != "closed":
        raise RuleViolation(f"{base.id} is {base.status}, not closed; a recurrence follows a "
                            f"closed ticket (5.1.11); link duplicates with: itsmctl link-master",
                            rule="L12")
    submitted = "intake" in policy.teams.people[ctx.actor].roles
    if submitted and (intake.source not in SUBMITTED or intake.out_of_scope):
        raise RuleViolation(f"{ctx.actor} takes in what users submit: source email or web "
                            "only (B2)", rule="B2")
    # one line: a title is a subject line in lists, commit messages and mail (E1)
    title = " ".join((intake.title or (base.title if base else None) or "").split())
    if not title:
        raise RuleViolation("--title is required", rule="L1")
    source = intake.source or default_source(policy, ctx.actor, intake)
    reporter = _reporter(policy, ctx.actor, intake, source, base)
    alert = _alert(policy, ctx.actor, intake, source)
    cls = Classification(category=intake.category, subtype=intake.subtype, symptom=intake.symptom)
    if base is not None and intake.category is None:
        # 5.1.11: the original's classification; its cause is for the new resolver to find
        cls = base.classification.model_copy(update={"causation": None})
    validate_classification(policy, cls, "L12" if base is not None else "L1")
    impact = _impact(policy, intake, base)
    urgency = _urgency(policy, intake, reporter, base)
    # L12 (desktop standard 3.1.5): the previous level, one step up. With the original's
    # impact and urgency copied, its raises plus one give exactly that.
    raised = base.priority_raise + 1 if base is not None else 0
    priority = prio.compute(matrix, impact, urgency, raised)
    if intake.caused_by_change:
        from itsmctl.core.workflow import link_id

        link_id(policy, "change", intake.caused_by_change, "L1")
    links = Links(cis=list(intake.cis) or (list(base.links.cis) if base else []),
                  caused_by_change=intake.caused_by_change)
    ticket = Ticket(
        id=ticket_id, title=title, type=intake.type,  # type: ignore[arg-type]
        source=source, status="new",  # type: ignore[arg-type]
        impact=impact, urgency=urgency, priority=priority, priority_raise=raised,
        major=prio.is_major(matrix, impact, priority), opened_by=ctx.actor,
        opened_at=ctx.now, updated_at=ctx.now,
        description=intake.description or (base.description if base else ""),
        reporter=reporter, alert=alert, location=intake.location,
        affected_users=intake.affected_users, classification=cls, links=links,
        recurrence_of=base.id if base else None,
        verified=intake.verified and not submitted)     # B2: checked by the desk (IM1.2)
    note = f"recurrence of {base.id} (5.1.11); priority one level up" if base else None
    ticket = ticket.evolve(history=[Event(
        at=ctx.now, actor=ctx.actor, action="open", to="new", note=note,
        changes={"priority": [None, priority]}).model_dump(by_alias=True)])
    if intake.type == "complaint":
        before = ticket.to_doc()
        ticket = escalation.apply(ticket, policy, "complaint", ctx.now)
        ticket = record(before, ticket, ctx, "escalate", note="complaints escalate at once (S5)")
    if intake.out_of_scope:
        before = ticket.to_doc()
        closed = ticket.evolve(status="closed", close_code="out_of_scope", closed_at=ctx.now,
                               solution="outside the desk's scope; the user was told (1.7)")
        ticket = record(before, closed, ctx, "close", note="out of scope (L2)")
    return ticket


def _impact(policy: Policy, intake: Intake, base: Optional[Ticket]) -> Any:
    matrix = policy.matrix
    if intake.impact is not None:
        return prio.parse_impact(matrix, intake.impact)
    if intake.affected_users is not None:
        if intake.affected_users < 0:
            raise UsageError("--affected-users must be 0 or more", rule="P3")
        return prio.impact_from_users(matrix, intake.affected_users)
    if base is not None:
        return base.impact
    return matrix.impact_levels[-1]


def _urgency(policy: Policy, intake: Intake, reporter: Optional[Reporter],
             base: Optional[Ticket]) -> str:
    """Given, else the original's for a recurrence (L12), else the default (P2)."""
    matrix = policy.matrix
    if intake.urgency:
        return prio.parse_urgency(matrix, intake.urgency)
    if base is not None and base.urgency in matrix.urgency_levels:
        return base.urgency
    return prio.default_urgency(matrix, reporter.kind if reporter else None, intake.type)


def _reporter(policy: Policy, actor: str, intake: Intake, source: str,
              base: Optional[Ticket]) -> Optional[Reporter]:
    given = {k: v for k, v in intake.reporter.items() if v}
    if not given and base is not None and base.reporter is not None:
        return base.reporter
    if source in USER_SOURCES:
        if not given.get("name") or not (given.get("phone") or given.get("email")):
            raise RuleViolation(
                f"a {source} ticket needs the reporter: --reporter-name and "
                "--reporter-phone or --reporter-email (4.3.1)", rule="L1")
    if not given and source == "staff":
        person = policy.teams.people[actor]
        return Reporter(id=actor, name=person.name, kind="staff", phone=person.phone,
                        email=person.email)
    return Reporter(**given) if given else None


def _alert(policy: Policy, actor: str, intake: Intake, source: str) -> Optional[Alert]:
    given = {k: v for k, v in intake.alert.items() if v}
    if source != "monitoring":
        if given:
            raise UsageError("--alert-* options go with --source monitoring", rule="L1")
        return None
    missing = [f"--alert-{k}" for k in ("id", "severity", "message") if not given.get(k)]
    if missing:
        raise RuleViolation(f"a monitoring ticket needs {', '.join(missing)}", rule="L1")
    auto = "monitoring" in policy.teams.people[actor].roles
    given.setdefault("fingerprint", given["id"])
    return Alert.model_validate({"mode": "auto" if auto else "manual", "triggered_by": actor,
                                 **given})


__all__ = ["Intake", "open_ticket", "diff"]
