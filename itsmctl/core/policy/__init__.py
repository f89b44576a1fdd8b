"""The desk's configuration as validated models, one module per config file; Policy is
all of them together, cross-checked (whole.py).

Names are found lazily (PEP 562): `from itsmctl.core.policy import format_duration`
imports no pydantic, `... import Policy` does. Commands work on the plain twins of the
models (plain.py), loaded from a cache without pydantic (issue 13); code on their path
imports model classes for annotations only (TYPE_CHECKING).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from itsmctl.core.policy.base import Model  # noqa: F401
    from itsmctl.core.policy.categories import Categories, Category, Subtype  # noqa: F401
    from itsmctl.core.policy.desk import Codes, DeskConfig, LinkIds  # noqa: F401
    from itsmctl.core.policy.duplicates import Condition, DuplicatesConfig  # noqa: F401
    from itsmctl.core.policy.governance import ChangeClass, GovernanceConfig  # noqa: F401
    from itsmctl.core.policy.kpi import KpiConfig, KpiTargets, Target  # noqa: F401
    from itsmctl.core.policy.mail import MailConfig, parse_size  # noqa: F401
    from itsmctl.core.policy.matrix import (  # noqa: F401
        AffectedUsers,
        PriorityMatrix,
        UrgencyDefaults,
    )
    from itsmctl.core.policy.monitoring import (  # noqa: F401
        Limits,
        MonitoringConfig,
        SeverityRule,
        Storm,
    )
    from itsmctl.core.policy.notify import Channel, NotifyConfig  # noqa: F401
    from itsmctl.core.policy.rota import Duty, OnCall, RotaConfig, Shift  # noqa: F401
    from itsmctl.core.policy.sla import (  # noqa: F401
        Calendar,
        EscalationConfig,
        SlaConfig,
        Targets,
        VisitRule,
    )
    from itsmctl.core.policy.teams import Delegation, Group, Person, Teams  # noqa: F401
    from itsmctl.core.policy.views import View, Views  # noqa: F401
    from itsmctl.core.policy.whole import Policy  # noqa: F401

from itsmctl.core.policy.units import (  # noqa: F401  (pure Python: imported at once)
    PHASES,
    ROLES,
    Duration,
    Level,
    Role,
    format_duration,
    format_size,
    parse_duration,
)

_WHERE = {
    "Model": "base",
    **dict.fromkeys(("Categories", "Category", "Subtype"), "categories"),
    **dict.fromkeys(("Codes", "DeskConfig", "LinkIds"), "desk"),
    **dict.fromkeys(("Condition", "DuplicatesConfig"), "duplicates"),
    **dict.fromkeys(("ChangeClass", "GovernanceConfig"), "governance"),
    **dict.fromkeys(("KpiConfig", "KpiTargets", "Target"), "kpi"),
    **dict.fromkeys(("MailConfig", "parse_size"), "mail"),
    **dict.fromkeys(("AffectedUsers", "PriorityMatrix", "UrgencyDefaults"), "matrix"),
    **dict.fromkeys(("Limits", "MonitoringConfig", "SeverityRule", "Storm"), "monitoring"),
    **dict.fromkeys(("Channel", "NotifyConfig"), "notify"),
    **dict.fromkeys(("Duty", "OnCall", "RotaConfig", "Shift"), "rota"),
    **dict.fromkeys(("Calendar", "EscalationConfig", "SlaConfig", "Targets", "VisitRule"),
                    "sla"),
    **dict.fromkeys(("Delegation", "Group", "Person", "Teams"), "teams"),
    **dict.fromkeys(("View", "Views"), "views"),
    "Policy": "whole",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
