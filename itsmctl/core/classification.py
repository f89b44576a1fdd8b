"""Classification (5.1.2) and routing (L3): what categories.yaml allows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from itsmctl.core.model import Classification, Ticket
from itsmctl.errors import NotFound, UsageError

if TYPE_CHECKING:
    from itsmctl.core.policy import Policy


def validate_classification(policy: Policy, cls: Classification, rule: str) -> None:
    """Category/subtype/symptom/causation must exist in categories.yaml; a refusal cites
    `rule`, the rule of the command that asked (L1 open, L6 transfer, L8 resolve, P4
    classify...)."""
    if cls.category is None and cls.subtype is None:
        if cls.symptom or cls.causation:
            raise UsageError("--symptom/--causation need --category and --subtype", rule=rule)
        return
    if cls.category is None or cls.subtype is None:
        raise UsageError("--category and --subtype go together", rule=rule)
    try:
        sub = policy.categories.subtype(cls.category, cls.subtype)
    except KeyError as exc:
        raise NotFound(f"unknown {exc.args[0]} (config/categories.yaml)", rule=rule) from None
    if cls.symptom is not None and cls.symptom not in sub.symptoms:
        raise NotFound(f"unknown symptom {cls.symptom!r} for {cls.category}/{cls.subtype}; "
                       f"known: {', '.join(sub.symptoms)}", rule=rule)
    if cls.causation is not None and cls.causation not in sub.causations:
        raise NotFound(f"unknown causation {cls.causation!r} for {cls.category}/{cls.subtype}; "
                       f"known: {', '.join(sub.causations)}", rule=rule)


def routed_groups(policy: Policy, ticket: Ticket) -> list[str]:
    """L3: the groups the desk may dispatch to for the ticket's subtype and location."""
    cls = ticket.classification
    sub = policy.categories.subtype(cls.category or "", cls.subtype or "")
    location = ticket.location or (ticket.reporter.location if ticket.reporter else None)
    if location and location in sub.by_location:
        return list(sub.by_location[location])
    return list(sub.groups)
