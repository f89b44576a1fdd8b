"""Mail to the desk (E1-E3): what one parsed message means. Pure.

infra/mailin.py turns the bytes into a `Mail`; `route` says whether it is to be ignored
(E3: auto-replies, bounces, lists, loops, the desk's own mail), answers a ticket (E2:
the Subject tag `[INC-...]`, In-Reply-To/References naming a Message-ID the desk sent,
or `desk+INC-...@` in a recipient), or is new (E1).
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Literal, Optional

from itsmctl.core.mailthread import TAG, ticket_of

if TYPE_CHECKING:
    from itsmctl.core.policy import Policy

TITLE_LIMIT = 200
TEXT_LIMIT = 20000
_PLUS = re.compile(r"^[^@+]+\+([A-Z]{2,5}-\d{4}-[0-9A-Z]{5})@", re.I)
_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}


@dataclass
class Part:
    """An attachment as the mail carried it (name as sent; data decoded)."""

    name: str
    data: bytes


@dataclass
class Mail:
    """One message, decoded (infra/mailin.py)."""

    message_id: Optional[str]
    sender: Optional[str]                   # From: address, lower case
    sender_name: Optional[str]
    envelope: Optional[str]                 # envelope sender; "" for the null sender
    subject: str                            # decoded, one line
    text: str                               # the text part (HTML turned to text)
    new_words: str                          # the text without quoted history (E2)
    refs: list[str] = field(default_factory=list)       # In-Reply-To, then References
    recipients: list[str] = field(default_factory=list)
    auto: Optional[str] = None              # why it is machine mail (E3), if it is
    loop: list[str] = field(default_factory=list)       # X-Loop values
    ours: bool = False                      # it carries the desk's own marker header
    attachments: list[Part] = field(default_factory=list)


@dataclass
class MailRoute:
    """Where an incoming mail goes: ignored, a reply to a ticket, or a new one."""

    kind: Literal["ignore", "reply", "new"]
    ticket: Optional[str] = None
    reason: str = ""


def desk_domain(policy: Policy) -> str:
    desk = policy.teams.groups.get(policy.teams.desk_group)
    return policy.mail.message_domain(desk.email if desk is not None else None)


def route(mail: Mail, policy: Policy, exists: Callable[[str], bool]) -> MailRoute:
    """E3 first (nothing changes), then a ticket the mail answers (E2), else new (E1)."""
    conf = policy.mail
    domain = desk_domain(policy)
    if mail.auto:
        return MailRoute("ignore", reason=mail.auto)
    if mail.envelope == "":
        return MailRoute("ignore", reason="bounce: null envelope sender")
    if mail.ours or (mail.message_id and ticket_of(mail.message_id, domain)):
        return MailRoute("ignore", reason=f"the desk's own mail came back ({mail.message_id})")
    address = (conf.address or "").lower()
    if address and any(address in v.lower() for v in mail.loop):
        return MailRoute("ignore", reason=f"mail loop: X-Loop {address}")
    sender = mail.sender or ""
    if address and sender == address:
        return MailRoute("ignore", reason=f"mail loop: from the desk's own address {address}")
    for pattern in conf.ignore_senders:
        if fnmatch.fnmatch(sender, pattern.lower()):
            return MailRoute("ignore", reason=f"sender {sender} matches ignore_senders {pattern}")
    for candidate in answered(mail, domain):
        if exists(candidate):
            return MailRoute("reply", ticket=candidate)
    return MailRoute("new")



def answered(mail: Mail, domain: str) -> list[str]:
    """Tickets the mail names, most certain first: tag, thread, plus address."""
    out = [m.group(1) for m in TAG.finditer(mail.subject)]
    out += [t for t in (ticket_of(r, domain) for r in mail.refs) if t]
    out += [m.group(1).upper() for m in (_PLUS.match(r) for r in mail.recipients) if m]
    return list(dict.fromkeys(out))


def machine_mail(headers: dict[str, list[str]], content_type: str) -> Optional[str]:
    """E3: why a message is an auto-reply, a bounce or list mail (RFC 3834), or None.

    `headers` maps lower-case names to their values."""
    def first(name: str) -> str:
        values = headers.get(name) or [""]
        return " ".join(str(values[0]).split()).lower()

    auto = first("auto-submitted")
    if auto and not auto.startswith("no"):
        return f"auto-reply: Auto-Submitted {auto}"
    if first("precedence") in _PRECEDENCE:
        return f"bulk mail: Precedence {first('precedence')}"
    for name in ("list-id", "list-unsubscribe", "list-post"):
        if headers.get(name):
            return f"mailing list: {name.title()}"
    for name in ("x-autoreply", "x-autorespond", "x-autoresponder"):
        if headers.get(name):
            return f"auto-reply: {name.title()}"
    if content_type == "multipart/report":
        return "bounce: a delivery report (multipart/report)"
    if first("x-failed-recipients"):
        return "bounce: X-Failed-Recipients"
    return None


_PREFIX_RE_CACHE: dict[tuple[str, ...], re.Pattern[str]] = {}


def title_of(subject: str, prefixes: list[str]) -> str:
    """A new ticket's title: the subject without Re:/Fwd:/回复: prefixes, one line."""
    key = tuple(prefixes)
    if key not in _PREFIX_RE_CACHE:
        words = "|".join(re.escape(p) for p in sorted(prefixes, key=len, reverse=True))
        _PREFIX_RE_CACHE[key] = re.compile(rf"^\s*(?:(?:{words})\s*(?:\[\d+\])?\s*[:：]\s*)+",
                                           re.I)
    text = " ".join(subject.split())
    text = _PREFIX_RE_CACHE[key].sub("", text).strip()
    return clip(text, TITLE_LIMIT) or "(无主题 no subject)"


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
