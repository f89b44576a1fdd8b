"""The validated policy as plain objects: what commands load, without pydantic (issue 13).

Unpickling the models needs pydantic and every model class (~80 ms of a fresh process).
Each model has a plain twin here (Teams: PlainTeams): its fields as frozen attributes and
its methods from the same mixin (rules.py, problems.py). `plain_of` makes the twin of a
validated model; infra/config.py caches it, and makes it again only after pydantic has
validated the files, so a plain policy is always one that passed its schemas.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, ClassVar, Optional

from itsmctl.core.policy.problems import PolicyRules
from itsmctl.core.policy.rules import (
    DEFAULT_TEMPLATE,
    CategoriesRules,
    CustomerRules,
    DaysRules,
    GovernanceRules,
    LinkIdsRules,
    MailRules,
    MatrixRules,
    MonitoringRules,
    NotifyRules,
    RotaRules,
    RouteRules,
    ShiftRules,
    TargetRules,
    TeamsRules,
)


class Plain:
    """A model's field values as read-only attributes; equal when type and values are."""

    # field name -> its name in the files, where they differ (pydantic's aliases)
    aliases: ClassVar[dict[str, str]] = {}

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.__dict__ == self.__dict__

    def __hash__(self) -> int:
        return hash((type(self), *self.__dict__.values()))

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items())
        return f"{type(self).__name__}({inner})"

    def model_dump(self, *, mode: str = "python", by_alias: bool = False) -> dict[str, Any]:
        """The values as plain data, as the model's model_dump gives them (mode "json":
        dates, times and durations as ISO 8601 text)."""
        names = self.aliases if by_alias else {}
        return {names.get(k, k): _dump(v, mode, by_alias) for k, v in self.__dict__.items()}

    def model_copy(self, *, update: Optional[dict[str, Any]] = None) -> Any:
        return type(self)(**{**self.__dict__, **(update or {})})


def _dump(value: Any, mode: str, by_alias: bool) -> Any:
    if isinstance(value, Plain):
        return value.model_dump(mode=mode, by_alias=by_alias)
    if isinstance(value, dict):
        return {str(k) if mode == "json" else k: _dump(v, mode, by_alias)
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_dump(v, mode, by_alias) for v in value] if mode == "json" \
            else type(value)(_dump(v, mode, by_alias) for v in value)
    if mode == "json" and isinstance(value, (date, datetime)):
        return value.isoformat()
    if mode == "json" and isinstance(value, timedelta):
        return iso_duration(value)
    return value


def iso_duration(delta: timedelta) -> str:
    """A duration as ISO 8601 text, as pydantic writes it in JSON: PT5M, P1DT2H, -PT5S."""
    sign, delta = ("-", -delta) if delta < timedelta(0) else ("", delta)
    minutes, seconds = divmod(delta.seconds, 60)
    hours, minutes = divmod(minutes, 60)
    time = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M")) if n)
    if delta.microseconds:
        time += f"{seconds}.{delta.microseconds:06d}".rstrip("0") + "S"
    elif seconds:
        time += f"{seconds}S"
    days = f"{delta.days}D" if delta.days else ""
    if not days and not time:
        return "PT0S"
    return f"{sign}P{days}" + (f"T{time}" if time else "")


_FROM_TO = {"start": "from", "end": "to"}


class PlainPolicy(PolicyRules, Plain): ...
class PlainDeskConfig(Plain): ...
class PlainLinkIds(LinkIdsRules, Plain): ...
class PlainCodes(Plain): ...
class PlainPriorityMatrix(MatrixRules, Plain): ...
class PlainAffectedUsers(Plain): ...
class PlainUrgencyDefaults(Plain): ...
class PlainSlaConfig(Plain): ...
class PlainTargets(Plain): ...
class PlainCalendar(Plain): ...
class PlainEscalationConfig(Plain): ...
class PlainVisitRule(Plain): ...
class PlainCategories(CategoriesRules, Plain): ...
class PlainCategory(Plain): ...
class PlainSubtype(Plain): ...
class PlainTeams(TeamsRules, Plain): ...
class PlainGroup(Plain): ...
class PlainPerson(Plain): ...


class PlainDelegation(Plain):
    aliases = _FROM_TO


class PlainNotifyConfig(NotifyRules, Plain):
    def _default_template(self) -> PlainTemplate:
        return PlainTemplate(**DEFAULT_TEMPLATE)


class PlainChannel(Plain):
    aliases = {"sender": "from"}


class PlainRoute(RouteRules, Plain): ...
class PlainTemplate(Plain): ...
class PlainDelivery(Plain): ...
class PlainMonitoringConfig(MonitoringRules, Plain): ...
class PlainSeverityRule(Plain): ...
class PlainStorm(Plain): ...
class PlainLimits(Plain): ...
class PlainKpiConfig(Plain): ...
class PlainKpiTargets(Plain): ...
class PlainTarget(TargetRules, Plain): ...
class PlainRotaConfig(RotaRules, Plain): ...
class PlainShift(ShiftRules, Plain): ...


class PlainDuty(DaysRules, Plain):
    aliases = _FROM_TO


class PlainOnCall(DaysRules, Plain):
    aliases = _FROM_TO


class PlainHandover(Plain): ...
class PlainGovernanceConfig(GovernanceRules, Plain): ...
class PlainChangeClass(Plain): ...
class PlainDuplicatesConfig(Plain): ...
class PlainCondition(Plain): ...
class PlainRecurrence(Plain): ...
class PlainMailConfig(MailRules, Plain): ...
class PlainViews(Plain): ...
class PlainView(Plain): ...
class PlainCustomer(CustomerRules, Plain): ...


# a Customer's fields in order (tests hold it to the model's): what the directory's
# index stores of each record (infra/customers.py)
CUSTOMER_FIELDS = ("id", "name", "phone", "email", "kind", "department", "location",
                   "in_scope")


def default_calendar() -> PlainCalendar:
    """sla.yaml's Calendar with every default (Monday-Friday 09:00-18:00)."""
    return PlainCalendar(hours="09:00-18:00", weekdays=[1, 2, 3, 4, 5], holidays=[],
                         workdays=[], country=None, subdivision=None, timezone=None)


_TWINS: dict[str, type[Plain]] = {    # model name -> its twin: Teams -> PlainTeams
    name.removeprefix("Plain"): cls for name, cls in list(globals().items())
    if isinstance(cls, type) and issubclass(cls, Plain) and cls is not Plain}


def plain_of(value: Any) -> Any:
    """The plain twin of a validated model (or of a dict or list holding models)."""
    fields = getattr(type(value), "model_fields", None)
    if fields is not None:
        twin = _TWINS[type(value).__name__]
        return twin(**{name: plain_of(getattr(value, name)) for name in fields})
    if isinstance(value, dict):
        return {k: plain_of(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(plain_of(v) for v in value)
    return value
