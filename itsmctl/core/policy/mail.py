"""mail.yaml (E1-E5): the desk's mail gateway - its address, limits, and what a reply does."""

from __future__ import annotations

import re
from typing import Any, Literal, Optional

from pydantic import field_validator

from itsmctl.core.policy.base import Model
from itsmctl.core.policy.rules import MailRules

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?\s*$", re.I)
_UNIT = {"": 1, "b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


def parse_size(value: Any) -> int:
    """'10MB', '512k', '25 MiB', 1048576 -> bytes (powers of 1024, as mail clients count)."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise ValueError("a size is 0 or more")
        return value
    m = _SIZE.match(str(value))
    if not m:
        raise ValueError(f"not a size: {value!r} (use e.g. 512k, 10MB, 1GB)")
    unit = (m.group(2) or "").lower()[:1]
    return int(float(m.group(1)) * _UNIT[unit])


class MailConfig(MailRules, Model):
    """config/mail.yaml; every key has a default, so a desk without the file works."""

    version: int = 1
    # the desk's mail-in address: Reply-To of every mail, and X-Loop (E3, E5)
    address: Optional[str] = None
    # right-hand side of the desk's Message-IDs (default: the address's domain)
    domain: Optional[str] = None
    # the machine account `hook mail` acts as (role intake)
    actor: str = "mailgate"
    # a larger message is quarantined, not read (E3)
    max_message_size: int = 25 << 20
    # a larger attachment is refused; the ticket is still opened and the sender told (E4)
    max_attachment_size: int = 10 << 20
    # where unreadable mail is kept with its reason (E3), relative to the desk
    quarantine: str = ".git/itsmctl/quarantine"
    # a reply to a resolved ticket: hold it for the desk, or reopen the ticket (L9)
    reply_to_resolved: Literal["hold", "reopen"] = "hold"
    # Subject prefixes of replies and forwards dropped from a new ticket's title
    subject_prefixes: list[str] = ["re", "fw", "fwd", "aw", "wg", "sv", "回复", "答复",
                                   "转发", "回覆", "轉寄"]
    # senders whose mail is never a ticket (fnmatch patterns, case-insensitive)
    ignore_senders: list[str] = ["mailer-daemon@*", "postmaster@*"]
    # languages of the quoted-reply headers to strip from replies (E2)
    reply_languages: list[str] = ["zh", "en"]

    @field_validator("max_message_size", "max_attachment_size", mode="before")
    @classmethod
    def _size(cls, v: Any) -> int:
        return parse_size(v)
