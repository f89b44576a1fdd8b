"""Click commands for monitoring systems: `hook alertmanager` (H1)."""

from __future__ import annotations

import sys

import click

from itsmctl.ui.main import State, emit, pass_state


@click.group("hook")
def hook_group() -> None:
    """Monitoring payloads on stdin: alertmanager (H1).

    Receive monitoring payloads on stdin (H1); act as the monitoring account.

    Without --actor, hooks act as the account named in config/monitoring.yaml
    (`monitor`), which authors their commits.

    \b
    Examples:
      curl -s ... | itsmctl hook alertmanager
      itsmctl serve          # the same over HTTP: POST/PUT /hooks/alertmanager
    """


@hook_group.command("alertmanager")
@pass_state
def alertmanager_cmd(state: State) -> None:
    """Open, update or clear tickets from an Alertmanager/Grafana webhook payload (H1).

    One monitoring ticket per new firing alert; an alert whose fingerprint already has
    an open ticket is recorded there; a resolved alert records the clearing and, as
    config/monitoring.yaml says, resolves the ticket. One commit per payload, none when
    nothing is new (a redelivery). Bad JSON or shape: exit 4, nothing committed.

    \b
    Examples:
      itsmctl hook alertmanager < payload.json
      itsmctl --json hook alertmanager < payload.json | jq .opened
    """
    from itsmctl.app.hooks import receive

    out = receive(state.session, sys.stdin.read())
    emit(state, "\n".join(out.lines()), out.doc())


hook_group.add_command(alertmanager_cmd, "grafana")


COMMANDS = {"hook": hook_group}
