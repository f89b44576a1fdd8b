"""THE write path: lock -> pull -> load -> decide -> save -> commit -> push -> deliver.

Every command that changes the desk is `write(session, decide)`: `decide` gets a Tx,
loads tickets from it, applies core rules, saves what changed and says what the commit
is; everything else happens here, once. Nothing else takes the desk lock for a
ticket change, builds a commit message or pushes. With a remote (G4) the commit is made
locally and handed to app/landing.py, which pushes it (with whatever else this clone
committed meanwhile) and, when the remote moved, moves it onto the new tip without
deciding again unless what the decision read changed; then the decision runs again.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Callable, Optional, TypeVar

from itsmctl.app.session import Call, Session
from itsmctl.errors import ConcurrencyError, PushRejected
from itsmctl.infra.records import FieldsRecord

if TYPE_CHECKING:
    from itsmctl.core.events import Ctx
    from itsmctl.core.model import Ticket
    from itsmctl.infra.git import SignWith
    from itsmctl.infra.remote import Remote
    from itsmctl.infra.store import Author, Transaction

R = TypeVar("R")
F = TypeVar("F", bound=Callable[..., Any])
RETRIES = 20                # G4: runs of the decision again when what it read changed


class Tx(FieldsRecord):
    """What a decision works with: the transaction's tickets and what the commit says.
    (A plain class with the dataclass's init, repr and eq: see infra/records.py.)"""

    FIELDS = ("session", "inner", "action", "note", "before", "message", "author",
               "call_args", "calls", "reads", "watching")

    def __init__(self, session: Session, inner: "Transaction", action: str = "",
                 note: Optional[str] = None, before: Optional[str] = None,
                 message: Optional[str] = None, author: Optional["Author"] = None,
                 call_args: Optional[dict[str, Any]] = None,
                 calls: Optional[list[dict[str, Any]]] = None,
                 reads: Optional[set[str]] = None,
                 watching: Optional[set[str]] = None) -> None:
        self.session = session
        self.inner = inner
        self.action = action
        self.note = note
        self.before = before                    # status before, for the subject
        self.message = message                  # a whole message of its own (sweep, kb)
        self.author = author                    # the session's author unless set
        self.call_args: dict[str, Any] = {} if call_args is None else call_args
        self.calls: list[dict[str, Any]] = [] if calls is None else calls  # a batch's (W5)
        self.reads: set[str] = set() if reads is None else reads  # what it depends on (G4)
        self.watching: set[str] = set() if watching is None else watching

    @property
    def ctx(self) -> "Ctx":
        return self.session.ctx

    @property
    def parent(self) -> Optional[str]:
        return self.inner.parent

    def resolve(self, ref: str) -> str:
        return self.session.resolve(ref)

    def load(self, ticket_id: str) -> "Ticket":
        from itsmctl.core.model import ticket_path

        self.reads.add(ticket_path(ticket_id))
        return self.inner.load(ticket_id)

    def scan(self, ticket_id: str) -> "Ticket":
        """Load a ticket only looked at (the sweep's candidates): if it changes on the
        remote meanwhile, the decision still holds unless it also saved the ticket."""
        return self.inner.load(ticket_id)

    def watch(self, *texts: str) -> None:
        """The decision also depends on no ticket holding these texts (an alert's
        fingerprint): one that arrives meanwhile makes it decide again."""
        self.watching.update(t for t in texts if t)

    def exists(self, ticket_id: str) -> bool:
        from itsmctl.core.model import ticket_path

        self.reads.add(ticket_path(ticket_id))
        return self.inner.exists(ticket_id)

    def save(self, ticket: "Ticket") -> "Ticket":
        """Keep a changed ticket for the commit; returns it as it will be committed."""
        return self.inner.save(ticket)

    def write(self, rel: str, data: Optional[bytes]) -> None:
        self.inner.write(rel, data)

    def read(self, rel: str) -> Optional[bytes]:
        self.reads.add(rel)
        return self.inner.read(rel)

    @property
    def changed(self) -> dict[str, "Ticket"]:
        return self.inner.changed

    def describe(self, action: str, note: Optional[str] = None,
                 before: Optional[str] = None) -> None:
        self.action, self.note, self.before = action, note, before

    def mirror(self, before: "Ticket", after: "Ticket") -> list["Ticket"]:
        """M2: a master's transition is repeated on each slave in the same commit."""
        from itsmctl.core.relations import CARRIED, MIRRORED, propagate

        since = len(before.history)
        new_events = after.history[since:]
        if not after.slaves or not new_events:
            return []
        if all(getattr(before, k) == getattr(after, k) for k in MIRRORED) and \
                new_events[0].action not in CARRIED:
            return []
        out = []
        for sid in after.slaves:
            slave = self.load(sid)
            new = propagate(after, slave, self.ctx, since)
            if new is not slave:
                out.append(self.save(new))
        return out


Decide = Callable[[Tx], R]


def commit_message(action: str, tickets: list["Ticket"], actor: str,
                   note: Optional[str] = None, before: Optional[str] = None) -> str:
    """Subject for people, trailers for machines (I3)."""
    main = tickets[0]
    subject = f"{main.id}: {action}"
    if before != main.status:
        subject += f" ({before or '-'} -> {main.status})"
    subject += f" by {actor}"
    body = [subject, ""]
    if note:
        body += [note.strip().splitlines()[0][:200], ""]
    trailers = {"Itsmctl-Ticket": main.id, "Itsmctl-Action": action, "Itsmctl-Actor": actor}
    others = [t.id for t in tickets[1:]]
    if others:
        trailers["Itsmctl-Also"] = " ".join(others)
    body += [f"{k}: {v}" for k, v in trailers.items()]
    return "\n".join(body) + "\n"


def _message(tx: Tx) -> str:
    from itsmctl.app.replay import CALL_TRAILER, REPLAY_TRAILER

    session = tx.session
    if tx.message is not None:
        text = tx.message
    else:
        tickets = list(tx.changed.values())
        text = commit_message(tx.action, tickets, session.actor, tx.note, tx.before)
    if session.via is not None:
        text = text.rstrip("\n") + f"\nItsmctl-Via: {session.via}\n"
    if session.replay_of is not None:       # I5: keeps the time of the command it replays
        text = text.rstrip("\n") + f"\n{REPLAY_TRAILER}: {session.replay_of}\n"
    if session.call is not None:
        record = {"call": session.call.name, "args": {**session.call.args, **tx.call_args},
                  "actor": session.actor, "now": session.now.isoformat()}
        text = text.rstrip("\n") + f"\n{CALL_TRAILER}: " + call_json(record) + "\n"
    return text


def call_json(record: dict[str, Any]) -> str:
    """The recorded call as compact JSON, as json.dumps wrote it (infra/jsontext.py)."""
    from itsmctl.infra.jsontext import dumps

    return dumps(record)


def _finalize(session: Session) -> Callable[["Ticket"], "Ticket"]:
    """Derived values and pending notices of new events, applied on every save (N1-N3)."""
    from itsmctl.core.notices import plan
    from itsmctl.core.sla import stored
    from itsmctl.infra.ledger import lazy_origin

    policy, now, clone = session.policy, session.now, lazy_origin(session.root)
    return lambda t: plan(t.evolve(sla=stored(t, policy)), policy, now, clone)


def write(session: Session, decide: Decide[R]) -> R:
    """Run a decision as one commit (G1, G2), pushed when there is a remote (G4), and
    deliver its notices (N3). When what the decision read changed on the remote
    meanwhile, it runs again on the fresh state, so its rules are checked again."""
    return written(session, decide)[0]


def written(session: Session, decide: Decide[R],
            fresh: bool = False) -> tuple[R, Optional[str]]:
    """`write`, and the commit it made (None when the decision changed nothing).
    `fresh`: the decision acts outside the desk (the sweep sends notifications), so it
    always pulls first instead of sharing a fetch another command just made."""
    if session.joined is not None:
        return _join(session, session.joined, decide), None
    from itsmctl.app.trust import signer

    sign = signer(session)              # a signed desk: whose key, and is now the clock's
    remote = session.remote
    if remote is None:
        result, saved, sha = _attempt(session, decide, None, sign)
    else:
        result, saved, sha = _pushed(session, remote, decide, fresh, sign)
    if saved:
        from itsmctl.app.deliver import deliver

        _off_branch(session)
        deliver(session, saved)
    return result, sha


def _pushed(session: Session, remote: "Remote", decide: Decide[R], fresh: bool,
            sign: Optional["SignWith"]) -> tuple[R, list["Ticket"], Optional[str]]:
    """Decide and commit here, then land the commit on the remote (app/landing.py)."""
    from itsmctl.app.landing import Dropped, land, prepare
    from itsmctl.errors import NotFound, NotPermitted, RuleViolation
    from itsmctl.infra.outgoing import owner

    with owner(session.desk) as token:
        for run in range(RETRIES + 1):
            fetched = prepare(session, remote, token, sign, force=fresh)
            try:
                result, saved, sha = _attempt(session, decide, token, sign)
            except (RuleViolation, NotPermitted, NotFound):
                if fetched or remote.offline:
                    raise
                # refused on a view up to FRESH seconds old: refuse only on the remote's
                prepare(session, remote, token, sign, force=True)
                result, saved, sha = _attempt(session, decide, token, sign)
            if sha is None:
                return result, saved, None
            try:
                return result, saved, land(session, remote, token, sha, sign)
            except Dropped as dropped:
                if dropped.config:              # the decision runs on the new config
                    for cached in ("policy", "tz"):
                        session.__dict__.pop(cached, None)
                if run == RETRIES:
                    raise PushRejected(f"{remote.name}: what this command read kept changing "
                                       f"({dropped.why}); gave up after {RETRIES} runs",
                                       rule="G4") from None
    raise ConcurrencyError("unreachable", rule="G4")      # pragma: no cover


def _join(session: Session, tx: Tx, decide: Decide[R]) -> R:
    """A use case run inside a batch (W5): its decision joins the batch's transaction,
    which the batch commits once; its call is kept so the batch can be replayed."""
    outer, tx.call_args = tx.call_args, {}
    try:
        result = decide(tx)
        if session.call is not None:
            tx.calls.append({"call": session.call.name,
                             "args": {**session.call.args, **tx.call_args}})
    finally:
        tx.call_args = outer
    return result


def _off_branch(session: Session) -> None:
    """Say so when the commit went to a branch other than the desk's (a config pull
    request's branch, say): ticket work there is lost to the desk until merged."""
    if session.in_replay:
        return
    desk = session.desk
    branch = desk.branch_ref().removeprefix("refs/heads/")
    name = session.remote.name if session.remote is not None else None
    home = desk.home_branch(session.policy.desk.branch, name)
    if home is not None and branch != home:
        where = "config/desk.yaml branch" if session.policy.desk.branch else "the desk's branch"
        session.say(f"itsmctl: warning: committed on branch {branch}, not on {home} "
                    f"({where}); tickets belong on {home}: git switch {home}")


def _attempt(session: Session, decide: Decide[R], token: Optional[str],
             sign: Optional["SignWith"] = None) -> tuple[R, list["Ticket"], Optional[str]]:
    """Under the desk lock: the decision on HEAD and its commit (recorded as outgoing
    with what it read when it waits for a push)."""
    from contextlib import nullcontext

    from itsmctl.infra.store import transaction

    desk = session.desk
    locked = nullcontext() if session.in_replay else desk.lock(session.policy.desk.lock_timeout)
    with locked:
        with transaction(desk, finalize=_finalize(session)) as inner:
            tx = Tx(session, inner)
            result = decide(tx)
            if not (inner.changed or inner.extra):      # (files() dumps every ticket)
                return result, [], None
            sha = inner.commit(_message(tx), tx.author or session.author, session.now, sign)
            while desk.warnings:
                session.say(desk.warnings.pop(0))
            if token is not None and sha is not None:
                from itsmctl.infra.outgoing import Outgoing, Unpushed

                Outgoing(desk).add(Unpushed(sha, token, sorted(tx.reads), sorted(tx.watching)))
            return result, list(inner.changed.values()), sha


def recorded(**types: Callable[[Any], Any]) -> Callable[[F], F]:
    """Mark a use case whose commits `sync` may run again: the call (its name and
    arguments) is recorded in the commit. `types` rebuilds arguments from JSON."""

    def wrap(fn: F) -> F:
        bind = binder(fn)
        name = fn.__module__.removeprefix("itsmctl.app.") + "." + fn.__name__

        @functools.wraps(fn)
        def run(session: Session, *args: Any, **kwargs: Any) -> Any:
            given = dict(list(bind((session, *args), kwargs).items())[1:])
            record = {k: _jsonable(v) for k, v in given.items()}
            return fn(session.derive(call=Call(name, record)), *args, **kwargs)

        run.replay_types = types  # type: ignore[attr-defined]
        run.replayable = True     # type: ignore[attr-defined]
        return run  # type: ignore[return-value]

    return wrap


def binder(fn: Callable[..., Any]) -> Callable[[tuple[Any, ...], dict[str, Any]],
                                               dict[str, Any]]:
    """What `inspect.signature(fn).bind(*args, **kwargs)` with defaults applied gives
    (every parameter by name, in the signature's order), read from the function's code:
    importing `inspect` (with ast, dis, tokenize) was ~6 ms of every command that writes,
    at import, for the 27 use cases this decorates. A function with *args or **kwargs
    is bound by `inspect` itself."""
    code = fn.__code__
    if code.co_flags & 0x0C or hasattr(fn, "__wrapped__"):   # *args, **kwargs; a wrapper
        import inspect

        signature = inspect.signature(fn)

        def bind_any(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            return dict(bound.arguments)

        return bind_any
    positional = code.co_varnames[:code.co_argcount]
    names = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
    by_name = names[code.co_posonlyargcount:]
    defaults = dict(zip(positional[len(positional) - len(fn.__defaults__ or ()):],
                        fn.__defaults__ or ()))
    defaults.update(fn.__kwdefaults__ or {})

    def bind(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        if len(args) > len(positional):
            raise TypeError(f"{fn.__name__}() takes {len(positional)} positional "
                            f"arguments but {len(args)} were given")
        out = dict(zip(positional, args))
        for key, value in kwargs.items():
            if key not in by_name:
                raise TypeError(f"{fn.__name__}() got an unexpected keyword argument "
                                f"'{key}'")
            if key in out:
                raise TypeError(f"{fn.__name__}() got multiple values for argument "
                                f"'{key}'")
            out[key] = value
        missing = [n for n in names if n not in out and n not in defaults]
        if missing:
            raise TypeError(f"{fn.__name__}() missing a required argument: '{missing[0]}'")
        return {n: out[n] if n in out else defaults[n] for n in names}

    return bind


def _jsonable(value: Any) -> Any:
    """Arguments as JSON values: a struct or dataclass (an Intake) as the mapping of its
    fields in their order."""
    fields = getattr(type(value), "__struct_fields__", None)     # a msgspec struct
    if fields is not None and not isinstance(value, type):
        return {name: _jsonable(getattr(value, name)) for name in fields}
    # dataclasses.is_dataclass's own test, without importing dataclasses for it
    if hasattr(type(value), "__dataclass_fields__") and not isinstance(value, type):
        import dataclasses

        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value
