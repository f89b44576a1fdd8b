"""Load the shipped profiles as Policy objects for pure tests (no git, no CLI)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

from itsmctl.core.events import Ctx
from itsmctl.core.intake import Intake, open_ticket
from itsmctl.infra.config import parse_policy

PROFILES = Path(__file__).resolve().parents[2] / "itsmctl" / "profiles"
T0 = datetime(2026, 11, 25, 9, 0, tzinfo=timezone(timedelta(hours=8)))


@lru_cache
def policy(profile: str = "default"):
    return parse_policy(PROFILES / profile)


def ctx(actor: str = "alice", minutes: int = 0, profile: str = "default") -> Ctx:
    return Ctx(policy=policy(profile), actor=actor, now=T0 + timedelta(minutes=minutes))


def new_ticket(profile: str = "default", **kw):
    intake = Intake(title="计费出错", reporter={"name": "王五", "phone": "138"},
                    category="billing", subtype="application", symptom="billing-error", **kw)
    return open_ticket(intake, ctx(profile=profile), "INC-2611-AAAAA")
