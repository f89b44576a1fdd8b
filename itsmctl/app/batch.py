"""Bulk work (W5): one use case on several tickets as ONE commit through the write path.

`each(session, refs, call)` opens one write and runs `call(session, id)` for every
ticket inside it: each use case's decision joins the batch's transaction (write.py
`_join`) instead of committing, so every ticket gets its own history event, the rules
are checked per ticket, and one refusal leaves nothing changed (G2). The commit
names every ticket (Itsmctl-Ticket / Itsmctl-Also) and records the calls, so `sync`
can replay the batch as a whole (`run`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Callable, Iterable, TypeVar

from itsmctl.app.session import Call, Session
from itsmctl.app.write import Tx, commit_message, write
from itsmctl.errors import UsageError

if TYPE_CHECKING:
    from itsmctl.core.model import Ticket

T = TypeVar("T")
CALL = "batch.run"


def ids_of(session: Session, refs: Iterable[str]) -> list[str]:
    """Full ids of the refs given (prefixes resolved), each once, in order."""
    out: dict[str, None] = {}
    for ref in refs:
        ref = ref.strip()
        if ref and not ref.startswith("#"):
            out.setdefault(session.resolve(ref), None)
    if not out:
        raise UsageError("no ticket ids given: name them, or --from FILE ('-': stdin)",
                         rule="W5")
    return list(out)


def each(session: Session, refs: Iterable[str],
         call: Callable[[Session, str], T]) -> list[T]:
    """`call` on every ticket, all in one commit or none (W5)."""
    ids = ids_of(session, refs)

    def decide(tx: Tx) -> list[T]:
        joined = session.derive(joined=tx, call=None)
        out = [call(joined, ticket_id) for ticket_id in ids]
        _describe(session, tx, len(ids))
        return out

    return write(session.derive(call=Call(CALL, {})), decide)


def _describe(session: Session, tx: Tx, count: int) -> None:
    tx.call_args["calls"] = list(tx.calls)
    tickets = list(tx.changed.values())
    if not tickets:
        return
    text = commit_message(tx.action, tickets, session.actor, tx.note)
    rest = text.split("\n", 1)[1]
    more = f" and {count - 1} more" if count > 1 else ""
    tx.message = f"{tickets[0].id}{more}: {tx.action} by {session.actor}\n{rest}"


def run(session: Session, calls: list[dict[str, Any]]) -> list["Ticket"]:
    """A recorded batch again (`sync`, G4): every call in one commit, or none."""
    from itsmctl.app.replay import MODULES

    def decide(tx: Tx) -> list[Any]:
        joined = session.derive(joined=tx, call=None)
        out = []
        for record in calls:
            module, _, function = str(record.get("call", "")).partition(".")
            fn = getattr(importlib.import_module(f"itsmctl.app.{module}"), function, None) \
                if module in MODULES else None
            if fn is None or not getattr(fn, "replayable", False):
                raise UsageError(f"unknown recorded command {record.get('call')!r}")
            types = getattr(fn, "replay_types", {})
            args = {k: (types[k](v) if k in types and v is not None else v)
                    for k, v in dict(record.get("args") or {}).items()}
            out.append(fn(joined, **args))
        _describe(session, tx, len(calls))
        return out

    return write(session.derive(call=Call(CALL, {})), decide)


run.replayable = True  # type: ignore[attr-defined]
run.replay_types = {}  # type: ignore[attr-defined]
