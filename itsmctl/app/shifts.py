"""Shifts (R1-R4): who is on call, the handover checklist and its acknowledgement, the duty
diary, and the reminder sweep sends for a handover nobody acknowledged."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from itsmctl.app.session import Session
from itsmctl.app.write import Tx, recorded, written

if TYPE_CHECKING:
    from datetime import datetime

    from itsmctl.core.handover import ShiftRecord
    from itsmctl.core.rota import Slot

ACK_ACTION = "handover-ack"
DIARY_ACTION = "diary-add"


def _at(session: Session, at: Optional[str]) -> "datetime":
    return session.parse_time(at, "--at") if at else session.now


def oncall(session: Session, group: Optional[str] = None,
           at: Optional[str] = None) -> dict[str, Any]:
    """R1: the shift, its supervisor and desk staff, and each group's on-call pair at an
    instant (now by default); with a group, that group only."""
    from itsmctl.core import rota

    policy = session.policy
    when = _at(session, at)
    slot = rota.slot_at(policy, when)
    groups = [group] if group else list(policy.rota.oncall)
    pairs = []
    for g in groups:
        pair = rota.on_call(policy, g, when)
        doc: dict[str, Any] = pair.doc() if pair else {
            "group": g, "day": rota.rota_day(policy, when).isoformat(), "primary": None,
            "backup": None, "active": False, "notes": []}
        doc["label"] = policy.teams.groups[g].label
        doc["members"] = policy.teams.members(g)
        pairs.append(doc)
    return {"at": when.isoformat(), "working_hours": rota.working(policy, when),
            "duty": rota.duty(policy, slot).doc() if slot else None, "oncall": pairs}


def record_of(session: Session, slot: "Slot") -> Optional["ShiftRecord"]:
    """A shift's diary file as committed in the work tree; None when it has none."""
    from itsmctl.core.handover import path_of

    path = session.root / path_of(slot)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    return _parse(data, path_of(slot))


def _parse(data: bytes, where: str) -> "ShiftRecord":
    from pydantic import ValidationError

    from itsmctl.core.handover import ShiftRecord
    from itsmctl.errors import InvalidFile
    from itsmctl.infra.yaml import load_ticket

    try:
        return ShiftRecord.model_validate(load_ticket(data, where))
    except ValidationError as exc:
        err = exc.errors()[0]
        at = ".".join(str(x) for x in err["loc"]) or "(top)"
        raise InvalidFile(f"{where}: {at}: {err['msg']}", rule="R4") from None


def _read(tx: Tx, slot: "Slot") -> "ShiftRecord":
    from itsmctl.core.handover import empty, path_of

    data = tx.read(path_of(slot))
    return _parse(data, path_of(slot)) if data is not None else empty(slot)


def _write(tx: Tx, slot: "Slot", record: "ShiftRecord") -> None:
    from itsmctl.core.handover import path_of
    from itsmctl.infra.yaml import dump_ticket

    tx.write(path_of(slot), dump_ticket(record.to_doc()))


def _docs(session: Session, slot: "Slot") -> list[dict[str, Any]]:
    """The tickets a checklist may name: every live one, and those changed since the
    shift began (an escalation or a major incident since closed)."""
    from datetime import timedelta

    from itsmctl.app.queue import index_docs

    day = (slot.start - timedelta(days=1)).date().isoformat()
    return index_docs(session, None, "status IN ('new', 'assigned', 'in_progress', "
                      "'waiting', 'resolved') OR substr(updated_at, 1, 10) >= ?", (day,))


def handover(session: Session, shift: str = "current") -> dict[str, Any]:
    """R3: the handover checklist of a shift (current, previous or DATE/NAME)."""
    from itsmctl.core import rota
    from itsmctl.core.handover import checklist

    policy = session.policy
    slot = rota.parse(policy, shift, session.now)
    nxt = rota.following(policy, slot)
    return checklist(policy, rota.duty(policy, slot), rota.duty(policy, nxt),
                     _docs(session, slot), record_of(session, slot), session.now)


@recorded()
def acknowledge(session: Session, shift: Optional[str] = None) -> dict[str, Any]:
    """R3: the incoming supervisor acknowledges the handover of the most recent shift
    that has ended; one commit naming both supervisors. `shift`, when given, must name
    that shift."""
    from itsmctl.core import rota
    from itsmctl.core.handover import acknowledge as core_ack
    from itsmctl.core.permissions import require
    from itsmctl.errors import UsageError

    policy = session.policy
    if shift is not None:
        ended = rota.last_ended(policy, session.now)
        if rota.parse(policy, shift, session.now).id != ended.id:
            raise UsageError(f"--ack acknowledges the last shift that ended, {ended.id}; "
                             "leave --shift out", rule="R3")

    def decide(tx: Tx) -> "ShiftRecord":
        require(policy, session.actor, ACK_ACTION)
        ended = rota.last_ended(policy, session.now)
        incoming = rota.duty(policy, rota.following(policy, ended))
        outgoing = rota.duty(policy, ended)
        record = core_ack(policy, _read(tx, ended), outgoing, incoming, session.actor,
                          session.now)
        _write(tx, ended, record)
        tx.message = _ack_message(session, record)
        return record

    record, sha = written(session, decide)
    out = handover(session, record.shift)
    out["commit"] = sha
    return out


def _name(session: Session, pid: Optional[str]) -> str:
    person = session.policy.teams.people.get(pid or "")
    return f"{pid} ({person.name})" if person else (pid or "-")


def _ack_message(session: Session, record: "ShiftRecord") -> str:
    ack = record.handover
    assert ack is not None
    return (f"handover {record.shift} -> {ack.next} acknowledged by {ack.by}\n\n"
            f"Outgoing supervisor: {_name(session, ack.outgoing)}\n"
            f"Incoming supervisor: {_name(session, ack.by)}\n\n"
            f"Itsmctl-Action: {ACK_ACTION}\nItsmctl-Actor: {session.actor}\n"
            f"Itsmctl-Shift: {record.shift}\nItsmctl-Outgoing: {ack.outgoing or '-'}\n"
            f"Itsmctl-Incoming: {ack.by}\n")


@recorded()
def diary_add(session: Session, text: Optional[str], kind: str = "note") -> dict[str, Any]:
    """R4: one entry in the duty diary of the shift running now (one commit)."""
    from itsmctl.core import rota
    from itsmctl.core.handover import add_entry
    from itsmctl.core.permissions import require

    policy = session.policy

    def decide(tx: Tx) -> dict[str, Any]:
        require(policy, session.actor, DIARY_ACTION)
        slot = rota.slot_at(policy, session.now) or rota.last_ended(policy, session.now)
        record = add_entry(_read(tx, slot), session.actor, kind, text, session.now)
        _write(tx, slot, record)
        entry = record.entries[-1]
        first = entry.text.splitlines()[0][:60]
        tx.message = (f"diary {slot.id}: {kind} by {session.actor}: {first}\n\n"
                      f"Itsmctl-Action: {DIARY_ACTION}\nItsmctl-Actor: {session.actor}\n"
                      f"Itsmctl-Shift: {slot.id}\n")
        return {"shift": slot.id, "entry": entry.model_dump(mode="json"),
                "index": len(record.entries)}

    result, sha = written(session, decide)
    result["commit"] = sha
    return result


# ---------------------------------------------------------------- sweep's reminder
def reminder_id(shift: str) -> str:
    return f"handover-{shift.replace('/', '-')}-reminder"


def reminder(session: Session) -> Optional[dict[str, Any]]:
    """R3: the handover of the last shift that ended, not acknowledged `ack_within`
    after its end: whom to remind (the incoming supervisor), and whether it went out."""
    from itsmctl.core import rota
    from itsmctl.core.handover import reminder_due
    from itsmctl.infra.ledger import read_ledger, sent

    policy = session.policy
    if not policy.rota.shifts:
        return None
    ended = rota.last_ended(policy, session.now)
    if not reminder_due(policy, record_of(session, ended), ended, session.now):
        return None
    incoming = rota.duty(policy, rota.following(policy, ended))
    outgoing = rota.duty(policy, ended)
    who = [incoming.supervisor.covers] if incoming.supervisor else \
        policy.teams.members(policy.teams.desk_group)
    rid = reminder_id(ended.id)
    return {"id": rid, "shift": ended.id, "next": incoming.slot.id, "remind": who,
            "outgoing": outgoing.supervisor.covers if outgoing.supervisor else None,
            "due": (ended.end + policy.rota.handover.ack_within).isoformat(),
            "sent": sent(read_ledger(session.root, [rid]), rid)}


def send_reminder(session: Session, due: dict[str, Any]) -> bool:
    """Deliver a reminder through the channels routed for `handover` (notify.yaml) unless
    this clone's ledger says it went out already (N3's ledger keeps each outcome; a failed
    one is tried again by the next sweep). True when it has been sent."""
    from itsmctl.core.notices import contact
    from itsmctl.infra.channels import DeliveryError, send
    from itsmctl.infra.ledger import append_ledger, clone_id, read_ledger, sent

    policy = session.policy
    if sent(read_ledger(session.root, [due["id"]]), due["id"]):
        return True
    desk = policy.teams.groups.get(policy.teams.desk_group)
    subject = f"[handover] {due['shift']} -> {due['next']} not acknowledged"
    body = (f"交接班未确认 The handover of shift {due['shift']} to {due['next']} is not "
            f"acknowledged (due {due['due']}).\nOutgoing supervisor: "
            f"{due['outgoing'] or '-'}\nAcknowledge it with: itsmctl handover --ack\n")
    payload = {"id": due["id"], "ticket": "", "shift": due["shift"], "trigger": "handover",
               "event": None, "at": session.now.isoformat(), "title": subject,
               "priority": "", "major": False, "status": "", "roles": ["C"],
               "recipients": [contact(_no_ticket(), policy, who) for who in due["remind"]],
               "subject": subject, "body": body,
               "desk_email": desk.email if desk is not None else None}
    me, ok = clone_id(session.root), True
    channels = reminder_channels(policy)
    if not channels:
        return False
    for name in channels:
        channel = policy.notify.channels[name]
        error = None
        try:
            send(channel, payload, session.root,
                 (channel.timeout or policy.notify.delivery.timeout).total_seconds())
        except DeliveryError as exc:
            error, ok = f"{name}: {exc}", False
            session.say(f"itsmctl: handover reminder not delivered ({error}); the next "
                        "sweep tries again")
        append_ledger(session.root, {"id": due["id"], "ticket": "", "channel": name,
                                     "attempt": 1, "outcome": "failed" if error else "sent",
                                     "error": error, "at": session.now.isoformat(),
                                     "clone": me})
    return ok


def reminder_channels(policy: Any) -> list[str]:
    """The channels of notify.yaml routes that name the trigger `handover` (R3): a desk
    chooses where reminders go; without such a route there is none."""
    wanted = {c for r in policy.notify.routes if "handover" in r.triggers
              and (not r.roles or "C" in r.roles) for c in r.channels}
    return [name for name in policy.notify.channels if name in wanted]


def _no_ticket() -> Any:
    from types import SimpleNamespace

    return SimpleNamespace(reporter=None)
