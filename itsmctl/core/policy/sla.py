"""sla.yaml (S1-S6, L11, V1): targets, business calendar, escalation, auto-close, visits."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Literal, Optional, Union

from pydantic import Field, field_validator, model_validator

from itsmctl.core.policy.base import Duration, Model, check_zone, parse_duration


class Targets(Model):
    respond: Duration  # open -> first dispatch or resolution at the desk (S1)
    accept: Duration  # each dispatch -> accept
    restore: Duration  # open -> resolved
    close: Duration  # resolved -> closed

    @field_validator("respond", "accept", "restore", "close", mode="before")
    @classmethod
    def _dur(cls, v: Any) -> timedelta:
        return parse_duration(v)


class Calendar(Model):
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
            from itsmctl.core.policy.workweek import weekday_number

            data = {**data, "weekdays": sorted(weekday_number(k) for k in data["hours"])}
        return data

    @model_validator(mode="after")
    def _check(self) -> "Calendar":
        from itsmctl.core.policy.workweek import country_holidays, parse_hours, weekday_number

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
        if self.timezone is not None:
            check_zone(self.timezone)
        return self


class EscalationConfig(Model):
    # escalate when dispatches + transfers + returns reach this (S6)
    handoffs: int = Field(default=3, ge=1)
    # escalate when the resolution was rejected this many times (S6)
    reopens: int = Field(default=2, ge=1)
    # what an escalation does (S5): notify, urgency to high, priority a level up
    actions: list[Literal["notify", "urgency_high", "raise_priority"]] = [
        "notify", "urgency_high"]
    # complaints go straight to the top priority, or take the actions
    complaint: Literal["top", "actions"] = "actions"


class VisitRule(Model):
    """V1 (ISO procedure 5.14): closed user tickets get a return visit; 0 days: none."""

    # a visit is due within this many working days of the close
    within_working_days: int = Field(default=5, ge=0)
    # sources of the tickets that get a visit
    sources: list[str] = ["phone", "email", "web", "transfer"]
    # types of the tickets that get a visit
    types: list[str] = ["incident", "service_request", "complaint"]
    skip_close_codes: list[str] = ["out_of_scope"]  # close codes that need no visit


class SlaConfig(Model):
    version: int = 1
    calendar: Optional[Calendar] = None  # working time for SLA clocks (S2); none: wall-clock time
    targets: dict[str, Targets]  # priority -> the target of each phase (S1)
    # resolved tickets close by themselves after this (L11)
    auto_close_after: Duration = timedelta(days=30)
    # when and how tickets escalate (S5, S6)
    escalation: EscalationConfig = Field(default_factory=EscalationConfig)
    visit: VisitRule = Field(default_factory=VisitRule)  # return visits of closed tickets (V1)

    @field_validator("auto_close_after", mode="before")
    @classmethod
    def _dur(cls, v: Any) -> timedelta:
        return parse_duration(v)
