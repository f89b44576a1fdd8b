"""Click commands for the desk's sense of time: `sweep` (S4-S6, L7, L11, V1) and `visit` (V1)."""

from __future__ import annotations

from typing import Any, Optional

import click

from itsmctl.ui.main import Obj, emit, emit_ticket, pass_obj


@click.command("sweep")
@click.option("--dry-run", is_flag=True, help="Print what the sweep would do; change nothing.")
@click.option("--no-retry", is_flag=True, help="Do not retry failed notification deliveries.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing when nothing was done "
              "(for cron, which mails any output).")
@pass_obj
def sweep_cmd(obj: Obj, dry_run: bool, no_retry: bool, quiet: bool) -> None:
    """Record SLA breaches and escalate, resume, auto-close, announce visits (S4, L11).

    Run it from cron every minute. It acts as the reserved actor `sweep` (no --actor
    needed) and makes ONE commit for everything it did, or none when nothing was due;
    each ticket's history records its own events. Two sweeps at once never escalate
    twice: they take the desk lock in turn. Every time comparison uses --now /
    ITSMCTL_NOW when given (S7).

    \b
    Examples:
      itsmctl sweep
      itsmctl sweep --dry-run
      itsmctl --now 2026-12-01T09:00+08:00 sweep --dry-run --json
      * * * * *  cd /srv/desk && itsmctl sweep --quiet    # crontab (contrib/cron)
    """
    from itsmctl.app import sweep

    app = obj.app
    outcome = sweep.preview(app) if dry_run else sweep.run(app, retry=not no_retry)
    for line in outcome.skipped:
        app.say(f"itsmctl sweep: skipped: {line}")
    idle = not (outcome.actions or outcome.retried or outcome.commit)
    emit(obj, "" if quiet and idle else _human(outcome), outcome.doc())


def _human(outcome: Any) -> str:
    from itsmctl.core.sweep import summary

    head = ("would do" if outcome.dry_run else "did") + f": {summary(outcome.actions)}"
    if outcome.commit:
        head += f" (commit {outcome.commit[:10]})"
    lines = [f"sweep at {outcome.now} {head}"]
    lines += [f"  {a.ticket}  {a.describe()}" for a in outcome.actions]
    if outcome.retried:
        verb = "to retry" if outcome.dry_run else "retried or recorded"
        lines.append(f"  notifications {verb}: {', '.join(outcome.retried)}")
    return "\n".join(lines)


@click.command("visit")
@click.argument("ticket")
@click.option("--result", help="What the user said on the return visit (required).")
@click.option("--satisfaction", type=int, help="1 (poor) to 5 (excellent), if asked.")
@pass_obj
def visit_cmd(obj: Obj, ticket: str, result: Optional[str], satisfaction: Optional[int]) -> None:
    """Record the return visit of a closed ticket (V1, ISO procedure 5.14).

    Closed user tickets are owed a visit within the working days of sla.yaml `visit`;
    `list --visits-due` shows the ones still owed.

    \b
    Examples:
      itsmctl visit INC-2611-7KQ3X --result "invoice correct now, user satisfied"
      itsmctl visit INC-2611-7KQ3X --result "slow again on Mondays" --satisfaction 3
    """
    from itsmctl.app.work import record

    t = record(obj.app, ticket, result, satisfaction)
    emit_ticket(obj, t, f"{t.id}: visited ({t.visit.result})")


def list_visits_due(obj: Obj, fmt: str) -> None:
    """`list --visits-due`: closed user tickets still owed a return visit (V1)."""
    from itsmctl.app import work as visit
    from itsmctl.ui.output import csv_text, table

    app = obj.app
    tickets = visit.due_tickets(app)
    if obj.json or fmt == "json":
        obj.kwargs["json"] = True
        emit(obj, "", [visit.due_doc(app, t) for t in tickets])
    elif fmt == "csv":
        click.echo(csv_text(visit.visit_rows(app, tickets), visit.VISIT_COLUMNS), nl=False)
    else:
        emit(obj, table(visit.visit_rows(app, tickets), visit.VISIT_COLUMNS))
