"""Several tickets per write command (W5) without click: the ids of --from and one
commit for the batch; ui/batch.py's option and ui/quick.py's commands use them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Optional

from itsmctl.ui.state import State, emit, emit_ticket, state_line

if TYPE_CHECKING:
    from itsmctl.app.session import Session
    from itsmctl.core.model import Ticket

    # (for the type checker only: at run time typing would compile each quoted name,
    # and the first compile() of a process sets up the AST types, ~1.5 ms; issue 13)
    Call = Callable[["Session", str], "Ticket"]


def read_ids(from_: Optional[str]) -> list[str]:
    """The ids of --from: one per line (or separated by spaces); '#' starts a comment."""
    from itsmctl.errors import UsageError

    if from_ is None:
        return []
    if from_ == "-":                # only under click (ui/quick.py leaves '-' to it)
        import click

        claim_stdin(click.get_current_context(silent=True), "--from")
        text = click.get_text_stream("stdin").read()
    else:
        try:
            with open(from_, encoding="utf-8") as fh:
                text = fh.read()
        except OSError as exc:
            raise UsageError(f"--from {from_}: {exc.strerror}", rule="W5") from None
    return [word for line in text.splitlines() for word in line.split("#", 1)[0].split()]


def claim_stdin(ctx: Any, who: str) -> None:
    """Standard input feeds one option of a command; a second is a usage error."""
    if ctx is None:
        return
    root = ctx.find_root()
    taken = root.meta.get("itsmctl.stdin")
    if taken and taken != who:
        from itsmctl.errors import UsageError

        raise UsageError(f"standard input is already read by {taken}; give {who} "
                         "another way (a file)", rule="W4")
    root.meta["itsmctl.stdin"] = who


def for_each(state: State, tickets: tuple[str, ...], from_: Optional[str], call: Call,
             line: Callable[["Ticket"], str] = state_line) -> None:
    """Run `call` on every ticket given, as one commit; print a line per ticket."""
    refs = [*tickets, *read_ids(from_)]
    session = state.session
    if len(refs) == 1 and from_ is None:
        ticket = call(session, refs[0])
        emit_ticket(state, ticket, line(ticket))
        return
    from itsmctl.app.batch import each

    done = each(session, refs, call)
    if state.json:
        from itsmctl.app.queue import show_doc

        emit(state, "", [show_doc(session, t) for t in done])
    else:
        emit(state, "\n".join(line(t) for t in done))
