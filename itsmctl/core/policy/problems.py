"""The cross-checks of the whole policy (references between files), without pydantic:
the validated Policy (whole.py) and its plain twin (plain.py) both inherit them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any


class PolicyRules:
    if TYPE_CHECKING:
        desk: Any
        matrix: Any
        sla: Any
        categories: Any
        teams: Any
        codes: Any
        notify: Any
        monitoring: Any
        kpi: Any
        rota: Any
        mail: Any

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
