"""The lifecycle commands of SPEC 3 as plain typed functions (the CLI only parses)."""

from __future__ import annotations

import os
from typing import Any, Optional

from itsmctl.app.session import App, after_commit, commit_message, transition
from itsmctl.errors import ConcurrencyError, NotFound


def open_ticket(app: App, intake: Any, recurrence_of: Optional[str] = None) -> Any:
    """L1/L2/L12: a new ticket in its own commit; returns it."""
    from itsmctl.core.intake import open_ticket as core_open
    from itsmctl.infra.store import new_id, tx_commit

    ctx = app.ctx()
    desk = app.desk
    with app.transaction() as tx:
        if recurrence_of:
            intake.recurrence_of = tx.load(desk.resolve_id(recurrence_of))
        for _ in range(20):
            ticket_id = os.environ.get("ITSMCTL_REPLAY_ID") or new_id(
                app.policy.desk.id_prefix, app.now)
            if not tx.exists(ticket_id):
                break
            os.environ.pop("ITSMCTL_REPLAY_ID", None)   # taken meanwhile: a fresh id
        else:
            raise ConcurrencyError("could not find a free ticket id in 20 tries", rule="G3")
        ticket = core_open(intake, ctx, ticket_id)
        tx.save(ticket)
        action = "open-out-of-scope" if intake.out_of_scope else "open"
        tx_commit(tx, commit_message(action, [ticket], app.actor, ticket.title),
                  app.author(), app.now)
    after_commit(app, [ticket])
    return ticket


def assign(app: App, ref: str, group: str, person: Optional[str] = None,
           causation: Optional[str] = None, force: bool = False) -> Any:
    """L3 dispatch / L6 transfer; a person who is away gets their delegate (D1)."""
    from itsmctl.core import workflow

    target, away = _delegate(app, person)

    def step(t: Any, ctx: Any, tx: Any) -> Any:
        return workflow.assign(t, ctx, group, target, causation, force, delegate_of=away)

    return transition(app, ref, "assign", step)


def _delegate(app: App, person: Optional[str]) -> tuple[Optional[str], Optional[str]]:
    if person is None:
        return None, None
    pid = app.policy.teams.find(person)
    if pid is None:
        raise NotFound(f"unknown person {person!r} (config/teams.yaml)", rule="L3")
    from itsmctl.core.delegation import delegate_for

    # the day of the desk's time zone (D1 ranges are dates at the desk)
    target = delegate_for(app.policy.teams, pid, app.now.astimezone(app.tz).date())
    return (target, pid) if target != pid else (pid, None)


def simple(app: App, ref: str, action: str, **kwargs: Any) -> Any:
    """Commands that are one core call on one ticket."""
    from itsmctl.core import workflow

    fn = getattr(workflow, action.replace("-", "_"))

    def step(t: Any, ctx: Any, tx: Any) -> Any:
        return fn(t, ctx, **kwargs)

    return transition(app, ref, action, step)


def wait(app: App, ref: str, code: str, until: Optional[str] = None) -> Any:
    when = app.parse_time(until, "--until") if until else None
    return simple(app, ref, "wait", code=code, until=when)



def open_from_options(app: App, kw: dict[str, Any]) -> Any:
    from itsmctl.app.lifecycle import open_ticket
    from itsmctl.core.intake import Intake

    intake = Intake(
        title=kw.get("title"), description=kw.get("description") or "",
        type=kw.get("type_") or "incident", source=kw.get("source"),
        reporter={"id": kw.get("reporter_id"), "name": kw.get("reporter_name"),
                  "phone": kw.get("reporter_phone"), "email": kw.get("reporter_email"),
                  "kind": kw.get("reporter_kind"), "department": kw.get("reporter_dept"),
                  "location": kw.get("location")},
        category=kw.get("category"), subtype=kw.get("subtype"), symptom=kw.get("symptom"),
        impact=kw.get("impact"), urgency=kw.get("urgency"),
        affected_users=kw.get("affected_users"), location=kw.get("location"),
        cis=list(kw.get("cis") or ()), caused_by_change=kw.get("caused_by_change"),
        alert={"id": kw.get("alert_id"), "severity": kw.get("alert_severity"),
               "message": kw.get("alert_message"),
               "fingerprint": kw.get("alert_fingerprint")},
        out_of_scope=bool(kw.get("out_of_scope")))
    if (intake.source == "monitoring" or intake.alert.get("id")) and not kw.get("recurrence_of"):
        from itsmctl.app.hooks import open_alert

        ticket = open_alert(app, intake)        # H2: de-duplicated by fingerprint
    else:
        ticket = open_ticket(app, intake, recurrence_of=kw.get("recurrence_of"))
    from itsmctl.app import knowledge as kb
    from itsmctl.app import work as announce

    kb.suggest(app, ticket)                     # K2: initial support (2.5), on stderr
    announce.suggest_announcement(app, ticket)               # A1, on stderr
    return ticket
