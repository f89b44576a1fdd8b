"""Click commands for work attached to a ticket: `task` (T1) and `announce` (A1)."""

from __future__ import annotations

from typing import Optional

import click

from itsmctl.ui.main import Obj, emit_ticket, pass_obj


@click.group("task")
def task_group() -> None:
    """Tasks split off an incident for other groups (T1).

    A ticket cannot be resolved while one of its tasks is open (handbook 4.4).

    \b
    Examples:
      itsmctl --actor carol task add INC-2611-7KQ3X --title "restore the rate table" --group dba
      itsmctl --actor erin task done INC-2611-7KQ3X T1 --result "restored from backup"
    """


@task_group.command("add")
@click.argument("ticket")
@click.option("--title", help="What the task is (required).")
@click.option("--group", help="The group that does it (default: the ticket's group).")
@pass_obj
def task_add_cmd(obj: Obj, ticket: str, title: Optional[str], group: Optional[str]) -> None:
    """Add a task for a group; prints the ticket's state and the task id.

    \b
    Examples:
      itsmctl --actor carol task add INC-2611-7KQ3X --title "check the index" --group dba
      itsmctl --actor carol task add INC-2611-7KQ3X --title "patch the rate table"
    """
    from itsmctl.app.work import add

    t = add(obj.app, ticket, title, group)
    task = t.tasks[-1]
    emit_ticket(obj, t, f"{t.id}: task {task.id} for {task.group} open")


@task_group.command("done")
@click.argument("ticket")
@click.argument("task")
@click.option("--result", help="What the group did (required).")
@pass_obj
def task_done_cmd(obj: Obj, ticket: str, task: str, result: Optional[str]) -> None:
    """Record a task's result; the task's group or the ticket's group reports it.

    \b
    Examples:
      itsmctl --actor erin task done INC-2611-7KQ3X T1 --result "index rebuilt"
      itsmctl --actor carol task done INC-2611-7KQ3X t2 --result "rates corrected"
    """
    from itsmctl.app.work import done

    t = done(obj.app, ticket, task, result)
    left = [x.id for x in t.tasks if x.status == "open"]
    emit_ticket(obj, t, f"{t.id}: task {task.upper()} done"
                + (f"; open: {', '.join(left)}" if left else "; no open tasks"))


@click.command("announce")
@click.argument("ticket")
@click.option("--kind", required=True, type=click.Choice(["outage", "maintenance", "info"]),
              help="outage (故障通告), maintenance (停机通告) or info (信息公示).")
@click.option("--title", help="Headline of the announcement (required).")
@click.option("--body", help="Cause, who is affected, when service is expected back "
              "(required).")
@pass_obj
def announce_cmd(obj: Obj, ticket: str, kind: str, title: Optional[str],
                 body: Optional[str]) -> None:
    """Post (or replace) the ticket's announcement; closing the ticket closes it (A1).

    \b
    Examples:
      itsmctl announce INC-2611-7KQ3X --kind outage --title "计费系统故障通告" \\
          --body "计费系统数据库故障，预计15:30前恢复。"
      itsmctl announce INC-2611-7KQ3X --kind maintenance --title "Billing down 22:00-23:00" \\
          --body "Planned restart of the billing database."
    """
    from itsmctl.app.work import announce

    t = announce(obj.app, ticket, kind, title, body)
    emit_ticket(obj, t, f"{t.id}: {kind} announcement open")
