"""Monitoring hooks (H1 `hook alertmanager`, H2 `open --source monitoring`): one commit per
payload, de-duplicated by fingerprint, under the desk lock so concurrent hooks lose nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from itsmctl.app.session import App, after_commit, commit_message, mirror_slaves
from itsmctl.errors import ConcurrencyError


@dataclass
class Outcome:
    """What one payload did, alert by alert."""

    opened: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    cleared: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    commit: Optional[str] = None

    def lines(self) -> list[str]:
        out = [f"opened {t}" for t in self.opened] + [f"fired again {t}" for t in self.updated]
        out += [f"cleared {t}" for t in self.cleared] + [f"resolved {t}" for t in self.resolved]
        out += [f"unchanged {f}" for f in self.unchanged]
        return out


class Index:
    """Tickets by alert fingerprint and storm group, for one transaction.

    The one place that finds tickets by fingerprint: the desk's index (itsmctl/index.py)
    gives the candidates by fingerprint or storm group, at HEAD, under the desk lock.
    """

    def __init__(self, app: App, tx: Any, wanted: set[str]) -> None:
        from itsmctl.infra.index import open_index

        self.tx = tx
        self.by_fp: dict[str, list[str]] = {}
        self.by_group: dict[str, list[str]] = {}
        keys = sorted(str(w) for w in wanted if w)
        if not keys:
            return
        index = open_index(app.root)
        try:
            rows = index.by_alert(keys)
        finally:
            index.close()
        for tid, fp, group in sorted(rows):
            self._add(tid, fp, group)

    def _add(self, tid: str, fp: Any, group: Any) -> None:
        if fp and tid not in self.by_fp.setdefault(str(fp), []):
            self.by_fp[str(fp)].append(tid)
        if group and tid not in self.by_group.setdefault(str(group), []):
            self.by_group[str(group)].append(tid)

    def add(self, ticket: Any) -> None:
        self._add(ticket.id, ticket.alert.fingerprint, ticket.alert.group)

    def tickets(self, fp: str) -> list[Any]:
        found = [self.tx.load(tid) for tid in self.by_fp.get(fp, [])]
        return sorted(found, key=lambda t: t.opened_at)

    def storm_master(self, group: Optional[str], inc: Any, window: Any) -> Optional[Any]:
        from itsmctl.core.alerts import within

        if not group:
            return None
        for tid in self.by_group.get(group, []):
            t = self.tx.load(tid)
            if t.is_open and not t.master and t.alert and within(
                    window, t.alert.started_at or t.opened_at, inc.started_at or t.opened_at):
                return t
        return None


def _new_id(app: App, tx: Any) -> str:
    from itsmctl.infra.store import new_id

    for _ in range(20):
        ticket_id = new_id(app.policy.desk.id_prefix, app.now)
        if not tx.exists(ticket_id):
            return ticket_id
    raise ConcurrencyError("could not find a free ticket id in 20 tries", rule="G3")


def apply_severity(app: App, intake: Any) -> None:
    """H1/H2: impact and urgency from monitoring.yaml unless given on the command line."""
    rule = app.policy.monitoring.rule_for(intake.alert.get("severity"))
    if rule is None:
        return
    if intake.impact is None and intake.affected_users is None:
        intake.impact = str(rule.impact)
    if intake.urgency is None:
        intake.urgency = rule.urgency


def _open_new(app: App, tx: Any, intake: Any, ctx: Any) -> Any:
    from itsmctl.core.intake import open_ticket

    apply_severity(app, intake)
    ticket = open_ticket(intake, ctx, _new_id(app, tx))
    tx.save(ticket)
    return tx.load(ticket.id)


def open_alert(app: App, intake: Any) -> Any:
    """H2: an open ticket holding the fingerprint gets a history event instead of a twin."""
    from itsmctl.core.alerts import Incoming, record_firing
    from itsmctl.infra.store import tx_commit

    ctx = app.ctx()
    fp = intake.alert.get("fingerprint") or intake.alert.get("id")
    with app.transaction() as tx:
        found = [t for t in Index(app, tx, {fp} if fp else set()).tickets(fp or "")
                 if t.is_open] if fp else []
        if found:
            a = intake.alert
            inc = Incoming(fingerprint=fp, status="firing", alert_id=a.get("id") or fp,
                           severity=a.get("severity") or "unknown",
                           message=a.get("message") or "", title="")
            from itsmctl.core.permissions import require

            require(app.policy, app.actor, "open")
            ticket = record_firing(found[0], inc, ctx)
            tx.save(ticket)
            action = "alert-fire"
        else:
            ticket = _open_new(app, tx, intake, ctx)
            action = "open"
        tx_commit(tx, commit_message(action, [ticket], app.actor, ticket.title), app.author(),
                  app.now)
        changed = list(tx.changed.values())
    after_commit(app, changed)
    return tx.changed[ticket.id]


def run(app: App, text: str) -> Outcome:
    """H1: one payload, one commit (none when nothing is new)."""
    from itsmctl.core.alerts import incoming, parse_payload
    from itsmctl.core.permissions import require
    from itsmctl.infra.store import tx_commit

    source, alerts = parse_payload(text)            # bad input: exit 4 before any change
    policy = app.policy
    require(policy, app.actor, "hook")
    incs = [incoming(a, source, policy.monitoring) for a in alerts]
    ctx, out = app.ctx(), Outcome()
    with app.transaction() as tx:
        index = Index(app, tx, {i.fingerprint for i in incs} | {i.group or "" for i in incs})
        for inc in incs:
            if inc.status == "firing":
                _firing(app, tx, index, inc, ctx, out)
            else:
                _clearing(app, tx, index, inc, ctx, out)
        if tx.changed:
            tickets = list(tx.changed.values())
            note = "; ".join(out.lines())
            out.commit = tx_commit(tx, commit_message(f"hook-{source}", tickets, app.actor,
                                                      note), app.author(), app.now)
        changed = list(tx.changed.values())
    if changed:
        after_commit(app, changed)
    return out


def _firing(app: App, tx: Any, index: Index, inc: Any, ctx: Any, out: Outcome) -> None:
    from itsmctl.core.alerts import alert_record, knows_firing, record_firing
    from itsmctl.core.intake import Intake

    known = index.tickets(inc.fingerprint)
    if any(knows_firing(t, inc) for t in known):
        out.unchanged.append(inc.fingerprint)
        return
    live = [t for t in known if t.is_open]
    if live:
        tx.save(record_firing(live[0], inc, ctx))
        out.updated.append(live[0].id)
        return
    master = index.storm_master(inc.group, inc, app.policy.monitoring.storm.window)
    intake = Intake(title=inc.title, description=inc.description, source="monitoring",
                    alert={"id": inc.alert_id, "severity": inc.severity,
                           "message": inc.message, "fingerprint": inc.fingerprint})
    ticket = _open_new(app, tx, intake, ctx)
    ticket = ticket.evolve(alert=alert_record(inc, app.actor).model_dump())
    tx.save(ticket)
    index.add(ticket)
    out.opened.append(ticket.id)
    if master is not None:
        from itsmctl.core.relations import link_master

        slave, new_master = link_master(tx.load(ticket.id), master, ctx)
        tx.save(slave)
        tx.save(new_master)


def _clearing(app: App, tx: Any, index: Index, inc: Any, ctx: Any, out: Outcome) -> None:
    from itsmctl.core.alerts import clears, record_clearing

    live = [t for t in index.tickets(inc.fingerprint) if t.status != "closed"]
    target = next((t for t in live if clears(t, inc)), None)
    if target is None:
        out.unchanged.append(inc.fingerprint)
        return
    tx.save(record_clearing(target, inc, ctx))
    out.cleared.append(target.id)
    if app.policy.monitoring.on_clear != "record":
        _settle(app, tx, tx.load(target.master or target.id), ctx, out)


def _settle(app: App, tx: Any, master: Any, ctx: Any, out: Outcome) -> None:
    """on_clear: resolve (and close) once every alert of the ticket's group has cleared."""
    from itsmctl.core.alerts import group_cleared, resolve_cleared
    from itsmctl.core.workflow import close

    if not group_cleared(master, [tx.load(s) for s in master.slaves]):
        return
    done = resolve_cleared(master, ctx)
    if done is None:
        return
    tx.save(done)
    mirror_slaves(tx, master, tx.load(master.id), ctx)
    if app.policy.monitoring.on_clear == "close":
        before = tx.load(master.id)
        tx.save(close(before, ctx, "solved", check_actor=False,
                      note="monitoring ticket: closed without user confirmation (L10)"))
        mirror_slaves(tx, before, tx.load(master.id), ctx)
    out.resolved.append(master.id)
