"""Click commands for daily work at the desk (SPEC 17): search (W1), edit (W3)."""

from __future__ import annotations

from typing import Any, Optional

import click

from itsmctl.ui.batch import for_each, tickets_argument
from itsmctl.ui.main import State, emit, pass_state
from itsmctl.ui.texts import TEXT, long_text, ticket_intro

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


COMMANDS = {"search": search_cmd, "edit": edit_cmd}
