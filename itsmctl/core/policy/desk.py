"""desk.yaml and codes.yaml: the desk itself, wait and close codes."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, Literal, Optional

from pydantic import Field, field_validator

from itsmctl.core.policy.base import Duration, Model, check_zone, parse_duration
from itsmctl.core.policy.rules import LinkIdsRules


class LinkIds(LinkIdsRules, Model):
    """T2, L13: what an id in the problem, change and requirement trackers looks like."""

    problem: str = "PRB-[0-9]+"  # `link --problem` (T2)
    change: str = "CHG-[0-9]+"  # `link --change` (T2), `open --caused-by-change`
    requirement: str = "REQ-[0-9]+"  # `link --requirement` (L13)

    @field_validator("problem", "change", "requirement")
    @classmethod
    def _regex(cls, v: str) -> str:
        try:
            re.compile(v)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {v!r} ({exc})") from None
        return v

class DeskConfig(Model):
    version: int = 1
    name: str = "itsmctl desk"  # the desk's name, shown in notifications and reports
    profile: str = "default"  # the profile the desk was made from (informational)
    timezone: str = "UTC"  # IANA zone for times given without an offset, and for calendars
    # ticket id prefix, 2-5 capitals: INC-2611-7KQ3X
    id_prefix: str = Field(default="INC", pattern=r"^[A-Z]{2,5}$")
    # L13: `link --requirement` closes the ticket or parks it waiting
    requirement_link: Literal["close", "wait"] = "close"
    # seconds a command waits for the desk lock before exit 5 (G3); 0: not at all
    lock_timeout: float = Field(default=60.0, ge=0, le=86400)
    remote: Optional[str] = None  # git remote pulled before and pushed after every command (G4)
    # seconds between two pushes of one clone (G4): commands that commit meanwhile share
    # the next push, so a storm of hook calls pushes at most once per interval; 0: at once
    push_interval: float = Field(default=1.0, ge=0, le=60)
    link_ids: LinkIds = Field(default_factory=LinkIds)  # ids `link` accepts (T2, L13)
    # the branch tickets are committed on; a command on another branch warns (default:
    # the remote's default branch, else main, else master)
    branch: Optional[str] = None
    # I4: every commit is signed by the person acting (git's own ssh or OpenPGP signing)
    # with a key teams.yaml lists; the commit that turns this on is the signing anchor
    require_signed: bool = False
    # I5 on a signed desk: how far --now may be from the clock, and an event's time from
    # its commit's, before the command is refused or audit reports it
    clock_tolerance: Duration = timedelta(minutes=5)
    # I5: how far back `sync` may replay a command made offline, keeping its original time
    replay_window: Duration = timedelta(days=7)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        return check_zone(v)

    @field_validator("clock_tolerance", "replay_window", mode="before")
    @classmethod
    def _duration(cls, v: Any) -> Any:
        return parse_duration(v)


class Codes(Model):
    version: int = 1
    wait: dict[str, str]  # wait code -> label (L7)
    # close code -> label (L10); solved, out_of_scope, auto_closed are required
    close: dict[str, str]
    # codes that need a linked problem (5.1.12-4)
    close_needs_problem: list[str] = ["workaround", "failed"]
    # codes only the system sets
    close_by_hand_forbidden: list[str] = ["auto_closed", "out_of_scope"]
