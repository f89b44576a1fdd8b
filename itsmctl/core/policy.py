"""The desk's configuration as validated models: matrix, SLA, routing, teams, codes, notify."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Level = Union[int, str]
ROLES = ("service_desk", "support", "incident_manager", "leader", "monitoring")
Role = Literal["service_desk", "support", "incident_manager", "leader", "monitoring"]
PHASES = ("respond", "accept", "restore", "close")

_DURATION = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)\s*([wdhms]))+\s*$")
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([wdhms])")
_UNIT = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(text: Any) -> timedelta:
    """'10m', '1d', '0.5h', '1h30m' -> timedelta; a bare number is minutes."""
    if isinstance(text, timedelta):
        return text
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return timedelta(minutes=text)
    if not isinstance(text, str) or not _DURATION.match(text):
        raise ValueError(f"not a duration: {text!r} (use e.g. 10m, 8h, 1d, 0.5h)")
    return timedelta(seconds=sum(float(n) * _UNIT[u] for n, u in _PART.findall(text)))


def format_duration(delta: timedelta) -> str:
    """Inverse of parse_duration for display: 1d2h, 30m, 45s."""
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    parts = []
    for unit in ("d", "h", "m"):
        n, seconds = divmod(seconds, _UNIT[unit])
        if n:
            parts.append(f"{n}{unit}")
    if seconds or not parts:
        parts.append(f"{seconds}s")
    return sign + "".join(parts)


class _Model(BaseModel):
    # built on first validation only: a warm command unpickles the policy and never
    # validates it, so it need not pay for ~25 schema builds at start-up
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


Duration = timedelta


class DeskConfig(_Model):
    version: int = 1
    name: str = "itsmctl desk"  # the desk's name, shown in notifications and reports
    profile: str = "default"  # the profile the desk was made from (informational)
    timezone: str = "UTC"  # IANA zone for times given without an offset, and for calendars
    # ticket id prefix, 2-5 capitals: INC-2611-7KQ3X
    id_prefix: str = Field(default="INC", pattern=r"^[A-Z]{2,5}$")
    # L13: `link --requirement` closes the ticket or parks it waiting
    requirement_link: Literal["close", "wait"] = "close"
    lock_timeout: float = 60.0  # seconds a command waits for the desk lock before exit 5 (G3)
    remote: Optional[str] = None  # git remote pulled before and pushed after every command (G4)


class AffectedUsers(_Model):
    min: int = Field(ge=0)  # at least this many users affected...
    impact: Level  # ...gives this impact level


class UrgencyDefaults(_Model):
    default: str = "medium"  # when nothing else decides (P2)
    reporter_kind: dict[str, str] = {}  # reporter kind (vip, manager...) -> urgency (P2)
    complaint: str = "high"  # urgency of complaints (P2)
    escalated: str = "high"  # urgency after an escalation (P2)


class PriorityMatrix(_Model):
    version: int = 1
    impact_levels: list[Level]  # impact levels, widest first
    urgency_levels: list[str]  # urgency levels, most urgent first
    priority_levels: list[str]  # priorities, highest first: the first is the top priority (P5)
    # impact -> urgency -> priority; every cell is required (P1)
    matrix: dict[Level, dict[str, str]]
    # the urgency when none is given (P2)
    urgency_defaults: UrgencyDefaults = Field(default_factory=UrgencyDefaults)
    # impact from --affected-users: the first rule whose min is reached (P3)
    affected_users: list[AffectedUsers] = []
    impact_labels: dict[Level, str] = {}  # display labels of impact levels
    # A1 (1.6): `open` suggests an announcement at this impact or wider; None: never
    announce_impact: Optional[Level] = None

    @model_validator(mode="after")
    def _complete(self) -> "PriorityMatrix":
        """P1: every cell present and naming a known priority."""
        for impact in self.impact_levels:
            row = self.matrix.get(impact)
            if row is None:
                raise ValueError(f"matrix: row for impact {impact!r} is missing (rule P1)")
            for urgency in self.urgency_levels:
                cell = row.get(urgency)
                if cell is None:
                    raise ValueError(f"matrix.{impact}.{urgency}: cell is missing (rule P1)")
                if cell not in self.priority_levels:
                    raise ValueError(f"matrix.{impact}.{urgency}: unknown priority {cell!r}")
        for impact in self.matrix:
            if impact not in self.impact_levels:
                raise ValueError(f"matrix: impact {impact!r} is not in impact_levels")
        ud = self.urgency_defaults
        for name, value in [("default", ud.default), ("complaint", ud.complaint),
                            ("escalated", ud.escalated), *ud.reporter_kind.items()]:
            if value not in self.urgency_levels:
                raise ValueError(f"urgency_defaults.{name}: unknown urgency {value!r}")
        for i, rule in enumerate(self.affected_users):
            if rule.impact not in self.impact_levels:
                raise ValueError(f"affected_users.{i}.impact: unknown impact {rule.impact!r}")
        if self.announce_impact is not None and self.announce_impact not in self.impact_levels:
            raise ValueError(f"announce_impact: unknown impact {self.announce_impact!r}")
        return self

    def impact(self, text: Any) -> Level:
        """The configured impact level matching text ('1' matches 1)."""
        for level in self.impact_levels:
            if str(level) == str(text):
                return level
        raise KeyError(text)


class Targets(_Model):
    respond: Duration  # open -> first dispatch or resolution at the desk (S1)
    accept: Duration  # each dispatch -> accept
    restore: Duration  # open -> resolved
    close: Duration  # resolved -> closed

    @field_validator("respond", "accept", "restore", "close", mode="before")
    @classmethod
    def _dur(cls, v: Any) -> timedelta:
        return parse_duration(v)


class Calendar(_Model):
    """Working time (S2): hours per weekday, holidays and adjusted working days (调休).

    `hours` is one range list for every working day ("09:00-12:00,13:30-18:00") or a
    mapping weekday -> ranges (1/mon … 7/sun), whose keys are then the working weekdays.
    `country` takes public holidays and adjusted working days from the `holidays`
    package (e.g. CN); `holidays` / `workdays` list extra days off and days on.
    """

    # working hours: ranges for every working day, or weekday -> ranges
    hours: Union[str, dict[Union[int, str], str]] = "09:00-18:00"
    weekdays: list[int] = [1, 2, 3, 4, 5]  # working weekdays, 1 = Monday
    holidays: list[date] = []  # extra days off
    # extra working days (e.g. adjusted Saturdays, 调休)
    workdays: list[date] = []
    # public holidays and adjusted working days of this country (holidays package)
    country: Optional[str] = None
    subdivision: Optional[str] = None  # region of the country, for regional holidays
    timezone: Optional[str] = None       # default: desk.yaml timezone

    @model_validator(mode="before")
    @classmethod
    def _weekdays_from_hours(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("hours"), dict) \
                and "weekdays" not in data:
            from itsmctl.core.calendar import weekday_number

            data = {**data, "weekdays": sorted(weekday_number(k) for k in data["hours"])}
        return data

    @model_validator(mode="after")
    def _check(self) -> "Calendar":
        from itsmctl.core.calendar import country_holidays, parse_hours, weekday_number

        for wd in self.weekdays:
            weekday_number(wd)
        ranges = [self.hours] if isinstance(self.hours, str) else list(self.hours.values())
        for text in ranges:
            parse_hours(text)
        if isinstance(self.hours, dict):
            keys = sorted(weekday_number(k) for k in self.hours)
            if keys != sorted(set(self.weekdays)):
                raise ValueError(f"weekdays {self.weekdays} and the days of hours {keys} "
                                 "disagree (leave weekdays out when hours is per weekday)")
        both = sorted(set(self.holidays) & set(self.workdays))
        if both:
            raise ValueError(f"{both[0]} is both a holiday and a workday")
        if not self.weekdays and not self.workdays and not self.country:
            raise ValueError("a calendar needs working weekdays or workdays")
        if self.country:
            country_holidays(self.country, self.subdivision)
        return self


class Escalation(_Model):
    handoffs: int = 3  # escalate when dispatches + transfers + returns reach this (S6)
    reopens: int = 2  # escalate when the resolution was rejected this many times (S6)
    # what an escalation does (S5): notify, urgency to high, priority a level up
    actions: list[Literal["notify", "urgency_high", "raise_priority"]] = [
        "notify", "urgency_high"]
    # complaints go straight to the top priority, or take the actions
    complaint: Literal["top", "actions"] = "actions"


class VisitRule(_Model):
    """V1 (ISO procedure 5.14): closed user tickets get a return visit; 0 days: none."""

    # a visit is due within this many working days of the close
    within_working_days: int = Field(default=5, ge=0)
    # sources of the tickets that get a visit
    sources: list[str] = ["phone", "email", "web", "transfer"]
    # types of the tickets that get a visit
    types: list[str] = ["incident", "service_request", "complaint"]
    skip_close_codes: list[str] = ["out_of_scope"]  # close codes that need no visit


class SlaConfig(_Model):
    version: int = 1
    calendar: Optional[Calendar] = None  # working time for SLA clocks (S2); none: wall-clock time
    targets: dict[str, Targets]  # priority -> the target of each phase (S1)
    # resolved tickets close by themselves after this (L11)
    auto_close_after: Duration = timedelta(days=30)
    # when and how tickets escalate (S5, S6)
    escalation: Escalation = Field(default_factory=Escalation)
    visit: VisitRule = Field(default_factory=VisitRule)  # return visits of closed tickets (V1)

    @field_validator("auto_close_after", mode="before")
    @classmethod
    def _dur(cls, v: Any) -> timedelta:
        return parse_duration(v)


class Subtype(_Model):
    label: str = ""  # display label
    groups: list[str]  # groups the desk may dispatch to (L3)
    by_location: dict[str, list[str]] = {}  # location -> groups, for tickets with --location
    symptoms: dict[str, str] = {}  # symptom id -> label
    causations: dict[str, str] = {}  # causation id -> label


class Category(_Model):
    label: str = ""  # display label
    subtypes: dict[str, Subtype]  # subtype id -> subtype


class Categories(_Model):
    version: int = 1
    categories: dict[str, Category]  # category id -> category

    def subtype(self, category: str, subtype: str) -> Subtype:
        cat = self.categories.get(category)
        if cat is None:
            raise KeyError(f"category {category!r}")
        sub = cat.subtypes.get(subtype)
        if sub is None:
            raise KeyError(f"subtype {category}/{subtype}")
        return sub


class Group(_Model):
    label: str = ""  # display label
    line: Optional[int] = None  # support line: 1, 2 or 3
    onsite: bool = False  # works on site (desktop support)
    external: bool = False  # an external vendor
    email: Optional[str] = None  # the group's mailbox, for notifications


class Person(_Model):
    name: str  # full name, any script
    email: Optional[str] = None  # --actor accepts it; commit author and notifications
    phone: Optional[str] = None  # phone number, for notifications
    roles: list[Role]  # what the person may do (I2)
    groups: list[str] = []  # groups the person belongs to


class Delegation(_Model):
    person: str  # who is away
    delegate: str  # who takes their work meanwhile (D1)
    start: date = Field(alias="from")  # first day away
    end: date = Field(alias="to")  # last day away
    reason: str = ""  # why (annual leave...)


class Teams(_Model):
    version: int = 1
    groups: dict[str, Group]  # group id -> group
    people: dict[str, Person]  # person id -> person; the ids --actor takes
    desk_group: str = "service-desk"  # the service desk's group
    manager_group: Optional[str] = None  # the incident managers' group, if any
    leadership_group: str = "leadership"  # told about major incidents (P5)
    delegates: list[Delegation] = []  # who covers for whom while away (D1)

    @model_validator(mode="after")
    def _refs(self) -> "Teams":
        for pid, person in self.people.items():
            for g in person.groups:
                if g not in self.groups:
                    raise ValueError(f"people.{pid}.groups: unknown group {g!r}")
        for i, d in enumerate(self.delegates):
            for who in (d.person, d.delegate):
                if who not in self.people:
                    raise ValueError(f"delegates.{i}: unknown person {who!r}")
            if d.end < d.start:
                raise ValueError(f"delegates.{i}: 'to' is before 'from'")
        for name in (self.desk_group, self.leadership_group):
            if name not in self.groups:
                raise ValueError(f"unknown group {name!r}")
        return self

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


class Codes(_Model):
    version: int = 1
    wait: dict[str, str]  # wait code -> label (L7)
    # close code -> label (L10); solved, out_of_scope, auto_closed are required
    close: dict[str, str]
    # codes that need a linked problem (5.1.12-4)
    close_needs_problem: list[str] = ["workaround", "failed"]
    # codes only the system sets
    close_by_hand_forbidden: list[str] = ["auto_closed", "out_of_scope"]


# notify.yaml (N1-N3) has its own module; re-exported here with the other config models
from itsmctl.core.notifyconf import Channel, NotifyConfig  # noqa: E402,F401


class SeverityRule(_Model):
    impact: Level  # impact of the ticket
    urgency: str  # urgency of the ticket


class Storm(_Model):
    """H1: alerts sharing these labels within `window` of the first are one outage."""

    group_by: list[str] = []  # alert labels that identify one outage
    window: Duration = timedelta(minutes=30)  # alerts this long after the first join its ticket

    @field_validator("window", mode="before")
    @classmethod
    def _dur(cls, v: Any) -> timedelta:
        return parse_duration(v)


class MonitoringConfig(_Model):
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
    storm: Storm = Field(default_factory=Storm)  # alerts that are one outage make one ticket (H1)

    def rule_for(self, severity: Optional[str]) -> Optional[SeverityRule]:
        """The mapping for a severity (case-insensitive), else the default."""
        low = {k.lower(): v for k, v in self.severities.items()}
        return low.get((severity or "").strip().lower(), self.default)


_TARGET = re.compile(r"^\s*(<=|>=|<|>)\s*(\d+(?:\.\d+)?)\s*%\s*$")


class Target(_Model):
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

    def met(self, ratio: float) -> bool:
        value, limit = round(ratio * 100, 9), self.percent
        return {"<": value < limit, "<=": value <= limit, ">": value > limit,
                ">=": value >= limit}[self.op]

    def __str__(self) -> str:
        return f"{self.op} {self.percent:g}%"


class KpiTargets(_Model):
    # 派单准确率: returns / tickets
    dispatch_accuracy: Target = Target.model_validate("< 1%")
    # 派单及时率: dispatched within the respond target
    dispatch_timeliness: Target = Target.model_validate(">= 99%")
    # 受理及时率: accepted within the accept target
    accept_timeliness: Target = Target.model_validate("> 95%")
    # 处理完成及时率: resolved within the restore target
    restore_timeliness: Target = Target.model_validate("> 95%")
    # 关单确认率: reopens / tickets
    close_confirmation: Target = Target.model_validate("< 1%")
    # 问题单覆盖率: workaround/failed closes with a problem
    problem_coverage: Target = Target.model_validate("> 90%")
    # 处理完成率: closed with a successful code
    resolution_rate: Target = Target.model_validate("> 80%")
    # 重发故障率: recurrences / tickets
    recurrence_rate: Target = Target.model_validate("< 5%")
    # 客户满意度: dissatisfied / rated
    satisfaction: Target = Target.model_validate("< 10%")
    # 投诉率: complaints / tickets
    complaint_rate: Target = Target.model_validate("< 1%")


class KpiConfig(_Model):
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


class Policy(_Model):
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
        for key in ("successful_close_codes", "unsuccessful_close_codes"):
            for code in getattr(self.kpi, key):
                if code not in self.codes.close:
                    found.append(("kpi.yaml", key, f"unknown close code {code!r}"))
        return found

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
