"""How config says working time: hours of a day, weekdays, a country's holidays.

Shared by the config models (core/policy/sla.py and rota.py check their values with it)
and the business calendar (core/calendar.py), which imports it, never the reverse.
"""

from __future__ import annotations

import re
from typing import Any, Optional

from itsmctl.errors import InvalidFile

WEEKDAY_NAMES = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")

Hours = list[tuple[int, int]]          # [(start minute, end minute)] of a day, 0..1440


def parse_hours(text: str) -> Hours:
    """'09:00-12:00, 13:30-18:00' -> [(540, 720), (810, 1080)]; '24:00' ends the day."""
    out: Hours = []
    for part in str(text).split(","):
        m = _RANGE.match(part)
        if not m:
            raise ValueError(f"not working hours: {text!r} (use e.g. 09:00-18:00 or "
                             "09:00-12:00,13:30-18:00)")
        h1, m1, h2, m2 = (int(x) for x in m.groups())
        lo, hi = h1 * 60 + m1, h2 * 60 + m2
        if m1 > 59 or m2 > 59 or hi > 1440 or lo >= hi:
            raise ValueError(f"not working hours: {part.strip()!r} (start before end, "
                             "within 00:00-24:00)")
        if out and lo < out[-1][1]:
            raise ValueError(f"working hours {text!r} overlap or are not in order")
        out.append((lo, hi))
    return out


def weekday_number(key: Any) -> int:
    """1 (Monday) .. 7 (Sunday), from a number or a name such as 'mon'."""
    if isinstance(key, str) and key.strip().lower()[:3] in WEEKDAY_NAMES:
        return WEEKDAY_NAMES[key.strip().lower()[:3]]
    try:
        n = int(key)
    except (TypeError, ValueError):
        raise ValueError(f"not a weekday: {key!r} (1 = Monday … 7 = Sunday, or mon … sun)")\
            from None
    if not 1 <= n <= 7:
        raise ValueError(f"not a weekday: {key!r} (1 = Monday … 7 = Sunday)")
    return n



def country_holidays(country: str, subdivision: Optional[str] = None) -> Any:
    """The `holidays` package's calendar for a country (years filled in on demand)."""
    try:
        import holidays
    except ImportError:  # pragma: no cover - a declared dependency
        raise InvalidFile("config/sla.yaml: calendar.country needs the 'holidays' package "
                          "(pip install holidays)") from None
    try:
        return holidays.country_holidays(country, subdiv=subdivision)
    except NotImplementedError:
        raise ValueError(f"country: unknown country {country!r} for the holidays "
                         "package (use an ISO code such as CN)") from None
