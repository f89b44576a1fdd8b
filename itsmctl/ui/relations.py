"""Click commands relating tickets (SPEC 4, T2): link-master, unlink, link."""

from __future__ import annotations

from typing import Any, Optional

import click

from itsmctl.ui.batch import tickets_argument
from itsmctl.ui.main import State, pass_state
from itsmctl.ui.tickets import for_each


@click.command("link-master")
@tickets_argument
@click.option("--master", required=True, metavar="ID", help="The master ticket.")
@pass_state
def link_master_cmd(state: State, tickets: tuple[str, ...], from_: Optional[str],
                    master: str) -> None:
    """Bind a duplicate to its master; it mirrors the master from now on (M1, M2).

    \b
    Examples:
      itsmctl link-master INC-2611-AAAAA --master INC-2611-7KQ3X
      itsmctl link-master INC-2611-AAAAA INC-2611-BBBBB --master INC-2611-7KQ3X
      itsmctl list --master INC-2611-7KQ3X     # its slaves
    """
    from itsmctl.app.relations import link_master

    for_each(state, tickets, from_, lambda session, ref: link_master(session, ref, master),
             line=lambda t: f"{t.id}: slave of {t.master}")


@click.command("unlink")
@tickets_argument
@pass_state
def unlink_cmd(state: State, tickets: tuple[str, ...], from_: Optional[str]) -> None:
    """End a slave's bond to its master; it keeps its state (M4).

    \b
    Examples:
      itsmctl unlink INC-2611-AAAAA
      itsmctl unlink INC-2611-AAAAA && itsmctl assign INC-2611-AAAAA --group dba
    """
    from itsmctl.app.relations import unlink

    for_each(state, tickets, from_, unlink)


@click.command("link")
@tickets_argument
@click.option("--related", metavar="ID", help="Another ticket, open or closed (M3).")
@click.option("--problem", metavar="PRB", help="The problem record (needed to close as "
              "workaround/failed).")
@click.option("--change", metavar="CHG", help="A change: the ticket waits for it (T2).")
@click.option("--requirement", metavar="REQ", help="A requirement: closes or waits (L13).")
@pass_state
def link_cmd(state: State, tickets: tuple[str, ...], from_: Optional[str], **kw: Any) -> None:
    """Link a ticket to a related ticket, a problem, a change or a requirement.

    \b
    Examples:
      itsmctl link INC-2611-7KQ3X --problem PRB-0042
      itsmctl link INC-2611-7KQ3X --related INC-2610-QQQQQ
      itsmctl link INC-2611-7KQ3X --change CHG-1234
      itsmctl link INC-2611-7KQ3X INC-2611-8ABCD --problem PRB-0042
    """
    from itsmctl.app.relations import link

    for_each(state, tickets, from_, lambda session, ref: link(session, ref, **kw))


COMMANDS = {"link-master": link_master_cmd, "unlink": unlink_cmd, "link": link_cmd}
