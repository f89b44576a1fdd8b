"""SLA phase clocks computed from a ticket's own history (SPEC 6, S1-S3).

A ticket's history is cut into status segments; each phase has a start, maybe a
stop, and pauses (time spent `waiting`, and for restore the time a resolution
stood before a reopen). A running phase takes its target from the *current*
priority, counted from the phase start (S3), so a priority change mid-phase moves
the deadline and keeps the pause already spent. A stopped phase keeps the target of
the priority in force when it stopped: a later escalation does not turn a phase
that was met into a breach after the fact.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from itsmctl.core.durations import format_duration
from itsmctl.core.states import PHASES

# typing, msgspec and the model only for the checker: `show` computes the clocks of a
# ticket read without them (ui/quickshow.py, issue 13)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Optional

    from itsmctl.core.model import Ticket
    from itsmctl.core.policy import Policy

    # span(a, b): countable time between a and b; add(a, d): the instant d countable
    # time after a
    Span = Callable[[datetime, datetime], timedelta]
    Add = Callable[[datetime, timedelta], datetime]

ZERO = timedelta(0)
DONE = frozenset({"assigned", "in_progress", "resolved", "closed"})


class _Record:
    """Fields named by __slots__, equal when type and fields are (what the msgspec
    structs these were gave; plain classes: `show` imports no msgspec, issue 13)."""

    __slots__: tuple[str, ...] = ()

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._fields() == self._fields()  # type: ignore

    def __hash__(self) -> int:
        return hash((type(self), self._fields()))

    def __repr__(self) -> str:
        inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__)
        return f"{type(self).__name__}({inner})"


class Segment(_Record):
    """A stretch of a ticket's life in one status."""

    __slots__ = ("status", "start", "end", "index")

    def __init__(self, status: str, start: datetime, end: Optional[datetime],
                 index: int = -1) -> None:
        self.status = status
        self.start = start
        self.end = end                  # None: still in this status
        self.index = index              # history index of the event that entered it


class Bound(_Record):
    """Where a phase starts and stops, as instants and history positions."""

    __slots__ = ("start", "stop", "stop_index")

    def __init__(self, start: Optional[datetime] = None, stop: Optional[datetime] = None,
                 stop_index: Optional[int] = None) -> None:
        self.start = start
        self.stop = stop
        self.stop_index = stop_index


class Clock(_Record):
    """One SLA clock (accept, resolve...): when it ran, paused and is due."""

    __slots__ = ("phase", "start", "stop", "target", "paused", "elapsed", "deadline")

    def __init__(self, phase: str, start: Optional[datetime], stop: Optional[datetime],
                 target: timedelta, paused: timedelta, elapsed: timedelta,
                 deadline: Optional[datetime]) -> None:
        self.phase = phase
        self.start = start
        self.stop = stop
        self.target = target
        self.paused = paused
        self.elapsed = elapsed
        self.deadline = deadline

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
    status, since, index = "new", ticket.opened_at, -1
    for i, event in enumerate(ticket.history):
        if event.to is None or event.to == status:
            continue
        out.append(Segment(status, since, event.at, index))
        status, since, index = event.to, event.at, i
    out.append(Segment(status, since, None, index))
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


def _first(segs: list[Segment], statuses: frozenset[str] | set[str],
           after: int) -> Optional[Segment]:
    """The first segment in `statuses` entered by an event after history index `after`."""
    return next((s for s in segs if s.status in statuses and s.index > after), None)


def _last_entry(segs: list[Segment], status: str) -> Optional[Segment]:
    return next((s for s in reversed(segs) if s.status == status), None)


def _accept_start(ticket: Ticket) -> Optional[tuple[datetime, int]]:
    """The last (re)dispatch: entering `assigned` other than by a resume, or a transfer
    (L6) between groups, each of which starts the new group's accept clock (S1)."""
    found = None
    status = "new"
    for i, event in enumerate(ticket.history):
        if event.to == "assigned" and (event.action == "transfer"
                                       or status not in ("waiting", "assigned")):
            found = (event.at, i)
        if event.to is not None:
            status = event.to
    return found


def phase_bounds(ticket: Ticket, segs: list[Segment]) -> dict[str, Bound]:
    """Start and stop of each phase (S1); empty where it has not started."""
    def stop_at(seg: Optional[Segment]) -> dict[str, Any]:
        return {"stop": seg.start, "stop_index": seg.index} if seg else {}

    out = {"respond": Bound(ticket.opened_at, **stop_at(_first(segs, DONE, -1))),
           "accept": Bound(), "restore": Bound(), "close": Bound()}
    accept = _accept_start(ticket)
    if accept is not None:
        stop = _first(segs, {"in_progress", "resolved", "closed", "new"}, accept[1])
        out["accept"] = Bound(accept[0], **stop_at(stop))
    first_accept = _first(segs, {"in_progress"}, -1)
    finished = ticket.status in ("resolved", "closed")
    if first_accept is not None:
        stop = (_last_entry(segs, "resolved") or _last_entry(segs, "closed")) \
            if finished else None
        out["restore"] = Bound(first_accept.start, **stop_at(stop))
    resolved = _last_entry(segs, "resolved") if finished else None
    if resolved is not None:
        closed = _first(segs, {"closed"}, resolved.index) if ticket.status == "closed" else None
        out["close"] = Bound(resolved.start, **stop_at(closed))
    return out


def priority_before(ticket: Ticket, index: int) -> str:
    """The priority in force just before history[index], undoing later recorded changes."""
    priority = ticket.priority
    for event in reversed(ticket.history[max(index, 0):]):
        change = event.changes.get("priority")
        if isinstance(change, list) and len(change) == 2 and change[0] is not None:
            priority = change[0]
    return priority


def _target(ticket: Ticket, policy: Policy, phase: str, bound: Bound) -> timedelta:
    targets = policy.sla.targets
    priority = ticket.priority
    if bound.stop_index is not None:
        priority = priority_before(ticket, bound.stop_index)
    chosen = targets.get(priority) or targets[ticket.priority]
    return getattr(chosen, phase)


def clocks(ticket: Ticket, policy: Policy, now: datetime,
           span: Span = _elapsed_span, add: Add = _elapsed_add) -> dict[str, Clock]:
    """Every phase's clock at `now` (S1-S3)."""
    if span is _elapsed_span and policy.sla.calendar is not None:
        from itsmctl.core.calendar import for_policy

        span, add = for_policy(policy)
    segs = segments(ticket)
    out = {}
    for phase, bound in phase_bounds(ticket, segs).items():
        start, stop = bound.start, bound.stop
        if start is None:
            target = getattr(policy.sla.targets[ticket.priority], phase)
            out[phase] = Clock(phase, None, None, target, ZERO, ZERO, None)
            continue
        target = _target(ticket, policy, phase, bound)
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


def breached_from_stored(doc: dict[str, Any], now: datetime) -> bool:
    """Whether any phase is past its deadline, from a ticket's stored clocks alone.

    The stored values were computed at `updated_at`; nothing that moves a deadline
    happens without an event, except time spent waiting, which only pauses the clock.
    """
    if any(e.get("trigger") == "breach" for e in doc.get("escalations") or ()):
        return True
    waiting = doc.get("status") == "waiting"
    updated = datetime.fromisoformat(str(doc["updated_at"]))
    for phase in (doc.get("sla") or {}).values():
        deadline = phase.get("deadline")
        if not deadline:
            continue
        due = datetime.fromisoformat(deadline)
        stop = phase.get("stop")
        if stop:
            if datetime.fromisoformat(stop) > due:
                return True
        elif (updated if waiting else now) > due:
            return True
    return False


__all__ = ["PHASES", "Clock", "clocks", "clocks_doc", "priority_before", "segments", "stored"]
