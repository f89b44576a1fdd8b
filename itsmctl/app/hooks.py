"""Monitoring hooks (H1 `hook alertmanager`, H2 `open --source monitoring`): one commit per
payload, de-duplicated by fingerprint; core/alerts.py decides, this module carries out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Optional

from itsmctl.app.session import Session
from itsmctl.app.write import Tx, write, written

if TYPE_CHECKING:
    from itsmctl.core.alerts import AlertIn, Incoming
    from itsmctl.core.intake import Intake
    from itsmctl.core.model import Ticket


Parsed = tuple[str, list["AlertIn"]]         # (source, alerts) of one payload


@dataclass
class HookOutcome:
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

    def doc(self) -> dict[str, Any]:
        return {"opened": self.opened, "updated": self.updated, "cleared": self.cleared,
                "resolved": self.resolved, "unchanged": self.unchanged, "commit": self.commit}


class AlertTickets:
    """Tickets by alert fingerprint and storm group, for one transaction.

    The one place that finds tickets by fingerprint: the desk's index gives the
    candidates at HEAD, under the desk lock; tickets opened meanwhile are added."""

    def __init__(self, session: Session, tx: Tx, wanted: Iterable[str]) -> None:
        self.tx = tx
        self.by_fp: dict[str, list[str]] = {}
        self.by_group: dict[str, list[str]] = {}
        keys = sorted({str(w) for w in wanted if w})
        if not keys:
            return
        from itsmctl.app.queue import open_index

        index = open_index(session)
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

    def add(self, ticket: "Ticket") -> None:
        assert ticket.alert is not None
        self._add(ticket.id, ticket.alert.fingerprint, ticket.alert.group)

    def holding(self, fp: str) -> list["Ticket"]:
        found = [self.tx.load(tid) for tid in self.by_fp.get(fp, [])]
        return sorted(found, key=lambda t: t.opened_at)

    def storm(self, group: Optional[str]) -> list["Ticket"]:
        return [self.tx.load(tid) for tid in self.by_group.get(group or "", [])]


def apply_severity(session: Session, intake: "Intake") -> None:
    """H1/H2: impact and urgency from monitoring.yaml unless given on the command line."""
    rule = session.policy.monitoring.rule_for(intake.alert.get("severity"))
    if rule is None:
        return
    if intake.impact is None and intake.affected_users is None:
        intake.impact = str(rule.impact)
    if intake.urgency is None:
        intake.urgency = rule.urgency


def _open_new(session: Session, tx: Tx, intake: "Intake") -> "Ticket":
    from itsmctl.app.lifecycle import fresh_id
    from itsmctl.core.intake import open_ticket

    apply_severity(session, intake)
    return tx.save(open_ticket(intake, tx.ctx, fresh_id(session, tx)))


def open_alert(session: Session, intake: "Intake") -> "Ticket":
    """H2: an open ticket holding the fingerprint gets a history event instead of a twin."""
    from itsmctl.core.alerts import Incoming, decide_firing, record_firing
    from itsmctl.core.permissions import require

    fp = intake.alert.get("fingerprint") or intake.alert.get("id") or ""

    def decide(tx: Tx) -> "Ticket":
        a = intake.alert
        inc = Incoming(fingerprint=fp, status="firing", alert_id=a.get("id") or fp,
                       severity=a.get("severity") or "unknown",
                       message=a.get("message") or "", title="")
        known = AlertTickets(session, tx, [fp]).holding(fp) if fp else []
        decision = decide_firing(inc, known, [], session.policy.monitoring.storm.window)
        if decision.kind == "fire":
            require(session.policy, session.actor, "open")
            ticket = tx.save(record_firing(tx.load(str(decision.ticket)), inc, tx.ctx))
            tx.describe("alert-fire", note=ticket.title, before=ticket.status)
        else:
            ticket = _open_new(session, tx, intake)
            tx.describe("open", note=ticket.title)
        return ticket

    return write(session, decide)


def receive(session: Session, text: str) -> HookOutcome:
    """H1: one payload, one commit (none when nothing is new)."""
    return receive_all(session, [parse(text)])[0]


def parse(text: str, where: str = "stdin") -> "Parsed":
    """A payload read and checked (bad input: InvalidFile, exit 4, before any change)."""
    from itsmctl.core.alerts import parse_payload

    return parse_payload(text, where)


def receive_all(session: Session, payloads: list["Parsed"]) -> list[HookOutcome]:
    """H1 for several payloads in ONE commit (U3: alerts that arrive while a commit is
    being made are folded into the next one); an outcome per payload, in order."""
    from itsmctl.core.alerts import incoming
    from itsmctl.core.permissions import require

    session = session.derive(default_actor=session.policy.monitoring.actor)
    require(session.policy, session.actor, "hook")
    batches = [(source, [incoming(a, source, session.policy.monitoring) for a in alerts])
               for source, alerts in payloads]
    incs = [inc for _, some in batches for inc in some]
    sources = sorted({source for source, _ in batches})

    def decide(tx: Tx) -> list[HookOutcome]:
        outs = []
        known = AlertTickets(session, tx, [i.fingerprint for i in incs] +
                             [i.group or "" for i in incs])
        for _source, some in batches:
            out = HookOutcome()
            for inc in some:
                if inc.status == "firing":
                    _firing(session, tx, known, inc, out)
                else:
                    _clearing(session, tx, known, inc, out)
            outs.append(out)
        if tx.changed:
            lines = [line for out in outs for line in out.lines()]
            tx.describe(f"hook-{'+'.join(sources)}", note="; ".join(lines))
        return outs

    outcomes, sha = written(session, decide)
    for out in outcomes:
        if out.opened or out.updated or out.cleared or out.resolved:
            out.commit = sha
    return outcomes


def _firing(session: Session, tx: Tx, known: AlertTickets, inc: "Incoming",
            out: HookOutcome) -> None:
    from itsmctl.core.alerts import alert_record, decide_firing, record_firing
    from itsmctl.core.intake import Intake
    from itsmctl.core.relations import link_master

    decision = decide_firing(inc, known.holding(inc.fingerprint), known.storm(inc.group),
                             session.policy.monitoring.storm.window)
    if decision.kind == "unchanged":
        out.unchanged.append(inc.fingerprint)
        return
    if decision.kind == "fire":
        tx.save(record_firing(tx.load(str(decision.ticket)), inc, tx.ctx))
        out.updated.append(str(decision.ticket))
        return
    intake = Intake(title=inc.title, description=inc.description, source="monitoring",
                    alert={"id": inc.alert_id, "severity": inc.severity,
                           "message": inc.message, "fingerprint": inc.fingerprint})
    ticket = _open_new(session, tx, intake)
    ticket = tx.save(ticket.evolve(alert=alert_record(inc, session.actor).model_dump()))
    known.add(ticket)
    out.opened.append(ticket.id)
    if decision.master is not None:
        slave, master = link_master(ticket, tx.load(decision.master), tx.ctx)
        tx.save(slave)
        tx.save(master)


def _clearing(session: Session, tx: Tx, known: AlertTickets, inc: "Incoming",
              out: HookOutcome) -> None:
    from itsmctl.core.alerts import decide_clearing, record_clearing

    decision = decide_clearing(inc, known.holding(inc.fingerprint))
    if decision.kind == "unchanged":
        out.unchanged.append(inc.fingerprint)
        return
    target = tx.save(record_clearing(tx.load(str(decision.ticket)), inc, tx.ctx))
    out.cleared.append(target.id)
    if session.policy.monitoring.on_clear != "record":
        _settle(session, tx, tx.load(target.master or target.id), out)


def _settle(session: Session, tx: Tx, master: "Ticket", out: HookOutcome) -> None:
    """on_clear: resolve (and close) once every alert of the ticket's group has cleared."""
    from itsmctl.core.alerts import group_cleared, resolve_cleared
    from itsmctl.core.workflow import close

    if not group_cleared(master, [tx.load(s) for s in master.slaves]):
        return
    done = resolve_cleared(master, tx.ctx)
    if done is None:
        return
    tx.mirror(master, tx.save(done))
    if session.policy.monitoring.on_clear == "close":
        before = tx.load(master.id)
        tx.mirror(before, tx.save(close(
            before, tx.ctx, "solved", check_actor=False,
            note="monitoring ticket: closed without user confirmation (L10)")))
    out.resolved.append(master.id)
