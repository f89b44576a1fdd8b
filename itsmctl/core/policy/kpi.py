"""kpi.yaml (Q1, handbook 6.2): KPI targets and what counts as resolved."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, model_validator

from itsmctl.core.policy.base import Model
from itsmctl.core.policy.rules import TargetRules

_TARGET = re.compile(r"^\s*(<=|>=|<|>)\s*(\d+(?:\.\d+)?)\s*%\s*$")


class Target(TargetRules, Model):
    """A KPI target such as '< 1%' or '> 95%' (handbook 6.2)."""

    op: Literal["<", "<=", ">", ">="]  # comparison
    percent: float  # limit in percent

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, v: Any) -> Any:
        if isinstance(v, str):
            m = _TARGET.match(v)
            if not m:
                raise ValueError(f"not a target: {v!r} (use e.g. '< 1%' or '> 95%')")
            return {"op": m.group(1), "percent": float(m.group(2))}
        return v


def _default(text: str) -> Target:
    """A target from its text without validation: validating at import would build
    Target's schema in every process (~8 ms), defer_build or not."""
    m = _TARGET.match(text)
    assert m is not None
    return Target.model_construct(op=m.group(1), percent=float(m.group(2)))


class KpiTargets(Model):
    # 派单准确率: returns / tickets
    dispatch_accuracy: Target = _default("< 1%")
    # 派单及时率: dispatched within the respond target
    dispatch_timeliness: Target = _default(">= 99%")
    # 受理及时率: accepted within the accept target
    accept_timeliness: Target = _default("> 95%")
    # 处理完成及时率: resolved within the restore target
    restore_timeliness: Target = _default("> 95%")
    # 关单确认率: reopens / tickets
    close_confirmation: Target = _default("< 1%")
    # 问题单覆盖率: workaround/failed closes with a problem
    problem_coverage: Target = _default("> 90%")
    # 处理完成率: closed with a successful code
    resolution_rate: Target = _default("> 80%")
    # 重发故障率: recurrences / tickets
    recurrence_rate: Target = _default("< 5%")
    # 客户满意度: dissatisfied / rated
    satisfaction: Target = _default("< 10%")
    # 投诉率: complaints / tickets
    complaint_rate: Target = _default("< 1%")
    # 本地网服务台预处理率 (Q4): local-desk tickets handled there / local-desk tickets
    local_preprocessing: Target = _default("> 85%")
    # 上报正确率 (Q4): local-desk tickets returned by the desk / local-desk tickets
    escalation_correctness: Target = _default("< 1%")
    # 告警工单生成率 (Q4): alert tickets / valid alerts received
    alert_to_ticket: Target = _default("> 95%")


class KpiConfig(Model):
    """Monthly report and KPI table (Q1, handbook 6.2, ISO procedure 5.15)."""

    version: int = 1
    # the target of each KPI (handbook 6.2)
    targets: KpiTargets = Field(default_factory=KpiTargets)
    # close codes counted as resolved
    successful_close_codes: list[str] = ["solved", "auto_closed"]
    # close codes counted as not resolved
    unsuccessful_close_codes: list[str] = ["workaround", "failed"]
    # satisfaction at or below this counts as dissatisfied
    dissatisfied_at_most: int = Field(default=2, ge=1, le=5)
    trend_months: int = Field(default=3, ge=0, le=24)  # earlier months compared in the trend
    # groups of teams.yaml that are local desks (本地网服务台); their KPIs are reported
    # only when there are some (Q4)
    local_desks: list[str] = []
    # a forecast of the next period needs this many periods with tickets (Q6)
    forecast_min_periods: int = Field(default=3, ge=2, le=24)
