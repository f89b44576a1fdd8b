"""Click commands for daily work at the desk (SPEC 17): search (W1), edit (W3), watch,
unwatch and inbox (W6)."""

from __future__ import annotations

from typing import Any, Optional

import click

from itsmctl.ui.batch import tickets_argument
from itsmctl.ui.main import State, emit, pass_state
from itsmctl.ui.pager import no_pager_option
from itsmctl.ui.texts import TEXT, long_text, ticket_intro
from itsmctl.ui.tickets import for_each

SEARCH_COLUMNS = ("id", "status", "priority", "opened", "title", "found")


@click.command("search")
@click.argument("text", nargs=-1, required=True)
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True,
              help="At most this many tickets.")
@pass_state
def search_cmd(state: State, text: tuple[str, ...], limit: Optional[int]) -> None:
    """Find tickets by their words, best match first (W1).

    Searches titles, descriptions, notes, solutions, the reporter's name, phone and
    e-mail, CIs, locations and alert texts, open and closed tickets alike; Chinese
    and English words alike (as `kb search`). Every word must match; when no ticket has
    them all, the tickets with most of them are shown. A number of three digits or
    more matches the start of a longer one (and a phone's last four digits match).

    \b
    Examples:
      itsmctl search 王五
      itsmctl search 13800000000
      itsmctl search db01 slow --limit 5
      itsmctl search 账单 金额 --json | jq -r '.[0].id'
    """
    from itsmctl.app.desk import search
    from itsmctl.ui.output import short_time, table

    hits = search(state.session, " ".join(text), limit)
    rows = [[h.doc.get("id"), h.doc.get("status"), h.doc.get("priority"),
             short_time(h.doc.get("opened_at")), h.doc.get("title"), h.found] for h in hits]
    emit(state, table(rows, SEARCH_COLUMNS), [h.as_doc() for h in hits])


@click.command("edit")
@tickets_argument
@click.option("--title", type=TEXT, help="New title ('-': stdin).")
@long_text("description", "New description.", canned=True)
@click.option("--reporter-id", help="Reporter's customer id.")
@click.option("--reporter-name", help="Reporter's name.")
@click.option("--reporter-phone", help="Reporter's phone.")
@click.option("--reporter-email", help="Reporter's e-mail.")
@click.option("--reporter-kind", help="staff, manager, vip… (reclassify to change urgency).")
@click.option("--reporter-dept", help="Reporter's department.")
@click.option("--location", help="Site ('' clears it).")
@click.option("--ci", "cis", multiple=True, help="The configuration items, all of them "
              "(repeatable; replaces the list).")
@click.option("--add-ci", multiple=True, help="Add a configuration item (repeatable).")
@click.option("--remove-ci", multiple=True, help="Remove a configuration item (repeatable).")
@long_text("reason", "Why it changes (required, W3).", required=True,
           intro=ticket_intro("Why the ticket's fields change"))
@pass_state
def edit_cmd(state: State, tickets: tuple[str, ...], from_: Optional[str],
             reason: Optional[str], **kw: Any) -> None:
    """Correct a ticket's own fields, old -> new in its history (W3).

    Title, description, the reporter's details, CIs and location; not on closed
    tickets (L14). Priority and classification change with `classify` (P4).

    \b
    Examples:
      itsmctl edit INC-2611-7KQ3X --reporter-phone 13800000001 --reason "caller gave a typo"
      itsmctl edit INC-2611-7KQ3X --title "计费出错：三月账单" --reason "clearer title"
      itsmctl edit INC-2611-7KQ3X INC-2611-8ABCD --add-ci billing-db01 --reason "same host"
    """
    from itsmctl.app.desk import edit
    from itsmctl.core.edit import Changes

    reporter = {k: kw.pop(f"reporter_{k}") for k in ("id", "name", "phone", "email", "kind")}
    reporter["department"] = kw.pop("reporter_dept")
    changes = Changes(title=kw["title"], description=kw["description"],
                      location=kw["location"], reporter=reporter,
                      cis=list(kw["cis"]) if kw["cis"] else None,
                      add_cis=list(kw["add_ci"]), remove_cis=list(kw["remove_ci"]))
    for_each(state, tickets, from_, lambda session, ref: edit(session, ref, changes, reason))


@click.command("watch")
@tickets_argument
@click.option("--person", help="Someone else to add as a watcher (a person id or e-mail).")
@pass_state
def watch_cmd(state: State, tickets: tuple[str, ...], from_: Optional[str],
              person: Optional[str]) -> None:
    """Follow a ticket: its notices come to you too (W6).

    A watcher gets every notice the ticket sends (role W in config/notify.yaml routes)
    and sees its changes in `itsmctl inbox`.

    \b
    Examples:
      itsmctl --actor mike watch INC-2611-7KQ3X
      itsmctl watch INC-2611-7KQ3X --person leo
      itsmctl list --major --json | jq -r '.[].id' | itsmctl --actor mike watch --from -
    """
    from itsmctl.app.desk import watch

    for_each(state, tickets, from_, lambda session, ref: watch(session, ref, person),
             line=lambda t: f"{t.id}: watched by {', '.join(t.watchers)}")


@click.command("unwatch")
@tickets_argument
@click.option("--person", help="Someone else to remove (a person id or e-mail).")
@pass_state
def unwatch_cmd(state: State, tickets: tuple[str, ...], from_: Optional[str],
                person: Optional[str]) -> None:
    """Stop following a ticket (W6).

    \b
    Examples:
      itsmctl --actor mike unwatch INC-2611-7KQ3X
      itsmctl unwatch INC-2611-7KQ3X --person leo
    """
    from itsmctl.app.desk import unwatch

    for_each(state, tickets, from_, lambda session, ref: unwatch(session, ref, person),
             line=lambda t: f"{t.id}: watched by {', '.join(t.watchers) or 'nobody'}")


@click.command("inbox")
@click.option("--since", metavar="TIME", help="Changes since TIME (ISO 8601, or a duration "
              "back: 1d) instead of since you last looked; the mark stays where it was.")
@no_pager_option
@pass_state
def inbox_cmd(state: State, since: Optional[str], no_pager: bool) -> None:
    """What others changed on tickets you own, watch or opened, since you last looked (W6).

    The first look shows the last 7 days. When you last looked, and at which commit,
    is kept per person in this clone (.git/itsmctl/inbox/), never committed: what
    arrived since is shown whatever time it carries (work synced from offline), and
    a ticket moved away from you since is shown too ("was owner").

    \b
    Examples:
      itsmctl --actor carol inbox
      itsmctl inbox --since 1d
      itsmctl inbox --json | jq -r '.changes[] | "\\(.id) \\(.action)"'
    """
    from itsmctl.app.desk import inbox
    from itsmctl.ui.pager import show, width
    from itsmctl.ui.words import Words, wrap

    session = state.session
    box = inbox(session, since)
    if state.json:
        emit(state, "", {"since": box.since.isoformat(),
                         "changes": [c.as_doc() for c in box.changes]})
        return
    emit(state, "")
    columns = width()
    lines: list[str] = []
    last = None
    for change in box.changes:
        t = change.ticket
        if t.id != last:
            if lines:
                lines.append("")
            lines += wrap(f"{t.id}  {t.title}  [{t.status} {t.priority}]  "
                          f"({', '.join(change.why)})", columns, indent="", hang="    ")
            last = t.id
        lines += Words(session.policy, t).event(change.event, columns)
    since_text = box.since.astimezone(session.tz).strftime("%Y-%m-%d %H:%M")
    if not lines:
        lines = [f"nothing new since {since_text}"]
    show("\n".join(lines), no_pager)


COMMANDS = {"search": search_cmd, "edit": edit_cmd, "watch": watch_cmd,
            "unwatch": unwatch_cmd, "inbox": inbox_cmd}
