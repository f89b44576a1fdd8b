"""'Now' and times given on the command line (S7): --now, ITSMCTL_NOW, else the clock."""

from __future__ import annotations

import os
from datetime import datetime, timezone, tzinfo

from itsmctl.errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional


def zone(name: str) -> tzinfo:
    """The desk's time zone (the calendar's own lookup; one message for a bad name)."""
    from itsmctl.core.zones import zone as lookup  # not the calendar: no pydantic

    return lookup(name)


def _read(text: str, what: str) -> datetime:
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        raise UsageError(f"{what}: {text!r} is not an ISO 8601 time "
                         "(e.g. 2026-11-25T09:30:00+08:00)", rule="S7") from None


def parse_time(text: str, tz: tzinfo, what: str = "--now") -> datetime:
    """ISO 8601; a time without offset is in the desk's time zone."""
    value = _read(text, what)
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value


def _given(given: Optional[str]) -> tuple[Optional[str], str]:
    """The time the command was given and where from: --now, else ITSMCTL_NOW."""
    if given:
        return given, "--now"
    return os.environ.get("ITSMCTL_NOW") or None, "ITSMCTL_NOW"


def check_now(given: Optional[str]) -> None:
    """S7: --now (or ITSMCTL_NOW) is a time, or the command is a usage error (exit 2),
    whether or not the command reads the clock (`list` without --breached does not)."""
    text, what = _given(given)
    if text:
        _read(text, what)


def now(given: Optional[str], tz: tzinfo) -> datetime:
    text, what = _given(given)
    if text:
        return parse_time(text, tz, what)
    return datetime.now(tz).replace(microsecond=0)


def given_instant(given: Optional[str]) -> Optional[datetime]:
    """The time given (--now, else ITSMCTL_NOW) when it has an offset: `now` without
    the desk's zone, which it would not change. None when none is given or it has none."""
    text, what = _given(given)
    if not text:
        return None
    value = _read(text, what)
    return value if value.tzinfo is not None else None


def instant(given: Optional[str]) -> Optional[datetime]:
    """`now` where no time zone is needed to know the instant: a given time with an
    offset as it is, the system clock in UTC; None for a given time without an offset
    (the desk's zone decides: call `now`)."""
    if not _given(given)[0]:
        return datetime.now(timezone.utc).replace(microsecond=0)
    return given_instant(given)
