"""What config values are made of, without pydantic: durations, sizes, zones, roles.

The models (base.py and beside it) check values with these; the plain policy
(plain.py) and the rules of core/ use them without importing pydantic (issue 13).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, Literal, Union

from itsmctl.core.durations import UNIT as _UNIT
from itsmctl.core.durations import format_duration  # noqa: F401  (kept apart: show)
from itsmctl.core.states import PHASES  # noqa: F401  (kept apart from the models)

Level = Union[int, str]
ROLES = ("service_desk", "support", "incident_manager", "leader", "monitoring", "intake")
# intake: machine accounts for what users submit (mail gateway, web service)
Role = Literal["service_desk", "support", "incident_manager", "leader", "monitoring", "intake"]
Duration = timedelta

_DURATION = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)\s*([wdhms]))+\s*$")
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([wdhms])")


def parse_duration(text: Any) -> timedelta:
    """'10m', '1d', '0.5h', '1h30m' -> timedelta; a bare number is minutes."""
    if isinstance(text, timedelta):
        return text
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return timedelta(minutes=text)
    if not isinstance(text, str) or not _DURATION.match(text):
        raise ValueError(f"not a duration: {text!r} (use e.g. 10m, 8h, 1d, 0.5h)")
    return timedelta(seconds=sum(float(n) * _UNIT[u] for n, u in _PART.findall(text)))


def format_size(size: int) -> str:
    """Inverse of parse_size for messages: 10MB, 64KB, 100B."""
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= factor and size % factor == 0:
            return f"{size // factor}{unit}"
    return f"{size}B"


def check_zone(name: str) -> str:
    """An IANA time zone name the system knows (UTC always); ValueError otherwise, so
    `validate` refuses what would break every later command."""
    if name.upper() == "UTC":
        return name
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (an IANA name such as "
                         "Asia/Shanghai)") from None
    return name
