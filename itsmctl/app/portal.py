"""The reporter's side of the web service (U1): the form's choices, a submission, the
status page reached by the ticket's link, the reporter's note and confirmation.

What users submit is written by the intake account `web` (teams.yaml, role intake)
with Session.via "web": one commit per submission through the write path, like any
command. A ticket's link carries a token derived from the service key and the ticket id
(infra/websecret.py): whoever has the link may see the ticket's public side and answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Optional

from itsmctl.app.session import Session
from itsmctl.core.intake import Intake
from itsmctl.errors import NotFound, RuleViolation, UsageError

if TYPE_CHECKING:
    from itsmctl.core.model import Ticket
    from itsmctl.core.portal import PublicEvent, Restoration

WEB_ACCOUNT = "web"                     # the web service's intake account (INTERFACES)
LINK = "reporter-link"                  # token purpose of a ticket's link
TYPES = ("incident", "service_request", "complaint")
MAX_TITLE = 200


@dataclass(frozen=True)
class Area:
    """A category/subtype the reporter may pick ("what is affected")."""

    value: str                          # "category/subtype"
    category: str
    subtype: str


@dataclass
class Submission:
    """What the reporter's form says; None or "" means not given."""

    type: str = "incident"
    title: str = ""
    description: str = ""
    area: Optional[str] = None          # "category/subtype" from areas()
    customer: Optional[str] = None      # their id or e-mail in the customer directory
    name: Optional[str] = None
    phone: Optional[str] = None
    email: Optional[str] = None
    department: Optional[str] = None
    location: Optional[str] = None
    affected_users: Optional[int] = None


@dataclass
class ReporterView:
    """The status page: the ticket's public side."""

    id: str
    title: str
    type: str
    status: str
    opened_at: datetime
    restoration: "Restoration"
    events: list["PublicEvent"] = field(default_factory=list)
    solution: Optional[str] = None
    announcement: Optional[dict[str, Any]] = None
    may_note: bool = False
    may_confirm: bool = False
    confirmed: bool = False


def areas(session: Session) -> list[Area]:
    """Every category/subtype of categories.yaml, in its order."""
    return [Area(f"{cid}/{sid}", cid, sid)
            for cid, cat in session.policy.categories.categories.items()
            for sid in cat.subtypes]


def link_token(key: bytes, ticket_id: str) -> str:
    from itsmctl.infra.websecret import token

    return token(key, LINK, ticket_id)


def lookup_customer(session: Session, key: str) -> Any:
    """B1: the directory's customer by id or e-mail, or None."""
    try:        # issue 15 builds the directory; until then nobody is found
        from itsmctl.app.customers import lookup
    except ImportError:
        return None
    return lookup(session, key)


def intake_of(session: Session, sub: Submission) -> Intake:
    """The submission as an Intake for open (L1): checked, reporter from the directory."""
    if sub.type not in TYPES:
        raise UsageError(f"unknown type {sub.type!r}; known: {', '.join(TYPES)}", rule="U1")
    title = " ".join((sub.title or "").split())
    if not title:
        raise RuleViolation("the title is required", rule="L1")
    if len(title) > MAX_TITLE:
        raise RuleViolation(f"the title is longer than {MAX_TITLE} characters", rule="L1")
    from itsmctl.core.portal import MAX_TEXT

    if len(sub.description or "") > MAX_TEXT:
        raise RuleViolation(f"the description is longer than {MAX_TEXT} characters",
                            rule="L1")
    category = subtype = None
    if sub.area:
        known = {a.value: a for a in areas(session)}
        if sub.area not in known:
            raise NotFound(f"unknown area {sub.area!r} (config/categories.yaml)", rule="L3")
        category, subtype = known[sub.area].category, known[sub.area].subtype
    if sub.affected_users is not None and sub.affected_users < 0:
        raise UsageError("the number of people affected must be 0 or more", rule="P3")
    reporter = reporter_of(session, sub)
    if not reporter.get("name") or not (reporter.get("phone") or reporter.get("email")):
        raise RuleViolation("give your name and a phone number or e-mail address", rule="L1")
    fields: dict[str, Any] = {
        "title": title, "description": (sub.description or "").strip(), "type": sub.type,
        "source": "web", "reporter": reporter, "category": category,
        "subtype": subtype, "affected_users": sub.affected_users,
        "location": (sub.location or "").strip() or None}
    if "verified" in Intake.__struct_fields__:
        fields["verified"] = False          # B2 (issue 15): the desk checks it first
    return Intake(**fields)


def reporter_of(session: Session, sub: Submission) -> dict[str, Optional[str]]:
    """The reporter: the directory's entry when the id or e-mail is known, else as typed."""
    typed = {"name": sub.name, "phone": sub.phone, "email": sub.email,
             "department": sub.department, "location": sub.location}
    typed = {k: " ".join(v.split()) or None for k, v in typed.items() if v}
    key = (sub.customer or "").strip() or (sub.email or "").strip()
    customer = lookup_customer(session, key) if key else None
    if customer is None:
        if sub.customer and sub.customer.strip() and not typed.get("name"):
            raise NotFound(f"no customer {sub.customer.strip()!r} in the directory; give "
                           "your name and a phone number or e-mail address", rule="B1")
        return typed
    found = {k: getattr(customer, k, None) for k in
             ("id", "name", "kind", "phone", "email", "department", "location")}
    # B1: what was typed wins (as `open --reporter-id` does), the id is the directory's
    return {**{k: str(v) for k, v in found.items() if v}, **typed, "id": str(customer.id)}


def submit(session: Session, sub: Submission) -> "Ticket":
    """U1: a ticket the reporter submitted, opened by the web account (one commit)."""
    from itsmctl.app.lifecycle import open_ticket

    web = session.derive(actor_given=WEB_ACCOUNT, via="web")
    return open_ticket(web, intake_of(web, sub))


def _ticket(session: Session, key: bytes, ticket_id: str, token: Optional[str]) -> "Ticket":
    """The ticket a link names; a wrong token reads like a missing ticket."""
    from itsmctl.app.queue import load
    from itsmctl.core.model import ID_RE
    from itsmctl.infra.websecret import token_ok

    wanted = (ticket_id or "").strip().upper()
    if not ID_RE.match(wanted) or not token_ok(key, LINK, wanted, token):
        raise NotFound("no such ticket link", rule="U1")
    return load(session, wanted)


def status(session: Session, key: bytes, ticket_id: str,
           token: Optional[str]) -> ReporterView:
    """The status page of the ticket the link names."""
    from itsmctl.core import portal

    t = _ticket(session, key, ticket_id, token)
    policy = session.policy
    announcement = None
    if t.announcement is not None and t.announcement.status == "open":
        announcement = {"kind": t.announcement.kind, "title": t.announcement.title,
                        "body": t.announcement.body}
    done = portal.confirmed(t)
    return ReporterView(
        id=t.id, title=t.title, type=t.type, status=t.status, opened_at=t.opened_at,
        restoration=portal.expected_restoration(t, policy, session.now),
        events=portal.public_events(t, policy),
        solution=t.solution if t.status in ("resolved", "closed") else None,
        announcement=announcement, may_note=t.status != "closed",
        may_confirm=t.status == "resolved" and not done, confirmed=done)


def add_note(session: Session, key: bytes, ticket_id: str, token: Optional[str],
             text: str) -> "Ticket":
    """The reporter's words on their ticket, written by the web account (E2)."""
    from itsmctl.app.write import Tx, write
    from itsmctl.core import portal

    t = _ticket(session, key, ticket_id, token)
    web = session.derive(actor_given=WEB_ACCOUNT, via="web")

    def decide(tx: Tx) -> "Ticket":
        before = tx.load(t.id)
        after = tx.save(portal.reporter_note(before, tx.ctx, text))
        tx.mirror(before, after)
        tx.describe(after.history[-1].action, note=text, before=before.status)
        return after

    return write(web, decide)


def confirm(session: Session, key: bytes, ticket_id: str, token: Optional[str],
            text: Optional[str] = None) -> "Ticket":
    """The reporter confirms the resolution; the desk closes the ticket (L10)."""
    from itsmctl.app.lifecycle import transition
    from itsmctl.core import portal

    t = _ticket(session, key, ticket_id, token)
    web = session.derive(actor_given=WEB_ACCOUNT, via="web")
    return transition(web, t.id, "confirm",
                      lambda ticket, ctx, tx: portal.confirm(ticket, ctx, text))
