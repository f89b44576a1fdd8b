"""Relations between tickets and to other records: link-master, unlink, link (SPEC 4, T2)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Optional

from itsmctl.app.lifecycle import transition
from itsmctl.app.session import Session
from itsmctl.app.write import Tx, recorded, write
from itsmctl.errors import RuleViolation, UsageError

if TYPE_CHECKING:
    from itsmctl.core.events import Ctx
    from itsmctl.core.model import Ticket

Pair = Callable[["Ticket", "Ticket", "Ctx"], tuple["Ticket", "Ticket"]]


def _pair(session: Session, action: str, first: str, second: Optional[str],
          fn: Pair) -> "Ticket":
    """One command changing two tickets, in one commit; `second` None: the first's master."""

    def decide(tx: Tx) -> "Ticket":
        a = tx.load(tx.resolve(first))
        other = second if second is not None else a.master
        if other is None:
            raise RuleViolation(f"{a.id} is not a slave of any ticket", rule="M4")
        b = tx.load(tx.resolve(other))
        new_a, new_b = fn(a, b, tx.ctx)
        new_a = tx.save(new_a)
        tx.save(new_b)
        tx.describe(action, before=a.status)
        return new_a

    return write(session, decide)


@recorded()
def link_master(session: Session, ref: str, master: str) -> "Ticket":
    """M1: bind a duplicate to its master; it mirrors the master from now on."""
    from itsmctl.core.relations import link_master as core

    return _pair(session, "link-master", ref, master, core)


@recorded()
def unlink(session: Session, ref: str) -> "Ticket":
    """M4: end the slave's bond to its master; it keeps its state."""
    from itsmctl.core.relations import unlink as core

    return _pair(session, "unlink", ref, None, core)


@recorded()
def link(session: Session, ref: str, related: Optional[str] = None,
         problem: Optional[str] = None, change: Optional[str] = None,
         requirement: Optional[str] = None) -> "Ticket":
    """One of --related / --problem / --change / --requirement."""
    given = [k for k, v in dict(related=related, problem=problem, change=change,
                                requirement=requirement).items() if v]
    if len(given) != 1:
        raise UsageError("link takes exactly one of --related, --problem, --change, "
                         "--requirement")
    if related:
        from itsmctl.core.relations import link_related

        return _pair(session, "link-related", ref, related, link_related)
    from itsmctl.core import workflow

    kind, value = given[0], str(problem or change or requirement)
    fn = getattr(workflow, f"link_{kind}")
    return transition(session, ref, f"link-{kind}", lambda t, ctx, tx: fn(t, ctx, value))
