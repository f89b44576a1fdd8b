"""Policy: every config file's validated model together, cross-checked (problems.py)."""

from __future__ import annotations

from pydantic import Field

from itsmctl.core.policy.base import Model
from itsmctl.core.policy.categories import Categories
from itsmctl.core.policy.desk import Codes, DeskConfig
from itsmctl.core.policy.duplicates import DuplicatesConfig
from itsmctl.core.policy.governance import GovernanceConfig
from itsmctl.core.policy.kpi import KpiConfig
from itsmctl.core.policy.mail import MailConfig
from itsmctl.core.policy.matrix import PriorityMatrix
from itsmctl.core.policy.monitoring import MonitoringConfig
from itsmctl.core.policy.notify import NotifyConfig
from itsmctl.core.policy.problems import PolicyRules
from itsmctl.core.policy.rota import RotaConfig
from itsmctl.core.policy.sla import SlaConfig
from itsmctl.core.policy.teams import Teams
from itsmctl.core.policy.views import Views


class Policy(PolicyRules, Model):
    """Everything under config/, validated and cross-checked."""

    desk: DeskConfig
    matrix: PriorityMatrix
    sla: SlaConfig
    categories: Categories
    teams: Teams
    codes: Codes
    notify: NotifyConfig
    monitoring: MonitoringConfig = Field(default_factory=MonitoringConfig)
    kpi: KpiConfig = Field(default_factory=KpiConfig)
    rota: RotaConfig = Field(default_factory=RotaConfig)
    governance: GovernanceConfig = Field(default_factory=GovernanceConfig)
    duplicates: DuplicatesConfig = Field(default_factory=DuplicatesConfig)
    mail: MailConfig = Field(default_factory=MailConfig)
    views: Views = Field(default_factory=Views)
