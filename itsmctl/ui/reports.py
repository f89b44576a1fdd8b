"""Manager commands: report (Q1, Q2), qa (Q3), audit (G6). Click only; loaded lazily."""

from __future__ import annotations

import sys
from typing import Optional

import click

from itsmctl.ui.main import Obj, emit, pass_obj


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
@pass_obj
def report_cmd(obj: Obj, month: Optional[str], start: Optional[str], end: Optional[str],
               group: Optional[str], trend: Optional[int], fmt: str,
               out: Optional[str]) -> None:
    """Monthly report: figures, KPI table with targets, trend (Q1, Q2).

    \b
    Examples:
      itsmctl report --month 2026-11
      itsmctl report --month 2026-11 --format json | jq .kpis.resolution_rate
      itsmctl report --from 2026-11-01 --to 2026-11-15 --group billing-app
      itsmctl report --month 2026-11 --format html --out report-2026-11.html
    """
    from itsmctl.app.reports import build, render, write

    if obj.json:
        fmt = "json"
    data = build(obj.app, month, start, end, group, trend)
    text = render(data, fmt)
    if out:
        path = write(text, out)
        click.echo(f"report written to {path}", err=obj.json)
        return
    click.echo(text, nl=False)


@click.command("qa")
@click.option("--month", metavar="YYYY-MM", help="Only tickets opened in this month.")
@click.option("--open", "open_only", is_flag=True, help="Only open tickets (the daily "
              "review).")
@pass_obj
def qa_cmd(obj: Obj, month: Optional[str], open_only: bool) -> None:
    """Quality checks of handbook 6.1: one line 'ID: rule: message' per finding (Q3).

    Exit 1 when there is any finding, 0 when the tickets are clean. Rules:
    classification-dispatch, classification-close, classification-known,
    required-fields, severity, close, escalation (see itsmctl/core/qa.py).

    \b
    Examples:
      itsmctl qa
      itsmctl qa --month 2026-11 --json | jq '.findings[].rule' | sort | uniq -c
      itsmctl qa --open
    """
    from itsmctl.app.checks import qa as run

    findings = run(obj.app, month, open_only)
    if obj.json:
        emit(obj, "", {"ok": not findings, "findings": [
            {"ticket": f.ticket, "rule": f.rule, "message": f.message} for f in findings]})
    else:
        for f in findings:
            click.echo(f.line())
        click.echo(f"{len(findings)} finding(s)" if findings else "no findings", err=True)
    if findings:
        sys.exit(1)


@click.command("audit")
@click.option("--since", metavar="REV", envvar="PRE_COMMIT_FROM_REF", help="Only commits "
              "after REV (e.g. the merge base of a pull request); default: the whole history "
              "(or PRE_COMMIT_FROM_REF in a pre-push hook).")
@pass_obj
def audit_cmd(obj: Obj, since: Optional[str]) -> None:
    """Replay the git history of tickets/ and flag every change that was not a legal
    transition of an authorised actor (G6).

    One line per finding: 'COMMIT PATH: kind: message', kinds history, hand-edit,
    status, illegal-step, unknown-action, closed, actor, author, invalid, deleted,
    merge. Exit 1 when there is any finding, 0 when the history is clean.

    \b
    Examples:
      itsmctl audit
      itsmctl audit --since origin/main        # the commits of a pull request
      itsmctl audit --since v2026.11 --json | jq '.findings[].kind'
    """
    from itsmctl.app.audit import run

    count, findings = run(obj.app, since)
    if obj.json:
        emit(obj, "", {"ok": not findings, "commits": count,
                       "findings": [f.doc() for f in findings]})
    else:
        for f in findings:
            click.echo(f.line())
        click.echo(f"{count} commit(s) replayed, {len(findings)} finding(s)", err=True)
    if findings:
        sys.exit(1)
