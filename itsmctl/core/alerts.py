"""Monitoring alerts (H1, H2): webhook payloads in, alert records and ticket changes out.

Pure: the shell reads stdin, finds tickets by fingerprint and commits; this module only
validates the payload and computes the next state of each ticket. One firing of an
alert is its fingerprint plus its start time, so a redelivered payload is recognised.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from itsmctl.core.events import Ctx, step
from itsmctl.core.model import Alert, Ticket
from itsmctl.core.policy import MonitoringConfig
from itsmctl.errors import InvalidFile

VERSIONS = {"4": "alertmanager", "1": "grafana"}   # Alertmanager v4; Grafana sends "1"
_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_time(value: Any) -> Optional[datetime]:
    """RFC 3339 as Go writes it (nanoseconds, Z); Go's zero time means 'not set'."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError("expected an RFC 3339 time string")
    text = _FRACTION.sub(r"\1", value.strip()).replace("Z", "+00:00").replace("z", "+00:00")
    when = datetime.fromisoformat(text)
    if when.tzinfo is None:
        raise ValueError(f"time {value!r} has no offset")
    return None if when.year <= 1 else when


class _In(BaseModel):
    model_config = ConfigDict(extra="allow")


class AlertIn(_In):
    """One entry of `alerts[]` as Alertmanager and Grafana send it."""

    status: Literal["firing", "resolved"]
    labels: dict[str, str]
    annotations: dict[str, str] = {}
    startsAt: Optional[datetime] = None
    endsAt: Optional[datetime] = None
    generatorURL: str = ""
    fingerprint: Optional[str] = None

    @field_validator("startsAt", "endsAt", mode="before")
    @classmethod
    def _time(cls, v: Any) -> Optional[datetime]:
        return parse_time(v)


class Payload(_In):
    version: str
    status: Literal["firing", "resolved"]
    receiver: str = ""
    groupKey: str = ""
    groupLabels: dict[str, str] = {}
    commonLabels: dict[str, str] = {}
    commonAnnotations: dict[str, str] = {}
    externalURL: str = ""
    alerts: list[AlertIn]


def fingerprint(labels: dict[str, str]) -> str:
    """Alertmanager's own label-set fingerprint (FNV-1a 64, 0xff separators), for old
    senders that leave it out."""
    h = 0xCBF29CE484222325
    for name in sorted(labels):
        for part in (name.encode(), b"\xff", labels[name].encode(), b"\xff"):
            for byte in part:
                h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def parse_payload(text: str, where: str = "stdin") -> tuple[str, list[AlertIn]]:
    """(source, alerts) from a webhook body; anything else is one InvalidFile line."""
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise InvalidFile(f"{where}: not valid JSON: {exc}", rule="H1") from None
    if not isinstance(doc, dict):
        raise InvalidFile(f"{where}: expected a JSON object (an Alertmanager or Grafana "
                          "webhook payload)", rule="H1")
    version = doc.get("version")
    if version not in VERSIONS:
        raise InvalidFile(f"{where}: version: expected \"4\" (Alertmanager) or \"1\" (Grafana),"
                          f" found {version!r}", rule="H1")
    try:
        payload = Payload.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        at = ".".join(str(x) for x in err["loc"]) or "(top)"
        raise InvalidFile(f"{where}: {at}: {err['msg'].removeprefix('Value error, ')}",
                          rule="H1") from None
    source = "grafana" if version == "1" or "orgId" in doc else "alertmanager"
    for a in payload.alerts:
        if not a.fingerprint:
            a.fingerprint = fingerprint(a.labels)
    return source, payload.alerts


@dataclass
class Incoming:
    """An alert in the desk's terms, whatever sent it."""

    fingerprint: str
    status: str
    alert_id: str
    severity: str
    message: str
    title: str
    description: str = ""
    started_at: Optional[datetime] = None
    ended_at: Optional[datetime] = None
    generator_url: Optional[str] = None
    source: str = "alertmanager"
    labels: dict[str, str] = field(default_factory=dict)
    group: Optional[str] = None


def incoming(a: AlertIn, source: str, config: MonitoringConfig) -> Incoming:
    labels, notes = a.labels, a.annotations
    name = labels.get("alertname") or "alert"
    severity = labels.get(config.severity_label) or "unknown"
    message = next((notes[k] for k in config.message_annotations if notes.get(k)), name)
    where = labels.get("instance") or labels.get("host") or labels.get("job")
    title = f"{name}{' on ' + where if where else ''}: {message}"
    lines = [notes.get("description", "")] if notes.get("description") != message else []
    lines += [f"labels: {', '.join(f'{k}={v}' for k, v in sorted(labels.items()))}"]
    lines += [f"{k}: {v}" for k, v in sorted(notes.items()) if k.endswith("url") and v]
    if a.generatorURL:
        lines.append(f"source: {a.generatorURL}")
    return Incoming(fingerprint=str(a.fingerprint), status=a.status, alert_id=name,
                    severity=severity, message=message, title=title[:200],
                    description="\n".join(x for x in lines if x), started_at=a.startsAt,
                    ended_at=a.endsAt, generator_url=a.generatorURL or None, source=source,
                    labels=dict(labels), group=storm_key(labels, config))


def storm_key(labels: dict[str, str], config: MonitoringConfig) -> Optional[str]:
    """The storm group of an alert: its values of `storm.group_by`, None when it has none."""
    parts = [f"{k}={labels[k]}" for k in config.storm.group_by if labels.get(k)]
    return ",".join(parts) or None


def alert_record(inc: Incoming, actor: str) -> Alert:
    return Alert(id=inc.alert_id, severity=inc.severity, message=inc.message,
                 fingerprint=inc.fingerprint, generator_url=inc.generator_url, mode="auto",
                 triggered_by=actor, started_at=inc.started_at, source=inc.source,
                 group=inc.group, labels=inc.labels)


def seen_starts(ticket: Ticket) -> set[datetime]:
    """Every firing start this ticket has recorded (its alert now and its history)."""
    out = {ticket.alert.started_at} if ticket.alert and ticket.alert.started_at else set()
    for event in ticket.history:
        change = event.changes.get("alert.started_at")
        if isinstance(change, list) and len(change) == 2 and change[1]:
            try:
                when = parse_time(str(change[1]))
            except ValueError:
                continue
            if when is not None:
                out.add(when)
    return out


def knows_firing(ticket: Ticket, inc: Incoming) -> bool:
    """A redelivery: this firing (fingerprint and start) is already on the ticket."""
    return inc.started_at is not None and inc.started_at in seen_starts(ticket)


def record_firing(ticket: Ticket, inc: Incoming, ctx: Ctx) -> Ticket:
    """H1/H2: the alert fires (again) while its ticket is open: one history event there."""
    assert ticket.alert is not None
    alert = ticket.alert.model_copy(update={
        "status": "firing", "cleared_at": None, "severity": inc.severity,
        "message": inc.message, "started_at": inc.started_at or ticket.alert.started_at})
    since = f" since {inc.started_at.isoformat()}" if inc.started_at else ""
    return step(ticket, ctx, "alert-fire", note=f"alert {inc.alert_id} [{inc.severity}] "
                f"fired again{since}: {inc.message}", alert=alert.model_dump())


def clears(ticket: Ticket, inc: Incoming) -> bool:
    """Whether a resolved alert is news for this ticket (not a redelivery, not stale)."""
    alert = ticket.alert
    if alert is None or alert.status == "resolved":
        return False
    return inc.started_at is None or alert.started_at is None or \
        alert.started_at == inc.started_at


def record_clearing(ticket: Ticket, inc: Incoming, ctx: Ctx) -> Ticket:
    assert ticket.alert is not None
    when = inc.ended_at or ctx.now
    alert = ticket.alert.model_copy(update={"status": "resolved", "cleared_at": when})
    return step(ticket, ctx, "alert-clear", note=f"alert {inc.alert_id} cleared at "
                f"{when.isoformat()}", alert=alert.model_dump())


def group_cleared(master: Ticket, slaves: list[Ticket]) -> bool:
    return all(t.alert is None or t.alert.status == "resolved" for t in [master, *slaves])


def resolve_cleared(ticket: Ticket, ctx: Ctx) -> Optional[Ticket]:
    """on_clear resolve: the monitoring account resolves it at first line; None when a
    rule keeps it open (waiting, open tasks, already resolved)."""
    if ticket.status not in ("new", "assigned", "in_progress") or ticket.master:
        return None
    if any(t.status == "open" for t in ticket.tasks):
        return None
    when = ticket.alert.cleared_at if ticket.alert and ticket.alert.cleared_at else ctx.now
    solution = ticket.solution or f"monitoring alert cleared at {when.isoformat()}"
    return step(ticket, ctx, "resolve", note="alert cleared: resolved by monitoring (H1)",
                status="resolved", solution=solution, resolved_at=ctx.now,
                resolved_group=ticket.group or ctx.policy.teams.desk_group)


def within(window: timedelta, a: Optional[datetime], b: Optional[datetime]) -> bool:
    return a is not None and b is not None and abs(a - b) <= window


# ---------------------------------------------------------------- the decision (H1, H2)
@dataclass(frozen=True)
class Decision:
    """What one incoming alert does to the desk.

    kind: `unchanged` (a redelivery, or a clearing nobody waits for), `fire` (recorded
    on the open ticket `ticket`), `open` (a new ticket, a slave of `master` when a
    storm of its group is open), `clear` (recorded on `ticket`)."""

    kind: str
    ticket: Optional[str] = None
    master: Optional[str] = None


def decide_firing(inc: Incoming, known: list[Ticket], storm: list[Ticket],
                  window: timedelta) -> Decision:
    """A firing alert, given the tickets holding its fingerprint (oldest first) and the
    open tickets of its storm group."""
    if any(knows_firing(t, inc) for t in known):
        return Decision("unchanged")
    live = [t for t in known if t.is_open]
    if live:
        return Decision("fire", ticket=live[0].id)
    for t in storm:
        if t.is_open and not t.master and t.alert and within(
                window, t.alert.started_at or t.opened_at, inc.started_at or t.opened_at):
            return Decision("open", master=t.id)
    return Decision("open")


def decide_clearing(inc: Incoming, known: list[Ticket]) -> Decision:
    """A resolved alert: recorded on the first ticket still waiting for it, if any."""
    target = next((t for t in known if t.status != "closed" and clears(t, inc)), None)
    return Decision("clear", ticket=target.id) if target else Decision("unchanged")
