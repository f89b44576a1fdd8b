"""Click commands for work attached to a ticket: `task` (T1), `announce` (A1), `visit` (V1)."""

from __future__ import annotations

from typing import Optional

import click

from itsmctl.ui.batch import tickets_argument
from itsmctl.ui.main import State, emit_ticket, pass_state
from itsmctl.ui.texts import TEXT, long_text, ticket_intro
from itsmctl.ui.tickets import for_each


@click.group("task")
def task_group() -> None:
    """Tasks for other groups: add, done (T1).

    Tasks split off an incident for other groups (T1).

    A ticket cannot be resolved while one of its tasks is open (handbook 4.4).

    \b
    Examples:
      itsmctl --actor carol task add INC-2611-7KQ3X --title "restore the rate table" --group dba
      itsmctl --actor erin task done INC-2611-7KQ3X T1 --result "restored from backup"
    """


@task_group.command("add")
@tickets_argument
@click.option("--title", type=TEXT, help="What the task is (required; '-': stdin).")
@click.option("--group", help="The group that does it (default: the ticket's group).")
@pass_state
def task_add_cmd(state: State, tickets: tuple[str, ...], from_: Optional[str],
                 title: Optional[str], group: Optional[str]) -> None:
    """Add a task for a group; prints the ticket's state and the task id.

    \b
    Examples:
      itsmctl --actor carol task add INC-2611-7KQ3X --title "check the index" --group dba
      itsmctl --actor carol task add INC-2611-7KQ3X --title "patch the rate table"
    """
    from itsmctl.app.work import task_add

    for_each(state, tickets, from_, lambda session, ref: task_add(session, ref, title, group),
             line=lambda t: f"{t.id}: task {t.tasks[-1].id} for {t.tasks[-1].group} open")


@task_group.command("done")
@click.argument("ticket")
@click.argument("task")
@long_text("result", "What the group did (required).", required=True, canned=True,
           intro=ticket_intro("The task's result"))
@pass_state
def task_done_cmd(state: State, ticket: str, task: str, result: Optional[str]) -> None:
    """Record a task's result; the task's group or the ticket's group reports it.

    \b
    Examples:
      itsmctl --actor erin task done INC-2611-7KQ3X T1 --result "index rebuilt"
      itsmctl --actor carol task done INC-2611-7KQ3X t2 --result "rates corrected"
    """
    from itsmctl.app.work import task_done

    t = task_done(state.session, ticket, task, result)
    left = [x.id for x in t.tasks if x.status == "open"]
    emit_ticket(state, t, f"{t.id}: task {task.upper()} done"
                + (f"; open: {', '.join(left)}" if left else "; no open tasks"))


@click.command("announce")
@tickets_argument
@click.option("--kind", required=True, type=click.Choice(["outage", "maintenance", "info"]),
              help="outage (故障通告), maintenance (停机通告) or info (信息公示).")
@click.option("--title", type=TEXT, help="Headline of the announcement (required; '-': "
              "stdin).")
@long_text("body", "Cause, who is affected, when service is expected back (required).",
           required=True, canned=True, intro=ticket_intro("The announcement's body"))
@pass_state
def announce_cmd(state: State, tickets: tuple[str, ...], from_: Optional[str], kind: str,
                 title: Optional[str], body: Optional[str]) -> None:
    """Post the ticket's announcement (A1).

    Post (or replace) the ticket's announcement; closing the ticket closes it (A1).

    \b
    Examples:
      itsmctl announce INC-2611-7KQ3X --kind outage --title "计费系统故障通告" \\
          --body "计费系统数据库故障，预计15:30前恢复。"
      itsmctl announce INC-2611-7KQ3X --kind maintenance --title "Billing down 22:00-23:00" \\
          --body "Planned restart of the billing database."
    """
    from itsmctl.app.work import announce

    for_each(state, tickets, from_,
             lambda session, ref: announce(session, ref, kind, title, body),
             line=lambda t: f"{t.id}: {kind} announcement open")


@click.command("visit")
@tickets_argument
@long_text("result", "What the user said on the return visit (required).", required=True,
           canned=True, intro=ticket_intro("The return visit's result"))
@click.option("--satisfaction", type=int, help="1 (poor) to 5 (excellent), if asked.")
@pass_state
def visit_cmd(state: State, tickets: tuple[str, ...], from_: Optional[str],
              result: Optional[str], satisfaction: Optional[int]) -> None:
    """Record a closed ticket's return visit (V1).

    Record the return visit of a closed ticket (V1, ISO procedure 5.14).

    Closed user tickets are owed a visit within the working days of sla.yaml `visit`;
    `list --visits-due` shows the ones still owed.

    \b
    Examples:
      itsmctl visit INC-2611-7KQ3X --result "invoice correct now, user satisfied"
      itsmctl visit INC-2611-7KQ3X --result "slow again on Mondays" --satisfaction 3
    """
    from itsmctl.app.work import visit

    for_each(state, tickets, from_,
             lambda session, ref: visit(session, ref, result, satisfaction),
             line=lambda t: f"{t.id}: visited ({t.visit.result if t.visit else ''})")


COMMANDS = {"task": task_group, "announce": announce_cmd, "visit": visit_cmd}
