"""When each SLA phase of a ticket is (or was) breached, from the state its file stores.

Pure and independent of `now`, so a long-running reader can compute it once per version
of a ticket file and ask "breached at t?" for any t later: a phase whose clock stopped
after its deadline, that a sweep recorded as breached, or that was already past its
deadline when the ticket started waiting (its clock stands still since), is breached at
any time (-inf); a running phase is breached from its deadline on; the others never
(None). The same reading as core/report.py clock_state and core/sla.py
breached_from_stored, for the index's state dicts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

ALWAYS = float("-inf")


def epoch(value: Any) -> Optional[float]:
    """Seconds since the epoch of an ISO time in a cached state; None when it is none."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value)).timestamp()
    except ValueError:
        return None


def breach_times(doc: dict[str, Any]) -> dict[str, Optional[float]]:
    """phase -> the instant it is breached from (ALWAYS, a time, or None: never)."""
    recorded = {e.get("phase") for e in doc.get("escalations") or ()
                if isinstance(e, dict) and e.get("trigger") == "breach"}
    waiting = doc.get("status") == "waiting"
    updated = epoch(doc.get("updated_at"))
    out: dict[str, Optional[float]] = {}
    for phase, rec in (doc.get("sla") or {}).items():
        if not isinstance(rec, dict) or not rec.get("start"):
            continue
        if phase in recorded:
            out[phase] = ALWAYS
            continue
        deadline, stop = epoch(rec.get("deadline")), epoch(rec.get("stop"))
        if deadline is None:
            out[phase] = None
        elif stop is not None:
            out[phase] = ALWAYS if stop > deadline else None
        elif waiting:
            out[phase] = ALWAYS if updated is not None and updated > deadline else None
        else:
            out[phase] = deadline
    return out


def breached(times: dict[str, Optional[float]], at: float) -> dict[str, bool]:
    return {phase: t is not None and at > t for phase, t in times.items()}
