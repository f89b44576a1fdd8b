"""Replay one commit's change to one ticket file (G6): was it a legal transition by an
authorised actor? Pure: old and new documents plus the commit's metadata in, findings out.

A change is legal when every one of these holds (each failure is one finding kind):
- invalid        the new file parses and fits the ticket schema, at its id's path
- deleted        ticket files are never deleted or moved
- history        the old history is an exact prefix of the new one (append-only)
- hand-edit      every changed field is explained by a new history event that records
                 it, with the value the file now holds (QUIET fields excepted); ids
                 recorded as added/removed (a master's slaves) are replayed on the
                 list before the commit and must give the list the file holds
- status         the status is where the last history event leads
- illegal-step   each new event starts where the previous one ended and its
                 (from, action, to) is a row of core/transitions.py TABLE
- unknown-action an action the table does not know (add a row there)
- closed         a closed ticket only takes the closed_ok actions (L14)
- actor          the event's actor is a person of teams.yaml (or the sweep for
                 system actions) whose role may run the command (I2)
- author         the commit's author is the events' actor, and so is its
                 Itsmctl-Actor trailer (I3)
- trailer        the commit was made by itsmctl (Itsmctl-Action trailer) and its
                 Itsmctl-Ticket / Itsmctl-Also trailers name the ticket

A new ticket file whose last event is `import` (W7) brings the history of the desk it
came from: only the import event is checked; the events before it are that desk's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

from itsmctl.core import transitions as table
from itsmctl.core.events import diff, members
from itsmctl.core.model import Event, Invalid, Ticket, ticket_path
from itsmctl.core.permissions import in_group, may, roles_of
from itsmctl.core.transitions import Transition

if TYPE_CHECKING:
    from itsmctl.core.policy import Policy


@dataclass(frozen=True)
class Commit:
    """One commit as the audit reads it: author, trailers, subject."""

    sha: str
    author_name: str
    author_email: str
    trailers: dict[str, str] = field(default_factory=dict)
    subject: str = ""


@dataclass(frozen=True)
class Finding:
    """One thing a commit did that the rules do not allow."""

    commit: str
    path: str
    kind: str
    message: str
    rule: str = "G6"            # the SPEC rule it breaks: G6 here, I4-I7 from core/trust

    def line(self) -> str:
        rule = "" if self.rule == "G6" else f" ({self.rule})"
        return f"{self.commit[:10]} {self.path}: {self.kind}{rule}: {self.message}"

    def doc(self) -> dict[str, str]:
        return {"commit": self.commit, "path": self.path, "kind": self.kind,
                "rule": self.rule, "message": self.message}


class _Out:
    def __init__(self, commit: Commit, path: str) -> None:
        self.commit, self.path, self.found = commit, path, []  # type: ignore[var-annotated]

    def add(self, kind: str, message: str) -> None:
        self.found.append(Finding(self.commit.sha, self.path, kind, message))


def _parse(doc: Any) -> Optional[Ticket]:
    try:
        return Ticket.from_doc(doc) if isinstance(doc, dict) else None
    except Invalid:
        return None


def _schema_error(doc: Any) -> str:
    if not isinstance(doc, dict):
        return "not a mapping"
    try:
        Ticket.from_doc(doc)
    except Invalid as exc:
        err = exc.errors()[0]
        return f"{'.'.join(str(x) for x in err['loc'])}: {err['msg']}"
    return ""


def author_person(policy: Policy, commit: Commit) -> Optional[str]:
    """The person a commit's author e-mail names (App.author's fallback included)."""
    found = policy.teams.find(commit.author_email)
    if found is None and commit.author_email.endswith("@itsmctl.invalid"):
        found = commit.author_email.split("@")[0]
    return found


def check(path: str, old: Any, new: Any, commit: Commit, policy: Policy,
          also: frozenset[str] = frozenset()) -> list[Finding]:
    """Findings for one ticket file changed by one commit (old None: added; new None:
    deleted). `also`: ids of the other tickets the same commit changed."""
    out = _Out(commit, path)
    _trailers(out, path.rsplit("/", 1)[-1].removesuffix(".yaml"))
    if new is None:
        out.add("deleted", "a ticket file was deleted (tickets are never removed)")
        return out.found
    after = _parse(new)
    if after is None:
        out.add("invalid", f"does not fit the ticket schema: {_schema_error(new)}")
        return out.found
    if ticket_path(after.id) != path:
        out.add("invalid", f"id {after.id} belongs at {ticket_path(after.id)}")
    before = _parse(old) if old is not None else None
    if old is not None and before is None:
        return out.found                 # the earlier commit that broke it was reported
    if before is not None and before.id != after.id:
        out.add("invalid", f"id changed from {before.id} to {after.id}")
    old_events = before.history if before else []
    if not _prefix(out, old_events, after.history):
        return out.found
    new_events = after.history[len(old_events):]
    _explained(out, before, after, new_events)
    _quiet(out, before, after, policy)
    if not after.history or after.history[-1].to != after.status:
        leads = after.history[-1].to if after.history else None
        out.add("status", f"status is {after.status} but the last history event leads to "
                f"{leads} (edited by hand?)")
    _steps(out, before, after, new_events, policy, also)
    return out.found


def _trailers(out: _Out, ticket_id: str) -> None:
    """I3: itsmctl names every ticket it commits in the message's trailers."""
    trailers = out.commit.trailers
    if "Itsmctl-Action" not in trailers:
        out.add("trailer", "not committed by itsmctl (no Itsmctl-Action trailer); tickets "
                "change only through its commands")
        return
    named = {trailers.get("Itsmctl-Ticket", "")} | set(trailers.get("Itsmctl-Also", "").split())
    if ticket_id not in named:
        out.add("trailer", f"the commit changes {ticket_id} but its Itsmctl-Ticket / "
                "Itsmctl-Also trailers do not name it")


def _event_doc(e: Event) -> dict[str, Any]:
    return e.model_dump(mode="json", by_alias=True)


def _prefix(out: _Out, old: list[Event], new: list[Event]) -> bool:
    for i, e in enumerate(old):
        if i >= len(new):
            out.add("history", f"history shrank from {len(old)} to {len(new)} events; "
                    f"event {i + 1} ({e.action} at {e.at.isoformat()}) was removed")
            return False
        if _event_doc(e) != _event_doc(new[i]):
            fields = sorted(k for k, v in _event_doc(e).items() if _event_doc(new[i])[k] != v)
            out.add("history", f"event {i + 1} ({e.action} at {e.at.isoformat()}) was "
                    f"rewritten: {', '.join(fields)}")
            return False
    return True


def _explained(out: _Out, before: Optional[Ticket], after: Ticket,
               events: list[Event]) -> None:
    """Every field the commit changed is recorded by one of its new events."""
    if before is None:
        return
    old, new = before.to_doc(), after.to_doc()
    changed = {k: v for k, v in diff(old, new).items() if k.split(".")[0] not in table.QUIET}
    recorded: dict[str, Any] = {}
    replayed: set[str] = set()
    for e in events:
        for key, value in e.changes.items():
            if isinstance(value, dict):     # ids added/removed (events.members_step)
                base = recorded[key][1] if key in recorded else old.get(key)
                value = [base, members(base, value)]
                if value[1] is None:
                    out.add("hand-edit", f"{key}: the history records a change that is "
                            f"neither [old, new] nor ids added/removed: "
                            f"{_short(e.changes[key])}")
                    return
                replayed.add(key)
            recorded[key] = value
    for key in sorted(replayed - set(changed)):   # a delta must lead to the file's value
        if recorded[key][1] != new.get(key):
            out.add("hand-edit", f"{key} is {new.get(key)!r} but the history records "
                    f"{recorded[key][1]!r}")
    if not changed:
        return
    if not events:
        out.add("hand-edit", f"{', '.join(sorted(changed))} changed without a history event")
        return
    for key, (_, value) in sorted(changed.items()):
        top = key.split(".")[0]
        if key in recorded:
            if recorded[key][1] != value:
                out.add("hand-edit", f"{key} is {value!r} but the history records "
                        f"{recorded[key][1]!r}")
        elif top not in recorded:
            out.add("hand-edit", f"{key} changed ({_short(changed[key][0])} -> "
                    f"{_short(value)}) but no history event records it")


def _quiet(out: _Out, before: Optional[Ticket], after: Ticket, policy: Policy) -> None:
    """The fields that change without events: stored SLA values must still be what the
    history gives (S1-S3), and no notification record may disappear (N3)."""
    from itsmctl.core.sla import stored

    if (before is None or before.sla != after.sla) and after.priority in policy.sla.targets:
        try:
            fresh = stored(after, policy)
        except Exception:  # a calendar this policy cannot build: validate reports it
            fresh = after.sla
        if fresh != after.sla:
            phases = sorted(k for k in set(fresh) | set(after.sla)
                            if fresh.get(k) != after.sla.get(k))
            out.add("hand-edit", f"stored SLA values of {', '.join(phases)} are not what "
                    "the history gives (S1-S3)")
    if before is not None:
        kept = {n.id for n in after.notifications}
        lost = [n.id for n in before.notifications if n.id not in kept]
        if lost:
            out.add("hand-edit", f"notification records removed: {', '.join(lost)} (N3)")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _steps(out: _Out, before: Optional[Ticket], after: Ticket, events: list[Event],
           policy: Policy, also: frozenset[str]) -> None:
    state: Optional[str] = before.status if before else None
    group = before.group if before else None
    base = before or after
    author = author_person(policy, out.commit)
    trailer = out.commit.trailers.get("Itsmctl-Actor")
    if before is None and len(events) > 1 and events[-1].action == "import":
        # W7: a ticket imported whole; the history before its import event is the
        # source desk's record, vouched for by the person who imported it
        for e in events[:-1]:
            group = e.changes["group"][1] if "group" in e.changes else group
            state = e.to
        events = events[-1:]
    for i, e in enumerate(events):
        rule = table.TABLE.get(e.action)
        if rule is not None and not rule.records_event:
            rule = None                 # a permission only (hook, kb-add): never an event
        if e.from_ != state:
            out.add("illegal-step", f"event {e.action} at {e.at.isoformat()} starts from "
                    f"{e.from_} but the ticket was {state}")
        if rule is None:
            out.add("unknown-action", f"action {e.action!r} at {e.at.isoformat()} is not in "
                    "the transition table (itsmctl/core/transitions.py); not accepted until it is")
        else:
            _legal_step(out, rule, e, state, before, events[:i], after)
        _actor(out, rule, e, i, policy, base.model_copy(update={"status": state,
                                                                "group": group}), also)
        if author != e.actor and not (e.actor == table.SWEEP and trailer == table.SWEEP):
            out.add("author", f"event {e.action} by {e.actor} was committed by "
                    f"{out.commit.author_name} <{out.commit.author_email}>")
        elif trailer is not None and trailer != e.actor:
            out.add("author", f"event {e.action} by {e.actor} but the commit's "
                    f"Itsmctl-Actor is {trailer}")
        if "group" in e.changes:
            group = e.changes["group"][1]
        state = e.to


def _legal_step(out: _Out, rule: Transition, e: Event, state: Optional[str],
                before: Optional[Ticket], earlier: list[Event], after: Ticket) -> None:
    if state == "closed" and not rule.closed_ok:
        out.add("closed", f"{e.action} at {e.at.isoformat()} on a closed ticket: closed is "
                "final (L14); only notes, visits and related links may follow")
        return
    targets = rule.targets
    want = {e.from_} if targets == table.SAME else (
        table.ACTIVE if targets == table.RESUME else targets)
    sources = rule.sources
    if e.action == "close" and earlier and earlier[-1].action == "open" \
            and after.close_code == "out_of_scope":
        sources = frozenset({"new"})                         # L2: logged and closed at once
    if e.from_ not in sources or e.to not in want:  # type: ignore[operator]
        out.add("illegal-step", f"{e.action} from {e.from_} to {e.to} at {e.at.isoformat()} "
                f"is not a legal transition ({rule.rule})")


def _actor(out: _Out, rule: Optional[Transition], e: Event, index: int, policy: Policy,
           ticket: Ticket, also: frozenset[str]) -> None:
    if e.actor == table.SWEEP:
        if rule is not None and table.SWEEP not in rule.system:
            out.add("actor", f"{e.action} at {e.at.isoformat()} is not a sweep action")
        return
    if e.actor not in policy.teams.people:
        out.add("actor", f"{e.actor!r} ({e.action} at {e.at.isoformat()}) is not a person in "
                "teams.yaml (I1)")
        return
    if rule is None or (index > 0 and e.action in table.CONSEQUENCES):
        return
    if e.via:                      # mirrored from its master (M2): checked on the master
        if e.via not in also:
            out.add("actor", f"{e.action} at {e.at.isoformat()} claims to mirror {e.via}, "
                    "which the commit does not change")
        return
    if rule.roles is None:
        if not also:
            out.add("actor", f"{e.action} at {e.at.isoformat()} is the other half of a "
                    "two-ticket command, but the commit changes no other ticket")
        return
    if not _may(policy, e, e.action, ticket):
        roles = ", ".join(sorted(roles_of(policy, e.actor))) or "no role"
        out.add("actor", f"{e.actor} ({roles}) may not {e.action} at {e.at.isoformat()} "
                f"(I2, {rule.rule})")


def _may(policy: Policy, e: Event, command: str, ticket: Ticket) -> bool:
    if may(policy, e.actor, command, ticket):
        return True
    roles = roles_of(policy, e.actor)
    if e.action == "resolve" and ticket.source == "monitoring" and "monitoring" in roles:
        return True                # H1 on_clear: the monitoring account resolves its alert
    if e.action == "task-done":
        return any(in_group(policy, e.actor, t.group) for t in ticket.tasks)
    return False
