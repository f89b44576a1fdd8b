"""Shifts, who is on duty and who is on call at an instant (R1, R2), from rota.yaml. Pure.

A *rota day* starts with the first shift listed in rota.yaml (08:00 when there are no
shifts): the night shift that starts on 25 November belongs to rota day 2026-11-25
even after midnight, and so does the on-call duty of that night. A shift of a rota day
is named `DATE/NAME` (`2026-11-25/night`).

Working hours and holidays are those of sla.yaml `calendar:` (Monday to Friday,
09:00-18:00 when there is none); outside them the on-call pair of a group answers
(1.1.3). Absences (D1, teams.yaml delegates) apply to supervisors, desk staff and
on-call people alike: whoever is away on that (local) date is replaced by their
delegate, and the replacement is said.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, Iterator, Optional

from itsmctl.errors import NotFound, UsageError

if TYPE_CHECKING:
    from itsmctl.core.policy import Policy
    from itsmctl.core.policy.rota import _Days

DAY = timedelta(days=1)
_SLOT = re.compile(r"^(\d{4}-\d{2}-\d{2})/([\w.-]+)$")


@dataclass(frozen=True)
class Slot:
    """One shift on one rota day: `2026-11-25/day`, from its start to its end."""

    day: date
    name: str
    start: datetime
    end: datetime
    label: str = ""

    @property
    def id(self) -> str:
        return f"{self.day.isoformat()}/{self.name}"

    def holds(self, at: datetime) -> bool:
        return self.start <= at < self.end

    def doc(self) -> dict[str, Any]:
        return {"id": self.id, "day": self.day.isoformat(), "name": self.name,
                "label": self.label, "start": self.start.isoformat(),
                "end": self.end.isoformat()}


@dataclass(frozen=True)
class Who:
    """A person on a duty, after absences: who was named and who actually covers."""

    named: str
    covers: str

    @property
    def note(self) -> Optional[str]:
        return None if self.named == self.covers else \
            f"{self.named} is away; {self.covers} covers (D1)"


@dataclass(frozen=True)
class ShiftDuty:
    """Who supervises a shift and who works the desk in it."""

    slot: Slot
    supervisor: Optional[Who] = None
    desk: tuple[Who, ...] = ()

    @property
    def notes(self) -> list[str]:
        return [n for w in ([self.supervisor] if self.supervisor else []) + list(self.desk)
                if (n := w.note)]

    def doc(self) -> dict[str, Any]:
        return {"shift": self.slot.doc(),
                "supervisor": self.supervisor.covers if self.supervisor else None,
                "desk": [w.covers for w in self.desk], "notes": self.notes}


@dataclass(frozen=True)
class OnCallPair:
    """A group's on-call pair at an instant; `active` outside working hours (1.1.3)."""

    group: str
    day: date
    primary: Who
    backup: Who
    active: bool

    @property
    def notes(self) -> list[str]:
        return [n for w in (self.primary, self.backup) if (n := w.note)]

    def doc(self) -> dict[str, Any]:
        return {"group": self.group, "day": self.day.isoformat(),
                "primary": self.primary.covers, "backup": self.backup.covers,
                "active": self.active, "notes": self.notes}


def zone_of(policy: "Policy") -> tzinfo:
    from itsmctl.core.calendar import _tz_name, zone

    return zone(_tz_name(policy))


def _local(policy: "Policy", day: date, minute: int) -> datetime:
    day = day + timedelta(days=minute // 1440)
    minute %= 1440
    return datetime(day.year, day.month, day.day, minute // 60, minute % 60,
                    tzinfo=zone_of(policy))


def rota_day(policy: "Policy", at: datetime) -> date:
    """The rota day an instant belongs to (the night belongs to the day before)."""
    local = at.astimezone(zone_of(policy))
    minutes = local.hour * 60 + local.minute
    return local.date() - DAY if minutes < policy.rota.day_start else local.date()


def slots(policy: "Policy", day: date) -> list[Slot]:
    """The shifts of one rota day, in order; a desk without shifts works one, `day`, of
    24 hours from 08:00 (its diary and handover follow it)."""
    rota = policy.rota
    if not rota.shifts:
        start = _local(policy, day, rota.day_start)
        return [Slot(day, "day", start, _local(policy, day + DAY, rota.day_start))]
    out = []
    for name, offset in rota.offsets().items():
        shift = rota.shifts[name]
        start = _local(policy, day, rota.day_start + offset)
        out.append(Slot(day, name, start, start + shift.length, shift.label))
    return out


def slot_at(policy: "Policy", at: datetime) -> Optional[Slot]:
    """The shift running at an instant, or None (no shifts, or a gap between them)."""
    day = rota_day(policy, at)
    return next((s for s in slots(policy, day) + slots(policy, day - DAY) if s.holds(at)),
                None)


def _walk(policy: "Policy", day: date, step: int) -> Iterator[Slot]:
    for _ in range(3):
        found = slots(policy, day)
        yield from (found if step > 0 else reversed(found))
        day += DAY * step


def previous(policy: "Policy", slot: Slot) -> Slot:
    return next(s for s in _walk(policy, slot.day, -1) if s.end <= slot.start)


def following(policy: "Policy", slot: Slot) -> Slot:
    return next(s for s in _walk(policy, slot.day, 1) if s.start >= slot.end)


def last_ended(policy: "Policy", at: datetime) -> Slot:
    """The most recent shift that has ended at `at`."""
    return next(s for s in _walk(policy, rota_day(policy, at), -1) if s.end <= at)


def names(policy: "Policy") -> list[str]:
    return list(policy.rota.shifts) or ["day"]


def parse(policy: "Policy", text: str, now: datetime) -> Slot:
    """current, previous, or DATE/NAME (R3 --shift)."""
    word = text.strip().lower()
    if word in ("current", "previous"):
        current = slot_at(policy, now)
        if word == "previous":
            return previous(policy, current) if current else last_ended(policy, now)
        if current is None:
            raise NotFound(f"no shift runs at {now.isoformat()} (config/rota.yaml)", rule="R1")
        return current
    m = _SLOT.match(text.strip())
    if not m:
        raise UsageError(f"--shift {text!r}: use current, previous or DATE/NAME "
                         f"(e.g. 2026-11-25/{names(policy)[0]})", rule="R3")
    try:
        day = date.fromisoformat(m.group(1))
    except ValueError:
        raise UsageError(f"--shift {text!r}: {m.group(1)} is not a date", rule="R3") from None
    found = next((s for s in slots(policy, day) if s.name == m.group(2)), None)
    if found is None:
        raise NotFound(f"no shift {m.group(2)!r}; known: {', '.join(names(policy))} "
                       "(config/rota.yaml)", rule="R1")
    return found


def pick(entries: list[Any], day: date) -> Optional[Any]:
    """The entry for a day: the last naming the date, else the last whose weekly pattern
    holds (later entries win)."""
    dated = [e for e in entries if e.by_date(day)]
    if dated:
        return dated[-1]
    weekly = [e for e in entries if e.by_pattern(day)]
    return weekly[-1] if weekly else None


def covering(policy: "Policy", person: str, day: date) -> Who:
    from itsmctl.core.delegation import delegate_for

    return Who(person, delegate_for(policy.teams, person, day))


def duty(policy: "Policy", slot: Slot) -> ShiftDuty:
    """Supervisor and desk staff of a shift (1.1.1), absences applied (1.1.2, D1)."""
    entries: list[_Days] = [d for d in policy.rota.duty if d.shift == slot.name]
    found = pick(entries, slot.day)
    if found is None:
        return ShiftDuty(slot)
    on = slot.start.astimezone(zone_of(policy)).date()
    return ShiftDuty(slot, covering(policy, found.supervisor, on),  # type: ignore[attr-defined]
                tuple(covering(policy, p, on) for p in found.desk))  # type: ignore[attr-defined]


def working(policy: "Policy", at: datetime) -> bool:
    """Inside the working hours of sla.yaml calendar (Mon-Fri 09:00-18:00 without one)."""
    from itsmctl.core.calendar import working_days

    cal = working_days(policy)
    return any(lo <= at < hi for lo, hi in cal.intervals(cal.local_day(at)))


def on_call(policy: "Policy", group: str, at: datetime) -> Optional[OnCallPair]:
    """The on-call pair of a group at an instant (1.1.3), absences applied; None when the
    rota names none for that day."""
    if group not in policy.teams.groups:
        known = ", ".join(sorted(policy.teams.groups))
        raise NotFound(f"unknown group {group!r} (config/teams.yaml); known: {known}",
                       rule="R1")
    day = rota_day(policy, at)
    found = pick(list(policy.rota.oncall.get(group, [])), day)
    if found is None:
        return None
    on = at.astimezone(zone_of(policy)).date()
    return OnCallPair(group, day, covering(policy, found.primary, on),
                  covering(policy, found.backup, on), not working(policy, at))


def answering(policy: "Policy", group: Optional[str], at: datetime) -> Optional[OnCallPair]:
    """The on-call pair to call for a group now: only outside working hours (R2)."""
    if not group or group not in policy.rota.oncall:
        return None
    pair = on_call(policy, group, at)
    return pair if pair is not None and pair.active else None


def coverage(policy: "Policy", today: date) -> Iterator[tuple[str, str, str]]:
    """What `validate` reports of the rota for `check_days` from today (R1): a core group
    without an on-call pair on a night, a pair whose two people are one after absences,
    a shift without a supervisor, a supervisor or desk person without a desk role. (An
    on-call person may come from another group or a vendor: 1.1.3 names none.)"""
    rota, teams = policy.rota, policy.teams
    seen: set[tuple[str, str]] = set()

    def once(at: str, msg: str) -> Iterator[tuple[str, str, str]]:
        if (at, msg) not in seen:
            seen.add((at, msg))
            yield "rota.yaml", at, msg

    for i, d in enumerate(rota.duty):
        for who in [d.supervisor, *d.desk]:
            person = teams.people.get(who)
            if person and not {"service_desk", "incident_manager"} & set(person.roles):
                yield from once(f"duty.{i}", f"{who} has no service_desk or incident_manager "
                                "role for desk duty")
    for n in range(rota.check_days):
        day = today + timedelta(days=n)
        for group in rota.covered_groups:
            if group not in teams.groups:
                continue
            found = pick(list(rota.oncall.get(group, [])), day)
            if found is None:
                yield "rota.yaml", f"oncall.{group}", \
                    f"no on-call pair for the night of {day} (1.1.3: every night)"
                continue
            a, b = (covering(policy, found.primary, day), covering(policy, found.backup, day))
            if a.covers == b.covers:
                yield "rota.yaml", f"oncall.{group}", \
                    f"{day}: primary and backup are both {a.covers} after absences (D1)"
        if rota.duty:
            for slot in slots(policy, day):
                if pick([d for d in rota.duty if d.shift == slot.name], day) is None:
                    yield "rota.yaml", "duty", f"no supervisor for shift {slot.id}"
