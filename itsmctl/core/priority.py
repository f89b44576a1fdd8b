"""Impact x urgency -> priority; urgency defaults; raising by levels (SPEC 5)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from itsmctl.errors import RuleViolation, UsageError

if TYPE_CHECKING:
    from itsmctl.core.policy import Level, PriorityMatrix


def lookup(matrix: PriorityMatrix, impact: Level, urgency: str) -> str:
    """P1: the cell of the matrix; a missing cell is a config error."""
    try:
        return matrix.matrix[impact][urgency]
    except KeyError:
        raise RuleViolation(
            f"priority_matrix.yaml has no cell for impact {impact!r} x urgency {urgency!r}",
            rule="P1") from None


def raise_levels(matrix: PriorityMatrix, priority: str, levels: int) -> str:
    """One level up per step, never past the top (desktop standard 3.1.5)."""
    order = matrix.priority_levels
    return order[max(0, order.index(priority) - max(0, levels))]


def compute(matrix: PriorityMatrix, impact: Level, urgency: str, raised: int = 0) -> str:
    return raise_levels(matrix, lookup(matrix, impact, urgency), raised)


def default_urgency(matrix: PriorityMatrix, reporter_kind: Optional[str],
                    ticket_type: str) -> str:
    """P2: complaints high; VIP/manager reporters high; otherwise medium."""
    ud = matrix.urgency_defaults
    if ticket_type == "complaint":
        return ud.complaint
    if reporter_kind and reporter_kind.lower() in {k.lower() for k in ud.reporter_kind}:
        wanted = reporter_kind.lower()
        return next(v for k, v in ud.reporter_kind.items() if k.lower() == wanted)
    return ud.default


def impact_from_users(matrix: PriorityMatrix, users: int) -> Level:
    """P3: the first threshold the count reaches, widest first."""
    for rule in sorted(matrix.affected_users, key=lambda r: -r.min):
        if users >= rule.min:
            return rule.impact
    raise RuleViolation("priority_matrix.yaml: affected_users has no threshold for "
                        f"{users} users", rule="P3")


def parse_impact(matrix: PriorityMatrix, text: Any) -> Level:
    try:
        return matrix.impact(text)
    except KeyError:
        levels = ", ".join(str(x) for x in matrix.impact_levels)
        raise UsageError(f"unknown impact {text!r}; one of: {levels}", rule="P1") from None


def parse_urgency(matrix: PriorityMatrix, text: str) -> str:
    if text not in matrix.urgency_levels:
        levels = ", ".join(matrix.urgency_levels)
        raise UsageError(f"unknown urgency {text!r}; one of: {levels}", rule="P1")
    return text


def is_major(matrix: PriorityMatrix, impact: Level, priority: str) -> bool:
    """P5: top priority with the top impact is a major incident."""
    return priority == matrix.priority_levels[0] and impact == matrix.impact_levels[0]
