"""What the config models can answer, without pydantic: their methods and properties.

Each validated model (categories.py, teams.py, ...) inherits its mixin here, and so does
its plain twin (plain.py) that commands load from the cache without importing pydantic
(issue 13): one body for both. A mixin holds no fields (pydantic would take annotations
for fields); what it reads is declared for mypy only.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any, Optional

_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")
DEFAULT_TEMPLATE = {
    "subject": "[$priority$major] $id $trigger_label: $title",
    "body": "事件 Incident: $id  $title\n"
            "简要描述 Description: $description\n"
            "受影响的服务 Affected service: $service\n"
            "预计恢复时间 Expected restoration: $restore_by\n"
            "当前状态 Status: $status  $group $assignee\n"
            "$note_line"
            "联系服务台 Contact the desk: $contact\n",
}


def clock_minutes(text: Any) -> int:
    """'08:00' -> 480; YAML may hand a sexagesimal int for an unquoted 08:00."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text                      # YAML 1.1 reads 08:00 as 480 (base 60)
    m = _CLOCK.match(str(text))
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise ValueError(f"not a time of day: {text!r} (use e.g. \"08:00\")")
    return int(m.group(1)) * 60 + int(m.group(2))


class CategoriesRules:
    if TYPE_CHECKING:
        categories: dict[str, Any]

    def subtype(self, category: str, subtype: str) -> Any:
        cat = self.categories.get(category)
        if cat is None:
            raise KeyError(f"category {category!r}")
        sub = cat.subtypes.get(subtype)
        if sub is None:
            raise KeyError(f"subtype {category}/{subtype}")
        return sub


class CustomerRules:
    if TYPE_CHECKING:
        id: str
        name: str
        phone: Optional[str]
        email: Optional[str]
        kind: Optional[str]
        department: Optional[str]
        location: Optional[str]
        in_scope: bool

    def reporter(self) -> dict[str, Optional[str]]:
        """The ticket's reporter fields from this record."""
        return {"id": self.id, "name": self.name, "phone": self.phone, "email": self.email,
                "kind": self.kind, "department": self.department, "location": self.location}

    def row(self) -> list[str]:
        """The record as a CSV row, COLUMNS order."""
        return [self.id, self.name, self.phone or "", self.email or "", self.kind or "",
                self.department or "", self.location or "", "true" if self.in_scope else "false"]


class LinkIdsRules:
    def check(self, kind: str, value: str) -> bool:
        """Does `value` match the `kind` pattern in full (no line breaks)?"""
        return "\n" not in value and re.fullmatch(getattr(self, kind), value) is not None


class GovernanceRules:
    if TYPE_CHECKING:
        classes: dict[str, Any]
        unclassified: Optional[str]

    def class_of(self, path: str) -> Optional[str]:
        """The class of a path under config/ ('config/sla.yaml' or 'sla.yaml')."""
        name = path.removeprefix("config/")
        for cname, cls in self.classes.items():
            for f in cls.files:
                if name == f or (f.endswith("/") and name.startswith(f)):
                    return cname
        return self.unclassified if self.classes else None


class TargetRules:
    if TYPE_CHECKING:
        op: Any
        percent: float

    def met(self, ratio: float) -> bool:
        return self.goal().met(ratio)

    def __str__(self) -> str:
        return str(self.goal())

    def goal(self) -> Any:
        """The same target as plain data (core/kpi.py Goal: what a report reads)."""
        from itsmctl.core.kpi import Goal

        return Goal(self.op, self.percent)


class MailRules:
    if TYPE_CHECKING:
        domain: Optional[str]
        address: Optional[str]

    def message_domain(self, fallback: Optional[str]) -> str:
        """Domain of the desk's Message-IDs: domain, else the address's, else fallback's."""
        for source in (self.domain, self.address, fallback):
            if source:
                part = source.rsplit("@", 1)[-1].strip(" <>")
                if part:
                    return part
        return "itsmctl.invalid"


class MatrixRules:
    if TYPE_CHECKING:
        impact_levels: list[Any]

    def impact(self, text: Any) -> Any:
        """The configured impact level matching text ('1' matches 1)."""
        for level in self.impact_levels:
            if str(level) == str(text):
                return level
        raise KeyError(text)


class MonitoringRules:
    if TYPE_CHECKING:
        severities: dict[str, Any]
        default: Any

    def rule_for(self, severity: Optional[str]) -> Any:
        """The mapping for a severity (case-insensitive), else the default."""
        low = {k.lower(): v for k, v in self.severities.items()}
        return low.get((severity or "").strip().lower(), self.default)


class RouteRules:
    if TYPE_CHECKING:
        roles: list[Any]
        triggers: list[str]
        priorities: list[str]

    def matches(self, trigger: str, role: str, priority: str) -> bool:
        return ((not self.roles or role in self.roles)
                and (not self.triggers or trigger in self.triggers)
                and (not self.priorities or priority in self.priorities))


class NotifyRules:
    if TYPE_CHECKING:
        rules: dict[str, Any]
        routes: list[Any]
        channels: dict[str, Any]
        templates: dict[str, Any]

    def _default_template(self) -> Any:
        raise NotImplementedError        # the model's or the plain Template of DEFAULT_TEMPLATE

    def template(self, trigger: str) -> Any:
        found = self.templates.get(trigger) or self.templates.get("default")
        return found or self._default_template()

    def channels_for(self, trigger: str, role: str, priority: str) -> list[str]:
        """Channel names in channels order for one recipient role."""
        if not self.routes:
            return list(self.channels)
        wanted = {c for r in self.routes if r.matches(trigger, role, priority) for c in r.channels}
        return [name for name in self.channels if name in wanted]

    def problems(self, priorities: list[str]) -> list[tuple[str, str, str]]:
        """Cross-file checks: rule priorities must be the matrix's."""
        found = []
        for trigger, row in self.rules.items():
            for prio in row:
                if prio not in priorities:
                    found.append(("notify.yaml", f"rules.{trigger}.{prio}",
                                  f"unknown priority {prio!r}"))
        return found


class ShiftRules:
    if TYPE_CHECKING:
        start: str

    @property
    def minutes(self) -> int:
        return clock_minutes(self.start)


class DaysRules:
    if TYPE_CHECKING:
        days: list[Any]
        dates: list[date]
        start: Optional[date]
        end: Optional[date]

    def by_date(self, day: date) -> bool:
        return day in self.dates

    def by_pattern(self, day: date) -> bool:
        if self.dates:
            return False
        if (self.start and day < self.start) or (self.end and day > self.end):
            return False
        return not self.days or day.isoweekday() in self.days


class RotaRules:
    if TYPE_CHECKING:
        shifts: dict[str, Any]
        core_groups: Optional[list[str]]
        oncall: dict[str, Any]

    def offsets(self) -> dict[str, int]:
        """Minutes from the start of the rota day to each shift's start."""
        if not self.shifts:
            return {}
        first = next(iter(self.shifts.values())).minutes
        return {name: (s.minutes - first) % 1440 for name, s in self.shifts.items()}

    @property
    def day_start(self) -> int:
        """Minute of the day a rota day starts: the first shift's start, else 08:00."""
        return next(iter(self.shifts.values())).minutes if self.shifts else 8 * 60

    @property
    def covered_groups(self) -> list[str]:
        return list(self.core_groups if self.core_groups is not None else self.oncall)


class TeamsRules:
    if TYPE_CHECKING:
        people: dict[str, Any]
        sweep_keys: list[str]

    def _key_lists(self) -> list[tuple[str, str, list[str]]]:
        lists = [(pid, f"people.{pid}.keys", p.keys) for pid, p in self.people.items()]
        return lists + [("sweep", "sweep_keys", self.sweep_keys)]

    def signers(self) -> dict[str, str]:
        """Key fingerprint -> who signs with it: a person id, or 'sweep' (I4)."""
        from itsmctl.core.keys import fingerprint

        return {fingerprint(entry): owner for owner, _, entries in self._key_lists()
                for entry in entries}

    def members(self, group: str) -> list[str]:
        return [pid for pid, p in self.people.items() if group in p.groups]

    def with_role(self, role: str) -> list[str]:
        return [pid for pid, p in self.people.items() if role in p.roles]

    def find(self, who: str) -> Optional[str]:
        """Person id for an id or e-mail address (I1)."""
        if who in self.people:
            return who
        low = who.lower()
        for pid, person in self.people.items():
            if person.email and person.email.lower() == low:
                return pid
        return None
