"""The desk's read models for the web service (U2, U4): a page of the live queue with
`list`'s filters and saved views, the wallboard's figures and the monitoring metrics,
all from the ticket index (infra/index.py) so a page costs milliseconds at 10,000 open
tickets."""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Optional

from itsmctl.app.session import Session
from itsmctl.core.filters import ME, Filters, check

if TYPE_CHECKING:
    from itsmctl.infra.index import Index

PER_PAGE = 50
MAX_PER_PAGE = 200


@dataclass
class QueuePage:
    """One page of the web queue: its rows and where it sits in the whole."""

    rows: list[dict[str, Any]]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class Brief:
    """What the queue, the wallboard and the metrics need of one open ticket."""

    path: str
    id: str
    priority: str
    status: str
    group: Optional[str]
    assignee: Optional[str]
    opened_at: str
    major: bool
    breach: dict[str, Optional[float]]          # core/breaches.py breach_times
    first: Optional[float]                      # the earliest of them
    opened: Optional[float] = None              # opened_at, epoch seconds

    def late(self, at: float) -> bool:
        return self.first is not None and at > self.first


class Memo:
    """Briefs of the open tickets in queue order, kept between calls: read again only
    for the files that changed, and not at all while HEAD stays where it was (a
    long-running service keeps one; a command makes one for itself)."""

    def __init__(self) -> None:
        self.known: dict[str, tuple[str, Brief]] = {}
        self.ordered: tuple[Any, list[Brief]] = (None, [])
        self.tallies: tuple[Any, Any] = (None, None)
        self.lock = threading.Lock()

    def tally(self, briefs: list[Brief], top: int = 10) -> tuple[dict[str, dict[Any, Any]],
                                                                 list[Brief], list[Brief]]:
        """(counts by priority, group and status, and when the oldest ticket nobody
        accepted was opened, by priority; major; unassigned) of these briefs, worked out
        once per list."""
        with self.lock:
            if self.tallies[0] is briefs:
                return self.tallies[1]  # type: ignore[no-any-return]
        counts: dict[str, dict[Any, Any]] = {"priority": {}, "group": {}, "status": {},
                                             "unassigned_since": {}, "combos": {},
                                             "breach_times": {}}
        oldest, times = counts["unassigned_since"], counts["breach_times"]
        for b in briefs:
            for kind, key in (("priority", b.priority), ("group", b.group or "-"),
                              ("status", b.status),
                              ("combos", (b.priority, b.group or "", b.status))):
                counts[kind][key] = counts[kind].get(key, 0) + 1
            if not b.assignee and b.status in ("new", "assigned") and b.opened is not None:
                oldest[b.priority] = min(oldest.get(b.priority, b.opened), b.opened)
            for phase, since in b.breach.items():
                if since is not None:
                    times.setdefault(phase, []).append(since)
            if b.first is not None:
                times.setdefault("", []).append(b.first)
        for found_times in times.values():
            found_times.sort()
        found = (counts, [b for b in briefs if b.major][:top],
                 [b for b in briefs if not b.assignee][:top])
        with self.lock:
            self.tallies = (briefs, found)
        return found

    def briefs(self, index: "Index", levels: list[str]) -> list[Brief]:
        key = (index.commit(), tuple(levels))
        with self.lock:
            if key[0] and self.ordered[0] == key:
                return self.ordered[1]
        found = _ordered(self._read(index), levels)
        with self.lock:
            self.ordered = (key, found)
        return found

    def _read(self, index: "Index") -> list[Brief]:
        from itsmctl.core.breaches import breach_times

        rows = index.open_blobs()
        with self.lock:
            stale = [path for path, blob in rows
                     if self.known.get(path, ("", None))[0] != blob]
        fresh = index.heads(stale) if stale else {}
        with self.lock:
            for path, blob in rows:
                doc = fresh.get(path)
                if doc is not None:
                    times = breach_times(doc)
                    known = [t for t in times.values() if t is not None]
                    self.known[path] = (blob, Brief(
                        path, str(doc.get("id")), str(doc.get("priority") or ""),
                        str(doc.get("status") or ""), doc.get("group"), doc.get("assignee"),
                        str(doc.get("opened_at") or ""), bool(doc.get("major")), times,
                        min(known) if known else None, _epoch(doc.get("opened_at"))))
            current = {path for path, _ in rows}
            if len(self.known) > len(current):
                self.known = {p: v for p, v in self.known.items() if p in current}
            return [self.known[path][1] for path, _ in rows if path in self.known]


def _epoch(value: Any) -> Optional[float]:
    try:
        return datetime.fromisoformat(str(value)).timestamp() if value else None
    except ValueError:
        return None


def _ordered(briefs: list[Brief], levels: list[str]) -> list[Brief]:
    order = {p: i for i, p in enumerate(levels)}
    return sorted(briefs, key=lambda b: (order.get(b.priority, len(levels)), b.opened_at,
                                         b.id))


def queue(session: Session, f: Filters, page: int = 1, per_page: int = PER_PAGE,
          ids: Optional[list[str]] = None, memo: Optional[Memo] = None) -> QueuePage:
    """One page of the queue in `list`'s order (priority, then oldest first); `ids`
    narrows it to those tickets (a report figure's)."""
    from itsmctl.app.queue import conditions, open_index
    from itsmctl.core.model import OPEN_STATUSES

    if f != Filters():         # W2: unknown values are usage errors naming the known
        f = check(f, session.policy, session.actor if f.assignee == ME else None)
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    statuses = list(f.status) if f.status else (None if f.show_all or ids is not None
                                                else list(OPEN_STATUSES))
    conds, params = conditions(f, f.assignee)
    if ids is not None:
        conds.append(f"id IN ({','.join('?' * len(ids))})" if ids else "0")
        params.extend(ids)
    levels = list(session.policy.matrix.priority_levels)
    index = open_index(session)
    try:
        # the whole open queue from the briefs a long-running service keeps (sorted once
        # per HEAD), and major/breached (not index columns) from briefs too; the rest is
        # sorted by sqlite from its covering index, which filters faster than Python
        open_only = statuses is not None and set(statuses) <= set(OPEN_STATUSES)
        plain = f == Filters() and memo is not None
        if open_only and ids is None and (plain or f.major or f.breached):
            return _from_briefs(session, index, memo or Memo(), f, statuses or [], levels,
                                page, per_page)
        if not (f.major or f.breached):
            total, rows = index.page(statuses, " AND ".join(conds), tuple(params), levels,
                                     per_page, (page - 1) * per_page)
            return QueuePage(rows, total, page, per_page)
        docs = list(index.query(statuses, " AND ".join(conds), tuple(params)))
    finally:
        index.close()
    return _filtered(session, docs, f, levels, page, per_page)


def _from_briefs(session: Session, index: "Index", memo: Memo, f: Filters,
                 statuses: list[str], levels: list[str], page: int,
                 per_page: int) -> QueuePage:
    """The open queue from the briefs: filtered in memory, only the page's files read."""
    from itsmctl.core.model import OPEN_STATUSES

    at = session.now.timestamp()
    wanted = set(statuses)
    tests: list[Callable[[Brief], bool]] = []
    if wanted != set(OPEN_STATUSES):
        tests.append(lambda b: b.status in wanted)
    if f.group:
        tests.append(lambda b: b.group == f.group)
    if f.assignee:
        tests.append(lambda b: b.assignee == f.assignee)
    if f.unassigned:
        tests.append(lambda b: not b.assignee)
    if f.priority:
        tests.append(lambda b: b.priority in f.priority)
    if f.major:
        tests.append(lambda b: b.major)
    if f.breached:
        tests.append(lambda b: b.late(at))
    found = memo.briefs(index, levels)
    if tests:
        found = [b for b in found if all(test(b) for test in tests)]
    start = (page - 1) * per_page
    chosen = found[start:start + per_page]
    docs = index.heads([b.path for b in chosen])
    return QueuePage([docs[b.path] for b in chosen if b.path in docs], len(found), page,
                     per_page)


def _filtered(session: Session, docs: list[dict[str, Any]], f: Filters, levels: list[str],
              page: int, per_page: int) -> QueuePage:
    """major and breached are not index columns: filtered here, then paged."""
    from itsmctl.core.sla import breached_from_stored

    if f.major:
        docs = [d for d in docs if d.get("major")]
    if f.breached:
        docs = [d for d in docs if breached_from_stored(d, session.now)]
    order = {p: i for i, p in enumerate(levels)}
    docs.sort(key=lambda d: (order.get(str(d.get("priority")), len(levels)),
                             str(d.get("opened_at")), str(d.get("id"))))
    start = (page - 1) * per_page
    return QueuePage(docs[start:start + per_page], len(docs), page, per_page)


# ---------------------------------------------------------------- saved views (W2)
def views(session: Session) -> dict[str, Filters]:
    """The saved views of config/views.yaml (W2, the policy's `views`) the queue page can
    show: `mine` and `assignee: @me` name the signed-in person; a view that needs a
    filter only `list` has (words, reporter, phone, CI, time, my groups, unverified) is
    left out of the page rather than shown wider than it says."""
    from itsmctl.core.filters import ME, from_view

    out = {}
    for name, view in session.policy.views.views.items():
        full = from_view(view)
        if (full.my_groups or full.unverified or full.master or full.text or full.reporter
                or full.phone or full.ci or full.since or full.until):
            continue
        assignee = session.actor if full.mine or full.assignee == ME else full.assignee
        out[name] = Filters(status=full.status, group=full.group, priority=full.priority,
                            assignee=assignee, unassigned=full.unassigned, major=full.major,
                            breached=full.breached, show_all=full.show_all)
    return out


# ---------------------------------------------------------------- wallboard and metrics
@dataclass
class Board:
    """What the wall shows: the open queue at a glance."""

    at: datetime
    total: int = 0
    by_priority: dict[str, int] = field(default_factory=dict)
    by_group: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    breached: int = 0
    major: list[dict[str, Any]] = field(default_factory=list)
    unassigned: list[dict[str, Any]] = field(default_factory=list)


def wallboard(session: Session, top: int = 10, memo: Optional[Memo] = None) -> Board:
    """Counts of the open queue, its major incidents and the oldest unassigned tickets."""
    from itsmctl.app.queue import open_index

    levels = list(session.policy.matrix.priority_levels)
    board = Board(at=session.now, by_priority={p: 0 for p in levels})
    at = session.now.timestamp()
    index = open_index(session)
    try:
        memo = memo or Memo()
        briefs = memo.briefs(index, levels)
        counts, major, unassigned = memo.tally(briefs, top)
        board.total = len(briefs)
        board.by_priority.update(counts["priority"])
        board.by_group, board.by_status = dict(counts["group"]), dict(counts["status"])
        board.breached = bisect.bisect_left(counts["breach_times"].get("", []), at)
        docs = index.heads([b.path for b in major + unassigned])
    finally:
        index.close()
    board.major = [docs[b.path] for b in major if b.path in docs]
    board.unassigned = [docs[b.path] for b in unassigned if b.path in docs]
    return board


@dataclass
class Metrics:
    """U4: what a desk alerts on about itself."""

    open: list[tuple[str, str, str, int]]           # (priority, group, status, count)
    breached: dict[str, int]                        # phase -> open tickets past it
    undelivered: int
    last_sweep_age: Optional[float]                 # seconds; None: never ran
    commits_last_minute: int
    unassigned_age: dict[str, float]                # priority -> oldest, seconds
    priorities: list[str] = field(default_factory=list)


def metrics(session: Session, memo: Optional[Memo] = None) -> Metrics:
    from itsmctl.app.queue import open_index
    from itsmctl.core.policy import PHASES
    from itsmctl.infra.deskstats import commits_since, last_sweep

    now = session.now
    at = now.timestamp()
    levels = list(session.policy.matrix.priority_levels)
    index: "Index" = open_index(session)
    try:
        memo = memo or Memo()
        briefs = memo.briefs(index, levels)
        tallies, _major, _unassigned = memo.tally(briefs)
        combos: dict[tuple[str, str, str], int] = tallies["combos"]
        counts = [(*key, n) for key, n in combos.items()]
        # phases past their deadline at `at`: breach times below it (sorted once per HEAD)
        breached = {phase: bisect.bisect_left(tallies["breach_times"].get(phase, []), at)
                    for phase in PHASES}
        undelivered = index.undelivered()
        oldest = tallies["unassigned_since"]
    finally:
        index.close()
    swept = last_sweep(session.root, since=at - 7 * 86400)
    return Metrics(
        open=counts, breached=breached, undelivered=undelivered,
        last_sweep_age=None if swept is None else max(0.0, at - swept),
        commits_last_minute=commits_since(session.root, at - 60),
        unassigned_age={p: max(0.0, at - t) for p, t in oldest.items()},
        priorities=list(session.policy.matrix.priority_levels))


def healthy(session: Session) -> str:
    """/healthz: the desk and its config load and HEAD resolves; the HEAD commit."""
    session.policy                      # noqa: B018 (raises when config is broken)
    return session.desk.head() or ""
