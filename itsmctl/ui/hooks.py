"""Click commands for what arrives on stdin: `hook alertmanager` (H1), `hook mail` (E1)."""

from __future__ import annotations

import sys

import click

from itsmctl.ui.main import State, emit, pass_state


@click.group("hook")
def hook_group() -> None:
    """Payloads on stdin: alertmanager (H1), mail (E1).

    Receive monitoring payloads (H1) and mail (E1-E3) on stdin.

    Without --actor, `hook alertmanager` acts as the account named in
    config/monitoring.yaml (`monitor`) and `hook mail` as the mail gateway named in
    config/mail.yaml (`mailgate`); they author the commits.

    \b
    Examples:
      curl -s ... | itsmctl hook alertmanager
      itsmctl serve          # the same over HTTP: POST/PUT /hooks/alertmanager
      itsmctl hook mail < message.eml
    """


@hook_group.command("alertmanager")
@pass_state
def alertmanager_cmd(state: State) -> None:
    """Open, update or clear tickets from an Alertmanager/Grafana webhook payload (H1).

    One monitoring ticket per new firing alert; an alert whose fingerprint already has
    an open ticket is recorded there; a resolved alert records the clearing and, as
    config/monitoring.yaml says, resolves the ticket; an alert firing again while its
    ticket is resolved reopens it (or links a new one: `on_refire`). One commit per
    payload, none when nothing is new (a redelivery). Malformed input (not UTF-8, not
    JSON, wrong shape) or a payload over monitoring.yaml `limits`: exit 4, nothing
    committed.

    \b
    Examples:
      itsmctl hook alertmanager < payload.json
      itsmctl --json hook alertmanager < payload.json | jq .opened
    """
    from itsmctl.ui.alerting import alertmanager

    alertmanager(state)


hook_group.add_command(alertmanager_cmd, "grafana")


@hook_group.command("mail")
@pass_state
def mail_cmd(state: State) -> None:
    """Take one mail (RFC 5322) from stdin: a new ticket, a reply, or nothing (E1-E3).

    A new message opens an e-mail ticket (unverified until the desk checks it, B2) and
    the sender gets an acknowledgement with its id. A reply - [INC-...] in the subject,
    or In-Reply-To/References naming the desk's mail - adds the sender's new words to
    the ticket. Auto-replies, bounces, lists, loops and a Message-ID seen before change
    nothing (exit 0). Unreadable mail is kept in the quarantine folder (exit 4).
    Postfix's `From ` envelope line and its SENDER variable are understood.

    \b
    Examples:
      itsmctl hook mail < message.eml
      itsmctl --json hook mail < reply.eml | jq .action
      # /etc/aliases:  desk: "|itsmctl --repo /srv/desk hook mail"
    """
    import os

    from itsmctl.app.mail import receive

    envelope = os.environ.get("SENDER")            # set by Postfix local(8) for pipes
    out = receive(state.session, sys.stdin.buffer.read(), envelope)
    emit(state, out.line(), out.doc())


COMMANDS = {"hook": hook_group}
