"""Relations between tickets and to other records: link, link-master, unlink (SPEC 4, T2)."""

from __future__ import annotations

from typing import Any, Callable, Optional

from itsmctl.app.session import App, after_commit, commit_message, transition
from itsmctl.errors import UsageError


def _pair(app: App, action: str, first: str, second: str,
          fn: Callable[[Any, Any, Any], tuple[Any, Any]]) -> Any:
    """One command changing two tickets, in one commit."""
    from itsmctl.infra.store import tx_commit

    ctx = app.ctx()
    desk = app.desk
    with app.transaction() as tx:
        a = tx.load(desk.resolve_id(first))
        b = tx.load(desk.resolve_id(second))
        new_a, new_b = fn(a, b, ctx)
        tx.save(new_a)
        tx.save(new_b)
        tx_commit(tx, commit_message(action, [new_a, new_b], app.actor, before=a.status),
                  app.author(), app.now)
    after_commit(app, [new_a, new_b])
    return new_a


def link_master(app: App, ref: str, master: str) -> Any:
    """M1."""
    from itsmctl.core.relations import link_master as core

    return _pair(app, "link-master", ref, master, core)


def unlink(app: App, ref: str) -> Any:
    """M4."""
    from itsmctl.core.relations import unlink as core
    from itsmctl.errors import RuleViolation

    ticket = app.desk.read_file_ticket(_path(app, ref))
    if not ticket.master:
        raise RuleViolation(f"{ticket.id} is not a slave of any ticket", rule="M4")
    return _pair(app, "unlink", ticket.id, ticket.master, core)


def _path(app: App, ref: str) -> Any:
    from itsmctl.core.model import ticket_path

    return app.root / ticket_path(app.desk.resolve_id(ref))


def link(app: App, ref: str, related: Optional[str] = None, problem: Optional[str] = None,
         change: Optional[str] = None, requirement: Optional[str] = None) -> Any:
    """One of --related / --problem / --change / --requirement."""
    given = [k for k, v in dict(related=related, problem=problem, change=change,
                                requirement=requirement).items() if v]
    if len(given) != 1:
        raise UsageError("link takes exactly one of --related, --problem, --change, "
                         "--requirement")
    if related:
        from itsmctl.core.relations import link_related

        return _pair(app, "link-related", ref, related, link_related)
    from itsmctl.core import workflow

    kind, value = given[0], (problem or change or requirement)
    fn = getattr(workflow, f"link_{kind}")

    def step(t: Any, ctx: Any, tx: Any) -> Any:
        return fn(t, ctx, value)

    return transition(app, ref, f"link-{kind}", step)
