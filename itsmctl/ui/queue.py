"""Reading and checking the desk: show, list, log, validate, sync. Click only."""

from __future__ import annotations

import sys
from typing import Any, Optional

import click

from itsmctl.ui.main import Obj, cli, emit, pass_obj


@cli.command("show")
@click.argument("ticket")
@pass_obj
def show_cmd(obj: Obj, ticket: str) -> None:
    """Show a ticket: state, SLA clocks and recent history.

    \b
    Examples:
      itsmctl show INC-2611-7KQ3X
      itsmctl show INC-2611-7K --json | jq .sla.restore.deadline
    """
    from itsmctl.app.queue import describe, load, show_doc

    t = load(obj.app, ticket)
    doc = show_doc(obj.app, t)
    emit(obj, "" if obj.json else describe(obj.app, t, doc), doc)


@cli.command("list")
@click.option("--status", multiple=True, help="Only these statuses (repeatable; default: "
              "open ones).")
@click.option("--group", help="Only this group.")
@click.option("--priority", multiple=True, help="Only these priorities (repeatable).")
@click.option("--assignee", help="Only this assignee.")
@click.option("--major", is_flag=True, help="Only major incidents.")
@click.option("--breached", is_flag=True, help="Only tickets past an SLA deadline.")
@click.option("--master", metavar="ID", help="Only the slaves of this master.")
@click.option("--all", "show_all", is_flag=True, help="Closed and resolved ones too.")
@click.option("--visits-due", is_flag=True, help="Closed user tickets still owed a return "
              "visit, earliest due first (V1).")
@click.option("--announcements", is_flag=True, help="Tickets with an open announcement, "
              "one row each (A1); with --all, closed announcements too.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]),
              default="table", show_default=True, help="Output format.")
@pass_obj
def list_cmd(obj: Obj, fmt: str, **kw: Any) -> None:
    """List the queue (open tickets by priority), filtered.

    \b
    Examples:
      itsmctl list
      itsmctl list --group billing-app --priority P1 --priority P2
      itsmctl list --status resolved --json
      itsmctl list --visits-due
      itsmctl list --announcements
    """
    from itsmctl.app import queue as read
    from itsmctl.app.queue import LIST_COLUMNS, list_rows, select
    from itsmctl.ui.output import csv_text, table

    app = obj.app
    if kw.get("master"):
        kw["master"] = app.desk.resolve_id(kw["master"])
    if kw.pop("visits_due"):
        from itsmctl.ui.sweep import list_visits_due

        return list_visits_due(obj, fmt)
    if kw.pop("announcements"):
        from itsmctl.app import work as announce

        docs = announce.announced(app, **kw)
        if not (obj.json or fmt == "json"):
            rows, cols = announce.announcement_rows(docs), announce.ANNOUNCEMENT_COLUMNS
            emit(obj, csv_text(rows, cols).rstrip("\n") if fmt == "csv" else table(rows, cols))
            return
    else:
        docs = select(app, **kw)
    if obj.json or fmt == "json":
        obj.kwargs["json"] = True
        emit(obj, "", read.full_docs(app, docs))
    elif fmt == "csv":
        click.echo(csv_text(list_rows(docs), LIST_COLUMNS), nl=False)
    else:
        emit(obj, table(list_rows(docs), LIST_COLUMNS, app.policy.matrix.priority_levels))


@cli.command("log")
@click.argument("ticket")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]),
              default="table", show_default=True, help="Output format.")
@pass_obj
def log_cmd(obj: Obj, ticket: str, fmt: str) -> None:
    """The ticket's whole history, one event per line.

    \b
    Examples:
      itsmctl log INC-2611-7KQ3X
      itsmctl log INC-2611-7KQ3X --format csv > history.csv
      git log --format='%h %an %s' -- tickets/2026/11/INC-2611-7KQ3X.yaml
    """
    from itsmctl.app.queue import history_rows, load
    from itsmctl.ui.output import csv_text, table

    t = load(obj.app, ticket)
    cols = ["at", "actor", "action", "state", "note"]
    if fmt == "csv" and not obj.json:
        click.echo(csv_text(history_rows(t), cols), nl=False)
        return
    obj.kwargs["json"] = obj.json or fmt == "json"
    emit(obj, table(history_rows(t), cols),
         [e.model_dump(mode="json", by_alias=True) for e in t.history])


@cli.command("validate")
@click.argument("paths", nargs=-1, metavar="[FILE]...")
@click.option("--since", metavar="REV", help="Only the tickets changed since REV (all of "
              "them when config/ changed); the config is always checked.")
@pass_obj
def validate_cmd(obj: Obj, paths: tuple[str, ...], since: Optional[str]) -> None:
    """Check every config and ticket file (G5); exit 4 with one line per problem.

    Schemas, cross-references (groups, people, codes, matrix, routing, delegates) and
    derived values recomputed (priority, major, stored SLA). FILEs limit the ticket
    files checked (pre-commit passes the staged ones).

    \b
    Examples:
      itsmctl validate
      itsmctl validate tickets/2026/11/INC-2611-7KQ3X.yaml
      itsmctl validate --since origin/main   # in CI on a pull request
    """
    from itsmctl.app.checks import validate as run

    problems = run(obj.app, paths, since)
    if obj.json:
        emit(obj, "", {"ok": not problems, "problems": problems})
    else:
        for line in problems:
            click.echo(line, err=True)
        if not problems:
            click.echo("desk is valid")
    if problems:
        sys.exit(4)


@cli.command("sync")
@pass_obj
def sync_cmd(obj: Obj) -> None:
    """Push local commits; replay them on top of what arrived meanwhile (G4).

    Commits made offline are rebuilt on the remote tip by running their recorded
    commands again, so every rule is checked on the fresh state.

    \b
    Examples:
      git config itsmctl.remote origin && itsmctl sync
      itsmctl --json sync
    """
    from itsmctl.app.sync import run

    result = run(obj.app)
    emit(obj, f"{result['remote']}: pushed {result['pushed']} commit(s)"
         + (f", {len(result['dropped'])} not applied" if result["dropped"] else ""), result)
    if result["dropped"]:
        sys.exit(1)
