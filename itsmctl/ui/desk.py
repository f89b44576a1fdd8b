"""Click commands for daily work at the desk (SPEC 17): search (W1)."""

from __future__ import annotations

from typing import Optional

import click

from itsmctl.ui.main import State, emit, pass_state

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


COMMANDS = {"search": search_cmd}
