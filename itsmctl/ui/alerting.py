"""The body of `hook alertmanager` without click: ui/hooks.py's command and ui/quick.py
call it."""

from __future__ import annotations

import sys

from itsmctl.ui.state import State, emit


def alertmanager(state: State) -> None:
    """H1: the payload on stdin, one commit; what was opened, updated or cleared."""
    from itsmctl.app.hooks import receive

    session = state.session
    limit = session.policy.monitoring.limits.payload
    # bytes, at most one past the limit: a larger body is refused whole, never read whole
    out = receive(session, sys.stdin.buffer.read(limit + 1))
    emit(state, "\n".join(out.lines()), out.doc())
