"""What the global options said, and printing a command's result, without importing click.

ui.main re-exports these; they live here so that `list`'s quick start (ui/quick.py)
can run the command without click (~20 ms of imports, issue 13).
"""

from __future__ import annotations

import io
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional

    from itsmctl.app.session import Session
    from itsmctl.core.model import Ticket


class State:
    """What the global options said, and the Session made from it on first use."""

    def __init__(self, repo: Optional[str] = None, actor: Optional[str] = None,
                 now: Optional[str] = None, json: bool = False, debug: bool = False) -> None:
        self.repo, self.actor, self.now = repo, actor, now
        self.json, self.debug = json, debug
        self._session: Optional["Session"] = None

    def __repr__(self) -> str:
        return (f"State(repo={self.repo!r}, actor={self.actor!r}, now={self.now!r}, "
                f"json={self.json!r}, debug={self.debug!r})")

    @property
    def session(self) -> "Session":
        if self._session is None:
            from itsmctl.app.session import Session
            from itsmctl.ui.term import Progress

            self._session = Session(repo=self.repo, actor_given=self.actor,
                                    now_given=self.now, progress=Progress)
        return self._session


def echo(text: str, err: bool = False) -> None:
    """click.echo(text, err=err) for one str: written and flushed as click does it when
    the stream is a UTF-8 text stream and the text has no escape code; anything else
    (an ANSI colour click would strip for a file, an ASCII-configured stream that click
    re-wraps) is handed to click itself."""
    stream = sys.stderr if err else sys.stdout
    if stream is None or "\x1b" in text or not plain_stream(stream):
        import click

        click.echo(text, err=err)
        return
    stream.write(text + "\n")
    stream.flush()


def plain_stream(stream: Any) -> bool:
    """A text stream click writes to as it is: text, UTF-8, with an error handler."""
    encoding = getattr(stream, "encoding", None)
    return (isinstance(stream, io.TextIOBase) and isinstance(encoding, str)
            and encoding.lower().replace("-", "").replace("_", "") == "utf8"
            and getattr(stream, "errors", None) is not None)


def emit(state: State, human: str, data: Any = None) -> None:
    """Print the result: messages on stderr, then JSON with --json, else the human text."""
    session = state._session
    if session is not None:
        for message in session.messages:
            echo(message, err=True)
        session.messages.clear()
    if state.json:
        from itsmctl.ui.output import to_json

        echo(to_json(data))
    elif human:
        echo(human)


def emit_ticket(state: State, ticket: "Ticket", human: str) -> None:
    """A ticket as committed: `show --json` of it with --json, else the human line."""
    if not state.json:
        emit(state, human)
        return
    from itsmctl.app.queue import show_doc

    emit(state, human, show_doc(state.session, ticket))


def state_line(ticket: "Ticket") -> str:
    who = f" {ticket.group}" if ticket.group else ""
    who += f"/{ticket.assignee}" if ticket.assignee else ""
    return f"{ticket.id}: {ticket.status}{who} [{ticket.priority}]"
