"""`itsmctl validate` (G5): every config and ticket file against schemas and references.

One line per problem, `file[:line]: path.to.field: message`. The config is always
checked whole; tickets are all of them, the files given (pre-commit passes the
staged ones), or those changed since a revision (CI on a pull request) - all of
them again when config/ changed, since derived values depend on it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Optional, Sequence

from itsmctl.app.session import Session
from itsmctl.errors import ItsmError, UsageError

if TYPE_CHECKING:
    from itsmctl.core.qa import QualityFinding

_TICKET = re.compile(r"(^|/)tickets/\d{4}/\d{2}/[^/]+\.yaml$")


def config_problems(session: Session) -> Iterator[str]:
    """Each config file against its schema (every error), then cross-references."""
    from pydantic import ValidationError

    from itsmctl.core import integrity
    from itsmctl.core.policy import Policy
    from itsmctl.infra.config import (
        _model_for,
        cached_policy,
        problem_line,
        read_documents,
        schema_lines,
        validate_doc,
    )
    from itsmctl.infra.yaml import plain

    known = cached_policy(session.root)
    if known is not None and _clean(session, known):
        # made from these very files (same stat, same model code): their schemas passed
        # then, and nothing is to be said now; parsing them again with ruamel cost
        # ~0.3 s (issue 13). Any finding is reported from the files, with its line.
        return
    try:
        docs = read_documents(session.root)
    except ItsmError as exc:
        yield exc.message
        return
    yield from secret_problems(docs)
    parts = {}
    for key, (where, doc) in docs.items():
        try:
            parts[key] = validate_doc(key, where, doc)
        except ItsmError as exc:
            if not isinstance(doc, dict) or "version: expected" in exc.message:
                yield exc.message
                continue
            try:
                _model_for(key).model_validate(plain(doc))
            except ValidationError as full:
                yield from schema_lines(where, doc, full)
            else:
                yield exc.message
    if len(parts) != len(docs):
        return
    policy = Policy(**parts)
    from itsmctl.core.rota import coverage, zone_of
    from itsmctl.infra.clock import now

    # the session's policy may not load (that is what is being reported): its zone
    # comes from the documents just validated
    zone = zone_of(policy)
    today = now(session.now_given, zone).astimezone(zone).date()
    for name, at, msg in [*policy.problems(), *integrity.config(policy),
                          *coverage(policy, today)]:
        yield problem_line(docs, name, at, msg)


def _clean(session: Session, policy: Any) -> bool:
    """Whether the cached policy has nothing to report: no secret in its values (I8), no
    cross-check finding, the rota covered from today (R1)."""
    from itsmctl.core import integrity
    from itsmctl.core.rota import coverage, zone_of
    from itsmctl.core.secrets import scan
    from itsmctl.infra.clock import now

    if any(True for _ in scan(policy.model_dump(mode="json", by_alias=True))):
        return False
    zone = zone_of(policy)
    today = now(session.now_given, zone).astimezone(zone).date()
    return not any(True for _ in [*policy.problems(), *integrity.config(policy),
                                  *coverage(policy, today)])


def secret_problems(docs: dict[str, tuple[str, Any]]) -> Iterator[str]:
    """I8: a config value that looks like a secret (a token, a password, a robot URL
    with its access token) is refused; such values come from the environment."""
    from itsmctl.core.secrets import scan
    from itsmctl.infra.yaml import line_of, plain

    for where, doc in docs.values():
        for path, why in scan(plain(doc)):
            line = line_of(doc, path)
            at = ".".join(str(p) for p in path) or "(top)"
            yield (f"{where}{':' + str(line) if line else ''}: {at}: looks like a secret "
                   f"({why}); secrets never enter the desk repo: read it from the "
                   "environment (a *_env setting) or a file outside the repository (I8)")


def parse(path: Path, where: str) -> tuple[Optional[Any], list[str]]:
    """A ticket file as a model, or the problems that stop it being one."""
    from itsmctl.core import integrity
    from itsmctl.core.model import Invalid, Ticket
    from itsmctl.infra.yaml import load_ticket

    try:
        doc = load_ticket(path.read_bytes(), where)
    except ItsmError as exc:
        return None, [exc.message]
    except OSError as exc:
        return None, [f"{where}: unreadable: {exc.strerror}"]
    if not isinstance(doc, dict):
        return None, [f"{where}: (top): expected a mapping"]
    try:
        return Ticket.from_doc(doc), []
    except Invalid as exc:
        return None, [f"{where}: {line}" for line in integrity.schema_errors(exc)]


def ticket_files(session: Session, paths: Sequence[str], since: Optional[str]) -> list[Path]:
    """Which ticket files to check (see the module docstring)."""
    root = session.root
    if since and set(since) == {"0"}:
        since = None                  # a new branch: git's all-zero "nothing before"
    if since:
        from itsmctl.infra import git

        res = git.call(root, "diff", "--name-only", "--no-renames", f"{since}", "--",
                       "tickets/", "config/")
        if res.code != 0:
            raise UsageError(f"--since {since}: {res.last_error()}", rule="G5")
        changed = res.out.decode().split()
        if any(p.startswith("config/") for p in changed):
            return session.desk.ticket_files()
        paths = [str(root / p) for p in changed]
    elif not paths:
        return session.desk.ticket_files()
    out_paths = []
    for p in paths:
        full = Path(p) if Path(p).is_absolute() else Path.cwd() / p
        if not full.is_file():
            full = root / p                    # relative to the desk, as git prints them
        if _TICKET.search(full.as_posix()) and full.is_file():
            out_paths.append(full.resolve())
    return sorted(set(out_paths))


def validate(session: Session, paths: Sequence[str] = (), since: Optional[str] = None) -> list[str]:
    """All problems, one line each; empty when the desk is valid."""
    from itsmctl.core import integrity
    from itsmctl.core.model import ticket_path

    problems = list(config_problems(session))
    if problems:
        return problems
    root = session.root
    # only the links of each ticket are kept for the cross-checks: a desk of 100,000
    # tickets is validated in constant memory, not with every model held at once
    cache: dict[str, Optional[Any]] = {}

    def find(ticket_id: str) -> Optional[Any]:
        if ticket_id not in cache:
            try:
                path = root / ticket_path(ticket_id)
            except ValueError:
                return None
            found = parse(path, ticket_path(ticket_id))[0] if path.is_file() else None
            cache[ticket_id] = _links(found) if found is not None else None
        return cache[ticket_id]

    checked: list[tuple[str, Any]] = []
    files = ticket_files(session, paths, since)
    with session.progress("validating tickets") as progress:
        for done, path in enumerate(files):
            if done % 50 == 0:
                progress(done, len(files))
            _check_file(session, path, problems, checked, cache)
        progress(len(files), len(files))
    for where, links in checked:
        problems.extend(f"{where}: {p}" for p in integrity.across(links, find))
    if since is not None:
        from itsmctl.app.governance import problems as governance

        problems.extend(governance(session, since))         # C1: approvals and windows
    return problems


def _check_file(session: Session, path: Path, problems: list[str],
                checked: list[tuple[str, Any]], cache: dict[str, Optional[Any]]) -> None:
    from itsmctl.core import integrity

    where = path.relative_to(session.root).as_posix()
    ticket, errors = parse(path, where)
    problems.extend(errors)
    if ticket is None:
        return
    links = _links(ticket)
    cache[ticket.id] = links
    if ticket.master or ticket.slaves or ticket.related or ticket.recurrence_of:
        checked.append((where, links))
    problems.extend(f"{where}: {p}" for p in integrity.ticket(session.policy, ticket, where))
    if ticket.attachments:
        from itsmctl.app.mail import attachment_problems  # E4: the files are there

        problems.extend(f"{where}: {p}" for p in attachment_problems(session.root, ticket))


def _links(ticket: Any) -> Any:
    """What integrity.across reads of a ticket."""
    from types import SimpleNamespace

    return SimpleNamespace(id=ticket.id, master=ticket.master, slaves=list(ticket.slaves),
                           related=list(ticket.related), recurrence_of=ticket.recurrence_of)



def qa(session: Session, month: Optional[str] = None,
       open_only: bool = False) -> list["QualityFinding"]:
    """Findings over every ticket (or those opened in `month`, or the open ones)."""
    from itsmctl.app.reports import _files, period_of
    from itsmctl.core.qa import check
    from itsmctl.infra.ticketfile import parse_ticket
    from itsmctl.infra.yaml import load_ticket

    period = period_of(session, month, None, None) if month else None
    findings = []
    files = _files(session, period.end if period else None)
    with session.progress("checking tickets") as progress:
        tickets = []
        for n, (path, rel) in enumerate(files, 1):
            tickets.append(parse_ticket(load_ticket(path.read_bytes(), rel), rel))
            if n % 100 == 0 or n == len(files):
                progress(n, len(files))
    for ticket in tickets:
        if period is not None and not period.holds(ticket.opened_at):
            continue
        if open_only and not ticket.is_open:
            continue
        findings.extend(check(ticket, session.policy))
    return findings
