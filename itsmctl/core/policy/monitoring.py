"""monitoring.yaml (H1, H2): the hooks' account, severities, clearing, storms."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal, Optional

from pydantic import Field, field_validator

from itsmctl.core.policy.base import Duration, Level, Model, parse_duration
from itsmctl.core.policy.mail import parse_size  # one size syntax for every file
from itsmctl.core.policy.rules import MonitoringRules


class SeverityRule(Model):
    impact: Level  # impact of the ticket
    urgency: str  # urgency of the ticket


class Storm(Model):
    """H1: alerts sharing these labels within `window` of the first are one outage."""

    group_by: list[str] = []  # alert labels that identify one outage
    window: Duration = timedelta(minutes=30)  # alerts this long after the first join its ticket

    @field_validator("window", mode="before")
    @classmethod
    def _dur(cls, v: Any) -> timedelta:
        return parse_duration(v)


class Limits(Model):
    """H1: what one payload may carry; over a limit it is refused whole (exit 4)."""

    payload: int = 10 << 20  # bytes of one webhook body (10MB)
    alerts: int = Field(default=1000, ge=1)  # alerts in one payload (Alertmanager max_alerts)
    text: int = 64 << 10  # bytes of one label or annotation value (64KB)

    @field_validator("payload", "text", mode="before")
    @classmethod
    def _size(cls, v: Any) -> int:
        size = parse_size(v)
        if size < 1:
            raise ValueError("must be at least 1 byte")
        return size


class MonitoringConfig(MonitoringRules, Model):
    """Monitoring hooks (H1, H2): who they act as, severity mapping, clearing, storms."""

    version: int = 1
    actor: str = "monitor"  # the account hooks act as (a person with the monitoring role)
    severity_label: str = "severity"  # the alert label that holds the severity
    severities: dict[str, SeverityRule] = {}  # severity -> impact and urgency (H1)
    default: Optional[SeverityRule] = None  # for severities not listed
    # annotations tried in turn for the ticket's alert message
    message_annotations: list[str] = ["summary", "description", "message"]
    # when an alert resolves: record it, resolve or close the ticket
    on_clear: Literal["record", "resolve", "close"] = "resolve"
    # an alert firing again while its ticket is resolved (not closed): reopen the ticket
    # with a note (the resolution did not hold), or open a new ticket related to it
    on_refire: Literal["reopen", "link"] = "reopen"
    storm: Storm = Field(default_factory=Storm)  # alerts that are one outage make one ticket (H1)
    limits: Limits = Field(default_factory=Limits)  # payload size, alert count, text size (H1)
