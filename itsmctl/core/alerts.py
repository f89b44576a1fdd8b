"""Monitoring alerts (H1, H2): webhook payloads in, alert records and ticket changes out.

Pure: the shell reads stdin, finds tickets by fingerprint and commits; core/payload.py
checks the payload, this module computes the next state of each ticket. One firing of an
alert is its fingerprint plus its start time, so a redelivered payload is recognised.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Optional

import msgspec

from itsmctl.core.events import Ctx, step
from itsmctl.core.model import Alert, Ticket
from itsmctl.core.payload import (  # noqa: F401  (the payload's names, as they were here)
    VERSIONS,
    AlertIn,
    Received,
    fingerprint,
    parse_payload,
    parse_time,
    read_payload,
)

if TYPE_CHECKING:
    from itsmctl.core.policy import MonitoringConfig, Policy


class Incoming(msgspec.Struct):
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
    labels: dict[str, str] = msgspec.field(default_factory=dict)
    group: Optional[str] = None


# Grafana's own alerts about a rule whose query returned nothing or failed: their
# alertname is the condition, the rule they are about is the label `rulename`
GRAFANA_CONDITIONS = ("DatasourceNoData", "DatasourceError")


def one_line(text: str) -> str:
    """Line breaks (\\n, \\r, U+2028, U+2029...) and runs of spaces become one space."""
    return " ".join(text.split())


def alert_name(labels: dict[str, str]) -> str:
    """The alert's name: `alertname`, or for Grafana's DatasourceNoData/DatasourceError
    the rule it is about (`rulename`), so unrelated rules are not one alert."""
    name = labels.get("alertname") or "alert"
    if name in GRAFANA_CONDITIONS and labels.get("rulename"):
        name = labels["rulename"]
    return one_line(name) or "alert"


def incoming(a: AlertIn, source: str, config: MonitoringConfig) -> Incoming:
    labels, notes = a.labels, a.annotations
    raw = labels.get("alertname") or ""
    name = alert_name(labels)
    severity = one_line(labels.get(config.severity_label) or "") or "unknown"
    message = next((notes[k] for k in config.message_annotations if notes.get(k)), "")
    if raw in GRAFANA_CONDITIONS and name != raw:
        message = f"{raw}{': ' + message if message else ''}"
    message = message or name
    where = labels.get("instance") or labels.get("host") or labels.get("job")
    title = one_line(f"{name}{' on ' + where if where else ''}: {message}")
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
    """The storm group of an alert: its values of `storm.group_by`, None when it has none
    (the alert's name stands for `alertname`: see alert_name)."""
    named = {**labels, "alertname": alert_name(labels)} if labels.get("alertname") else labels
    parts = [f"{k}={named[k]}" for k in config.storm.group_by if named.get(k)]
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
    alert = _firing_alert(ticket.alert, inc)
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


def resolved_from(ticket: Ticket) -> Optional[str]:
    """The state the ticket was resolved from (its last entry into `resolved`)."""
    return next((e.from_ for e in reversed(ticket.history) if e.to == "resolved"), None)


def reopen_firing(ticket: Ticket, inc: Incoming, ctx: Ctx, holder: bool = True) -> Ticket:
    """H1: the alert fires again while its ticket is resolved: the resolution did not hold.
    Like L9, back to the group that resolved it, or to the desk's queue (`new`) when it
    was resolved at first line; the resolution-rejection counter grows (S5 may escalate).
    `holder` False: the ticket is the master of the slave that holds the alert."""
    from itsmctl.core.workflow import escalate_due

    dispatched = resolved_from(ticket) in ("assigned", "in_progress")
    counters = ticket.counters.model_copy(update={"reopens": ticket.counters.reopens + 1})
    fields: dict[str, Any] = dict(
        status="assigned" if dispatched else "new", assignee=None, solution=None,
        resolved_at=None, workaround=False, counters=counters.model_dump(),
        group=(ticket.resolved_group or ticket.group) if dispatched else None)
    since = f" since {inc.started_at.isoformat()}" if inc.started_at else ""
    what = f"alert {inc.alert_id} [{inc.severity}] fired again{since}: {inc.message}"
    if holder and ticket.alert is not None:
        fields["alert"] = _firing_alert(ticket.alert, inc).model_dump()
    elif not holder:
        what = f"{what} (on duplicate {inc.fingerprint})"
    note = f"{what}; the resolution did not hold: reopened (H1)"
    return escalate_due(step(ticket, ctx, "alert-reopen", note=note, **fields), ctx)


def link_firing(old: Ticket, new: Ticket, inc: Incoming, ctx: Ctx) -> tuple[Ticket, Ticket]:
    """H1 with on_refire: link: the new ticket and the resolved one are related (M3)."""
    what = f"alert {inc.alert_id} fired again"
    return (step(old, ctx, "alert-link", note=f"{what} while resolved: new ticket {new.id} "
                 "(H1)", related=[*old.related, new.id]),
            step(new, ctx, "alert-link", note=f"{what} after {old.id} was resolved (H1)",
                 related=[*new.related, old.id]))


def _firing_alert(alert: Alert, inc: Incoming) -> Alert:
    return alert.model_copy(update={
        "status": "firing", "cleared_at": None, "severity": inc.severity,
        "message": inc.message, "started_at": inc.started_at or alert.started_at})


def plans_nothing(ticket: Ticket, policy: Policy, now: datetime, since: int = 0) -> bool:
    """Whether core/notices.plan would add no notification to the ticket for its events
    from `since` on: none fires a notify.yaml rule (an event older than the plan window,
    or up to the last one a notification covers, is never planned for). `trigger_of`
    reads the event, `verified`, `escalations` and `close_code`: while those stay the
    same, events found quiet stay quiet, so the caller may pass how many it checked."""
    from itsmctl.core.notices import trigger_of

    last = max((n.event for n in ticket.notifications if n.event is not None), default=-1)
    oldest = now - policy.notify.delivery.plan_window
    history = ticket.history
    return all(history[i].at < oldest or trigger_of(ticket, i, policy) is None
               for i in range(max(last + 1, since), len(history)))


# ---------------------------------------------------------------- the decision (H1, H2)
class Decision(msgspec.Struct, frozen=True):
    """What one incoming alert does to the desk.

    kind: `unchanged` (a redelivery, or a clearing nobody waits for), `fire` (recorded
    on the open ticket `ticket`), `reopen` (its resolved ticket `ticket` is reopened, or
    its `master` when `ticket` is a slave), `open` (a new ticket, a slave of `master`
    when a storm of its group is open, related to the resolved ticket `related`),
    `clear` (recorded on `ticket`)."""

    kind: str
    ticket: Optional[str] = None
    master: Optional[str] = None
    related: Optional[str] = None


def decide_firing(inc: Incoming, known: list[Ticket], storm: list[Ticket],
                  window: timedelta, on_refire: str = "reopen") -> Decision:
    """A firing alert, given the tickets holding its fingerprint (oldest first) and the
    open tickets of its storm group. A ticket that is resolved but not closed is not
    done with: by monitoring.yaml `on_refire` it is reopened (default) or the new
    ticket is related to it; only a closed ticket (L14) leaves the alert a new one."""
    if any(knows_firing(t, inc) for t in known):
        return Decision("unchanged")
    live = [t for t in known if t.is_open]
    if live:
        return Decision("fire", ticket=live[0].id)
    settled = [t for t in known if t.status == "resolved"]
    related = settled[-1].id if settled else None
    if settled and on_refire == "reopen":
        return Decision("reopen", ticket=settled[-1].id, master=settled[-1].master)
    for t in storm:
        if t.is_open and not t.master and t.alert and within(
                window, t.alert.started_at or t.opened_at, inc.started_at or t.opened_at):
            return Decision("open", master=t.id, related=related)
    return Decision("open", related=related)


def decide_clearing(inc: Incoming, known: list[Ticket]) -> Decision:
    """A resolved alert: recorded on the first ticket still waiting for it, if any."""
    target = next((t for t in known if t.status != "closed" and clears(t, inc)), None)
    return Decision("clear", ticket=target.id) if target else Decision("unchanged")
