"""The desk answers mail (E1-E4): `hook mail` reads one message, `attach` adds a file.

`receive` acts as the mail gateway's machine account (mail.yaml `actor`, role intake)
with `via: mail`. One message is one commit at most: a new ticket (E1), the user's
words on the ticket the mail answers (E2), or nothing at all (E3: machine mail, loops,
the desk's own mail, a Message-ID seen before). A message that cannot be read, or whose
commit fails, is kept in the quarantine folder with the reason before the error goes
up (exit 4 for unreadable mail), so no mail is ever lost.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from itsmctl.app.session import Session
from itsmctl.app.write import Tx, written
from itsmctl.errors import InvalidFile, ItsmError, RuleViolation

if TYPE_CHECKING:
    from itsmctl.core.mailin import Mail, Part
    from itsmctl.core.model import Ticket

ATTACHMENTS = "attachments"
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


@dataclass
class MailOutcome:
    """What one message did."""

    action: str                     # opened, replied, reopened, ignored, duplicate
    ticket: Optional[str] = None
    reason: str = ""
    message_id: Optional[str] = None
    refused: list[str] = field(default_factory=list)
    commit: Optional[str] = None

    def line(self) -> str:
        text = f"{self.action} {self.ticket}" if self.ticket else self.action
        if self.reason:
            text += f": {self.reason}"
        return text + "".join(f"\nrefused attachment {r}" for r in self.refused)

    def doc(self) -> dict[str, Any]:
        return {"action": self.action, "ticket": self.ticket, "reason": self.reason,
                "message_id": self.message_id, "refused": self.refused,
                "commit": self.commit}


# ---------------------------------------------------------------- quarantine
def quarantine(session: Session, raw: bytes, reason: str) -> Path:
    """Keep a message that was not taken in, with its reason beside it (E3)."""
    import os

    folder = Path(session.policy.mail.quarantine)
    if not folder.is_absolute():
        folder = session.root / folder
    folder.mkdir(parents=True, exist_ok=True)
    stamp = session.now.strftime("%Y%m%dT%H%M%S")
    name = f"{stamp}-{hashlib.sha256(raw).hexdigest()[:12]}"
    for suffix, data in ((".reason", (reason.strip() + "\n").encode()), (".eml", raw)):
        tmp = folder / f".{name}{suffix}.{os.getpid()}.tmp"
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, folder / f"{name}{suffix}")
    return folder / f"{name}.eml"


def _kept(session: Session, raw: bytes, reason: str) -> str:
    try:
        where = quarantine(session, raw, reason)
        return str(where.relative_to(session.root)) if where.is_relative_to(session.root) \
            else str(where)
    except OSError as exc:
        return f"NOT kept ({exc.strerror}); the MTA still holds it"


# ---------------------------------------------------------------- receiving
def receive(session: Session, raw: bytes, envelope: Optional[str] = None) -> MailOutcome:
    """E1-E3: one message on stdin; at most one commit."""
    from itsmctl.core.mailin import route
    from itsmctl.core.permissions import require
    from itsmctl.infra.mailin import Unreadable, parse

    conf = session.policy.mail
    session = session.derive(default_actor=conf.actor, via="mail")
    require(session.policy, session.actor, "hook-mail")
    if len(raw) > conf.max_message_size:
        where = _kept(session, raw, f"larger than max_message_size ({len(raw)} bytes)")
        raise InvalidFile(f"mail of {len(raw)} bytes is over the limit of "
                          f"{conf.max_message_size} (mail.yaml); quarantined: {where}",
                          rule="E3")
    try:
        mail = parse(raw, envelope, tuple(conf.reply_languages))
    except Unreadable as exc:
        where = _kept(session, raw, f"unreadable: {exc}")
        raise InvalidFile(f"unreadable mail ({exc}); quarantined: {where}", rule="E3") from None
    decided = route(mail, session.policy, lambda tid: _exists(session, tid))
    if decided.kind == "ignore":
        return MailOutcome("ignored", reason=decided.reason, message_id=mail.message_id)
    try:
        outcome, sha = written(session, lambda tx: _decide(session, tx, mail, decided.ticket))
    except ItsmError as exc:
        where = _kept(session, raw, f"{exc.kind} [{exc.rule or ''}]: {exc.message}")
        exc.message += f"; the mail is kept: {where}"
        raise
    except Exception as exc:
        _kept(session, raw, f"internal error: {type(exc).__name__}: {exc}")
        raise
    outcome.commit = sha
    return outcome


def _exists(session: Session, ticket_id: str) -> bool:
    from itsmctl.core.model import ticket_path

    return (session.root / ticket_path(ticket_id)).is_file()


def _decide(session: Session, tx: Tx, mail: "Mail", target: Optional[str]) -> MailOutcome:
    mid = mail.message_id
    if mid:
        tx.watch(mid)           # G4: a ticket holding it arriving meanwhile matters
    seen = _seen(session, mid)
    if seen is not None:
        return MailOutcome("duplicate", seen, f"Message-ID {mid} was taken in before", mid)
    if target is not None:
        ticket = tx.load(target)
        if ticket.mail is not None and mid in ticket.mail.received:
            return MailOutcome("duplicate", target, f"Message-ID {mid} was taken in before",
                               mid)
        if ticket.status != "closed":
            return _reply(session, tx, mail, ticket)
        return _new(session, tx, mail, closed=ticket)
    return _new(session, tx, mail)


def _seen(session: Session, mid: Optional[str]) -> Optional[str]:
    """The ticket a message with this Message-ID opened, if any (E3)."""
    if not mid:
        return None
    from itsmctl.app.queue import open_index

    index = open_index(session)
    try:
        found = index.by_mail(mid)
    finally:
        index.close()
    return found[0] if found else None


def _new(session: Session, tx: Tx, mail: "Mail",
         closed: Optional["Ticket"] = None) -> MailOutcome:
    """E1: a new ticket; a reply to a closed ticket is a new one suggested as its
    recurrence (L12, L16)."""
    from itsmctl.app.customers import lookup
    from itsmctl.app.lifecycle import fresh_id
    from itsmctl.core.intake import Intake, open_ticket
    from itsmctl.core.mailin import title_of
    from itsmctl.core.model import MailThread

    conf = session.policy.mail
    customer = lookup(session, mail.sender or "") if mail.sender else None
    if customer is not None:
        reporter = customer.reporter()
    elif closed is not None and closed.reporter is not None and closed.reporter.email \
            and closed.reporter.email.lower() == (mail.sender or ""):
        reporter = closed.reporter.model_dump()
    else:
        local = (mail.sender or "").split("@")[0]
        reporter = {"name": mail.sender_name or local, "email": mail.sender}
    description = mail.text if closed is None else (mail.new_words or mail.text)
    intake = Intake(title=title_of(mail.subject, conf.subject_prefixes),
                    description=description, source="email", reporter=reporter,
                    location=customer.location if customer is not None else None,
                    verified=False)
    ticket = open_ticket(intake, tx.ctx, fresh_id(session, tx))
    notes = []
    if closed is not None:
        notes.append(f"a reply to closed {closed.id}: suggested as its recurrence (L12, "
                     f"L16); link it with itsmctl open --recurrence-of {closed.id} or "
                     "close this one")
    if customer is not None and not customer.in_scope:
        notes.append(f"{customer.id} is outside the desk's scope (L2)")
    stored, refused = _store(session, tx, ticket, mail.attachments)
    if refused:
        notes.append("attachments refused, over the size limit: " + ", ".join(refused))
    first = ticket.history[0].model_copy(update={"note": "; ".join(notes) or None})
    ticket = ticket.evolve(
        history=[first.model_dump(by_alias=True)], attachments=stored,
        mail=MailThread(origin=mail.message_id, received=[mail.message_id or ""]).model_dump())
    ticket = tx.save(ticket)
    tx.describe("open", note=ticket.title)
    action = "opened" if closed is None else "opened (reply to closed)"
    return MailOutcome(action, ticket.id, closed.id if closed else "", mail.message_id,
                       refused)


def _reply(session: Session, tx: Tx, mail: "Mail", ticket: "Ticket") -> MailOutcome:
    """E2: the user's new words on the ticket; on a resolved one, their answer (hold for
    the desk, or reopen, L9, as mail.yaml says)."""
    from itsmctl.core import workflow
    from itsmctl.core.events import check_state, step

    words = mail.new_words or mail.text or "(空回复 empty reply)"
    before = ticket
    check_state(ticket, "reply")
    stored, refused = _store(session, tx, ticket, mail.attachments)
    thread = (ticket.mail.model_dump() if ticket.mail else {"received": []})
    thread["received"] = [*thread.get("received", []), mail.message_id or ""]
    action = "replied"
    if ticket.status == "resolved" and session.policy.mail.reply_to_resolved == "reopen":
        ticket = workflow.reopen(ticket, tx.ctx, f"用户回复 the user answered by mail: {words}")
        if len(stored) != len(ticket.attachments):
            ticket = step(ticket, tx.ctx, "attach", attachments=stored,
                          note=", ".join(a["name"] for a in stored[len(ticket.attachments):]))
        action = "reopened"
    else:
        label = "用户答复 the user's answer" if ticket.status == "resolved" else None
        note = f"{label}: {words}" if label else words
        ticket = step(ticket, tx.ctx, "reply", note=note, attachments=stored)
        action = "answered" if label else "replied"
    if refused:
        ticket = step(ticket, tx.ctx, "attach-refused",
                      note="over the size limit, not kept: " + ", ".join(refused))
    ticket = tx.save(ticket.evolve(mail=thread))
    tx.mirror(before, ticket)
    tx.describe("reopen" if action == "reopened" else "reply", note=words,
                before=before.status)
    return MailOutcome(action, ticket.id, "", mail.message_id, refused)


# ---------------------------------------------------------------- attachments (E4)
def safe_name(name: str, taken: set[str]) -> str:
    """A file name for attachments/<ID>/: no directories, no control characters, no
    leading dots, unique on the ticket ("name (2).ext")."""
    base = _UNSAFE_NAME.sub("_", name.replace("\\", "/").split("/")[-1]).strip(" .")
    base = base[-120:] or "attachment"
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    out, n = base, 1
    while out.lower() in taken:
        n += 1
        out = f"{stem} ({n}).{ext}" if ext else f"{stem} ({n})"
    return out


def _size(n: int) -> str:
    return f"{n / (1 << 20):.1f} MB" if n >= 1 << 20 else f"{n / 1024:.0f} KB"


def _store(session: Session, tx: Tx, ticket: "Ticket",
           parts: list["Part"]) -> tuple[list[dict[str, Any]], list[str]]:
    """The ticket's attachment list with the parts added (files written in the same
    commit), and the names refused as too large."""
    limit = session.policy.mail.max_attachment_size
    listed = [a.model_dump(mode="json") for a in ticket.attachments]
    taken = {a["name"].lower() for a in listed}
    refused = []
    for part in parts:
        name = safe_name(part.name, taken)
        if len(part.data) > limit:
            refused.append(f"{name} ({_size(len(part.data))} > {_size(limit)})")
            continue
        taken.add(name.lower())
        tx.write(f"{ATTACHMENTS}/{ticket.id}/{name}", part.data)
        listed.append({"name": name, "size": len(part.data),
                       "sha256": hashlib.sha256(part.data).hexdigest(),
                       "at": session.now.isoformat(), "by": session.actor})
    return listed, refused


def attach(session: Session, ref: str, name: str, data: bytes) -> "Ticket":
    """E4 `attach ID FILE`: one file on the ticket, in one commit."""
    from itsmctl.core.events import check_state, step
    from itsmctl.core.mailin import Part
    from itsmctl.core.permissions import require

    limit = session.policy.mail.max_attachment_size
    if len(data) > limit:
        raise RuleViolation(f"{name} is {_size(len(data))}, over the attachment limit of "
                            f"{_size(limit)} (mail.yaml max_attachment_size)", rule="E4")

    def decide(tx: Tx) -> "Ticket":
        ticket = tx.load(tx.resolve(ref))
        check_state(ticket, "attach")
        require(session.policy, session.actor, "attach", ticket)
        stored, _ = _store(session, tx, ticket, [Part(name=name, data=data)])
        after = tx.save(step(ticket, tx.ctx, "attach", note=stored[-1]["name"],
                             attachments=stored))
        tx.describe("attach", note=stored[-1]["name"], before=ticket.status)
        return after

    return written(session, decide)[0]


def attachment_problems(root: Path, ticket: "Ticket") -> list[str]:
    """validate (G5, E4): every listed attachment is there, with its size and sha256."""
    out = []
    for a in ticket.attachments:
        rel = f"{ATTACHMENTS}/{ticket.id}/{a.name}"
        try:
            data = (root / rel).read_bytes()
        except OSError:
            out.append(f"attachments: {a.name}: missing ({rel})")
            continue
        if len(data) != a.size or hashlib.sha256(data).hexdigest() != a.sha256:
            out.append(f"attachments: {a.name}: {rel} does not match its size and sha256")
    return out
