"""Daily work at the desk (SPEC 17): find a ticket by its words (W1), change a ticket's
own fields (W3), follow tickets (W6)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

from itsmctl.app.lifecycle import transition
from itsmctl.app.session import Session
from itsmctl.app.write import recorded
from itsmctl.core.edit import Changes
from itsmctl.errors import UsageError

if TYPE_CHECKING:
    from itsmctl.core.model import Ticket


@dataclass
class Hit:
    """A ticket a search found: its cached state, its score and where it matched."""

    doc: dict[str, Any]
    score: float
    found: str

    def as_doc(self) -> dict[str, Any]:
        d = self.doc
        return {"id": d.get("id"), "score": round(self.score, 3), "status": d.get("status"),
                "priority": d.get("priority"), "group": d.get("group"),
                "assignee": d.get("assignee"), "opened_at": d.get("opened_at"),
                "title": d.get("title"), "found": self.found}


def search(session: Session, text: str, limit: Optional[int] = 20) -> list[Hit]:
    """W1: tickets ranked by how well their words match (bm25 over the text index), every
    word required; when no ticket has them all, those that have most of them."""
    from itsmctl.app.queue import open_index, open_text
    from itsmctl.core.search import WEIGHTS, expression, where_found

    if limit is not None and limit < 1:
        raise UsageError("--limit must be 1 or more", rule="W1")
    every = expression(text)
    if every is None:
        raise UsageError(f"nothing to search for in {text!r}: give words, names or numbers",
                         rule="W1")
    index = open_index(session)
    try:
        words = open_text(session, index)
        ranked = words.search(every, WEIGHTS, limit)
        if not ranked:
            ranked = words.search(str(expression(text, any_term=True)), WEIGHTS, limit)
        ids = [i for i, _ in ranked]
        docs = {d["id"]: d for d in index.query(
            None, f"id IN ({','.join('?' * len(ids))})", tuple(ids))} if ids else {}
    finally:
        index.close()
    return [Hit(docs[i], score, where_found(docs[i], text)) for i, score in ranked
            if i in docs]


@recorded(changes=lambda doc: Changes(**doc))
def edit(session: Session, ref: str, changes: Changes, reason: Optional[str]) -> "Ticket":
    """W3: the ticket's own fields changed, old -> new in history, with the reason."""
    from itsmctl.core.edit import edit as core

    return transition(session, ref, "edit", lambda t, ctx, tx: core(t, ctx, changes, reason))
