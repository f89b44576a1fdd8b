"""The click command that shares one remote (G4): sync."""

from __future__ import annotations

import click

from itsmctl.ui.main import State, emit, pass_state


@click.command("sync")
@pass_state
def sync_cmd(state: State) -> None:
    """Push local commits; replay them on top of what arrived meanwhile (G4).

    Commits made offline move onto the remote tip as they are when the tickets (and
    config) they depend on did not change there; the others run their recorded
    commands again, so their rules are checked on the fresh state. Commands push by
    themselves; sync is for work left local (offline, or exit 5).

    \b
    Examples:
      git config itsmctl.remote origin && itsmctl sync
      itsmctl --json sync
    """
    from itsmctl.app.sync import sync
    from itsmctl.errors import Findings

    result = sync(state.session)
    emit(state, f"{result.remote}: pushed {result.pushed} commit(s)"
         + (f", {len(result.dropped)} not applied" if result.dropped else ""), result.doc())
    if result.dropped:
        raise Findings(f"{len(result.dropped)} local commit(s) not applied", rule="G4")


COMMANDS = {"sync": sync_cmd}
