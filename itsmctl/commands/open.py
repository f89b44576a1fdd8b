"""`open`: options -> Intake -> a new ticket."""

from __future__ import annotations

from typing import Any

from itsmctl.commands.app import App


def open_from_options(app: App, kw: dict[str, Any]) -> Any:
    from itsmctl.commands.lifecycle import open_ticket
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
        from itsmctl.commands.hook import open_alert

        ticket = open_alert(app, intake)        # H2: de-duplicated by fingerprint
    else:
        ticket = open_ticket(app, intake, recurrence_of=kw.get("recurrence_of"))
    from itsmctl.commands import announce, kb

    kb.suggest(app, ticket)                     # K2: initial support (2.5), on stderr
    announce.suggest(app, ticket)               # A1, on stderr
    return ticket
