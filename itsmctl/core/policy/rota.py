"""rota.yaml (R1-R4; handbook appendix 1 1.1.1-1.1.3, service-desk design 3.4): the shifts,
who supervises and who is on the desk in each, and per group the on-call primary and
backup outside working hours."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Optional, Union

from pydantic import Field, field_validator, model_validator

from itsmctl.core.policy.base import Duration, Model, parse_duration
from itsmctl.core.policy.rules import DaysRules, RotaRules, ShiftRules, clock_minutes

DAY = timedelta(days=1)


class Shift(ShiftRules, Model):
    """One shift of the day (service-desk design 3.4: 12 hours from 08:00)."""

    start: str  # when it starts, local time of the desk ("08:00")
    length: Duration  # how long it lasts (12h)
    label: str = ""  # display label (白班, 晚班)

    @field_validator("start", mode="before")
    @classmethod
    def _start(cls, v: Any) -> str:
        minutes = clock_minutes(v)
        return f"{minutes // 60:02d}:{minutes % 60:02d}"

    @field_validator("length", mode="before")
    @classmethod
    def _dur(cls, v: Any) -> timedelta:
        return parse_duration(v)


class _Days(DaysRules, Model):
    """The days an entry holds on: dates, else a weekly pattern within from/to."""

    # weekly pattern: mon … sun (or 1 … 7); with neither days nor dates: every day
    days: list[Union[int, str]] = []
    dates: list[date] = []  # these dates only (a date entry wins over the weekly pattern)
    start: Optional[date] = Field(default=None, alias="from")  # first day the pattern holds
    end: Optional[date] = Field(default=None, alias="to")  # last day the pattern holds

    @field_validator("days")
    @classmethod
    def _weekdays(cls, v: list[Union[int, str]]) -> list[Union[int, str]]:
        from itsmctl.core.policy.workweek import weekday_number

        return [weekday_number(d) for d in v]

    @model_validator(mode="after")
    def _range(self) -> "_Days":
        if self.start and self.end and self.end < self.start:
            raise ValueError("'to' is before 'from'")
        return self

class Duty(_Days):
    """Who supervises a shift and who works the desk in it (1.1.1, 3.4)."""

    shift: str  # the shift's name (a key of `shifts`)
    supervisor: str  # the shift's supervisor (值班主管), a person of teams.yaml
    desk: list[str] = []  # the desk staff of the shift (热线工程师)


class OnCall(_Days):
    """The on-call pair of a group outside working hours (1.1.3 电话值班)."""

    primary: str  # called first (主责支持人员)
    backup: str  # called when the primary does not answer (后备人员)

    @model_validator(mode="after")
    def _two(self) -> "OnCall":
        if self.primary == self.backup:
            raise ValueError(f"primary and backup are both {self.primary!r}")
        return self


class Handover(Model):
    """Handover between shifts (1.2.1, 3.4): acknowledged by the incoming supervisor."""

    # sweep reminds the incoming supervisor when the handover is not acknowledged by then
    ack_within: Duration = timedelta(minutes=30)

    @field_validator("ack_within", mode="before")
    @classmethod
    def _dur(cls, v: Any) -> timedelta:
        return parse_duration(v)


class RotaConfig(RotaRules, Model):
    """Shifts, supervisors, desk staff and on-call (R1, R2). Times are the desk's local
    time (sla.yaml calendar.timezone, else desk.yaml timezone). A rota day starts with
    the first shift listed; the night after a day belongs to that day."""

    version: int = 1
    # shift name -> shift, in the order of the day; they may not overlap
    shifts: dict[str, Shift] = {}
    # who supervises and who works the desk, by date or weekly pattern (later entries win)
    duty: list[Duty] = []
    # group -> its on-call pairs outside working hours, by date or weekly pattern
    oncall: dict[str, list[OnCall]] = {}
    # groups that must have an on-call pair every night (核心业务系统); default: every
    # group under `oncall`
    core_groups: Optional[list[str]] = None
    # R2: how long the backup has, after being called, before the incident manager is
    # called; none: the accept target of the ticket's priority again
    manager_after: Optional[Duration] = None
    handover: Handover = Field(default_factory=Handover)  # handover acknowledgement (R3)
    check_days: int = Field(default=28, ge=1, le=366)  # days `validate` checks ahead

    @field_validator("manager_after", mode="before")
    @classmethod
    def _dur(cls, v: Any) -> Optional[timedelta]:
        return None if v is None else parse_duration(v)

    @model_validator(mode="after")
    def _shifts(self) -> "RotaConfig":
        offsets = self.offsets()
        ends = 0
        for name, shift in self.shifts.items():
            at = offsets[name]
            if at < ends:
                raise ValueError(f"shifts.{name}: starts at {shift.start}, before the shift "
                                 "before it ends (list shifts in the order of the day)")
            if shift.length <= timedelta(0):
                raise ValueError(f"shifts.{name}.length: must be positive")
            ends = at + int(shift.length.total_seconds() // 60)
        if ends > 1440:
            raise ValueError("shifts: together longer than a day (the last one runs into "
                             "the first one of the next day)")
        for i, d in enumerate(self.duty):
            if d.shift not in self.shifts:
                raise ValueError(f"duty.{i}.shift: unknown shift {d.shift!r}; known: "
                                 f"{', '.join(self.shifts) or 'none'}")
        return self
