"""The desk's mail threads (E2, E5): Message-IDs, thread headers and subject tags. Pure.

Every notice has a Message-ID made from its id, `<INC-2611-7KQ3X-4-1@domain>`, so a
reply's In-Reply-To or References names the ticket without any lookup, and the desk
knows its own mail when it comes back (E3). The ticket's root Message-ID is its first
notice's (the acknowledgement of a mail-in ticket) and is kept as `mail.message_id`;
every later notice answers it, so a mail client shows one thread per ticket.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Optional

from itsmctl.core.model import MailThread, Notification, Ticket

OUR_ID = re.compile(r"^<?([A-Z]{2,5}-\d{4}-[0-9A-Z]{5})-\d+-\d+@([^<>@\s]+)>?$")
TAG = re.compile(r"\[\s*([A-Z]{2,5}-\d{4}-[0-9A-Z]{5})\s*\]")
AUTO = "auto-generated"


def message_id(nid: str, domain: str) -> str:
    return f"<{nid}@{domain}>"


def ticket_of(mid: str, domain: Optional[str] = None) -> Optional[str]:
    """The ticket a Message-ID of the desk's belongs to (None: not one of ours)."""
    m = OUR_ID.match(mid.strip())
    if not m or (domain is not None and m.group(2).lower() != domain.lower()):
        return None
    return m.group(1)


def subject(ticket: Ticket) -> str:
    """E5: one stable subject per ticket, `[INC-...] title`, tagged for replies (E2)."""
    return f"[{ticket.id}] {' '.join(ticket.title.split())}"


def address(name: Optional[str], email: str) -> str:
    """A display address as people read it (RFC 2047 encoding happens when sending)."""
    name = " ".join((name or "").split()).replace('"', "'")
    if not name:
        return email
    special = any(c in name for c in '()<>[]:;@\\,.')
    return f'"{name}" <{email}>' if special else f"{name} <{email}>"


def thread(ticket: Ticket, new: list[Notification], domain: str, reply_to: Optional[str],
           to: Any) -> tuple[list[Notification], MailThread]:
    """The new notices with their headers, and the ticket's thread (root set once).

    `to(ticket, recipient)` gives a recipient's contact (name, email)."""
    mail = ticket.mail or MailThread()
    root = mail.message_id
    out = []
    for n in new:
        mid = message_id(n.id, domain)
        parent = root if root is not None else mail.origin
        if root is None:
            root = mid
        headers = {"Message-ID": mid, "Subject": subject(ticket), "Auto-Submitted": AUTO}
        if reply_to:
            headers["Reply-To"] = reply_to
        if parent:
            headers["In-Reply-To"] = parent
            headers["References"] = " ".join(_unique([mail.origin, root] if root != mid
                                                     else [mail.origin]))
        addrs = [address(c.get("name"), c["email"]) for c in (to(ticket, r)
                                                              for r in n.recipients)
                 if c.get("email")]
        if addrs:
            headers["To"] = ", ".join(addrs)
        out.append(n.model_copy(update={"headers": headers}))
    if root != mail.message_id:
        mail = mail.model_copy(update={"message_id": root})
    return out, mail


def _unique(items: Iterable[Optional[str]]) -> list[str]:
    seen: list[str] = []
    for item in items:
        if item and item not in seen:
            seen.append(item)
    return seen
