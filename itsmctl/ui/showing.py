"""The body of `show` without click: ui/queue.py's command and ui/quick.py call it."""

from __future__ import annotations

from itsmctl.ui.state import State, emit


def show(state: State, ticket: str, no_pager: bool) -> None:
    """A ticket's state, SLA clocks and recent history (its `show --json` with --json)."""
    from itsmctl.app.queue import load, show_doc
    from itsmctl.ui.pager import show, width
    from itsmctl.ui.views import describe

    session = state.session
    t = load(session, ticket)
    doc = show_doc(session, t)
    if state.json:
        emit(state, "", doc)
        return
    emit(state, "")
    show(describe(session.policy, t, doc, width()), no_pager)
