"""The desk's configuration as validated models, one module per config file; Policy is
all of them together, cross-checked."""

from __future__ import annotations

from pydantic import Field

from itsmctl.core.policy.base import (  # noqa: F401  (the names config users import)
    PHASES,
    ROLES,
    Duration,
    Level,
    Model,
    Role,
    format_duration,
    format_size,
    parse_duration,
)
from itsmctl.core.policy.categories import Categories, Category, Subtype  # noqa: F401
from itsmctl.core.policy.desk import Codes, DeskConfig, LinkIds  # noqa: F401
from itsmctl.core.policy.duplicates import Condition, DuplicatesConfig  # noqa: F401
from itsmctl.core.policy.governance import ChangeClass, GovernanceConfig  # noqa: F401
from itsmctl.core.policy.kpi import KpiConfig, KpiTargets, Target  # noqa: F401
from itsmctl.core.policy.mail import MailConfig, parse_size  # noqa: F401
from itsmctl.core.policy.matrix import AffectedUsers, PriorityMatrix, UrgencyDefaults  # noqa: F401
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


class Policy(Model):
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

    def problems(self) -> list[tuple[str, str, str]]:
        """Cross-file references that do not resolve: (file, key path, message)."""
        found: list[tuple[str, str, str]] = []
        for prio in self.matrix.priority_levels:
            if prio not in self.sla.targets:
                found.append(("sla.yaml", f"targets.{prio}", "priority has no targets"))
        for cname, cat in self.categories.categories.items():
            for sname, sub in cat.subtypes.items():
                groups = list(sub.groups) + [g for gs in sub.by_location.values() for g in gs]
                for g in groups:
                    if g not in self.teams.groups:
                        found.append(("categories.yaml",
                                      f"categories.{cname}.subtypes.{sname}.groups",
                                      f"unknown group {g!r}"))
        for code in ("out_of_scope", "auto_closed", "solved"):
            if code not in self.codes.close:
                found.append(("codes.yaml", "close", f"code {code!r} is required"))
        if "sweep" in self.teams.people:
            found.append(("teams.yaml", "people.sweep", "the id 'sweep' is reserved for the "
                          "actions of itsmctl sweep (S4, L11)"))
        for code in self.codes.close_needs_problem:
            if code not in self.codes.close:
                found.append(("codes.yaml", "close_needs_problem", f"unknown code {code!r}"))
        found.extend(self.notify.problems(self.matrix.priority_levels))
        found.extend(self._monitoring_problems())
        found.extend(self._rota_problems())
        for group in self.kpi.local_desks:
            if group not in self.teams.groups:
                found.append(("kpi.yaml", "local_desks", f"unknown group {group!r}"))
        found.extend(self._mail_problems())
        for key in ("successful_close_codes", "unsuccessful_close_codes"):
            for code in getattr(self.kpi, key):
                if code not in self.codes.close:
                    found.append(("kpi.yaml", key, f"unknown close code {code!r}"))
        return found

    def _rota_problems(self) -> list[tuple[str, str, str]]:
        """R1: the rota names people and groups of teams.yaml."""
        rota, teams, found = self.rota, self.teams, []

        def person(at: str, who: str) -> None:
            if who not in teams.people:
                found.append(("rota.yaml", at, f"unknown person {who!r} (teams.yaml)"))

        for i, d in enumerate(rota.duty):
            person(f"duty.{i}.supervisor", d.supervisor)
            for who in d.desk:
                person(f"duty.{i}.desk", who)
        for group, pairs in rota.oncall.items():
            if group not in teams.groups:
                found.append(("rota.yaml", f"oncall.{group}", f"unknown group {group!r}"))
            for i, pair in enumerate(pairs):
                person(f"oncall.{group}.{i}.primary", pair.primary)
                person(f"oncall.{group}.{i}.backup", pair.backup)
        for group in rota.core_groups or ():
            if group not in teams.groups:
                found.append(("rota.yaml", "core_groups", f"unknown group {group!r}"))
        return found
    def _mail_problems(self) -> list[tuple[str, str, str]]:
        if not self.mail.address:          # no gateway configured: nothing to act as
            return []
        person = self.teams.people.get(self.mail.actor)
        if person is None or "intake" not in person.roles:
            return [("mail.yaml", "actor",
                     f"{self.mail.actor!r} is not a person with the intake role")]
        return []

    def _monitoring_problems(self) -> list[tuple[str, str, str]]:
        mon, found = self.monitoring, []
        person = self.teams.people.get(mon.actor)
        if person is None or "monitoring" not in person.roles:
            found.append(("monitoring.yaml", "actor",
                          f"{mon.actor!r} is not a person with the monitoring role"))
        rules = [(f"severities.{k}", v) for k, v in mon.severities.items()]
        for at, rule in rules + ([("default", mon.default)] if mon.default else []):
            if str(rule.impact) not in [str(x) for x in self.matrix.impact_levels]:
                found.append(("monitoring.yaml", f"{at}.impact",
                              f"unknown impact {rule.impact!r}"))
            if rule.urgency not in self.matrix.urgency_levels:
                found.append(("monitoring.yaml", f"{at}.urgency",
                              f"unknown urgency {rule.urgency!r}"))
        return found
