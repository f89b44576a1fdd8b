"""The click command of the reports (Q1, Q2), and how a report looks as a table or CSV."""

from __future__ import annotations

from typing import Any, Optional

import click

from itsmctl.ui.main import State, pass_state


@click.command("report")
@click.option("--month", metavar="YYYY-MM", help="The month to report (default: the month "
              "of --now).")
@click.option("--week", metavar="YYYY-Www", help="An ISO week, Monday to Sunday (weekly "
              "report, appendix 2 1.1.6).")
@click.option("--from", "start", metavar="DATE", help="First day of a custom range "
              "(YYYY-MM-DD, inclusive).")
@click.option("--to", "end", metavar="DATE", help="Last day of the range (inclusive; "
              "default: today).")
@click.option("--group", help="Only tickets owned by this group (resolved by it, else held "
              "by it).")
@click.option("--trend", type=int, metavar="N", help="Earlier periods to compare with "
              "(default: trend_months in config/kpi.yaml).")
@click.option("--analysis", is_flag=True, help="Add the fault analysis (handbook 6.3): "
              "by category, causation, CI and group; top recurring faults; workload per "
              "assignee; major incidents.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "html"]),
              default="table", show_default=True, help="Output format; html is one "
              "self-contained page with charts.")
@click.option("--out", metavar="FILE", help="Write the report to FILE instead of stdout.")
@pass_state
def report_cmd(state: State, month: Optional[str], week: Optional[str], start: Optional[str],
               end: Optional[str], group: Optional[str], trend: Optional[int],
               analysis: bool, fmt: str, out: Optional[str]) -> None:
    """Monthly or weekly report, KPIs, trend, fault analysis (Q1, Q2, Q4-Q6).

    Figures, KPI table with targets, trend (Q1, Q2); weekly reports and the local-desk
    and monitoring KPIs (Q4); with --analysis the fault analysis of handbook 6.3 (Q5).
    Every figure names the tickets behind it: `tickets` lists in --format json, links
    in the HTML page (Q6). A ticket file that cannot be read is named on stderr and
    left out of the figures; the report is still written, and the exit code is 4.

    \b
    Examples:
      itsmctl report --month 2026-11
      itsmctl report --week 2026-W48 --analysis
      itsmctl report --month 2026-11 --format json | jq .kpis.resolution_rate
      itsmctl report --from 2026-11-01 --to 2026-11-15 --group billing-app
      itsmctl report --month 2026-11 --analysis --format html --out report-2026-11.html
    """
    from itsmctl.app.reports import build, write_report

    if state.json:
        fmt = "json"
    data = build(state.session, month, start, end, group, trend, week, analysis)
    text = render(data, fmt)
    if out:
        path = write_report(text, out)
        click.echo(f"report written to {path}", err=state.json)
    else:
        click.echo(text, nl=False)
    _incomplete(state, data["skipped"])


def _incomplete(state: State, skipped: list[str]) -> None:
    """G5: a report that left ticket files out says which and exits 4 (it is printed,
    so a cron mail still carries it, but it does not pass for complete)."""
    from itsmctl.errors import Findings

    if not skipped:
        return
    for line in skipped:
        click.echo(f"itsmctl report: skipped: {line}", err=True)
    message = (f"{len(skipped)} ticket file(s) skipped: the figures leave them out "
               "(G5; itsmctl validate names each problem)")
    click.echo(f"itsmctl report: {message}", err=True)
    raise Findings(message, exit_code=4, rule="G5")


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
        forecast = (f"forecast for the next: {ta['forecast_next']}"
                    if ta.get("forecast_next") is not None else
                    f"no forecast: {ta.get('forecast_basis', 0)} period(s) with tickets")
        lines.append(f"change on the previous period: {ta['change']:+d}{pct}; {forecast}")
    lines.append(f"backlog at {data['backlog']['at'][:16].replace('T', ' ')}: "
                 f"{data['backlog']['total']} open")
    if "analysis" in data:
        lines += ["", analysis_text(data["analysis"])]
    return "\n".join(lines)


def _dur(t: dict[str, Any]) -> str:
    return f"{t['mean'] or '-'} / {t['p90'] or '-'}"


def analysis_text(a: dict[str, Any]) -> str:
    """The fault analysis (Q5) as tables: one per dimension, then the lists."""
    from itsmctl.ui.output import table

    out = ["Fault analysis (handbook 6.3)"]
    for key, title in (("by_category", "by category / symptom"),
                       ("by_causation", "by causation"), ("by_ci", "by CI"),
                       ("by_group", "by group")):
        out += ["", title, table(
            [[r["key"], r["label"], r["volume"], _dur(r["respond"]), _dur(r["restore"]),
              r["sla_misses"], r["recurrences"]] for r in a[key]],
            ["key", "label", "tickets", "respond mean/p90", "restore mean/p90",
             "SLA misses", "recurrences"])]
    out += ["", "top recurring faults", table(
        [[r["key"], r["label"], r["recurrences"], " ".join(r["tickets"]["recurrences"])]
         for r in a["top_recurring"]], ["fault", "label", "recurrences", "tickets"])]
    out += ["", "workload per assignee", table(
        [[r["assignee"], r["label"], r["tickets_total"], r["open"], r["resolved"],
          r["sla_misses"], r["restore"]["mean"] or "-"] for r in a["workload"]],
        ["assignee", "name", "tickets", "open", "resolved", "SLA misses", "restore mean"])]
    out += ["", "major incidents", table(
        [[m["id"], m["status"], m["group_label"] or "", (m["opened_at"] or "")[:16],
          m["restore"] or "-", m["title"]] for m in a["major_incidents"]],
        ["id", "status", "group", "opened", "restored after", "title"])]
    return "\n".join(out)


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
    for dim in ("by_category", "by_causation", "by_ci", "by_group"):
        for r in (data.get("analysis") or {}).get(dim, []):
            rows += [[f"analysis.{dim}", metric, r["key"], "", "", r[metric], "", ""]
                     for metric in ("volume", "sla_misses", "recurrences")]
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
