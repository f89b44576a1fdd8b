"""`itsmctl qa` (Q3): run the automatic quality checks of handbook 6.1 over the tickets."""

from __future__ import annotations

from typing import Any, Optional

from itsmctl.commands.app import App


def run(app: App, month: Optional[str] = None, open_only: bool = False) -> list[Any]:
    """Findings over every ticket (or those opened in `month`, or the open ones)."""
    from itsmctl.commands.report import load_tickets, period_of
    from itsmctl.core.qa import check

    period = period_of(app, month, None, None) if month else None
    findings = []
    for ticket in load_tickets(app, until=period.end if period else None):
        if period is not None and not period.holds(ticket.opened_at):
            continue
        if open_only and not ticket.is_open:
            continue
        findings.extend(check(ticket, app.policy))
    return findings
