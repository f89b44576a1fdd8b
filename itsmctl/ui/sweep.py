"""The click command of the desk's sense of time: `sweep` (S4-S6, L7, L11, V1, N3)."""

from __future__ import annotations

from typing import Any

import click

from itsmctl.ui.main import State, emit, pass_state


@click.command("sweep")
@click.option("--dry-run", is_flag=True, help="Print what the sweep would do; change nothing.")
@click.option("--no-retry", is_flag=True, help="Do not retry failed notification deliveries.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing when nothing was done "
              "(for cron, which mails any output).")
@pass_state
def sweep_cmd(state: State, dry_run: bool, no_retry: bool, quiet: bool) -> None:
    """Escalate SLA breaches, resume, auto-close, announce visits (S4, L11).

    Record SLA breaches and escalate, resume, auto-close, announce visits (S4, L11).

    Run it from cron every minute. It acts as the reserved actor `sweep` (no --actor
    needed) and makes ONE commit for everything it did, or none when nothing was due;
    each ticket's history records its own events. Outside working hours an accept
    breach calls the group's on-call backup, and later the incident manager (R2); a
    handover the incoming supervisor has not acknowledged in time is reminded (R3).
    Two sweeps at once never escalate twice: they take the desk lock in turn. Every
    time comparison uses --now / ITSMCTL_NOW when given (S7).

    \b
    Examples:
      itsmctl sweep
      itsmctl sweep --dry-run
      itsmctl --now 2026-12-01T09:00+08:00 sweep --dry-run --json
      * * * * *  cd /srv/desk && itsmctl sweep --quiet    # crontab (contrib/cron)
    """
    from itsmctl.app import sweep

    session = state.session
    outcome = sweep.preview(session) if dry_run else sweep.sweep(session, retry=not no_retry)
    for line in outcome.skipped:
        session.say(f"itsmctl sweep: skipped: {line}")
    for line in outcome.refused:
        session.say(f"itsmctl sweep: refused: {line}")
    due = outcome.reminder
    idle = not (outcome.actions or outcome.retried or outcome.commit
                or (due and (outcome.dry_run or due.get("new"))))
    emit(state, "" if quiet and idle else _human(outcome), outcome.doc())
    outcome.complete()


def _human(outcome: Any) -> str:
    from itsmctl.core.sweep import summary

    parts = [summary(outcome.actions)] if outcome.actions else []
    # notifications are work too: a sweep that commits never says "nothing to do"
    if outcome.dry_run:
        parts += ["record notification deliveries"] * bool(outcome.recorded)
        parts += ["send notifications again"] * bool(outcome.resent)
    elif outcome.commit and not parts:
        parts += ["recorded notification deliveries"] * bool(outcome.recorded)
        parts += ["sent notifications again"] * bool(outcome.resent)
        parts = parts or ["updated notification records"]
    what = ", ".join(parts) or summary([])
    head = ("would do" if outcome.dry_run else "did") + f": {what}"
    if outcome.commit:
        head += f" (commit {outcome.commit[:10]})"
    lines = [f"sweep at {outcome.now} {head}"]
    lines += [f"  {a.ticket}  {a.describe()}" for a in outcome.actions]
    if outcome.dry_run:
        said = [("notifications delivered, to record on the ticket", outcome.recorded),
                ("notifications to send again", outcome.resent)]
    else:
        said = [("notification deliveries recorded", outcome.recorded),
                ("notifications sent again", outcome.resent),
                ("notifications still undelivered (the next sweep retries)",
                 outcome.undelivered)]
    lines += [f"  {label}: {', '.join(ids)}" for label, ids in said if ids]
    due = outcome.reminder
    if due and (outcome.dry_run or due.get("new")):
        verb = "would remind" if outcome.dry_run and not due["sent"] else "reminded"
        lines.append(f"  handover of {due['shift']} not acknowledged by {due['due'][:16]}: "
                     f"{verb} {', '.join(due['remind'])} (R3)")
    return "\n".join(lines)


COMMANDS = {"sweep": sweep_cmd}
