"""A ticket as the report reads it (Q1, Q4): the values of core/report.py's figures that
depend neither on the policy nor on `now`, as one flat row. Pure, and apart from the
models (no pydantic): the ticket index makes one for each ticket file it reads
(infra/facts.py), so a report reads rows instead of parsing ticket states.

Times are whole microseconds since the epoch, so comparing two is comparing the times
exactly. The policy (close codes, local desks, lines) and `now` (a clock still running is
breached once `now` is past its deadline) are applied when the report is built
(core/report.py `fact`), so a config change or a later `now` needs no new rows.
"""

# No `from __future__ import annotations`: typing.NamedTuple compiles each quoted field
# type at class creation, and the first compile() of a process sets up the AST types
# (~1.5 ms of `open`, which imports this through the index; issue 13).

from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any, NamedTuple, Optional

from itsmctl.core.states import PHASES

Doc = dict[str, Any]
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_US = timedelta(microseconds=1)


# micros of the texts read lately: a ticket's times repeat (its opened_at is its respond
# clock's start, its resolved_at that clock's stop and the close clock's start, ...), and
# the ticket index asks for each time again as seconds (infra/index.py): a look-up here is
# ~0.1 us against ~0.9 us for the parse and the subtraction (issue 13: ~15 times a ticket)
_KNOWN: dict[str, Optional[int]] = {}
_KNOWN_MAX = 4096
_UNSEEN: Any = object()


def micros(value: Any) -> Optional[int]:
    """A time of a ticket document (ISO text, or a datetime) in whole microseconds since
    the epoch. None when there is none, or it is not a time with a zone."""
    if type(value) is str:
        found = _KNOWN.get(value, _UNSEEN)
        if found is _UNSEEN:
            found = _micros(value)
            if len(_KNOWN) >= _KNOWN_MAX:
                _KNOWN.clear()
            _KNOWN[value] = found
        return found  # type: ignore[no-any-return]
    return _micros(value)


def _micros(value: Any) -> Optional[int]:
    if value is None or value == "":
        return None
    try:
        at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return None
    if at.tzinfo is None:
        return None
    return (at - EPOCH) // _US


def instant(us: int, tz: tzinfo) -> datetime:
    """micros() back to a time, in the zone `tz`."""
    return (EPOCH + timedelta(microseconds=us)).astimezone(tz)


def alert_firings(data: bytes) -> int:
    """How many firings of its alert a ticket file records: its own and each later
    `alert-fire` event (core/kpi.py alert_to_ticket, Q4)."""
    return 1 + data.count(b"\n  action: alert-fire\n")


ALWAYS = -(1 << 62)          # breached whatever `now` is
Clock = Optional[tuple[bool, Optional[int]]]


class Row(NamedTuple):
    """What the report reads of one ticket."""

    id: str
    type: str                   # "incident" when unset
    status: str
    priority: str
    group: Optional[str]
    resolved_group: Optional[str]
    close_code: Optional[str]
    returns: int                # counters
    reopens: int
    dispatches: int
    satisfaction: Optional[int]
    problem: Optional[str]      # links.problem
    recurrence_of: Optional[str]
    workaround: bool
    source: Optional[str]
    opened_by: Optional[str]
    opened: Optional[int]       # micros of opened_at, updated_at, resolved_at, closed_at
    updated: Optional[int]
    resolved: Optional[int]
    closed: Optional[int]
    firings: int                # its alert's firings: 1 + its `alert-fire` events (Q4)
    clocks: tuple[Clock, ...]   # per PHASES, see clocks()


def clocks(doc: Doc) -> tuple[Clock, ...]:
    """Per phase of PHASES: None when its clock never started, else (stopped, breached
    from): breached from ALWAYS, from its deadline (a running clock: breached once `now`
    is past it), or never (None). core/report.py clock_state's reading, without `now`."""
    recorded = {e.get("phase") for e in doc.get("escalations") or ()
                if isinstance(e, dict) and e.get("trigger") == "breach"}
    sla = doc.get("sla")
    sla = sla if isinstance(sla, dict) else {}
    out: list[Clock] = []
    for phase in PHASES:
        rec = sla.get(phase)
        if not isinstance(rec, dict) or not rec.get("start"):
            out.append(None)
            continue
        stop, deadline = micros(rec.get("stop")), micros(rec.get("deadline"))
        late: Optional[int]
        if stop is not None:
            late = ALWAYS if deadline is not None and stop > deadline else None
        elif doc.get("status") == "waiting":        # the clock stood still since then
            changed = micros(doc.get("updated_at"))
            late = ALWAYS if deadline is not None and changed is not None \
                and changed > deadline else None
        else:
            late = deadline
        out.append((stop is not None, ALWAYS if phase in recorded else late))
    return tuple(out)


def row_of(doc: Doc, firings: int = 1) -> Row:
    """The report's row of a ticket document (its state part is enough); `firings`: how
    many firings its alert recorded (core/kpi.py alert_to_ticket)."""
    counters = doc.get("counters") or {}
    return Row(
        id=doc["id"], type=doc.get("type") or "incident", status=doc.get("status") or "",
        priority=doc.get("priority") or "", group=doc.get("group"),
        resolved_group=doc.get("resolved_group"), close_code=doc.get("close_code"),
        returns=int(counters.get("returns") or 0), reopens=int(counters.get("reopens") or 0),
        dispatches=int(counters.get("dispatches") or 0), satisfaction=doc.get("satisfaction"),
        problem=(doc.get("links") or {}).get("problem"), recurrence_of=doc.get("recurrence_of"),
        workaround=bool(doc.get("workaround")), source=doc.get("source"),
        opened_by=doc.get("opened_by"), opened=micros(doc.get("opened_at")),
        updated=micros(doc.get("updated_at")), resolved=micros(doc.get("resolved_at")),
        closed=micros(doc.get("closed_at")), firings=firings, clocks=clocks(doc))


class Tally(NamedTuple):
    """What a trend period counts of tickets read as totals, not as Rows (infra/facts.py
    tally; core/report.py trend_point adds it to the rows it reads)."""

    ids: list[str]              # in any order
    in_time: int                # respond clock stopped and not breached
    resolved: dict[str, int]    # resolving group -> tickets counted in resolved_by_line


def owner_of(row: Row) -> Optional[str]:
    """The group answerable for the ticket: who resolved it, else who holds it
    (core/report.py owner)."""
    if row.status in ("resolved", "closed") and row.resolved_group:
        return row.resolved_group
    return row.group
