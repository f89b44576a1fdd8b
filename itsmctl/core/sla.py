"""SLA phase clocks computed from a ticket's own history (SPEC 6, S1-S3).

A ticket's history is cut into status segments; each phase has a start, maybe a
stop, and pauses (time spent `waiting`, and for restore the time a resolution
stood before a reopen). The target comes from the *current* priority, counted
from the phase start (S3), so a priority change keeps the pause already spent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Optional

from itsmctl.core.model import Ticket
from itsmctl.core.policy import PHASES, Policy, format_duration

ZERO = timedelta(0)
# span(a, b): countable time between a and b; add(a, d): the instant d countable time after a
Span = Callable[[datetime, datetime], timedelta]
Add = Callable[[datetime, timedelta], datetime]


@dataclass(frozen=True)
class Segment:
    status: str
    start: datetime
    end: Optional[datetime]          # None: still in this status


@dataclass(frozen=True)
class Clock:
    phase: str
    start: Optional[datetime]
    stop: Optional[datetime]
    target: timedelta
    paused: timedelta
    elapsed: timedelta
    deadline: Optional[datetime]

    @property
    def running(self) -> bool:
        return self.start is not None and self.stop is None

    @property
    def breached(self) -> bool:
        return self.start is not None and self.elapsed > self.target

    @property
    def remaining(self) -> timedelta:
        return self.target - self.elapsed


def segments(ticket: Ticket) -> list[Segment]:
    """The ticket's life as consecutive status intervals."""
    out: list[Segment] = []
    status, since = "new", ticket.opened_at
    for event in ticket.history:
        if event.to is None or event.to == status:
            continue
        out.append(Segment(status, since, event.at))
        status, since = event.to, event.at
    out.append(Segment(status, since, None))
    return out


def _elapsed_span(a: datetime, b: datetime) -> timedelta:
    return max(ZERO, b - a)


def _elapsed_add(a: datetime, d: timedelta) -> datetime:
    return a + d


def _overlap(segs: list[Segment], statuses: set[str], a: datetime, b: datetime,
             span: Span) -> timedelta:
    total = ZERO
    for s in segs:
        if s.status not in statuses:
            continue
        lo = max(a, s.start)
        hi = min(b, s.end or b)
        if hi > lo:
            total += span(lo, hi)
    return total


def _first_entry(segs: list[Segment], statuses: set[str], after: datetime) -> Optional[datetime]:
    for s in segs:
        if s.status in statuses and s.start >= after:
            return s.start
    return None


def _last_entry(segs: list[Segment], status: str, skip_from: set[str]) -> Optional[datetime]:
    """When the ticket last came into `status` from outside skip_from."""
    found = None
    for prev, s in zip(segs, segs[1:]):
        if s.status == status and prev.status not in skip_from:
            found = s.start
    if segs and segs[0].status == status and found is None:
        found = segs[0].start
    return found


def phase_bounds(ticket: Ticket, segs: list[Segment]) -> dict[str, tuple[Any, Any]]:
    """(start, stop) of each phase; None where it has not started or stopped."""
    done = {"assigned", "in_progress", "resolved", "closed"}
    respond = (ticket.opened_at, _first_entry(segs, done, ticket.opened_at))
    accept_start = _last_entry(segs, "assigned", {"waiting", "assigned"})
    accept_stop = None
    if accept_start is not None:
        accept_stop = _first_entry(segs, {"in_progress", "resolved", "closed", "new"},
                                   accept_start)
    restore_start = _first_entry(segs, {"in_progress"}, ticket.opened_at)
    restore_stop = None
    if restore_start is not None and ticket.status in ("resolved", "closed"):
        restore_stop = _last_entry(segs, "resolved", {"waiting"}) or \
            _last_entry(segs, "closed", set())
    close_start = None
    if ticket.status in ("resolved", "closed"):
        close_start = _last_entry(segs, "resolved", {"waiting"})
    close_stop = ticket.closed_at if (close_start and ticket.status == "closed") else None
    return {"respond": respond, "accept": (accept_start, accept_stop),
            "restore": (restore_start, restore_stop), "close": (close_start, close_stop)}


def clocks(ticket: Ticket, policy: Policy, now: datetime,
           span: Span = _elapsed_span, add: Add = _elapsed_add) -> dict[str, Clock]:
    """Every phase's clock at `now` (S1-S3)."""
    if span is _elapsed_span and policy.sla.calendar is not None:
        from itsmctl.core.calendar import for_policy

        span, add = for_policy(policy)
    segs = segments(ticket)
    targets = policy.sla.targets[ticket.priority]
    out = {}
    for phase, (start, stop) in phase_bounds(ticket, segs).items():
        target = getattr(targets, phase)
        if start is None:
            out[phase] = Clock(phase, None, None, target, ZERO, ZERO, None)
            continue
        end = stop or max(now, start)
        # restore does not run while a resolution stood before a reopen
        paused_statuses = {"waiting", "resolved"} if phase == "restore" else {"waiting"}
        paused = _overlap(segs, paused_statuses, start, end, span)
        elapsed = max(ZERO, span(start, end) - paused)
        out[phase] = Clock(phase, start, stop, target, paused, elapsed,
                           add(start, target + paused))
    return out


def clocks_doc(ticket: Ticket, policy: Policy, now: datetime) -> dict[str, Any]:
    """The `sla` object of `show --json` (SPEC 13)."""
    recorded = {e.phase for e in ticket.escalations if e.trigger == "breach"}
    out = {}
    for phase, c in clocks(ticket, policy, now).items():
        out[phase] = {
            "start": c.start.isoformat() if c.start else None,
            "stop": c.stop.isoformat() if c.stop else None,
            "target": format_duration(c.target),
            "deadline": c.deadline.isoformat() if c.deadline else None,
            "paused_seconds": int(c.paused.total_seconds()),
            "elapsed_seconds": int(c.elapsed.total_seconds()),
            "remaining": format_duration(c.remaining) if c.start else None,
            "remaining_seconds": int(c.remaining.total_seconds()) if c.start else None,
            "running": c.running,
            "breached": c.breached or phase in recorded,
        }
    return out


def stored(ticket: Ticket, policy: Policy) -> dict[str, Any]:
    """The derived values kept in the file for readers (validate recomputes them)."""
    out = {}
    at = ticket.updated_at
    for phase, c in clocks(ticket, policy, at).items():
        if c.start is None:
            continue
        out[phase] = {"start": c.start.isoformat(),
                      "deadline": c.deadline.isoformat() if c.deadline else None,
                      "paused_seconds": int(c.paused.total_seconds()),
                      "stop": c.stop.isoformat() if c.stop else None}
    return out


__all__ = ["PHASES", "Clock", "clocks", "clocks_doc", "segments", "stored"]
