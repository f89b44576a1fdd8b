"""Business calendar for SLA clocks and return visits (S2, V1): hours, holidays, 调休.

Pure: the public holidays (and the Chinese adjusted working days, 调休) come from the
`holidays` package, which is data; explicit `holidays:` / `workdays:` lists in
`sla.yaml` override it. All arithmetic is done in UTC so that a daylight-saving day
counts its real length; working hours are read in the calendar's time zone.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any, Callable

from itsmctl.core.policy.workweek import (  # noqa: F401 - part of this module's face
    WEEKDAY_NAMES,
    Hours,
    country_holidays,
    parse_hours,
    weekday_number,
)
from itsmctl.core.zones import zone  # noqa: F401 - part of this module's face
from itsmctl.errors import InvalidFile

if TYPE_CHECKING:
    from itsmctl.core.policy import Calendar, Policy

ZERO = timedelta(0)
DAY = timedelta(days=1)
# how many non-working days in a row mean the calendar has no working time at all
MAX_GAP_DAYS = 400


class BusinessCalendar:
    """Which days are working days, and the working intervals of each."""

    def __init__(self, cal: "Calendar", tz: tzinfo) -> None:
        self.tz = tz
        if isinstance(cal.hours, str):
            base = parse_hours(cal.hours)
            self.hours = {d: base for d in range(1, 8)}
        else:
            self.hours = {weekday_number(k): parse_hours(v) for k, v in cal.hours.items()}
            base = self.hours[min(self.hours)]
        # an adjusted working day (调休, often a Saturday) works a normal day's hours
        self.adjusted_hours = base
        self.weekdays = frozenset(cal.weekdays)
        self.holidays = frozenset(cal.holidays)
        self.workdays = frozenset(cal.workdays)
        self.lib = country_holidays(cal.country, cal.subdivision) if cal.country else None
        self._days: dict[date, bool] = {}
        self._intervals: dict[date, list[tuple[datetime, datetime]]] = {}

    # ---- days ------------------------------------------------------------
    def is_working_day(self, day: date) -> bool:
        """Explicit workdays, explicit holidays, the country's 调休 and holidays, weekdays."""
        known = self._days.get(day)
        if known is None:
            known = self._day(day)
            self._days[day] = known
        return known

    def _day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        if self.lib is not None:
            holiday = day in self.lib            # fills the year, weekend_workdays with it
            if day in getattr(self.lib, "weekend_workdays", ()):
                return True
            if holiday:
                return False
        return day.isoweekday() in self.weekdays

    def intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working intervals of a local day, as UTC instants."""
        cached = self._intervals.get(day)
        if cached is not None:
            return cached
        out: list[tuple[datetime, datetime]] = []
        if self.is_working_day(day):
            wd = day.isoweekday()
            hours = self.hours.get(wd) if wd in self.weekdays else None
            for lo, hi in hours or self.adjusted_hours:
                out.append((self._at(day, lo), self._at(day, hi)))
        self._intervals[day] = out
        return out

    def _at(self, day: date, minute: int) -> datetime:
        """Wall-clock `minute` of a local day as a UTC instant (24:00 is the next midnight)."""
        if minute >= 1440:
            day, minute = day + DAY, 0
        local = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=self.tz)
        return local.astimezone(timezone.utc)

    def local_day(self, at: datetime) -> date:
        return at.astimezone(self.tz).date()

    # ---- time --------------------------------------------------------------
    def span(self, a: datetime, b: datetime) -> timedelta:
        """Working time between two instants (zero if b is not after a)."""
        if b <= a:
            return ZERO
        a, b = a.astimezone(timezone.utc), b.astimezone(timezone.utc)
        total = ZERO
        day, last = self.local_day(a), self.local_day(b)
        while day <= last:
            for lo, hi in self.intervals(day):
                lo, hi = max(lo, a), min(hi, b)
                if hi > lo:
                    total += hi - lo
            day += DAY
        return total

    def add(self, a: datetime, d: timedelta) -> datetime:
        """The first instant at which `d` working time has passed since `a`."""
        if d <= ZERO:
            return a
        start = a.astimezone(timezone.utc)
        remaining = d
        day, idle = self.local_day(a), 0
        while True:
            found = False
            for lo, hi in self.intervals(day):
                lo = max(lo, start)
                if hi <= lo:
                    continue
                found = True
                if remaining <= hi - lo:
                    return (lo + remaining).astimezone(a.tzinfo)
                remaining -= hi - lo
            idle = 0 if found else idle + 1
            if idle > MAX_GAP_DAYS:
                raise InvalidFile("config/sla.yaml: calendar has no working time "
                                  f"for {MAX_GAP_DAYS} days after {a.date()} (rule S2)")
            day += DAY

    def add_days(self, at: datetime, n: int) -> datetime:
        """`n` working days after `at`, at the same local time of day (V1)."""
        local = at.astimezone(self.tz)
        day, left, idle = local.date(), n, 0
        while left > 0:
            day += DAY
            if self.is_working_day(day):
                left, idle = left - 1, 0
            else:
                idle += 1
                if idle > MAX_GAP_DAYS:
                    raise InvalidFile("config/sla.yaml: calendar has no working days "
                                      f"for {MAX_GAP_DAYS} days (rule V1)")
        moved = datetime.combine(day, local.time().replace(tzinfo=None), tzinfo=self.tz)
        return moved.astimezone(at.tzinfo)


_CACHE: dict[tuple[str, str], BusinessCalendar] = {}


def business_calendar(cal: "Calendar", tz_name: str) -> BusinessCalendar:
    """One BusinessCalendar per (calendar config, zone), memoised: day lookups repeat."""
    key = (repr(cal.model_dump()), tz_name)        # a model or its plain twin
    found = _CACHE.get(key)
    if found is None:
        if len(_CACHE) > 16:
            _CACHE.clear()
        found = BusinessCalendar(cal, zone(tz_name))
        _CACHE[key] = found
    return found


def _tz_name(policy: "Policy") -> str:
    cal = policy.sla.calendar
    return (cal.timezone if cal is not None and cal.timezone else None) or \
        policy.desk.timezone


def for_policy(policy: "Policy") -> tuple[Callable[[datetime, datetime], timedelta],
                                          Callable[[datetime, timedelta], datetime]]:
    """(span, add) of the configured business calendar, for core.sla.clocks (S2)."""
    cal = policy.sla.calendar
    if cal is None:
        raise ValueError("no business calendar configured (config/sla.yaml calendar)")
    bc = business_calendar(cal, _tz_name(policy))
    return bc.span, bc.add


def working_days(policy: "Policy") -> BusinessCalendar:
    """The days that count for return visits (V1): the SLA calendar's, else Monday-Friday."""
    from itsmctl.core.policy.plain import default_calendar

    cal: Any = policy.sla.calendar           # a model or its plain twin: the same fields
    if cal is None:
        cal = default_calendar()
    return business_calendar(cal, _tz_name(policy))


__all__ = ["BusinessCalendar", "business_calendar", "for_policy", "parse_hours",
           "weekday_number", "working_days"]
