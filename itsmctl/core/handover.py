"""The duty diary and the handover between shifts (R3, R4; handbook appendix 1 1.2.1,
1.2.2, 1.2.4; service-desk design 3.4). Pure: records and ticket documents in, the
checklist and the next record out.

The diary of a shift is one file, `diary/YYYY/MM/<rota day>-<shift>.yaml`: its entries
(note, incident, lesson; one commit each), the incoming supervisor's acknowledgement
of the handover, and when sweep reminded them. Entries are only ever appended.

The handover checklist of a shift [start, end):
- `major`: major incidents (P5) opened in the shift or still open;
- `breaches`: SLA breaches sweep recorded in the shift (S4), and `escalations`: the
  other escalations in the shift (handoffs, reopens, complaints, by hand, on-call);
- `waits`: waiting tickets whose `wait --until` falls in the next shift (L7);
- `announcements`: announcements still open (A1); `tasks`: open tasks of open tickets (T1);
- `diary`: the shift's diary entries.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Optional

from pydantic import BaseModel, ConfigDict

from itsmctl.errors import NotPermitted, RuleViolation, UsageError

if TYPE_CHECKING:
    from itsmctl.core.policy import Policy
    from itsmctl.core.rota import ShiftDuty, Slot

KINDS = ("note", "incident", "lesson")
OPEN = ("new", "assigned", "in_progress", "waiting")


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DiaryEntry(_Part):
    """One line of the duty diary (1.2.4: 注意事项, 意外情况, 经验教训)."""

    at: datetime
    by: str
    kind: Literal["note", "incident", "lesson"] = "note"
    text: str


class Acknowledgement(_Part):
    """The incoming supervisor took the shift over (3.4: both supervisors named)."""

    at: datetime
    by: str                       # the incoming supervisor
    outgoing: Optional[str] = None
    next: str                     # the shift that took over


class ShiftRecord(_Part):
    """A shift's file in diary/."""

    shift: str
    start: datetime
    end: datetime
    entries: list[DiaryEntry] = []
    handover: Optional[Acknowledgement] = None

    def to_doc(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def path_of(slot: "Slot") -> str:
    d = slot.day
    return f"diary/{d.year:04d}/{d.month:02d}/{d.isoformat()}-{slot.name}.yaml"


def empty(slot: "Slot") -> ShiftRecord:
    return ShiftRecord(shift=slot.id, start=slot.start, end=slot.end)


def add_entry(record: ShiftRecord, actor: str, kind: str, text: Optional[str],
              now: datetime) -> ShiftRecord:
    """R4: one more diary entry; the text is required."""
    if kind not in KINDS:
        raise UsageError(f"--kind {kind!r}: one of {', '.join(KINDS)}", rule="R4")
    if text is None or not text.strip():
        raise RuleViolation("--text is required (the diary entry itself)", rule="R4")
    entry = DiaryEntry(at=now, by=actor, kind=kind, text=text.strip())  # type: ignore[arg-type]
    return record.model_copy(update={"entries": [*record.entries, entry]})


def may_take_over(policy: "Policy", actor: str, incoming: "ShiftDuty") -> bool:
    """The supervisor of the shift that has begun (after absences); when the rota names
    none, anyone of the desk (service desk or incident manager role)."""
    if incoming.supervisor is not None:
        return actor == incoming.supervisor.covers
    person = policy.teams.people.get(actor)
    return bool(person and {"service_desk", "incident_manager"} & set(person.roles))


def acknowledge(policy: "Policy", record: ShiftRecord, outgoing: "ShiftDuty", incoming: "ShiftDuty",
                actor: str, now: datetime) -> ShiftRecord:
    """R3: the incoming supervisor acknowledges the handover of the shift that ended."""
    if now < incoming.slot.start:
        raise RuleViolation(f"{incoming.slot.id} has not begun; the handover of "
                            f"{outgoing.slot.id} is acknowledged once it has", rule="R3")
    if not may_take_over(policy, actor, incoming):
        who = incoming.supervisor.covers if incoming.supervisor else "the service desk"
        raise NotPermitted(f"{actor} is not the supervisor of {incoming.slot.id}; {who} "
                           f"acknowledges the handover of {outgoing.slot.id} (3.4)", rule="R3")
    if record.handover is not None:
        raise RuleViolation(f"the handover of {record.shift} was acknowledged by "
                            f"{record.handover.by} at {record.handover.at.isoformat()}",
                            rule="R3")
    ack = Acknowledgement(at=now, by=actor, next=incoming.slot.id,
                          outgoing=outgoing.supervisor.covers if outgoing.supervisor else None)
    return record.model_copy(update={"handover": ack})


def reminder_due(policy: "Policy", record: Optional[ShiftRecord], ended: "Slot",
                 now: datetime) -> bool:
    """R3: sweep reminds when the handover of the last shift that ended is not
    acknowledged `handover.ack_within` after its end (the sweep sends it once)."""
    if not policy.rota.shifts or now < ended.end + policy.rota.handover.ack_within:
        return False
    return record is None or record.handover is None


# ---------------------------------------------------------------- the checklist
def _at(value: Any) -> Optional[datetime]:
    from itsmctl.core.report import when

    try:
        return when(value)
    except ValueError:
        return None


def _iso(value: Any) -> Optional[str]:
    at = _at(value)
    return at.isoformat() if at else None


def _line(doc: dict[str, Any]) -> dict[str, Any]:
    return {"id": doc["id"], "title": doc.get("title"), "status": doc.get("status"),
            "priority": doc.get("priority"), "group": doc.get("group"),
            "assignee": doc.get("assignee")}


def checklist(policy: "Policy", duty: "ShiftDuty", following: "ShiftDuty",
              docs: list[dict[str, Any]],
              record: Optional[ShiftRecord], now: datetime) -> dict[str, Any]:
    """The handover checklist of a shift (1.2.1, 1.2.2) as plain data."""
    slot, nxt = duty.slot, following.slot

    def inside(value: Any) -> bool:
        at = _at(value)
        return at is not None and slot.start <= at < slot.end

    major: list[dict[str, Any]] = []
    breaches: list[dict[str, Any]] = []
    escalations: list[dict[str, Any]] = []
    waits: list[dict[str, Any]] = []
    notices: list[dict[str, Any]] = []
    tasks: list[dict[str, Any]] = []
    for doc in sorted(docs, key=lambda d: str(d.get("id"))):
        status = doc.get("status")
        opened_here = inside(doc.get("opened_at"))
        if doc.get("major") and (opened_here or status in OPEN):
            major.append({**_line(doc), "opened_at": _iso(doc.get("opened_at")),
                          "opened_in_shift": opened_here})
        for e in doc.get("escalations") or ():
            if not isinstance(e, dict) or not inside(e.get("at")):
                continue
            row = {**_line(doc), "at": _iso(e.get("at")), "trigger": e.get("trigger"),
                   "phase": e.get("phase"), "level": e.get("level"), "reason": e.get("reason")}
            (breaches if e.get("trigger") == "breach" else escalations).append(row)
        wait = doc.get("wait") if status == "waiting" else None
        until = _at(wait.get("until")) if isinstance(wait, dict) else None
        if until is not None and nxt.start <= until < nxt.end:
            waits.append({**_line(doc), "code": wait.get("code"),  # type: ignore[union-attr]
                          "until": until.isoformat()})
        ann = doc.get("announcement")
        if isinstance(ann, dict) and ann.get("status") == "open":
            notices.append({**_line(doc), "kind": ann.get("kind"), "announcement":
                            ann.get("title"), "since": _iso(ann.get("at"))})
        if status in OPEN:
            for t in doc.get("tasks") or ():
                if isinstance(t, dict) and t.get("status") == "open":
                    tasks.append({**_line(doc), "task": t.get("id"), "task_title": t.get("title"),
                                  "task_group": t.get("group")})
    for rows in (breaches, escalations):
        rows.sort(key=lambda r: (r["at"] or "", r["id"]))
    entries = record.entries if record else []
    ack = record.handover if record else None
    return {
        "shift": {**slot.doc(), **_people(duty)},
        "next": {**nxt.doc(), **_people(following)},
        "generated_at": now.isoformat(),
        "ended": now >= slot.end,
        "acknowledged": ack.model_dump(mode="json") if ack else None,
        "major": major, "breaches": breaches, "escalations": escalations, "waits": waits,
        "announcements": notices, "tasks": tasks,
        "diary": [e.model_dump(mode="json") for e in entries],
        "counts": {"major": len(major), "breaches": len(breaches),
                   "escalations": len(escalations), "waits": len(waits),
                   "announcements": len(notices), "tasks": len(tasks),
                   "diary": len(entries)},
    }


def _people(duty: "ShiftDuty") -> dict[str, Any]:
    return {"supervisor": duty.supervisor.covers if duty.supervisor else None,
            "desk": [w.covers for w in duty.desk], "notes": duty.notes}
