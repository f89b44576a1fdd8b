"""How a transition is recorded: who acts when (Ctx), the state checks every command
makes first (L14, M5, the from-states of the transition table), and the history event
that explains a change (SPEC 2: at, actor, action, from, to, changes, note).

`changes` holds each changed field as `[old, new]` (`a.b` for a field of a part), except
a master's `slaves`, recorded as the ids added or removed (`slaves: {added: [ID]}`,
members_step): desks written before that hold `[old, new]` lists there, and every reader
takes both (`members`)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Optional, Sequence

import msgspec

from itsmctl.core.model import Event, Ticket
from itsmctl.core.transitions import ALLOWED, RULE_OF
from itsmctl.errors import RuleViolation

if TYPE_CHECKING:
    from itsmctl.core.policy import Policy

# fields whose changes are not worth repeating in every history event
_QUIET = {"history", "updated_at", "sla", "notifications", "mail"}


class Ctx(msgspec.Struct, frozen=True):
    """Who acts, when, under which rules."""

    policy: Policy
    actor: str
    now: datetime


def check_state(ticket: Ticket, command: str) -> None:
    """L14 for closed tickets, then the from-states of the L table."""
    if ticket.status == "closed" and "closed" not in ALLOWED[command]:
        raise RuleViolation(
            f"{ticket.id} is closed and closed is final (5.1.12-7); "
            f"open a new ticket with: itsmctl open --recurrence-of {ticket.id}", rule="L14")
    if ticket.status not in ALLOWED[command]:
        wanted = "/".join(sorted(ALLOWED[command]))
        hint = " (resume it first)" if ticket.status == "waiting" else ""
        raise RuleViolation(f"{ticket.id} is {ticket.status}; {command} needs {wanted}{hint}",
                            rule=RULE_OF.get(command, "L14"))


def check_not_slave(ticket: Ticket, command: str) -> None:
    """M5: a slave follows its master; only unlink and note act on it."""
    if ticket.master and command not in ("unlink", "note", "link-related"):
        raise RuleViolation(
            f"{ticket.id} is a slave of {ticket.master}; act on {ticket.master} "
            f"or run: itsmctl unlink {ticket.id}", rule="M5")


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Changed fields as {'a' or 'a.b': [old, new]}."""
    out: dict[str, Any] = {}
    for key, value in new.items():
        if key in _QUIET:
            continue
        before = old.get(key)
        if before == value:
            continue
        if isinstance(value, dict) and isinstance(before, dict):
            for sub, v in value.items():
                if before.get(sub) != v:
                    out[f"{key}.{sub}"] = [before.get(sub), v]
        else:
            out[key] = [before, value]
    return out


def step(ticket: Ticket, ctx: Ctx, action: str, note: Optional[str] = None,
         via: Optional[str] = None, **fields: Any) -> Ticket:
    """Apply field changes and append the history event that explains them."""
    before = ticket.to_doc()
    changed = ticket.evolve(**fields) if fields else ticket
    return record(before, changed, ctx, action, note=note, via=via)


def fields_step(ticket: Ticket, ctx: Ctx, action: str, note: Optional[str] = None,
                **fields: Any) -> Ticket:
    """`step` for a change of a few plain fields, with the same result, without dumping
    the whole ticket twice to find what changed: a storm's master carries every link in
    its history, which step would walk on each link (H1: a payload links dozens;
    core/relations.link_master)."""
    keys = [k for k in Ticket.__struct_fields__ if k in fields]     # the file's key order
    before = {k: msgspec.to_builtins(getattr(ticket, k), str_keys=True) for k in keys}
    after = {k: msgspec.to_builtins(fields[k], str_keys=True) for k in keys}
    event = Event(at=ctx.now, actor=ctx.actor, action=action, from_=ticket.status,
                  to=after.get("status", ticket.status), changes=diff(before, after),
                  note=note)
    changed = ticket.evolve(**fields, history=[*ticket.history, event], updated_at=ctx.now)
    if all(msgspec.to_builtins(getattr(changed, k), str_keys=True) == after[k] for k in keys):
        return changed
    # validation changed a value (a time given as text, say): what changed is as stored
    changed = ticket.evolve(**fields)
    after = {k: msgspec.to_builtins(getattr(changed, k), str_keys=True) for k in keys}
    event = Event(at=ctx.now, actor=ctx.actor, action=action, from_=ticket.status,
                  to=changed.status, changes=diff(before, after), note=note)
    return changed.evolve(history=[*changed.history, event], updated_at=ctx.now)


def members_step(ticket: Ticket, ctx: Ctx, action: str, key: str,
                 added: Sequence[str] = (), removed: Sequence[str] = (),
                 note: Optional[str] = None) -> Ticket:
    """A change of an id list (a master's `slaves`) recorded as the ids it gained or lost,
    `{key: {added: [ID]}}` / `{key: {removed: [ID]}}`, instead of the `[old, new]` pair
    `step` records: a storm's master links hundreds of slaves, and a pair per link would
    store the list again each time (O(n^2) ids in the file). `members` replays it."""
    old = list(getattr(ticket, key))
    gone = [x for x in removed if x in old]
    new = members(old, {"added": list(added), "removed": gone})
    change: dict[str, Any] = {}
    if added:
        change["added"] = list(added)
    if gone:
        change["removed"] = gone
    event = Event(at=ctx.now, actor=ctx.actor, action=action, from_=ticket.status,
                  to=ticket.status, changes={key: change} if new != old else {}, note=note)
    return ticket.evolve(**{key: new}, history=[*ticket.history, event], updated_at=ctx.now)


def members(before: Any, change: Any) -> Optional[list[Any]]:
    """An id list after a recorded change: `[old, new]` gives new; a delta (a mapping of
    `added` and/or `removed` id lists, see members_step) applied to `before`. None for a
    change that is neither (audit reports it)."""
    if isinstance(change, list) and len(change) == 2:
        return change[1] if isinstance(change[1], list) else None
    if not isinstance(change, dict) or not change or set(change) - {"added", "removed"}:
        return None
    added, removed = change.get("added", []), change.get("removed", [])
    if not isinstance(added, list) or not isinstance(removed, list):
        return None
    return [x for x in before or [] if x not in removed] + added


def record(before: dict[str, Any], ticket: Ticket, ctx: Ctx, action: str,
           note: Optional[str] = None, via: Optional[str] = None) -> Ticket:
    after = ticket.to_doc()
    event = Event(at=ctx.now, actor=ctx.actor, action=action,
                  from_=before.get("status"), to=after["status"],
                  changes=diff(before, after), note=note, via=via)
    return ticket.evolve(history=[*ticket.history, event], updated_at=ctx.now)


def fold(before: Ticket, after: Ticket) -> Ticket:
    """Make the last event describe everything since `before` (one event per command)."""
    old = before.to_doc()
    last = after.history[-1]
    event = last.model_copy(update={"from_": old["status"], "changes": diff(old, after.to_doc())})
    return after.evolve(history=[*after.history[:-1], event.model_dump(by_alias=True)])
