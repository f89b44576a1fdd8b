"""Reading the desk: one ticket, the queue from the index, ticket files by id."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Optional

from itsmctl.app.session import Session
from itsmctl.errors import Findings, ItsmError, UsageError

if TYPE_CHECKING:
    from datetime import datetime

    from itsmctl.app.write import Tx
    from itsmctl.core.filters import Filters
    from itsmctl.core.model import Ticket
    from itsmctl.core.policy import Policy
    from itsmctl.infra.index import Index


def load(session: Session, ref: str) -> "Ticket":
    """A ticket as its file holds it (a full id or a unique prefix)."""
    from itsmctl.core.model import ticket_path

    found = _by_full_id(session, ref)
    if found is not None:
        return found
    ticket_id = session.resolve(ref)
    return session.desk.read_file_ticket(session.root / ticket_path(ticket_id))


def _by_full_id(session: Session, ref: str) -> Optional["Ticket"]:
    """The ticket a full id names, when its file is a valid ticket at its own path, read
    without the desk (infra/store imports git and subprocess: ~5 ms of a ~55 ms
    `show` that runs no git, issue 13). None for anything else (a prefix, no such file,
    a schema error, a misplaced id, no .git): `load` then reads it the usual way, which
    says what is wrong exactly as before."""
    from itsmctl.core.model import ID_RE, ticket_path
    from itsmctl.errors import InvalidFile, NotFound
    from itsmctl.infra.ticketfile import read_ticket

    wanted = ref.strip().upper()
    if not ID_RE.match(wanted) or not (session.root / ".git").exists():
        return None
    try:
        return read_ticket(session.root, ticket_path(wanted))
    except (NotFound, InvalidFile, OSError):
        return None


def show_doc(session: Session, ticket: "Ticket") -> dict[str, Any]:
    """The ticket as stored, plus the live SLA clocks (SPEC 13)."""
    from itsmctl.core.sla import clocks_doc

    doc = ticket.to_doc()
    policy = session.policy
    doc["sla"] = clocks_doc(ticket, policy, _clock_now(session, policy))
    return doc


def _clock_now(session: Session, policy: "Policy") -> "datetime":
    """session.now as the clocks see it, without the desk's time zone when they do not
    need it (zoneinfo with sysconfig: ~2.5 ms of a ~50 ms `show`, issue 13). Without a
    business calendar the clocks only compare and subtract instants, so the same
    instant with another offset gives the same clocks: a --now (or ITSMCTL_NOW) with an
    offset is taken as it is, and the system clock is read in UTC. A time without an
    offset, or a calendar (which counts working hours in its zone), asks the session."""
    if "now" in session.__dict__ or policy.sla.calendar is not None:
        return session.now
    from itsmctl.infra.clock import instant

    return instant(session.now_given) or session.now


def open_index(session: Session) -> "Index":
    """The ticket index caught up with HEAD (progress shown while it is built)."""
    from itsmctl.infra.index import open_index as infra_open

    with session.progress("building the ticket index") as progress:
        return infra_open(session.root, progress)


def follow_index(session: Session, tx: "Tx") -> None:
    """Under the desk lock, before the commit: the ticket index caught up with the
    transaction's parent and kept by it, so the commit writes its own rows
    (Transaction.adopt, Index.follow) instead of the next command reading them back
    from git. For a command that reads the index after its commit anyway (`open`'s
    candidates: the catch-up of the previous command's commit and of its own was
    ~2 git processes and two parses, issue 13)."""
    if tx.inner.follow is not None:         # a batch: kept by its first decision
        return
    index = open_index(session)
    if not tx.inner.adopt(index):
        index.close()


def index_docs(session: Session, statuses: Optional[Iterable[str]] = None, where: str = "",
               params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    """State mappings (the part above `history:`) of the tickets the index matches."""
    index = open_index(session)
    # no collection while the states are unpickled: they are all kept, and each young
    # collection moved them on to be traversed again by the older ones (~6% of `open`'s
    # instructions for ~1,300 states, issue 13)
    import gc

    collecting = gc.isenabled()
    gc.disable()
    try:
        return list(index.query(statuses, where, params))
    finally:
        if collecting:
            gc.enable()
        index.close()


def select(session: Session, view: Optional[str] = None,
           filters: Optional["Filters"] = None, **given: Any) -> list[dict[str, Any]]:
    """The queue from the index, filtered (W1, W2); open tickets unless a status or
    --all is given. `view` names a saved view of config/views.yaml that the given
    filters are laid over. Every value is checked first: an unknown status, group,
    priority or person is a usage error naming the known ones."""
    docs: list[dict[str, Any]] = _select(session, view, filters, False, **given)
    return docs


def _select(session: Session, view: Optional[str], filters: Optional["Filters"],
            as_briefs: bool, invalid: Optional[list[str]] = None, **given: Any) -> Any:
    """select; with `as_briefs`, the index's BRIEF tuples of the same tickets in the
    same order, read without the whole state where no filter needs it (issue 13).
    `invalid` gets the index's unreadable files (`unreadable`) from the same opening."""
    from itsmctl.core.filters import ME, Filters, Known, check, matches, view_filters
    from itsmctl.core.states import OPEN_STATUSES

    f = filters if filters is not None else Filters.of(**given)
    # checked against the config's plain facts: no config model is loaded (issue 13)
    known = Known.from_doc(session.facts["known"]) if view or f != Filters() else None
    if view and known is not None:
        f = f.over(view_filters(known, view))
    actor = session.actor if (f.mine or f.my_groups or f.assignee == ME) else None
    if known is not None:
        f = check(f, known, actor)
    wanted = list(f.status) if f.status else (None if f.show_all else list(OPEN_STATUSES))
    groups = None
    if f.my_groups:
        groups = list(known.member_of[str(actor)]) if known is not None else []
    conds, params = conditions(f, actor if f.mine else f.assignee,
                               session.resolve(f.master) if f.master else None, groups)
    for column, op, text in (("opened_epoch", ">=", f.since), ("opened_epoch", "<", f.until)):
        if text:
            conds.append(f"{column} {op} ?")
            params.append(instant(session, text, "--since" if op == ">=" else "--until")
                          .timestamp())
    levels = list(session.facts["priority_levels"])
    index = open_index(session)
    try:
        if invalid is not None:
            invalid.extend(index.invalid())
        words = _words(f)
        if words is not None:
            from itsmctl.infra.textindex import TextIndex

            if not words:
                return []
            open_text(session, index)
            conds.append(TextIndex.ids_where())
            params.append(words)
        lean = as_briefs and not (f.unverified or f.breached or f.reporter is not None
                                  or f.phone is not None or f.ci is not None)
        if lean:
            found = index.briefs(wanted, " AND ".join(conds), tuple(params), levels)
        else:
            docs = list(index.query(wanted, " AND ".join(conds), tuple(params)))
    finally:
        index.close()
    order = {p: i for i, p in enumerate(levels)}
    if lean:                      # BRIEF: id, priority, status, ..., opened_at 5, major 9
        return [b for b in found if b[9]] if f.major else found
    out = [d for d in docs if matches(d, f)]
    if f.breached:
        # from the stored clocks (computed at the last change): exact without the history
        from itsmctl.core.sla import breached_from_stored

        out = [d for d in out if breached_from_stored(d, session.now)]
    out.sort(key=lambda d: (order.get(str(d.get("priority")), 99), str(d.get("opened_at"))))
    if as_briefs:
        from itsmctl.infra.index import brief

        return [brief(d) for d in out]
    return out


def conditions(f: "Filters", assignee: Optional[str] = None, master: Optional[str] = None,
               groups: Optional[list[str]] = None) -> tuple[list[str], list[Any]]:
    """The index columns a checked filter narrows, as a WHERE's conditions and their
    parameters (`list` and serve's queue): group, assignee, master, unassigned, one of
    `groups`, priority."""
    conds: list[str] = []
    params: list[Any] = []
    for column, value in (("grp", f.group), ("assignee", assignee), ("master", master)):
        if value:
            conds.append(f"{column} = ?")
            params.append(value)
    if f.unassigned:
        conds.append("assignee IS NULL")
    if groups is not None:
        conds.append(f"grp IN ({','.join('?' * len(groups)) or 'NULL'})")
        params.extend(groups)
    if f.priority:
        conds.append(f"priority IN ({','.join('?' * len(f.priority))})")
        params.extend(f.priority)
    return conds, params


def _words(f: "Filters") -> Optional[str]:
    """The words index's part of the filters (W1): --text, and --reporter, --phone and
    --ci narrowed by their columns before the exact test on each ticket; None when no
    such filter is given, "" when one has nothing to look for."""
    given = [f.text, f.reporter, f.phone, f.ci]
    if not any(given):
        return None
    from itsmctl.core.filters import digits
    from itsmctl.core.search import expression, in_column

    parts = [expression(f.text) if f.text else None,
             in_column("who", f.reporter) if f.reporter else None,
             in_column("who", digits(f.phone)) if f.phone else None,
             in_column("things", f.ci) if f.ci else None]
    if any(g and p is None for g, p in zip(given, parts)):
        return ""
    return " AND ".join(f"({p})" for p in parts if p)


def instant(session: Session, text: str, what: str) -> "datetime":
    """A time given on the command line: ISO 8601, or a duration back from now (`7d`)."""
    from itsmctl.core.policy import parse_duration

    try:
        return session.now - parse_duration(text)
    except ValueError:
        pass
    try:
        return session.parse_time(text, what)
    except UsageError as exc:
        raise UsageError(f"{what}: {text!r} is neither a time (ISO 8601, e.g. "
                         f"2026-11-25T09:30:00+08:00, or 2026-11-25) nor a duration back "
                         f"from now (7d, 12h, 30m)", rule=exc.rule or "W1") from None


def open_text(session: Session, index: "Index") -> Any:
    """The words index beside the ticket cache, caught up (W1; built on first use)."""
    from itsmctl.infra.textindex import open_text as infra_open

    with session.progress("building the search index") as progress:
        return infra_open(index, progress)


def briefs(session: Session, **given: Any) -> tuple[list[tuple[Any, ...]], list[str]]:
    """`select` as the index's BRIEF tuples (what a queue line shows), in the same order,
    and the ticket files the index could not read (issue 13's table path, with every
    filter of W1/W2)."""
    skipped: list[str] = []
    rows: list[tuple[Any, ...]] = _select(session, given.pop("view", None),
                                          given.pop("filters", None), True, skipped, **given)
    return rows, skipped


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
    from itsmctl.infra.ticketfile import parse_ticket
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
