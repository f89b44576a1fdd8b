"""Monitoring hooks (H1 `hook alertmanager`, H2 `open --source monitoring`): one commit per
payload, de-duplicated by fingerprint; core/alerts.py decides, this module carries out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Optional

import msgspec

from itsmctl.app.session import Session
from itsmctl.app.write import Tx, write, written

if TYPE_CHECKING:
    from itsmctl.core.alerts import Incoming
    from itsmctl.core.intake import Intake
    from itsmctl.core.model import Ticket
    from itsmctl.core.payload import Received


class HookOutcome(msgspec.Struct):
    """What one payload did, alert by alert."""

    opened: list[str] = msgspec.field(default_factory=list)
    updated: list[str] = msgspec.field(default_factory=list)
    reopened: list[str] = msgspec.field(default_factory=list)
    cleared: list[str] = msgspec.field(default_factory=list)
    resolved: list[str] = msgspec.field(default_factory=list)
    unchanged: list[str] = msgspec.field(default_factory=list)
    truncated: int = 0                  # alerts the sender left out of the payload
    commit: Optional[str] = None

    def lines(self) -> list[str]:
        out = [f"opened {t}" for t in self.opened] + [f"fired again {t}" for t in self.updated]
        out += [f"reopened {t}" for t in self.reopened]
        out += [f"cleared {t}" for t in self.cleared] + [f"resolved {t}" for t in self.resolved]
        out += [f"unchanged {f}" for f in self.unchanged]
        return out

    def doc(self) -> dict[str, Any]:
        return {"opened": self.opened, "updated": self.updated, "reopened": self.reopened,
                "cleared": self.cleared, "resolved": self.resolved,
                "unchanged": self.unchanged, "truncated": self.truncated,
                "commit": self.commit}


class AlertTickets:
    """Tickets by alert fingerprint and storm group, for one transaction.

    The one place that finds tickets by fingerprint: the desk's index gives the
    candidates at HEAD, under the desk lock; tickets opened meanwhile are added. The
    index row of a ticket the transaction has not touched is its state at HEAD, so a
    storm group's closed tickets and slaves (hundreds, as a desk grows) are judged by
    their rows and never parsed; the decision still depends on all of them (G4)."""

    def __init__(self, session: Session, tx: Tx, wanted: Iterable[str]) -> None:
        self.tx = tx
        self.by_fp: dict[str, list[str]] = {}
        self.by_group: dict[str, list[str]] = {}
        self.status: dict[str, str] = {}        # status at HEAD, from the index
        self.leads: set[str] = set()            # open and no master's slave at HEAD
        keys = sorted({str(w) for w in wanted if w})
        if not keys:
            return
        tx.watch(*keys)         # G4: a ticket for these alerts arriving meanwhile matters
        from itsmctl.app.queue import open_index
        from itsmctl.core.model import ticket_path
        from itsmctl.core.states import OPEN_STATUSES

        index = open_index(session)
        try:
            rows = index.by_alert(keys)
        except BaseException:
            index.close()
            raise
        if not tx.inner.adopt(index):       # kept: new ids and the commit's rows
            index.close()
        for tid, fp, group, status, master in sorted(rows):
            self._add(tid, fp, group)
            if fp:
                self.status[tid] = str(status)
            if status in OPEN_STATUSES and not master:
                self.leads.add(tid)
            tx.reads.add(ticket_path(tid))

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
        """The tickets of a storm group that may lead it (core/alerts.decide_firing
        takes the first open one that is no slave), in the group's order: the
        transaction's own as they are now, the others by their index rows."""
        changed = self.tx.changed
        return [self.tx.load(tid) for tid in self.by_group.get(group or "", [])
                if tid in changed or tid in self.leads]

    def before(self, tid: str) -> Optional[str]:
        """The status at HEAD of a ticket found by fingerprint or group (None: not one)."""
        return self.status.get(tid)


class Held:
    """A payload's ticket changes, each finalized once.

    tx.save finalizes (SLA clocks, notices planned for new events): for a storm that is
    a walk of the master's history per linked slave, and a new slave is saved three
    times. A change is kept in the transaction unfinalized when finalizing it could
    plan nothing (core/alerts.plans_nothing); only the ticket's last state is then
    finalized, by `finish`, with the same result (the clocks are computed from the
    history, planning looks at every event since the last covered one). A change
    that could plan something is saved at once, as before."""

    def __init__(self, session: Session, tx: Tx) -> None:
        self.tx, self.policy, self.now = tx, session.policy, session.now
        self.held: dict[str, "Ticket"] = {}
        self.quiet: dict[str, tuple[int, Any]] = {}     # id -> (events found quiet, basis)

    def save(self, ticket: "Ticket") -> "Ticket":
        from itsmctl.core.alerts import plans_nothing

        basis = (ticket.verified, ticket.escalations, ticket.close_code,
                 ticket.notifications)          # what else decides whether an event plans
        done, was = self.quiet.get(ticket.id, (0, None))
        if plans_nothing(ticket, self.policy, self.now, done if was == basis else 0):
            self.quiet[ticket.id] = (len(ticket.history), basis)
            self.tx.changed[ticket.id] = self.held[ticket.id] = ticket  # its place, kept
            return ticket
        self.held.pop(ticket.id, None)
        return self.tx.save(ticket)

    def finish(self) -> None:
        """Finalize what is kept (a ticket saved meanwhile by other means is done)."""
        changed = self.tx.changed
        for tid, ticket in self.held.items():
            if changed.get(tid) is ticket:
                self.tx.save(ticket)
        self.held.clear()


def apply_severity(session: Session, intake: "Intake") -> None:
    """H1/H2: impact and urgency from monitoring.yaml unless given on the command line."""
    rule = session.policy.monitoring.rule_for(intake.alert.get("severity"))
    if rule is None:
        return
    if intake.impact is None and intake.affected_users is None:
        intake.impact = str(rule.impact)
    if intake.urgency is None:
        intake.urgency = rule.urgency


def _open_new(session: Session, tx: Tx, held: Held, intake: "Intake") -> "Ticket":
    from itsmctl.app.lifecycle import fresh_id
    from itsmctl.core.intake import open_ticket

    apply_severity(session, intake)
    return held.save(open_ticket(intake, tx.ctx, fresh_id(session, tx)))


def open_alert(session: Session, intake: "Intake") -> "Ticket":
    """H2: an open ticket holding the fingerprint gets a history event instead of a twin;
    a resolved one is reopened or related to the new ticket (H1's decision)."""
    from itsmctl.core.alerts import Incoming
    from itsmctl.core.permissions import require

    fp = intake.alert.get("fingerprint") or intake.alert.get("id") or ""

    def decide(tx: Tx) -> "Ticket":
        a = intake.alert
        inc = Incoming(fingerprint=fp, status="firing", alert_id=a.get("id") or fp,
                       severity=a.get("severity") or "unknown",
                       message=a.get("message") or "", title="")
        require(session.policy, session.actor, "open")
        known = AlertTickets(session, tx, [fp] if fp else [])
        before = _statuses(tx, known.by_fp.get(fp, []))
        out = HookOutcome()
        held = Held(session, tx)
        ticket = _firing(session, tx, held, known, inc, out, intake)
        held.finish()
        ticket = tx.load(ticket.id)             # as committed
        if out.opened:
            tx.describe("open", note=ticket.title)
        else:
            action = "alert-reopen" if out.reopened else "alert-fire"
            tx.describe(action, note=ticket.title, before=before.get(next(iter(tx.changed))))
        return ticket

    return write(session, decide)


def _statuses(tx: Tx, ids: Iterable[str]) -> dict[str, str]:
    return {tid: tx.load(tid).status for tid in ids}


def receive(session: Session, body: str | bytes) -> HookOutcome:
    """H1: one payload, one commit (none when nothing is new)."""
    return receive_all(session, [parse(session, body)])[0]


def parse(session: Session, body: str | bytes, where: str = "stdin") -> "Received":
    """A payload read and checked against monitoring.yaml's limits: malformed or too
    large is InvalidFile (exit 4, HTTP 400) before anything changes."""
    from itsmctl.core.payload import read_payload

    return read_payload(body, session.policy.monitoring.limits, where)


def receive_all(session: Session, payloads: list["Received"]) -> list[HookOutcome]:
    """H1 for several payloads in ONE commit (U3: alerts that arrive while a commit is
    being made are folded into the next one); an outcome per payload, in order."""
    from itsmctl.core.alerts import incoming
    from itsmctl.core.permissions import require

    conf = session.policy.monitoring
    session = session.derive(default_actor=conf.actor)
    require(session.policy, session.actor, "hook")
    for got in payloads:
        if got.truncated:
            session.say(f"itsmctl hook: the payload left out {got.truncated} more alert(s) of "
                        "its group (truncatedAlerts): raise max_alerts in Alertmanager's "
                        "webhook_config to receive them (H1)")
    batches = [(got, [incoming(a, got.source, conf) for a in got.alerts]) for got in payloads]
    incs = [inc for _, some in batches for inc in some]
    sources = sorted({got.source for got in payloads})

    def decide(tx: Tx) -> list[HookOutcome]:
        outs = []
        known = AlertTickets(session, tx, [i.fingerprint for i in incs] +
                             [i.group or "" for i in incs])
        held = Held(session, tx)
        for got, some in batches:
            out = HookOutcome(truncated=got.truncated)
            for inc in some:
                if inc.status == "firing":
                    _firing(session, tx, held, known, inc, out)
                else:
                    _clearing(session, tx, held, known, inc, out)
            if got.truncated and (out.opened or out.updated or out.reopened or out.cleared):
                _record_truncated(tx, held, out, got.truncated)
            outs.append(out)
        held.finish()
        if tx.changed:
            main = next(iter(tx.changed))
            note = "; ".join(line for out in outs for line in out.lines())
            truncated = sum(got.truncated for got in payloads)
            if truncated:
                note += f"; truncatedAlerts: {truncated}"
            tx.describe(f"hook-{'+'.join(sources)}", note=note, before=known.before(main))
        return outs

    outcomes, sha = written(session, decide)
    for out in outcomes:
        if out.opened or out.updated or out.reopened or out.cleared or out.resolved:
            out.commit = sha
    return outcomes


def _record_truncated(tx: Tx, held: Held, out: HookOutcome, count: int) -> None:
    """The alerts Alertmanager left out belong to this payload's group: say so on the
    group's ticket, so the desk knows the outage is wider than its tickets show."""
    from itsmctl.core.events import step

    first = tx.load((out.opened + out.updated + out.reopened + out.cleared)[0])
    target = tx.load(first.master) if first.master else first
    held.save(step(target, tx.ctx, "note", note=(
        f"{count} more alert(s) of this group were left out of the monitoring payload "
        "(Alertmanager truncatedAlerts: raise max_alerts in its webhook_config) (H1)")))


def _firing(session: Session, tx: Tx, held: Held, known: AlertTickets, inc: "Incoming",
            out: HookOutcome, intake: Optional["Intake"] = None) -> "Ticket":
    """One firing alert, as core/alerts.decide_firing says; the ticket it landed on (as
    held: tx.load it after held.finish() for its committed state)."""
    from itsmctl.core.alerts import alert_record, decide_firing, link_firing, record_firing
    from itsmctl.core.intake import Intake
    from itsmctl.core.relations import link_master

    conf = session.policy.monitoring
    holding = known.holding(inc.fingerprint)
    decision = decide_firing(inc, holding, known.storm(inc.group), conf.storm.window,
                             conf.on_refire)
    if decision.kind == "unchanged":
        out.unchanged.append(inc.fingerprint)
        return holding[-1]
    if decision.kind == "fire":
        out.updated.append(str(decision.ticket))
        return held.save(record_firing(tx.load(str(decision.ticket)), inc, tx.ctx))
    if decision.kind == "reopen":
        return _reopen(tx, decision.ticket, decision.master, inc, out)
    if intake is None:
        intake = Intake(title=inc.title, description=inc.description, source="monitoring",
                        alert={"id": inc.alert_id, "severity": inc.severity,
                               "message": inc.message, "fingerprint": inc.fingerprint})
    ticket = _open_new(session, tx, held, intake)
    if inc.title:                                   # from a payload: the alert in full
        ticket = held.save(ticket.evolve(alert=alert_record(inc, session.actor).model_dump()))
    known.add(ticket)
    out.opened.append(ticket.id)
    if decision.related is not None:
        old, ticket = link_firing(tx.load(decision.related), ticket, inc, tx.ctx)
        held.save(old)
        ticket = held.save(ticket)
    if decision.master is not None:
        slave, master = link_master(ticket, tx.load(decision.master), tx.ctx)
        ticket = held.save(slave)
        held.save(master)
    return ticket


def _reopen(tx: Tx, holder_id: Optional[str], master_id: Optional[str], inc: "Incoming",
            out: HookOutcome) -> "Ticket":
    """H1 on_refire reopen: the holder, or its master (then the slaves follow, M2, and the
    holder records its alert firing again)."""
    from itsmctl.core.alerts import record_firing, reopen_firing

    holder = tx.load(str(holder_id))
    target = tx.load(master_id) if master_id else holder
    before = target
    reopened = tx.save(reopen_firing(target, inc, tx.ctx, holder=master_id is None))
    tx.mirror(before, reopened)
    out.reopened.append(reopened.id)
    if master_id is None:
        return reopened
    return tx.save(record_firing(tx.load(holder.id), inc, tx.ctx))


def _clearing(session: Session, tx: Tx, held: Held, known: AlertTickets, inc: "Incoming",
              out: HookOutcome) -> None:
    from itsmctl.core.alerts import decide_clearing, record_clearing

    decision = decide_clearing(inc, known.holding(inc.fingerprint))
    if decision.kind == "unchanged":
        out.unchanged.append(inc.fingerprint)
        return
    target = held.save(record_clearing(tx.load(str(decision.ticket)), inc, tx.ctx))
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
