"""`itsmctl report` (Q1, Q2): load the tickets, pick the period, build and render the report."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from itsmctl.app.session import Session
from itsmctl.errors import NotFound, UsageError

if TYPE_CHECKING:
    from datetime import datetime

    from itsmctl.core.model import Ticket
    from itsmctl.core.report import Period

FORMATS = ("table", "json", "csv", "html")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_WEEK = re.compile(r"^(\d{4})-[Ww](0[1-9]|[1-4]\d|5[0-3])$")


def period_of(session: Session, month: Optional[str], start: Optional[str],
              end: Optional[str], week: Optional[str] = None) -> "Period":
    """--month YYYY-MM, --week YYYY-Www (Q4), or --from/--to dates (inclusive); default
    the month of 'now'."""
    from itsmctl.core import report

    if sum(bool(x) for x in (month, week, start or end)) > 1:
        raise UsageError("give one of --month, --week or --from/--to", rule="Q4")
    if week:
        if not _WEEK.match(week.strip()):
            raise UsageError(f"--week {week!r} is not YYYY-Www (e.g. 2026-W48)", rule="Q4")
        try:
            return report.week(week.strip(), session.tz)
        except ValueError:
            raise UsageError(f"--week {week!r}: {week[:4]} has no such week", rule="Q4") \
                from None
    if start or end:
        if not start:
            raise UsageError("--to needs --from", rule="Q1")
        first = _date(start, "--from")
        last = _date(end, "--to") if end else session.now.date()
        if last < first:
            raise UsageError(f"--to {last} is before --from {first}", rule="Q1")
        return report.days(first, last, session.tz)
    text = month or f"{session.now:%Y-%m}"
    if not _MONTH.match(text):
        raise UsageError(f"--month {text!r} is not YYYY-MM (e.g. 2026-11)", rule="Q1")
    return report.month(text, session.tz)


def _date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise UsageError(f"{what} {text!r} is not a date (YYYY-MM-DD)", rule="Q1") from None


def load_tickets(session: Session, until: Optional["datetime"] = None) -> list["Ticket"]:
    """Every ticket on disk as a model (shards later than the month after `until` are
    skipped: tickets are filed by the month they were opened)."""
    from itsmctl.infra.ticketfile import parse_ticket
    from itsmctl.infra.yaml import load_ticket

    return [parse_ticket(load_ticket(path.read_bytes(), rel), rel)
            for path, rel in _files(session, until)]


def _files(session: Session, until: Optional["datetime"]) -> list[tuple[Path, str]]:
    limit = None
    if until is not None:
        y, m = until.year, until.month
        limit = f"{y + m // 12:04d}/{m % 12 + 1:02d}"
    out = []
    for path in session.desk.ticket_files():
        rel = path.relative_to(session.root).as_posix()
        if not (limit and rel[8:15] > limit):
            out.append((path, rel))
    return out


def gather(session: Session, first: "Period", period: "Period",
           skipped: Optional[list[str]] = None, group: Optional[str] = None
           ) -> tuple[list[Any], Any, Any, Any, Any, Any]:
    """(rows, find, full, docs_of, counted, still_open) for core.report.build_rows: from
    the ticket index's report rows (infra/facts.py) when it can be had, only the tickets
    the report may need, the trend periods' tickets that count only there as totals, and
    old tickets open throughout as (id, priority, opened) (of those `group` owns); else
    from every file. Committed ticket files that cannot be read go into `skipped`, one
    line each (G5)."""
    try:
        from itsmctl.app.queue import open_index

        index = open_index(session)
    except Exception:  # no index (an old desk, a read-only clone): read the files
        index = None
    out = [] if skipped is None else skipped
    if index is None:
        return (*_from_files(session, period, out), None, ())
    from itsmctl.core.rows import micros
    from itsmctl.infra import facts

    out += index.invalid() + facts.problems(index.db)
    lo, hi = micros(first.start), micros(period.end)
    # updated since the day before the period began, in any zone a time was written in
    recent = micros(period.start - timedelta(days=2))
    assert lo is not None and hi is not None and recent is not None
    # the report's own period, and the instant of its backlog (core/report.py build_rows)
    start, at, now = micros(period.start), micros(min(session.now, period.end)), \
        micros(session.now)
    assert start is not None and at is not None and now is not None
    rows = facts.rows(index.db, lo, hi, recent, start, at)
    still = facts.still_open(index.db, lo, recent, start, hi, at, group)

    def counted(p: "Period") -> Any:
        first, last = micros(p.start), micros(p.end)
        assert first is not None and last is not None and start is not None
        return facts.tally(index.db, first, last, start, hi, at, now, group)

    def find(ticket_id: str) -> Any:
        return facts.find(index.db, ticket_id)

    def full(ticket_id: str) -> Any:
        from itsmctl.infra import fastyaml

        rel = facts.path_of(index.db, ticket_id)
        path = session.root / rel if rel else None
        if rel is None or path is None or not path.is_file():
            return None
        data = path.read_bytes()
        try:        # the fast reader of the files itsmctl writes, else libyaml
            doc = fastyaml.parse(data.decode("utf-8"))
        except UnicodeDecodeError:
            doc = None
        if doc is None:
            from itsmctl.infra.yaml import load_ticket

            doc = load_ticket(data, rel)
        return doc

    def docs_of(ids: list[str]) -> list[dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            found.update((d["id"], d) for d in index.query(
                where=f"id IN ({','.join('?' * len(part))})", params=tuple(part)))
        return [found[i] for i in ids]

    return rows, find, full, docs_of, counted, still


def _from_files(session: Session, period: "Period",
                skipped: list[str]) -> tuple[list[Any], None, Any, Any]:
    """(rows, find, full, docs_of) from every ticket file that may count."""
    from itsmctl.core.rows import alert_firings, row_of
    from itsmctl.errors import ItsmError
    from itsmctl.infra.facts import UNCOUNTABLE
    from itsmctl.infra.yaml import load_ticket

    rows, docs = [], {}
    for path, rel in _files(session, period.end):
        try:
            data = path.read_bytes()
            doc = load_ticket(data, rel)
        except (ItsmError, OSError) as exc:
            skipped.append(getattr(exc, "message", f"{rel}: {exc}"))
            continue
        if not (isinstance(doc, dict) and doc.get("id")):
            skipped.append(f"{rel}: not a ticket")
            continue
        try:
            rows.append(row_of(doc, alert_firings(data)))
        except UNCOUNTABLE as exc:
            skipped.append(f"{rel}: cannot be counted ({type(exc).__name__}: {exc})")
            continue
        docs[doc["id"]] = doc
    return rows, None, docs.get, lambda ids: [docs[i] for i in ids]


def build(session: Session, month: Optional[str] = None, start: Optional[str] = None,
          end: Optional[str] = None, group: Optional[str] = None,
          trend: Optional[int] = None, week: Optional[str] = None,
          analysis: bool = False) -> dict[str, Any]:
    """The report as plain data (core/report.py says what each figure means)."""
    from itsmctl.core import report

    policy = session.policy            # plain objects: no pydantic (issue 13)
    if group is not None and group not in policy.teams.groups:
        raise NotFound(f"unknown group {group!r} (config/teams.yaml); known: "
                       f"{', '.join(policy.teams.groups)}", rule="Q1")
    period = period_of(session, month, start, end, week)
    if trend is not None and trend < 0:
        raise UsageError("--trend must be 0 or more", rule="Q1")
    earlier = report.earlier(period, policy.kpi.trend_months if trend is None else trend,
                             session.tz)
    skipped: list[str] = []
    rows, find, full, docs_of, counted, still = gather(
        session, earlier[0] if earlier else period, period, skipped, group)
    data = report.build_rows(rows, policy, period, session.now, session.tz, group=group,
                             trend=earlier, find=find, full=full,
                             docs_of=docs_of if analysis else None, counted=counted,
                             still_open=still)
    data["labels"] = labels(session, policy)
    data["skipped"] = skipped          # files left out: the report is incomplete (G5)
    return data


def labels(session: Session, policy: Any = None) -> dict[str, Any]:
    """Q6: the desk's own names for what the figures are keyed by (teams.yaml, desk.yaml,
    codes.yaml, categories.yaml, priority_matrix.yaml); `policy` the session's, or its
    plain copy."""
    policy = session.policy if policy is None else policy
    cats: dict[str, str] = {}
    symptoms: dict[str, str] = {}
    causations: dict[str, str] = {}
    for cid, cat in policy.categories.categories.items():
        if cat.label:
            cats[cid] = cat.label
        for sid, sub in cat.subtypes.items():
            if sub.label:
                cats[f"{cid}/{sid}"] = sub.label
            symptoms.update({k: v for k, v in sub.symptoms.items() if v})
            causations.update({k: v for k, v in sub.causations.items() if v})
    return {"desk": policy.desk.name,
            "groups": {g: v.label for g, v in policy.teams.groups.items() if v.label},
            "people": {p: v.name for p, v in policy.teams.people.items()},
            "close_codes": dict(policy.codes.close), "wait_codes": dict(policy.codes.wait),
            "categories": cats, "symptoms": symptoms, "causations": causations,
            "impacts": {str(k): v for k, v in policy.matrix.impact_labels.items()}}


def write_report(text: str, out: str) -> Path:
    """The rendered report to a file, whole or not at all (Q2 --out)."""
    from itsmctl.infra.store import write_atomic

    path = Path(out)
    try:
        write_atomic(path.resolve(), text.encode("utf-8"))
    except OSError as exc:
        raise UsageError(f"--out {out}: {exc.strerror}", rule="Q2") from None
    return path
