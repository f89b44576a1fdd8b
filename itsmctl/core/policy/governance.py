"""governance.yaml (C1; handbook chapter 7): which config files are information, rules or
people, whose approval a change of each needs, and how often each may change."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Optional

from pydantic import field_validator, model_validator

from itsmctl.core.policy.base import Duration, Model, Role, parse_duration
from itsmctl.core.policy.rules import GovernanceRules


class ChangeClass(Model):
    """One maintenance item of chapter 7 (配置信息维护, 规则信息维护, 日常维护)."""

    label: str = ""  # display label
    # config files of the class, as named under config/ ("sla.yaml"); "templates/" is a folder
    files: list[str]
    # roles of which one person must approve a change; empty: no approval (日常维护)
    approvers: list[Role] = []
    # at most one change per this long (每周 7d, 每月 30d); none: any time (执行周期)
    window: Optional[Duration] = None

    @field_validator("window", mode="before")
    @classmethod
    def _dur(cls, v: Any) -> Optional[timedelta]:
        return None if v is None else parse_duration(v)


class GovernanceConfig(GovernanceRules, Model):
    """Config governance (C1): `validate --since BASE` checks each config change for an
    approver's signed commit or recorded review and for its class's change window;
    `init --gitops` writes CODEOWNERS from it."""

    version: int = 1
    classes: dict[str, ChangeClass] = {}  # class name -> its files, approvers and window
    # the class of a config file no class lists; none: such files are not governed
    unclassified: Optional[str] = "rules"
    # who may change inside a window, with a reason (Itsmctl-Override trailer)
    override_role: Role = "incident_manager"
    # commit trailers that record an approval or review by a person (id, e-mail or
    # "Name <e-mail>"): ours and the hosts' (GitLab Approved-by, Gerrit Reviewed-by)
    approval_trailers: list[str] = ["Itsmctl-Approved-By", "Approved-by", "Reviewed-by"]
    override_trailer: str = "Itsmctl-Override"  # trailer whose value is the override reason

    @model_validator(mode="after")
    def _refs(self) -> "GovernanceConfig":
        seen: dict[str, str] = {}
        for name, cls in self.classes.items():
            for f in cls.files:
                if f in seen:
                    raise ValueError(f"classes.{name}.files: {f} is also in class {seen[f]}")
                seen[f] = name
        if self.unclassified is not None and self.unclassified not in self.classes \
                and self.classes:
            raise ValueError(f"unclassified: unknown class {self.unclassified!r}")
        return self
