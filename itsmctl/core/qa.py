"""Automatic quality checks of handbook 6.1 (Q3): one finding per ticket and rule broken.

Pure: a ticket and the policy in, findings out. The rules are the automatic part of
the desk's daily quality review (日常质监):

- classification-dispatch  分类质监 at dispatch: a dispatched ticket has category,
  subtype and symptom (5.1.2-2).
- classification-close     分类质监 at close: a resolved or closed ticket has category,
  subtype and symptom, and the causation when it was resolved after dispatch (5.1.2-3).
  Consultations, out-of-scope tickets and slaves (they follow their master, M2,
  and cannot be classified, M5) are exempt.
- classification-known     the classification names entries of categories.yaml.
- required-fields          工单填写合规: title; reporter name and phone or e-mail for user
  sources; alert id, severity and message for monitoring tickets (4.3.1).
- verification             受理质监 (B2, IM1.2): a ticket a user submitted (mail, web) was
  dispatched before the desk checked it (`classify --verify`).
- severity                 严重等级质监: impact and urgency set and known; the priority and
  the major flag are what the matrix gives (P1, P5).
- close                    关单质监: a closed ticket has a known close code and a solution,
  and a problem when its code needs one (5.1.12-2/4/6); a resolved one has a solution.
- escalation               升级质监: handoffs, resolution rejections or a complaint reached
  their escalation trigger (S5) and the ticket records the escalation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

from itsmctl.core import escalation as esc
from itsmctl.core import priority as prio
from itsmctl.core.model import USER_SOURCES, Ticket

if TYPE_CHECKING:
    from itsmctl.core.policy import Policy

RULES = ("classification-dispatch", "classification-close", "classification-known",
         "required-fields", "verification", "severity", "close", "escalation")


@dataclass(frozen=True)
class QualityFinding:
    """A ticket that falls short of a quality rule."""

    ticket: str
    rule: str
    message: str

    def line(self) -> str:
        return f"{self.ticket}: {self.rule}: {self.message}"


def _blank(text: object) -> bool:
    return text is None or not str(text).strip()


def _missing_cls(ticket: Ticket) -> list[str]:
    c = ticket.classification
    return [name for name in ("category", "subtype", "symptom") if _blank(getattr(c, name))]


def _dispatched(ticket: Ticket) -> bool:
    return ticket.counters.dispatches > 0 or any(e.action == "dispatch" for e in ticket.history)


def classification(ticket: Ticket, policy: Policy) -> Iterator[tuple[str, str]]:
    yield from _known(ticket, policy)
    if ticket.master:
        return      # a slave follows its master (M2) and may not be classified (M5)
    missing = _missing_cls(ticket)
    if missing and _dispatched(ticket):
        yield ("classification-dispatch",
               f"dispatched without {', '.join(missing)} (5.1.2-2)")
    exempt = ticket.type == "consultation" or ticket.close_code == "out_of_scope"
    if ticket.status in ("resolved", "closed") and not exempt:
        if missing:
            yield ("classification-close", f"{ticket.status} without {', '.join(missing)}")
        after_dispatch = ticket.resolved_group not in (None, policy.teams.desk_group)
        if after_dispatch and _blank(ticket.classification.causation):
            yield ("classification-close",
                   f"resolved by {ticket.resolved_group} without a causation (5.1.2-3)")


def _known(ticket: Ticket, policy: Policy) -> Iterator[tuple[str, str]]:
    c = ticket.classification
    if c.category is None:
        return
    cat = policy.categories.categories.get(c.category)
    if cat is None:
        yield "classification-known", f"unknown category {c.category!r}"
        return
    sub = cat.subtypes.get(c.subtype or "")
    if sub is None:
        if c.subtype is not None:
            yield "classification-known", f"unknown subtype {c.category}/{c.subtype}"
        return
    if c.symptom is not None and c.symptom not in sub.symptoms:
        yield "classification-known", f"unknown symptom {c.symptom!r} for {c.category}/{c.subtype}"
    if c.causation is not None and c.causation not in sub.causations:
        yield ("classification-known",
               f"unknown causation {c.causation!r} for {c.category}/{c.subtype}")


def required_fields(ticket: Ticket, policy: Policy) -> Iterator[tuple[str, str]]:
    if _blank(ticket.title):
        yield "required-fields", "no title"
    if ticket.source in USER_SOURCES:
        r = ticket.reporter
        if r is None or _blank(r.name):
            yield "required-fields", f"{ticket.source} ticket without the reporter's name (4.3.1)"
        elif _blank(r.phone) and _blank(r.email):
            yield "required-fields", "no phone or e-mail to reach the reporter (4.3.1)"
    if ticket.source == "monitoring":
        a = ticket.alert
        gaps = ["alert"] if a is None else [f"alert.{k}" for k in ("id", "severity", "message")
                                             if _blank(getattr(a, k))]
        if gaps:
            yield "required-fields", f"monitoring ticket without {', '.join(gaps)}"
    if ticket.opened_by not in policy.teams.people:
        yield "required-fields", f"opened_by {ticket.opened_by!r} is not a person in teams.yaml"


def verification(ticket: Ticket, policy: Policy) -> Iterator[tuple[str, str]]:
    """B2: dispatched while unverified - the dispatch itself had to mark it checked."""
    unchecked = [e for e in ticket.history if e.action == "dispatch"
                 and (e.changes.get("verified") or [None])[0] is False]
    if unchecked or (not ticket.verified and _dispatched(ticket)):
        yield ("verification", "dispatched before the desk checked what the user submitted "
               "(classify --verify, IM1.2)")


def severity(ticket: Ticket, policy: Policy) -> Iterator[tuple[str, str]]:
    m = policy.matrix
    if ticket.impact is None or str(ticket.impact) not in [str(x) for x in m.impact_levels]:
        yield "severity", f"impact {ticket.impact!r} is not one of {m.impact_levels}"
        return
    if ticket.urgency not in m.urgency_levels:
        yield "severity", f"urgency {ticket.urgency!r} is not one of {m.urgency_levels}"
        return
    impact = m.impact(ticket.impact)
    want = prio.compute(m, impact, ticket.urgency, ticket.priority_raise)
    if ticket.priority != want:
        yield ("severity", f"priority {ticket.priority} but impact {impact} x urgency "
               f"{ticket.urgency} gives {want} (P1)")
    elif ticket.major != prio.is_major(m, impact, ticket.priority):
        yield "severity", f"major flag {ticket.major} disagrees with P5"


def closing(ticket: Ticket, policy: Policy) -> Iterator[tuple[str, str]]:
    codes = policy.codes
    if ticket.status == "closed":
        if _blank(ticket.close_code):
            yield "close", "closed without a close code (5.1.12-6)"
        elif ticket.close_code not in codes.close:
            yield "close", f"unknown close code {ticket.close_code!r} (codes.yaml)"
        if _blank(ticket.solution):
            yield "close", "closed without a solution on record (5.1.12-2)"
        if ticket.close_code in codes.close_needs_problem and not ticket.links.problem:
            yield "close", f"close code {ticket.close_code} without a problem (5.1.12-4)"
    elif ticket.status == "resolved" and _blank(ticket.solution):
        yield "close", "resolved without a solution (L8)"


def escalation(ticket: Ticket, policy: Policy) -> Iterator[tuple[str, str]]:
    rule = policy.sla.escalation
    fired = {e.trigger for e in ticket.escalations}
    if esc.handoffs(ticket) >= rule.handoffs and "handoffs" not in fired:
        yield ("escalation", f"{esc.handoffs(ticket)} dispatches/transfers/returns and no "
               "escalation (5.1.3-6)")
    if ticket.counters.reopens >= rule.reopens and "reopens" not in fired:
        yield "escalation", f"{ticket.counters.reopens} reopens and no escalation (5.1.8-2)"
    if ticket.type == "complaint" and "complaint" not in fired:
        yield "escalation", "a complaint that was not escalated (S5)"


CHECKS = (classification, required_fields, verification, severity, closing, escalation)


def check(ticket: Ticket, policy: Policy) -> list[QualityFinding]:
    """Every finding for one ticket, in rule order."""
    found = [QualityFinding(ticket.id, rule, msg)
             for fn in CHECKS for rule, msg in fn(ticket, policy)]
    return sorted(found, key=lambda f: RULES.index(f.rule))
