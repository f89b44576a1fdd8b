"""Click commands that read the desk: show, list, log."""

from __future__ import annotations

from typing import Any

import click

from itsmctl.ui.main import State, emit, pass_state


@click.command("show")
@click.argument("ticket")
@pass_state
def show_cmd(state: State, ticket: str) -> None:
    """Show a ticket: state, SLA clocks and recent history.

    \b
    Examples:
      itsmctl show INC-2611-7KQ3X
      itsmctl show INC-2611-7K --json | jq .sla.restore.deadline
    """
    from itsmctl.app.queue import load, show_doc
    from itsmctl.ui.views import describe

    session = state.session
    t = load(session, ticket)
    doc = show_doc(session, t)
    emit(state, "" if state.json else describe(session.policy, t, doc), doc)


@click.command("list")
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
@pass_state
def list_cmd(state: State, fmt: str, **kw: Any) -> None:
    """List the queue (open tickets by priority), filtered.

    \b
    Examples:
      itsmctl list
      itsmctl list --group billing-app --priority P1 --priority P2
      itsmctl list --status resolved --json
      itsmctl list --visits-due
      itsmctl list --announcements
    """
    from itsmctl.app import queue
    from itsmctl.ui import views

    session = state.session
    as_json = state.json or fmt == "json"
    state.json = as_json
    if kw["visits_due"] or kw["announcements"]:
        from itsmctl.app import work  # (lifecycle rules: pydantic, only when asked)
    if kw.pop("visits_due"):
        tickets = work.visits_due(session)
        if as_json:
            emit(state, "", [work.visit_doc(session, t) for t in tickets])
            return
        rows = views.visit_rows(session.policy, tickets, session.now)
        _rows(state, fmt, rows, views.VISIT_COLUMNS)
        return
    if kw.pop("announcements"):
        docs = work.announced(session, **kw)
        if not as_json:
            _rows(state, fmt, views.announcement_rows(docs), views.ANNOUNCEMENT_COLUMNS)
            return
    elif not as_json and not kw["breached"]:
        # the table needs a line per ticket, not its whole state (issue 13)
        kw.pop("breached")
        briefs, skipped = queue.briefs(session, **kw)
        for line in skipped:
            session.say(f"itsmctl: skipped {line}")
        _rows(state, fmt, views.brief_rows(briefs), views.LIST_COLUMNS,
              session.facts["priority_levels"])
        queue.incomplete(skipped, "list")
        return
    else:
        docs = queue.select(session, **kw)
    skipped = queue.unreadable(session)
    if as_json:
        found = queue.full_docs(session, docs, skipped)
    for line in skipped:
        session.say(f"itsmctl: skipped {line}")
    if as_json:
        emit(state, "", found)
    else:
        _rows(state, fmt, views.list_rows(docs), views.LIST_COLUMNS,
              session.facts["priority_levels"])
    queue.incomplete(skipped, "list")


def _rows(state: State, fmt: str, rows: list[list[Any]], columns: Any,
          levels: Any = None) -> None:
    from itsmctl.ui.output import csv_text, table

    if fmt == "csv":
        emit(state, csv_text(rows, columns).rstrip("\n"))
    else:
        emit(state, table(rows, columns, levels) if levels else table(rows, columns))


@click.command("log")
@click.argument("ticket")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]),
              default="table", show_default=True, help="Output format.")
@pass_state
def log_cmd(state: State, ticket: str, fmt: str) -> None:
    """The ticket's whole history, one event per line.

    \b
    Examples:
      itsmctl log INC-2611-7KQ3X
      itsmctl log INC-2611-7KQ3X --format csv > history.csv
      git log --format='%h %an %s' -- tickets/2026/11/INC-2611-7KQ3X.yaml
    """
    from itsmctl.app.queue import load
    from itsmctl.ui.output import csv_text, table
    from itsmctl.ui.views import HISTORY_COLUMNS, history_rows

    t = load(state.session, ticket)
    if fmt == "csv" and not state.json:
        emit(state, csv_text(history_rows(t), HISTORY_COLUMNS).rstrip("\n"))
        return
    state.json = state.json or fmt == "json"
    emit(state, table(history_rows(t), HISTORY_COLUMNS),
         [e.model_dump(mode="json", by_alias=True) for e in t.history])


COMMANDS = {"show": show_cmd, "list": list_cmd, "log": log_cmd}
