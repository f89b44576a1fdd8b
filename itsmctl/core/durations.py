"""Durations for people (1d2h, 30m, 45s), apart from the config's units: `show` words its
SLA clocks with it without importing typing and the policy package (issue 13)."""

from __future__ import annotations

from datetime import timedelta

UNIT = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


def format_duration(delta: timedelta) -> str:
    """Inverse of parse_duration for display: 1d2h, 30m, 45s."""
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    parts = []
    for unit in ("d", "h", "m"):
        n, seconds = divmod(seconds, UNIT[unit])
        if n:
            parts.append(f"{n}{unit}")
    if seconds or not parts:
        parts.append(f"{seconds}s")
    return sign + "".join(parts)
