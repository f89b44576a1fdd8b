"""`list`: the queue as a table, CSV or JSON (the click command is ui/queue.py's; this
module imports no click, so ui/quick.py runs it without, issue 13)."""

from __future__ import annotations

from typing import Any

from itsmctl.ui.state import State, emit


def run(state: State, fmt: str, **kw: Any) -> None:
    """The body of `itsmctl list`: `kw` are its options by their click names."""
    from itsmctl.app import queue
    from itsmctl.ui import views

    session = state.session
    as_json = state.json or fmt == "json"
    state.json = as_json
    if kw["visits_due"] or kw["announcements"]:
        from itsmctl.app import work  # (lifecycle rules: pydantic, only when asked)
    if kw.pop("visits_due"):
        from itsmctl.app import work

        tickets = work.visits_due(session)
        if as_json:
            emit(state, "", [work.visit_doc(session, t) for t in tickets])
            return
        rows = views.visit_rows(session.policy, tickets, session.now)
        _rows(state, fmt, rows, views.VISIT_COLUMNS)
        return
    if kw.pop("announcements"):
        from itsmctl.app import work

        docs = work.announced(session, **kw)
        if not as_json:
            _rows(state, fmt, views.announcement_rows(docs), views.ANNOUNCEMENT_COLUMNS)
            return
    elif not as_json and not kw["breached"]:
        # the table needs a line per ticket, not its whole state (issue 13)
        kw.pop("breached")
        briefs, skipped = queue.briefs(session, **kw)
        for line in skipped:
            session.say(f"itsmctl: skipped {line}")
        _rows(state, fmt, views.brief_rows(briefs), views.LIST_COLUMNS,
              session.facts["priority_levels"])
        queue.incomplete(skipped, "list")
        return
    else:
        docs = queue.select(session, **kw)
    skipped = queue.unreadable(session)
    if as_json:
        found = queue.full_docs(session, docs, skipped)
    for line in skipped:
        session.say(f"itsmctl: skipped {line}")
    if as_json:
        emit(state, "", found)
    else:
        _rows(state, fmt, views.list_rows(docs), views.LIST_COLUMNS,
              session.facts["priority_levels"])
    queue.incomplete(skipped, "list")


def _rows(state: State, fmt: str, rows: list[list[Any]], columns: Any,
          levels: Any = None) -> None:
    from itsmctl.ui.output import csv_text, table

    if fmt == "csv":
        emit(state, csv_text(rows, columns).rstrip("\n"))
    else:
        emit(state, table(rows, columns, levels) if levels else table(rows, columns))
