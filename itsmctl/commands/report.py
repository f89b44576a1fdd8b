"""`itsmctl report` (Q1, Q2): load the tickets, pick the period, build and render the report."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Optional

from itsmctl.commands.app import App
from itsmctl.errors import NotFound, UsageError

FORMATS = ("table", "json", "csv", "html")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def period_of(app: App, month: Optional[str], start: Optional[str],
              end: Optional[str]) -> Any:
    """--month YYYY-MM, or --from/--to dates (inclusive); default the month of 'now'."""
    from itsmctl.core import report

    if month and (start or end):
        raise UsageError("give --month or --from/--to, not both", rule="Q1")
    if start or end:
        if not start:
            raise UsageError("--to needs --from", rule="Q1")
        first = _date(start, "--from")
        last = _date(end, "--to") if end else app.now.date()
        if last < first:
            raise UsageError(f"--to {last} is before --from {first}", rule="Q1")
        return report.days(first, last, app.tz)
    text = month or f"{app.now:%Y-%m}"
    if not _MONTH.match(text):
        raise UsageError(f"--month {text!r} is not YYYY-MM (e.g. 2026-11)", rule="Q1")
    return report.month(text, app.tz)


def _date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise UsageError(f"{what} {text!r} is not a date (YYYY-MM-DD)", rule="Q1") from None


def load_tickets(app: App, until: Any = None) -> list[Any]:
    """Every ticket on disk as a model (shards later than the month after `until` are
    skipped: tickets are filed by the month they were opened)."""
    from itsmctl.store import parse_ticket
    from itsmctl.yamlio import load_ticket

    return [parse_ticket(load_ticket(path.read_bytes(), rel), rel)
            for path, rel in _files(app, until)]


def _files(app: App, until: Any) -> list[tuple[Path, str]]:
    limit = None
    if until is not None:
        y, m = until.year, until.month
        limit = f"{y + m // 12:04d}/{m % 12 + 1:02d}"
    out = []
    for path in app.desk.ticket_files():
        rel = path.relative_to(app.root).as_posix()
        if not (limit and rel[8:15] > limit):
            out.append((path, rel))
    return out


# of those, the ones whose state part is needed (the rest are open, unchanged since
# before the period and opened before its trend: the backlog needs only the columns)
_HEADS = ("(opened_epoch >= ? AND opened_epoch < ?) OR (opened_epoch < ? AND "
          "substr(updated_at, 1, 10) >= ?)")
_LIGHT = ("SELECT id, status, priority, opened_at, updated_at FROM tickets WHERE "
          "opened_epoch < ? AND status IN ('new', 'assigned', 'in_progress', 'waiting') "
          "AND substr(updated_at, 1, 10) < ?")


def gather(app: App, first: Any, period: Any) -> tuple[list[dict[str, Any]], Any, Any]:
    """(documents, find, full) for core.report.build: from the ticket index when it can
    be had (only the tickets the report may need), else from every file."""
    from itsmctl.core.model import ticket_path
    from itsmctl.store import parse_ticket
    from itsmctl.yamlio import load_ticket

    def full(ticket_id: str) -> Any:
        path = app.root / ticket_path(ticket_id)
        if not path.is_file():
            return None
        rel = ticket_path(ticket_id)
        return parse_ticket(load_ticket(path.read_bytes(), rel), rel)

    try:
        from itsmctl.index import open_index

        index = open_index(app.root)
    except Exception:  # no index (an old desk, a read-only clone): read the files
        index = None
    if index is None:
        docs = [load_ticket(path.read_bytes(), rel) for path, rel in _files(app, period.end)]
        docs = [d for d in docs if isinstance(d, dict) and d.get("id")]
        return docs, None, None
    at = min(app.now, period.end)
    day = (period.start - timedelta(days=1)).date().isoformat()
    lo, hi = first.start.timestamp(), period.end.timestamp()
    docs = list(index.query(where=_HEADS, params=(lo, hi, at.timestamp(), day)))
    light = index.db.execute(_LIGHT, (lo, day))
    docs += [dict(zip(("id", "status", "priority", "opened_at", "updated_at"), row))
             for row in light]

    def find(ticket_id: str) -> Any:
        return next(iter(index.query(where="id = ?", params=(ticket_id,))), None)

    return docs, find, full


def build(app: App, month: Optional[str] = None, start: Optional[str] = None,
          end: Optional[str] = None, group: Optional[str] = None,
          trend: Optional[int] = None) -> dict[str, Any]:
    """The report as plain data (core/report.py says what each figure means)."""
    from itsmctl.core import report

    policy = app.policy
    if group is not None and group not in policy.teams.groups:
        raise NotFound(f"unknown group {group!r} (config/teams.yaml); known: "
                       f"{', '.join(policy.teams.groups)}", rule="Q1")
    period = period_of(app, month, start, end)
    if trend is not None and trend < 0:
        raise UsageError("--trend must be 0 or more", rule="Q1")
    earlier = report.earlier(period, policy.kpi.trend_months if trend is None else trend,
                             app.tz)
    docs, find, full = gather(app, earlier[0] if earlier else period, period)
    data = report.build(docs, policy, period, app.now, app.tz, group=group, trend=earlier,
                        find=find, full=full)
    # Q6: the desk's own names for what the figures are keyed by (teams.yaml, desk.yaml)
    data["labels"] = {"desk": policy.desk.name,
                      "groups": {g: v.label for g, v in policy.teams.groups.items() if v.label}}
    return data


def _pct(value: Optional[float]) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def _verdict(ok: Optional[bool]) -> str:
    return {True: "pass", False: "FAIL", None: "n/a"}[ok]


def kpi_rows(data: dict[str, Any]) -> list[list[Any]]:
    """KPI table rows: kpi, group, value, numerator/denominator, target, result."""
    rows = []
    for kpi_id, k in data["kpis"].items():
        rows.append([kpi_id, "(all)", _pct(k["value"]), f"{k['numerator']}/{k['denominator']}",
                     k["target"], _verdict(k["pass"])])
        for g, r in k.get("by_group", {}).items():
            rows.append(["", g, _pct(r["value"]), f"{r['numerator']}/{r['denominator']}",
                         r["target"], _verdict(r["pass"])])
    return rows


def as_table(data: dict[str, Any]) -> str:
    from itsmctl.render import table

    s, p = data["summary"], data["period"]
    scope = f", group {data['group']}" if data["group"] else ""
    lines = [
        f"Incident report {p['label']} ({p['from'][:10]} .. {p['to'][:10]} exclusive{scope})",
        f"total incidents: {s['total_incidents']}   response rate: "
        f"{_pct(s['response_rate'])} ({s['responded_in_time']}/{s['total_incidents']} "
        "responded in time)",
        "by priority: " + ", ".join(f"{k} {v}" for k, v in s["by_priority"].items()),
        f"resolved by line 2: {s['resolved_line2']}   by line 3: {s['resolved_line3']}   "
        f"(line 1: {s['resolved_line1']}, all: {s['resolved_total']})",
        "", "KPIs (handbook 6.2)",
        table(kpi_rows(data), ["kpi", "group", "value", "n/d", "target", "result"]),
        "", "Trend (ISO procedure 5.15)",
        table([[t["period"], t["total_incidents"], _pct(t["response_rate"]),
                t["resolved_line2"], t["resolved_line3"]] for t in data["trend"]],
              ["period", "total", "response", "line 2", "line 3"]),
    ]
    ta = data["trend_analysis"]
    if ta["change"] is not None:
        pct = f" ({ta['change_percent']:+.1f}%)" if ta["change_percent"] is not None else ""
        lines.append(f"change on the previous period: {ta['change']:+d}{pct}; "
                     f"forecast for the next: {ta['forecast_next']}")
    lines.append(f"backlog at {data['backlog']['at'][:16].replace('T', ' ')}: "
                 f"{data['backlog']['total']} open")
    return "\n".join(lines)


CSV_COLUMNS = ("section", "metric", "group", "numerator", "denominator", "value", "target",
               "pass")


def csv_rows(data: dict[str, Any]) -> list[list[Any]]:
    """Every figure as one flat row (for spreadsheets)."""
    s = data["summary"]
    rows: list[list[Any]] = [
        ["summary", "total_incidents", "", "", "", s["total_incidents"], "", ""],
        ["summary", "response_rate", "", s["responded_in_time"], s["total_incidents"],
         s["response_rate"], "", ""]]
    rows += [["by_priority", k, "", "", "", v, "", ""] for k, v in s["by_priority"].items()]
    rows += [["resolved_by_line", f"line{k}", "", "", "", v, "", ""]
             for k, v in s["resolved_by_line"].items()]
    for kpi_id, k in data["kpis"].items():
        rows.append(["kpi", kpi_id, "", k["numerator"], k["denominator"], k["value"],
                     k["target"], k["pass"]])
        rows += [["kpi", kpi_id, g, r["numerator"], r["denominator"], r["value"], r["target"],
                  r["pass"]] for g, r in k.get("by_group", {}).items()]
    rows += [["trend", "total_incidents", t["period"], "", "", t["total_incidents"], "", ""]
             for t in data["trend"]]
    return [["" if v is None else v for v in r] for r in rows]


def render(data: dict[str, Any], fmt: str) -> str:
    from itsmctl.render import csv_text, to_json

    if fmt == "json":
        return to_json(data) + "\n"
    if fmt == "csv":
        return csv_text(csv_rows(data), CSV_COLUMNS)
    if fmt == "html":
        from itsmctl.render_html import report_page

        return report_page(data)
    return as_table(data) + "\n"


def write(text: str, out: str) -> Path:
    from itsmctl.store import write_atomic

    path = Path(out)
    try:
        write_atomic(path.resolve(), text.encode("utf-8"))
    except OSError as exc:
        raise UsageError(f"--out {out}: {exc.strerror}", rule="Q2") from None
    return path
