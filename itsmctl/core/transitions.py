"""THE transition table (SPEC 3, 4, 8, 9): one row per history action.

Each row says which command records the action, the rule it proves, the states it
may start from and lead to, who may do it (I2), and what `audit` accepts (G6). The
workflow's state checks, the permission checks and the audit are all read from here,
so they cannot drift apart. Columns:

- command:   the CLI command that records it (`check_state` groups rows by it)
- rule:      the SPEC rule
- sources:   states the event may start from (None: the ticket did not exist yet);
             empty for rows that only grant a permission and record no event
- targets:   states it may lead to; SAME leaves the state as it was, RESUME goes back to
             the state the ticket waited from
- roles:     roles that may do it; None for the structural other half of a two-ticket
             command (its own row is checked on the other ticket)
- by_group:  members of the ticket's current group may do it whatever their role
- system:    pseudo-actors that may record it (the sweep)
- closed_ok: may touch a closed ticket (L14 forbids everything else)
"""

from __future__ import annotations

from typing import Iterable, Optional, Union

import msgspec

from itsmctl.core.model import OPEN_STATUSES, STATUSES

SWEEP = "sweep"
SAME = "same"
RESUME = "resume"
ALL = frozenset(STATUSES)
OPEN = frozenset(OPEN_STATUSES)
ACTIVE = frozenset({"new", "assigned", "in_progress"})
LIVE = frozenset({*OPEN_STATUSES, "resolved"})

DESK = "service_desk"
SUPPORT = "support"
MANAGER = "incident_manager"
LEADER = "leader"
MONITOR = "monitoring"
INTAKE = "intake"           # machine accounts for what users submit: mailgate, web
NOTE_ROLES = frozenset({DESK, SUPPORT, MANAGER, LEADER, MONITOR})
LINK_ROLES = frozenset({DESK, SUPPORT, MANAGER})


class Transition(msgspec.Struct, frozen=True):
    """A command's rule: from which statuses, to which, by whom."""

    command: str
    rule: str
    sources: frozenset[Optional[str]]
    targets: Union[frozenset[str], str]
    roles: Optional[frozenset[str]]
    by_group: bool = False
    system: frozenset[str] = frozenset()
    closed_ok: bool = False

    @property
    def records_event(self) -> bool:
        return bool(self.sources)


States = Union[Iterable[Optional[str]], str]


def _row(command: str, rule: str, sources: Iterable[Optional[str]], targets: States,
         roles: Optional[Iterable[str]], by_group: bool = False,
         system: tuple[str, ...] = (), closed_ok: bool = False) -> Transition:
    src = frozenset(sources)
    tgt = targets if isinstance(targets, str) else frozenset(s for s in targets if s)
    return Transition(command, rule, src, tgt, frozenset(roles) if roles is not None else None,
                      by_group, frozenset(system), closed_ok)


NONE: frozenset[str] = frozenset()
TABLE: dict[str, Transition] = {
    "open": _row("open", "L1", {None}, {"new"}, {DESK, SUPPORT, MONITOR, MANAGER, INTAKE}),
    "open-out-of-scope": _row("open", "L2", (), (), {DESK, MANAGER}),
    "dispatch": _row("assign", "L3", {"new"}, {"assigned"}, {DESK, MANAGER}),
    "transfer": _row("assign", "L6", {"assigned", "in_progress"}, {"assigned"}, {MANAGER},
                     by_group=True),
    "accept": _row("accept", "L4", {"assigned"}, {"in_progress"}, set(), by_group=True),
    "reject": _row("reject", "L5", {"assigned", "in_progress"}, {"new"}, set(), by_group=True),
    "wait": _row("wait", "L7", ACTIVE, {"waiting"}, {DESK, MANAGER}, by_group=True),
    "resume": _row("resume", "L7", {"waiting"}, RESUME, {DESK, MANAGER}, by_group=True,
                   system=(SWEEP,)),
    "resolve": _row("resolve", "L8", ACTIVE, {"resolved"}, {MANAGER}, by_group=True),
    "reopen": _row("reopen", "L9", {"resolved"}, {"assigned"}, {DESK, MANAGER, INTAKE}),
    "close": _row("close", "L10", {"resolved"}, {"closed"}, {MANAGER}),
    # U1: the reporter confirms the resolution on the web (the desk's close follows)
    "confirm": _row("serve", "L10", {"resolved"}, SAME, {INTAKE, DESK, MANAGER}),
    "auto-close": _row("sweep", "L11", {"resolved"}, {"closed"}, None, system=(SWEEP,)),
    "classify": _row("classify", "P4", LIVE, SAME, {DESK, MANAGER}, by_group=True),
    "escalate": _row("escalate", "S5", LIVE, SAME, {DESK, MANAGER, LEADER}, by_group=True,
                     system=(SWEEP,)),
    "note": _row("note", "L14", ALL, SAME, NOTE_ROLES, closed_ok=True),
    "link-master": _row("link-master", "M1", LIVE, LIVE, {DESK, MANAGER, MONITOR},
                        by_group=True),
    "link-slave": _row("link-master", "M1", LIVE, SAME, None),
    "unlink": _row("unlink", "M4", ALL, SAME, {DESK, MANAGER}, by_group=True, closed_ok=True),
    "unlink-slave": _row("unlink", "M4", ALL, SAME, None, closed_ok=True),
    "link-problem": _row("link", "T2", LIVE, SAME, LINK_ROLES),
    "link-related": _row("link", "M3", ALL, SAME, LINK_ROLES, closed_ok=True),
    "link-change": _row("link", "T2", ACTIVE, {"waiting"}, LINK_ROLES),
    "link-requirement": _row("link", "L13", ACTIVE, {"closed", "waiting"},
                             LINK_ROLES),
    "task-add": _row("task", "T1", OPEN, SAME, {DESK, MANAGER}, by_group=True),
    "task-done": _row("task", "T1", OPEN, SAME, {DESK, MANAGER}, by_group=True),
    "announce": _row("announce", "A1", LIVE, SAME, {DESK, MANAGER, LEADER}, by_group=True),
    "alert-fire": _row("hook", "H1", LIVE, SAME, NOTE_ROLES),
    "alert-clear": _row("hook", "H1", LIVE, SAME, NOTE_ROLES),
    # the alert fires again while its ticket is resolved: back to the desk's queue or
    # to the group that resolved it (monitoring.yaml on_refire: reopen)
    "alert-reopen": _row("hook", "H1", {"resolved"}, {"new", "assigned"}, NOTE_ROLES),
    # ... or a new ticket related to the resolved one (on_refire: link)
    "alert-link": _row("hook", "H1", LIVE, SAME, NOTE_ROLES),
    # the reporter's own words, taken in by a front end (E2: a mail reply, the web page)
    "reply": _row("hook", "E2", LIVE, SAME, {INTAKE}),
    "attach": _row("attach", "E4", LIVE, SAME, {DESK, SUPPORT, MANAGER, INTAKE},
                   by_group=True),
    "attach-refused": _row("attach", "E4", LIVE, SAME, {DESK, SUPPORT, MANAGER, INTAKE},
                           by_group=True),
    "visit-due": _row("sweep", "V1", {"closed"}, SAME, None, system=(SWEEP,), closed_ok=True),
    "visit": _row("visit", "V1", {"closed"}, SAME, {DESK, MANAGER}, closed_ok=True),
    "edit": _row("edit", "W3", LIVE, SAME, {DESK, MANAGER}, by_group=True),
    "watch": _row("watch", "W6", LIVE, SAME, NOTE_ROLES),
    # W7: a ticket imported whole (its earlier history is the source desk's record) or
    # made from another tool's row, in any state
    "import": _row("import", "W7", {None, *STATUSES}, ALL, {DESK, MANAGER}, closed_ok=True),
    "unwatch": _row("unwatch", "W6", ALL, SAME, NOTE_ROLES, closed_ok=True),
    # permissions of commands that record no ticket event of their own name
    "hook": _row("hook", "H1", (), (), {MONITOR, MANAGER}),
    "kb-add": _row("kb", "K1", (), (), {DESK, SUPPORT, MANAGER}),
    "hook-mail": _row("hook", "E1", (), (), {INTAKE, MANAGER}),
    "customers-import": _row("customers", "B1", (), (), {DESK, MANAGER}),
    "kb-publish": _row("kb", "K3", (), (), {DESK, MANAGER}),
    "diary-add": _row("diary", "R4", (), (), {DESK, SUPPORT, MANAGER, LEADER}),
    "handover-ack": _row("handover", "R3", (), (), {DESK, MANAGER}),
}

# Consequences a command records on the same ticket after its own event (automatic
# escalation S5, a consultation closed at once 2.1, out of scope L2): the command's
# actor did not choose them, so only their legality is checked, not the role.
CONSEQUENCES = frozenset({"escalate", "close"})
# Fields a commit may change without a history event: delivery records folded in by
# sweep (N3) and derived values (stored SLA) recomputed on save.
QUIET = frozenset({"notifications", "sla", "updated_at", "history", "mail"})


def _by_command() -> tuple[dict[str, frozenset[str]], dict[str, str]]:
    allowed: dict[str, set[str]] = {}
    rules: dict[str, str] = {}
    for action, row in TABLE.items():
        if not row.records_event or row.roles is None:
            continue
        for name in {row.command, action}:
            allowed.setdefault(name, set()).update(s for s in row.sources if s is not None)
            rules.setdefault(name, row.rule)
    return {k: frozenset(v) for k, v in allowed.items()}, rules


# command (or action) -> the states it may start from, and the rule that says so
ALLOWED, RULE_OF = _by_command()
