"""Click command for files on a ticket: `attach` (E4)."""

from __future__ import annotations

from typing import Optional

import click

from itsmctl.ui.main import State, emit_ticket, pass_state


@click.command("attach")
@click.argument("ticket")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--name", help="The name to keep it under (default: the file's own name).")
@pass_state
def attach_cmd(state: State, ticket: str, file: str, name: Optional[str]) -> None:
    """Attach a file to a ticket, kept under attachments/<ID>/ (E4).

    The ticket lists it with its name, size and sha256; `validate` checks the file is
    still there and unchanged. A file over mail.yaml's max_attachment_size is refused.

    \b
    Examples:
      itsmctl attach INC-2611-7KQ3X screenshot.png
      itsmctl attach INC-2611-7KQ3X - --name billing.log < /var/log/billing.log
    """
    import sys
    from pathlib import Path

    from itsmctl.app.mail import attach
    from itsmctl.errors import NotFound, UsageError

    if file == "-":
        if not name:
            raise UsageError("a file read from stdin needs --name", rule="E4")
        data = sys.stdin.buffer.read()
    else:
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            raise NotFound(f"{file}: {exc.strerror}", rule="E4") from None
    t = attach(state.session, ticket, name or Path(file).name, data)
    a = t.attachments[-1]
    emit_ticket(state, t, f"{t.id}: attached {a.name} ({a.size} bytes, sha256 {a.sha256[:12]})")


COMMANDS = {"attach": attach_cmd}
