"""The desk's time zone by name, apart from the calendar and its config models (whose
package loads pydantic): what a read-only command needs of them (issue 13)."""

from __future__ import annotations

from datetime import timezone, tzinfo

from itsmctl.errors import InvalidFile


def zone(name: str) -> tzinfo:
    if name.upper() == "UTC":
        return timezone.utc
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidFile(f"unknown time zone {name!r} (config/desk.yaml timezone or "
                          "config/sla.yaml calendar.timezone)") from None
