"""priority_matrix.yaml (P1-P3): impact x urgency -> priority, urgency defaults."""

from __future__ import annotations

from typing import Optional

from pydantic import Field, model_validator

from itsmctl.core.policy.base import Level, Model
from itsmctl.core.policy.rules import MatrixRules


class AffectedUsers(Model):
    min: int = Field(ge=0)  # at least this many users affected...
    impact: Level  # ...gives this impact level


class UrgencyDefaults(Model):
    default: str = "medium"  # when nothing else decides (P2)
    reporter_kind: dict[str, str] = {}  # reporter kind (vip, manager...) -> urgency (P2)
    complaint: str = "high"  # urgency of complaints (P2)
    escalated: str = "high"  # urgency after an escalation (P2)


class PriorityMatrix(MatrixRules, Model):
    version: int = 1
    impact_levels: list[Level]  # impact levels, widest first
    urgency_levels: list[str]  # urgency levels, most urgent first
    priority_levels: list[str]  # priorities, highest first: the first is the top priority (P5)
    # impact -> urgency -> priority; every cell is required (P1)
    matrix: dict[Level, dict[str, str]]
    # the urgency when none is given (P2)
    urgency_defaults: UrgencyDefaults = Field(default_factory=UrgencyDefaults)
    # impact from --affected-users: the first rule whose min is reached (P3)
    affected_users: list[AffectedUsers] = []
    impact_labels: dict[Level, str] = {}  # display labels of impact levels
    # A1 (1.6): `open` suggests an announcement at this impact or wider; None: never
    announce_impact: Optional[Level] = None

    @model_validator(mode="after")
    def _complete(self) -> "PriorityMatrix":
        """P1: every cell present and naming a known priority."""
        for impact in self.impact_levels:
            row = self.matrix.get(impact)
            if row is None:
                raise ValueError(f"matrix: row for impact {impact!r} is missing (rule P1)")
            for urgency in self.urgency_levels:
                cell = row.get(urgency)
                if cell is None:
                    raise ValueError(f"matrix.{impact}.{urgency}: cell is missing (rule P1)")
                if cell not in self.priority_levels:
                    raise ValueError(f"matrix.{impact}.{urgency}: unknown priority {cell!r}")
        for impact in self.matrix:
            if impact not in self.impact_levels:
                raise ValueError(f"matrix: impact {impact!r} is not in impact_levels")
        ud = self.urgency_defaults
        for name, value in [("default", ud.default), ("complaint", ud.complaint),
                            ("escalated", ud.escalated), *ud.reporter_kind.items()]:
            if value not in self.urgency_levels:
                raise ValueError(f"urgency_defaults.{name}: unknown urgency {value!r}")
        for i, rule in enumerate(self.affected_users):
            if rule.impact not in self.impact_levels:
                raise ValueError(f"affected_users.{i}.impact: unknown impact {rule.impact!r}")
        if self.announce_impact is not None and self.announce_impact not in self.impact_levels:
            raise ValueError(f"announce_impact: unknown impact {self.announce_impact!r}")
        return self
