"""`itsmctl validate` (G5): every config and ticket file against schemas and references."""

from __future__ import annotations

from typing import Any, Iterator

from itsmctl.commands.app import App
from itsmctl.errors import ItsmError


def config_problems(app: App) -> Iterator[str]:
    from itsmctl.config import read_documents, validate_doc
    from itsmctl.core.policy import Policy

    try:
        docs = read_documents(app.root)
    except ItsmError as exc:
        yield exc.message
        return
    parts = {}
    for key, (where, doc) in docs.items():
        try:
            parts[key] = validate_doc(key, where, doc)
        except ItsmError as exc:
            yield exc.message
    if len(parts) != len(docs):
        return
    for name, at, msg in Policy(**parts).problems():
        yield f"config/{name}: {at}: {msg}"


def ticket_problems(policy: Any, ticket: Any, where: str) -> Iterator[str]:
    """Cross-references and derived values of one parsed ticket."""
    from itsmctl.core import priority as prio
    from itsmctl.core.model import ticket_path

    if where != ticket_path(ticket.id):
        yield f"{where}: id: {ticket.id} belongs at {ticket_path(ticket.id)}"
    teams, matrix = policy.teams, policy.matrix
    if ticket.group and ticket.group not in teams.groups:
        yield f"{where}: group: unknown group {ticket.group!r}"
    for field in ("assignee", "opened_by"):
        who = getattr(ticket, field)
        if who and who not in teams.people:
            yield f"{where}: {field}: unknown person {who!r}"
    if ticket.impact not in matrix.impact_levels:
        yield f"{where}: impact: unknown impact {ticket.impact!r}"
    elif ticket.urgency not in matrix.urgency_levels:
        yield f"{where}: urgency: unknown urgency {ticket.urgency!r}"
    else:
        want = prio.compute(matrix, ticket.impact, ticket.urgency, ticket.priority_raise)
        if ticket.priority != want:
            yield f"{where}: priority: {ticket.priority} but the matrix gives {want} (P1)"
        if ticket.major != prio.is_major(matrix, ticket.impact, ticket.priority):
            yield f"{where}: major: {ticket.major} disagrees with P5"
    if ticket.close_code and ticket.close_code not in policy.codes.close:
        yield f"{where}: close_code: unknown code {ticket.close_code!r}"
    if ticket.wait and ticket.wait.code not in policy.codes.wait:
        yield f"{where}: wait.code: unknown code {ticket.wait.code!r}"
    if (ticket.status == "waiting") != (ticket.wait is not None):
        yield f"{where}: wait: status {ticket.status} with wait {ticket.wait is not None}"
    if ticket.status == "closed" and not ticket.close_code:
        yield f"{where}: close_code: a closed ticket needs one (L10)"
    if not ticket.history or ticket.history[-1].to != ticket.status:
        yield f"{where}: history: the last event does not lead to status {ticket.status}"


def run(app: App) -> list[str]:
    """All problems, one line each; empty when the desk is valid."""
    from itsmctl.store import parse_ticket
    from itsmctl.yamlio import load_ticket

    problems = list(config_problems(app))
    if problems:
        return problems
    policy = app.policy
    ids = {}
    for path in app.desk.ticket_files():
        where = path.relative_to(app.root).as_posix()
        try:
            ticket = parse_ticket(load_ticket(path.read_bytes(), where), where)
        except ItsmError as exc:
            problems.append(exc.message)
            continue
        ids[ticket.id] = ticket
        problems.extend(ticket_problems(policy, ticket, where))
    for ticket in ids.values():
        where = ticket.path
        if ticket.master and ticket.id not in getattr(ids.get(ticket.master), "slaves", []):
            problems.append(f"{where}: master: {ticket.master} does not list it as a slave")
        for sid in ticket.slaves:
            if getattr(ids.get(sid), "master", None) != ticket.id:
                problems.append(f"{where}: slaves: {sid} does not name it as master")
    return problems
