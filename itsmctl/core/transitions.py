"""What `audit` accepts as a legal history event (G6): the (from, action, to) table.

One row per history action. Add a row when a command records a new action; an
action missing here is reported by audit as unknown (conservative, never silently
accepted). Columns:

- sources: states the event may start from (None: the ticket did not exist yet)
- targets: states it may lead to; SAME means it leaves the state unchanged;
  RESUME means back to the state the ticket waited from
- command: the permissions.TABLE command whose roles may do it; None when the
  action is structural (the other half of a two-ticket command, checked there)
- system: the pseudo-actors that may record it (the sweep)
- closed_ok: may touch a closed ticket (L14 forbids everything else)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from itsmctl.core.model import OPEN_STATUSES, STATUSES

SWEEP = "sweep"
SAME = "same"
RESUME = "resume"
ALL = frozenset(STATUSES)
OPEN = frozenset(OPEN_STATUSES)
ACTIVE = frozenset({"new", "assigned", "in_progress"})
LIVE = frozenset({*OPEN_STATUSES, "resolved"})


@dataclass(frozen=True)
class Legal:
    sources: frozenset[Optional[str]]
    targets: object                       # frozenset of states, SAME or RESUME
    command: Optional[str]
    rule: str
    system: frozenset[str] = frozenset()
    closed_ok: bool = False


def _row(sources: Any, targets: Any, command: Optional[str], rule: str,
         system: tuple[str, ...] = (), closed_ok: bool = False) -> Legal:
    src = frozenset(sources) if not isinstance(sources, str) else frozenset({sources})
    tgt = targets if isinstance(targets, str) else frozenset(targets)  # type: ignore[arg-type]
    return Legal(src, tgt, command, rule, frozenset(system), closed_ok)


TABLE: dict[str, Legal] = {
    "open": _row({None}, {"new"}, "open", "L1"),
    "dispatch": _row({"new"}, {"assigned"}, "dispatch", "L3"),
    "transfer": _row({"assigned", "in_progress"}, {"assigned"}, "transfer", "L6"),
    "accept": _row({"assigned"}, {"in_progress"}, "accept", "L4"),
    "reject": _row({"assigned", "in_progress"}, {"new"}, "reject", "L5"),
    "wait": _row(ACTIVE, {"waiting"}, "wait", "L7"),
    "resume": _row({"waiting"}, RESUME, "resume", "L7", system=(SWEEP,)),
    "resolve": _row(ACTIVE, {"resolved"}, "resolve", "L8"),
    "reopen": _row({"resolved"}, {"assigned"}, "reopen", "L9"),
    "close": _row({"resolved"}, {"closed"}, "close", "L10"),
    "auto-close": _row({"resolved"}, {"closed"}, None, "L11", system=(SWEEP,)),
    "classify": _row(LIVE, SAME, "classify", "P4"),
    "escalate": _row(LIVE, SAME, "escalate", "S5", system=(SWEEP,)),
    "note": _row(ALL, SAME, "note", "L14", closed_ok=True),
    "link-master": _row(LIVE, LIVE, "link-master", "M1"),
    "link-slave": _row(LIVE, SAME, None, "M1"),
    "unlink": _row(ALL, SAME, "unlink", "M4", closed_ok=True),
    "unlink-slave": _row(ALL, SAME, None, "M4", closed_ok=True),
    "link-problem": _row(LIVE, SAME, "link", "T2"),
    "link-related": _row(ALL, SAME, "link", "M3", closed_ok=True),
    "link-change": _row(ACTIVE, {"waiting"}, "link", "T2"),
    "link-requirement": _row(ACTIVE, {"closed", "waiting"}, "link", "L13"),
    "task-add": _row(OPEN, SAME, "task", "T1"),
    "task-done": _row(OPEN, SAME, "task", "T1"),
    "announce": _row(LIVE, SAME, "announce", "A1"),
    "alert-fire": _row(LIVE, SAME, "note", "H1"),
    "alert-clear": _row(LIVE, SAME, "note", "H1"),
    "visit-due": _row({"closed"}, SAME, None, "V1", system=(SWEEP,), closed_ok=True),
    "visit": _row({"closed"}, SAME, "visit", "V1", closed_ok=True),
}

# Consequences a command records on the same ticket after its own event (automatic
# escalation S5, a consultation closed at once 2.1, out of scope L2): the command's
# actor did not choose them, so only their legality is checked, not the role.
CONSEQUENCES = frozenset({"escalate", "close"})
# Fields a commit may change without a history event: delivery records folded in by
# sweep (N3) and derived values (stored SLA) recomputed on save.
QUIET = frozenset({"notifications", "sla", "updated_at", "history"})
