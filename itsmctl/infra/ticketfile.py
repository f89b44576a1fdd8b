"""A ticket file read from the work tree and checked (schema, and the id its path
names), without git: `show` of a full id reads it with nothing else (issue 13), and
infra/store.Desk reads through it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from itsmctl.errors import InvalidFile, NotFound


def read_ticket(root: Path, rel: str) -> Any:
    """The ticket file at `rel` (tickets/YYYY/MM/ID.yaml) as a validated Ticket;
    NotFound without the file, InvalidFile naming file and field when it is not one."""
    from itsmctl.infra.yaml import load_ticket

    try:
        data = (root / rel).read_bytes()
    except FileNotFoundError:
        raise NotFound(f"no ticket file {rel}") from None
    return parse_ticket(load_ticket(data, rel), rel)


def parse_ticket(doc: Any, where: str) -> Any:
    """A parsed ticket document as a Ticket; schema errors name file and field."""
    from itsmctl.core.model import Invalid, Ticket

    if not isinstance(doc, dict):
        raise InvalidFile(f"{where}: expected a mapping at the top")
    try:
        ticket = Ticket.from_doc(doc)
    except Invalid as exc:
        err = exc.errors()[0]
        at = ".".join(str(x) for x in err["loc"]) or "(top)"
        raise InvalidFile(f"{where}: {at}: {err['msg'].removeprefix('Value error, ')}") from None
    misplaced(ticket.id, where)
    return ticket


def misplaced(ticket_id: Any, where: str) -> None:
    """A ticket file holds the ticket its path names: saving one whose `id:` was edited
    would write a second file (G1). InvalidFile when they differ."""
    from itsmctl.core.model import ticket_path

    if not where.startswith("tickets/"):
        return
    try:
        home = ticket_path(str(ticket_id))
    except ValueError:
        home = None
    if home != where:
        raise InvalidFile(f"{where}: id: {ticket_id} belongs at {home or 'no ticket path'}; "
                          "restore the id (git log -p -- " + where + ") or move the file")
