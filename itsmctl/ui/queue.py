"""Click commands that read the desk: show, list, log."""

from __future__ import annotations

from typing import Any

import click

from itsmctl.ui.main import State, emit, pass_state
from itsmctl.ui.pager import no_pager_option


@click.command("show")
@click.argument("ticket")
@no_pager_option
@pass_state
def show_cmd(state: State, ticket: str, no_pager: bool) -> None:
    """Show a ticket: state, SLA clocks and recent history.

    \b
    Examples:
      itsmctl show INC-2611-7KQ3X
      itsmctl show INC-2611-7K --json | jq .sla.restore.deadline
    """
    from itsmctl.ui.showing import show

    show(state, ticket, no_pager)


@click.command("list")
@click.option("--status", multiple=True, help="Only these statuses (repeatable; default: "
              "open ones).")
@click.option("--group", help="Only this group.")
@click.option("--priority", multiple=True, help="Only these priorities (repeatable).")
@click.option("--assignee", help="Only this assignee (a person id or e-mail; @me: you).")
@click.option("--mine", is_flag=True, help="Only tickets assigned to you.")
@click.option("--my-groups", is_flag=True, help="Only tickets of your groups.")
@click.option("--unassigned", is_flag=True, help="Only tickets nobody has taken.")
@click.option("--unverified", is_flag=True, help="Only user-submitted tickets the desk has "
              "not checked yet (B2).")
@click.option("--major", is_flag=True, help="Only major incidents.")
@click.option("--breached", is_flag=True, help="Only tickets past an SLA deadline.")
@click.option("--master", metavar="ID", help="Only the slaves of this master.")
@click.option("--text", metavar="WORDS", help="Only tickets whose words match (as search).")
@click.option("--reporter", metavar="NAME", help="Only this reporter (name, e-mail or "
              "customer id; the start of each word is enough).")
@click.option("--phone", metavar="DIGITS", help="Only this reporter phone: the number, "
              "its start, or its last four digits.")
@click.option("--ci", metavar="CI", help="Only tickets naming this configuration item.")
@click.option("--since", metavar="TIME", help="Opened at or after TIME (ISO 8601, or a "
              "duration back from now: 7d, 12h).")
@click.option("--until", metavar="TIME", help="Opened before TIME (as --since).")
@click.option("--view", metavar="NAME", help="A saved view of config/views.yaml; options "
              "given here are added to it.")
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

    Every filter value is checked: an unknown status, group, priority or person is
    exit 2 naming the known ones (W2); case is ignored (p1, NEW), and a group may be
    named by its label (数据库组). Words, reporter, phone, CI and time filters
    come from the search index (W1); saved views from config/views.yaml (W2).

    \b
    Examples:
      itsmctl list
      itsmctl list --mine
      itsmctl list --my-groups --unassigned
      itsmctl list --group billing-app --priority P1 --priority P2
      itsmctl list --all --phone 13800000000 --since 30d
      itsmctl list --view inbox
      itsmctl list --status resolved --json
      itsmctl list --visits-due
      itsmctl list --announcements
    """
    from itsmctl.ui.listing import run

    run(state, fmt, **kw)


@click.command("log")
@click.argument("ticket")
@click.option("--format", "fmt", type=click.Choice(["text", "table", "json", "csv"]),
              default="text", show_default=True, help="Output format: text is each event "
              "in words (W8).")
@no_pager_option
@pass_state
def log_cmd(state: State, ticket: str, fmt: str, no_pager: bool) -> None:
    """The ticket's whole history, one event per line.

    Each event in words: who did what when, the state it moved to, its note, and every
    field it changed as `old → new` with the desk's labels (W8); ids a list gained or
    lost (a master's slaves) as `+ ID` / `- ID`. Long output goes
    through a pager on a terminal (ITSMCTL_PAGER, PAGER, else `less -FRX`).

    \b
    Examples:
      itsmctl log INC-2611-7KQ3X
      itsmctl log INC-2611-7KQ3X --no-pager
      itsmctl log INC-2611-7KQ3X --format csv > history.csv
      git log --format='%h %an %s' -- tickets/2026/11/INC-2611-7KQ3X.yaml
    """
    from itsmctl.app.queue import load
    from itsmctl.ui.output import csv_text, table
    from itsmctl.ui.pager import show, width
    from itsmctl.ui.views import HISTORY_COLUMNS, history_rows

    policy = state.session.policy
    t = load(state.session, ticket)
    if fmt == "csv" and not state.json:
        emit(state, csv_text(history_rows(t, policy), HISTORY_COLUMNS).rstrip("\n"))
        return
    if state.json or fmt == "json":
        state.json = True
        emit(state, "", [e.model_dump(mode="json", by_alias=True) for e in t.history])
        return
    emit(state, "")
    if fmt == "table":
        show(table(history_rows(t, policy), HISTORY_COLUMNS), no_pager)
        return
    from itsmctl.ui.words import Words

    show(Words(policy, t).history(t.history, width()), no_pager)


COMMANDS = {"show": show_cmd, "list": list_cmd, "log": log_cmd}
