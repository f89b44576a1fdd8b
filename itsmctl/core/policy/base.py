"""What every config model shares: the strict, frozen base model (and, re-exported,
the pydantic-free value helpers of units.py)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from itsmctl.core.policy.units import (  # noqa: F401  (the names config models import)
    PHASES,
    ROLES,
    Duration,
    Level,
    Role,
    check_zone,
    format_duration,
    format_size,
    parse_duration,
)


class Model(BaseModel):
    # built on first validation only: a warm command unpickles the policy and never
    # validates it, so it need not pay for ~25 schema builds at start-up
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
