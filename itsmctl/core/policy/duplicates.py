"""duplicates.yaml (M6, L16; handbook 5.1.10 配套措施, 5.1.11): the conditions under which
`open` names likely duplicates among open tickets and recurrence candidates among
closed ones."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal, Optional

from pydantic import Field, field_validator, model_validator

from itsmctl.core.policy.base import Duration, Model, parse_duration

# what a condition compares: classification, the CIs (any one shared), the location
# (the ticket's, else the reporter's), the reporter (id, phone or e-mail), the
# reporter's department, the alert's storm group or fingerprint
Key = Literal["category", "subtype", "symptom", "ci", "location", "reporter", "department",
              "alert_group", "fingerprint"]
KEYS = ("category", "subtype", "symptom", "ci", "location", "reporter", "department",
        "alert_group", "fingerprint")


class Condition(Model):
    """One way two tickets may be the same fault; every key must match."""

    label: str = ""  # display label (同类同现象)
    match: list[Key]  # keys that must all be equal, and set on the new ticket
    # the other ticket was opened at most this long before the new one; none: any time
    within: Optional[Duration] = None

    @field_validator("within", mode="before")
    @classmethod
    def _dur(cls, v: Any) -> Optional[timedelta]:
        return None if v is None else parse_duration(v)

    @model_validator(mode="after")
    def _some(self) -> "Condition":
        if not self.match:
            raise ValueError("match: name at least one key")
        return self


class Recurrence(Model):
    """L16 (5.1.11 查询范围含时间): closed tickets within a window are recurrence candidates."""

    within: Duration = timedelta(days=30)  # closed at most this long before the new one
    # the conditions a closed ticket must meet (any of them); empty: every condition
    conditions: list[str] = []

    @field_validator("within", mode="before")
    @classmethod
    def _dur(cls, v: Any) -> timedelta:
        return parse_duration(v)


class DuplicatesConfig(Model):
    """Duplicate conditions (M6) and the recurrence window (L16)."""

    version: int = 1
    conditions: dict[str, Condition] = {}  # condition name -> condition
    recurrence: Recurrence = Field(default_factory=Recurrence)  # recurrence candidates (L16)
    limit: int = Field(default=5, ge=1)  # at most this many candidates of each kind

    @model_validator(mode="after")
    def _refs(self) -> "DuplicatesConfig":
        for name in self.recurrence.conditions:
            if name not in self.conditions:
                raise ValueError(f"recurrence.conditions: unknown condition {name!r}")
        return self
