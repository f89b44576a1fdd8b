"""Reading the desk: one ticket, the queue from the index, ticket files by id."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Optional

from itsmctl.app.session import Session
from itsmctl.errors import Findings, ItsmError

if TYPE_CHECKING:
    from itsmctl.core.model import Ticket
    from itsmctl.infra.index import Index


def load(session: Session, ref: str) -> "Ticket":
    """A ticket as its file holds it (a full id or a unique prefix)."""
    from itsmctl.core.model import ticket_path

    ticket_id = session.resolve(ref)
    return session.desk.read_file_ticket(session.root / ticket_path(ticket_id))


def show_doc(session: Session, ticket: "Ticket") -> dict[str, Any]:
    """The ticket as stored, plus the live SLA clocks (SPEC 13)."""
    from itsmctl.core.sla import clocks_doc

    doc = ticket.to_doc()
    doc["sla"] = clocks_doc(ticket, session.policy, session.now)
    return doc


def open_index(session: Session) -> "Index":
    """The ticket index caught up with HEAD (progress shown while it is built)."""
    from itsmctl.infra.index import open_index as infra_open

    with session.progress("building the ticket index") as progress:
        return infra_open(session.root, progress)


def index_docs(session: Session, statuses: Optional[Iterable[str]] = None, where: str = "",
               params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    """State mappings (the part above `history:`) of the tickets the index matches."""
    index = open_index(session)
    try:
        return list(index.query(statuses, where, params))
    finally:
        index.close()


def _filters(session: Session, status: tuple[str, ...], group: Optional[str],
             priority: tuple[str, ...], assignee: Optional[str], show_all: bool,
             master: Optional[str]) -> tuple[Optional[list[str]], str, tuple[Any, ...]]:
    """(statuses, where, params) of the index query for these filters."""
    from itsmctl.infra.index import OPEN as OPEN_STATUSES

    wanted = list(status) if status else (None if show_all else list(OPEN_STATUSES))
    conds, params = [], []
    if master:
        master = session.resolve(master)
    for column, value in (("grp", group), ("assignee", assignee), ("master", master)):
        if value:
            conds.append(f"{column} = ?")
            params.append(value)
    if priority:
        conds.append(f"priority IN ({','.join('?' * len(priority))})")
        params.extend(priority)
    return wanted, " AND ".join(conds), tuple(params)


def select(session: Session, status: tuple[str, ...] = (), group: Optional[str] = None,
           priority: tuple[str, ...] = (), assignee: Optional[str] = None,
           show_all: bool = False, breached: bool = False, major: bool = False,
           master: Optional[str] = None) -> list[dict[str, Any]]:
    """The queue from the index, filtered; open tickets unless a status or --all is given."""
    wanted, where, params = _filters(session, status, group, priority, assignee, show_all,
                                     master)
    out = [d for d in index_docs(session, wanted, where, params)
           if not major or d.get("major")]
    if breached:
        # from the stored clocks (computed at the last change): exact without the history
        from itsmctl.core.sla import breached_from_stored

        out = [d for d in out if breached_from_stored(d, session.now)]
    order = {p: i for i, p in enumerate(session.facts["priority_levels"])}
    out.sort(key=lambda d: (order.get(str(d.get("priority")), 99), str(d.get("opened_at"))))
    return out


def briefs(session: Session, status: tuple[str, ...] = (), group: Optional[str] = None,
           priority: tuple[str, ...] = (), assignee: Optional[str] = None,
           show_all: bool = False, major: bool = False,
           master: Optional[str] = None) -> tuple[list[tuple[Any, ...]], list[str]]:
    """`select` as the index's BRIEF tuples (what a queue line shows), in the same order:
    no whole state per ticket, for the table of a queue of thousands; and `unreadable`."""
    wanted, where, params = _filters(session, status, group, priority, assignee, show_all,
                                     master)
    index = open_index(session)
    try:
        out = [b for b in index.query(wanted, where, params, column="brief")
               if not major or b[9]]
        skipped = index.invalid()
    finally:
        index.close()
    order = {p: i for i, p in enumerate(session.facts["priority_levels"])}
    out.sort(key=lambda b: (order.get(str(b[1]), 99), str(b[5])))
    return out, skipped


def full_docs(session: Session, docs: list[dict[str, Any]],
              skipped: Optional[list[str]] = None) -> list[dict[str, Any]]:
    """`show --json` of each listed ticket (files read in full: history gives the clocks)."""
    return [show_doc(session, t)
            for t in read_tickets(session, [d["id"] for d in docs], skipped)]


def unreadable(session: Session) -> list[str]:
    """Committed ticket files the queue cannot show (not YAML, no status, an `id:` that
    is not their name), one line each naming the file: a queue without them is not
    the whole queue, so `list` says so and exits 4."""
    index = open_index(session)
    try:
        return index.invalid()
    finally:
        index.close()


def incomplete(skipped: list[str], what: str) -> None:
    """Exit 4 after the output when ticket files were skipped (the command said which)."""
    if skipped:
        raise Findings(f"{what}: {len(skipped)} ticket file(s) skipped", exit_code=4)


def read_tickets(session: Session, ids: Iterable[str],
                 skipped: Optional[list[str]] = None) -> list["Ticket"]:
    """The tickets of these ids from their files, in order. An unreadable or invalid
    file is named in `skipped` (or said) and left out, so one broken file does not
    stop the rest; a file removed since the index saw it is left out silently."""
    from itsmctl.core.model import ticket_path
    from itsmctl.infra.store import parse_ticket
    from itsmctl.infra.yaml import load_ticket

    out = []
    for ticket_id in ids:
        rel = ticket_path(ticket_id)
        try:
            out.append(parse_ticket(load_ticket((session.root / rel).read_bytes(), rel), rel))
        except FileNotFoundError:
            continue
        except (ItsmError, OSError) as exc:
            line = getattr(exc, "message", None) or f"{rel}: unreadable: {exc}"
            if skipped is not None:
                skipped.append(line)
            else:
                session.say(f"itsmctl: skipped: {line}")
    return out
