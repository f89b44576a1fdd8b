"""The click command of the reports (Q1, Q2), and how a report looks as a table or CSV."""

from __future__ import annotations

from typing import Any, Optional

import click

from itsmctl.ui.main import State, pass_state


@click.command("report")
@click.option("--month", metavar="YYYY-MM", help="The month to report (default: the month "
              "of --now).")
@click.option("--from", "start", metavar="DATE", help="First day of a custom range "
              "(YYYY-MM-DD, inclusive).")
@click.option("--to", "end", metavar="DATE", help="Last day of the range (inclusive; "
              "default: today).")
@click.option("--group", help="Only tickets owned by this group (resolved by it, else held "
              "by it).")
@click.option("--trend", type=int, metavar="N", help="Earlier periods to compare with "
              "(default: trend_months in config/kpi.yaml).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "html"]),
              default="table", show_default=True, help="Output format; html is one "
              "self-contained page with charts.")
@click.option("--out", metavar="FILE", help="Write the report to FILE instead of stdout.")
@pass_state
def report_cmd(state: State, month: Optional[str], start: Optional[str], end: Optional[str],
               group: Optional[str], trend: Optional[int], fmt: str,
               out: Optional[str]) -> None:
    """Monthly report, KPIs, trend (Q1, Q2).

    Monthly report: figures, KPI table with targets, trend (Q1, Q2).

    \b
    Examples:
      itsmctl report --month 2026-11
      itsmctl report --month 2026-11 --format json | jq .kpis.resolution_rate
      itsmctl report --from 2026-11-01 --to 2026-11-15 --group billing-app
      itsmctl report --month 2026-11 --format html --out report-2026-11.html
    """
    from itsmctl.app.reports import build, write_report

    if state.json:
        fmt = "json"
    data = build(state.session, month, start, end, group, trend)
    text = render(data, fmt)
    if out:
        path = write_report(text, out)
        click.echo(f"report written to {path}", err=state.json)
        return
    click.echo(text, nl=False)


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
    from itsmctl.ui.output import table

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
    from itsmctl.ui.output import csv_text, to_json

    if fmt == "json":
        return to_json(data) + "\n"
    if fmt == "csv":
        return csv_text(csv_rows(data), CSV_COLUMNS)
    if fmt == "html":
        from itsmctl.ui.html import report_page

        return report_page(data)
    return as_table(data) + "\n"


COMMANDS = {"report": report_cmd}
