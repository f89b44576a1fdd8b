"""'Now' and times given on the command line (S7): --now, ITSMCTL_NOW, else the clock."""

from __future__ import annotations

import os
from datetime import datetime, tzinfo
from typing import Optional

from itsmctl.errors import UsageError


def zone(name: str) -> tzinfo:
    """The desk's time zone (the calendar's own lookup; one message for a bad name)."""
    from itsmctl.core.calendar import zone as lookup

    return lookup(name)


def parse_time(text: str, tz: tzinfo, what: str = "--now") -> datetime:
    """ISO 8601; a time without offset is in the desk's time zone."""
    raw = text.strip()
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        raise UsageError(f"{what}: {text!r} is not an ISO 8601 time "
                         "(e.g. 2026-11-25T09:30:00+08:00)", rule="S7") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value


def now(given: Optional[str], tz: tzinfo) -> datetime:
    text = given or os.environ.get("ITSMCTL_NOW")
    if text:
        return parse_time(text, tz)
    return datetime.now(tz).replace(microsecond=0)
