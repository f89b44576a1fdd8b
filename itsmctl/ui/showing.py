"""The body of `show` without click: ui/queue.py's command and ui/quick.py call it."""

from __future__ import annotations

from itsmctl.ui.state import State, emit


def show(state: State, ticket: str, no_pager: bool) -> None:
    """A ticket's state, SLA clocks and recent history (its `show --json` with --json):
    from prepared data when it can be (ui/quickshow.py), else read as the desk reads."""
    from itsmctl.ui.quickshow import prepared

    found = prepared(state, ticket)
    if found is not None:
        kind, value = found
        emit(state, "", value if kind == "json" else None)
        if kind == "text":
            from itsmctl.ui.pager import show as page

            page(value, no_pager)
        return
    from itsmctl.infra.startup import lean_imports

    lean_imports()
    full(state, ticket, no_pager)


def full(state: State, ticket: str, no_pager: bool) -> None:
    """`show` as the desk reads a ticket (any id or prefix, any file); it keeps the
    policy's facts for the next `show` (infra/showfacts.py)."""
    from itsmctl.app.queue import load, show_doc
    from itsmctl.infra.showfacts import keep, stamp
    from itsmctl.ui.pager import show, width
    from itsmctl.ui.views import describe

    session = state.session
    t = load(session, ticket)
    stamped = stamp(str(session.root))     # before the policy is loaded: see keep
    doc = show_doc(session, t)
    keep(str(session.root), stamped, session.policy)
    if state.json:
        emit(state, "", doc)
        return
    emit(state, "")
    show(describe(session.policy, t, doc, width()), no_pager)
