"""Click commands of a ticket's lifecycle (SPEC 3): open, assign, accept, reject, wait,
resume, resolve, reopen, close, classify, escalate, note. Parse, call app/lifecycle.py,
print what it committed."""

from __future__ import annotations

from typing import Any, Optional

import click

from itsmctl.ui.main import SUMMARIES, State, emit, emit_ticket, pass_state, state_line


@click.command("open")
@click.option("--title", help="Short summary of what the user reports.")
@click.option("--description", default="", help="Longer description.")
@click.option("--type", "type_", type=click.Choice(["incident", "service_request",
              "consultation", "complaint"]), default="incident", show_default=True,
              help="Kind of ticket.")
@click.option("--source", type=click.Choice(["phone", "email", "web", "monitoring", "staff",
              "transfer"]), help="Where it came from (default: phone for the desk, staff "
              "for support staff, monitoring for alerts).")
@click.option("--reporter-id", help="Customer id of the reporter.")
@click.option("--reporter-name", help="Reporter's name (L1: required for user sources).")
@click.option("--reporter-phone", help="Reporter's phone.")
@click.option("--reporter-email", help="Reporter's e-mail.")
@click.option("--reporter-kind", help="staff, manager, vip… (sets the default urgency, P2).")
@click.option("--reporter-dept", help="Reporter's department.")
@click.option("--category", help="Category from config/categories.yaml.")
@click.option("--subtype", help="Subtype of the category.")
@click.option("--symptom", help="Symptom (现象) of the subtype.")
@click.option("--impact", help="Impact level (default profile: 1 widest … 4 one user).")
@click.option("--urgency", help="high / medium / low (default from the reporter kind).")
@click.option("--affected-users", type=click.IntRange(min=0), help="Derive the impact from "
              "how many users are affected (P3).")
@click.option("--location", help="Site, for routing by location.")
@click.option("--ci", "cis", multiple=True, help="Configuration item affected (repeatable).")
@click.option("--caused-by-change", help="The change that caused it.")
@click.option("--alert-id", help="Monitoring alert id (H2).")
@click.option("--alert-severity", help="Monitoring severity.")
@click.option("--alert-message", help="Monitoring alert text.")
@click.option("--alert-fingerprint", help="De-duplication key (default: the alert id).")
@click.option("--recurrence-of", metavar="ID", help="A closed ticket this one repeats (L12).")
@click.option("--duplicate-of", metavar="ID", help="An open ticket this one duplicates: "
              "linked as its slave at once (M6, M1).")
@click.option("--out-of-scope", is_flag=True, help="Log and close at once: not the desk's "
              "business; the user is told (L2).")
@pass_state
def open_cmd(state: State, **kw: Any) -> None:
    """Log a new ticket; prints its id alone (L1).

    \b
    Examples:
      itsmctl open --title "计费出错" --reporter-name 王五 --reporter-phone 13800000000 \\
          --category billing --subtype application --symptom billing-error --impact 3
      itsmctl --actor monitor open --source monitoring --title "db01 down" \\
          --alert-id zbx-1 --alert-severity disaster --alert-message "db01 unreachable"
      itsmctl open --recurrence-of INC-2611-7KQ3X
      itsmctl open --title "计费出错 again" --reporter-name 李四 --reporter-phone 139 \\
          --duplicate-of INC-2611-7KQ3X

    Likely duplicates (open tickets meeting a condition of config/duplicates.yaml, M6)
    and recurrence candidates (closed ones within its window, L16) are named on stderr;
    with --json they are the `candidates` key of the ticket printed.
    """
    from itsmctl.app.duplicates import candidates
    from itsmctl.app.lifecycle import open_ticket

    session = state.session
    ticket = open_ticket(session, intake_of(kw), kw.get("ticket_id"))
    found = candidates(session, ticket)
    for line in candidate_lines(ticket.id, found):
        session.say(line)
    if not state.json:
        emit(state, ticket.id)
        return
    from itsmctl.app.queue import show_doc

    emit(state, ticket.id, {**show_doc(session, ticket), "candidates": found})


def candidate_lines(ticket_id: str, found: dict[str, list[dict[str, Any]]]) -> list[str]:
    """M6/L16 hints for stderr, one per candidate, with the command that links it."""
    out = []
    for c in found["duplicates"]:
        master = c["master"] or c["id"]
        out.append(f"likely duplicate (M6): {c['id']} {c['status']} [{', '.join(c['labels'])}]"
                   f" {c['title']}: itsmctl link-master {ticket_id} --master {master}")
    for c in found["recurrences"]:
        out.append(f"recurrence candidate (L16): {c['id']} closed {(c['closed_at'] or '')[:10]}"
                   f" [{', '.join(c['labels'])}] {c['title']}: itsmctl link {ticket_id} "
                   f"--related {c['id']}")
    return out


def intake_of(kw: dict[str, Any]) -> Any:
    """The options of `open` as the core's Intake."""
    from itsmctl.core.intake import Intake

    return Intake(
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
        recurrence_of=kw.get("recurrence_of"), out_of_scope=bool(kw.get("out_of_scope")),
        duplicate_of=kw.get("duplicate_of"))


@click.command("assign")
@click.argument("ticket")
@click.option("--group", required=True, help="Group to dispatch or transfer to.")
@click.option("--person", help="A member of the group (a person away goes to the delegate).")
@click.option("--causation", help="Root cause (required for a transfer, L6).")
@click.option("--force", is_flag=True, help="Dispatch off the routing (incident manager).")
@pass_state
def assign_cmd(state: State, ticket: str, group: str, person: Optional[str],
               causation: Optional[str], force: bool) -> None:
    """Dispatch a new ticket to a group (L3) or transfer it onwards (L6).

    \b
    Examples:
      itsmctl assign INC-2611-7KQ3X --group billing-app
      itsmctl --actor carol assign INC-2611-7KQ3X --group dba --causation data-error
    """
    from itsmctl.app.lifecycle import assign

    t = assign(state.session, ticket, group, person, causation, force)
    emit_ticket(state, t, state_line(t))


def _simple(name: str, examples: str, *options: Any) -> click.Command:
    """A command that is one use case of app/lifecycle.py on one ticket."""

    def callback(state: State, ticket: str, **kw: Any) -> None:
        from itsmctl.app import lifecycle

        t = getattr(lifecycle, name)(state.session, ticket, **kw)
        emit_ticket(state, t, state_line(t))

    callback.__doc__ = f"{SUMMARIES[name]}\n\n\b\nExamples:\n{examples}"
    cmd = pass_state(callback)
    for opt in reversed(options):
        cmd = opt(cmd)
    cmd = click.argument("ticket")(cmd)
    return click.command(name)(cmd)


accept_cmd = _simple(
    "accept",
    "  itsmctl --actor carol accept INC-2611-7KQ3X\n"
    "  itsmctl --actor carol --json accept INC-2611-7K | jq .sla.accept")
reject_cmd = _simple(
    "reject",
    "  itsmctl --actor carol reject INC-2611-7KQ3X --reason 'not ours' --suggest dba\n"
    "  itsmctl --actor erin reject INC-2611-7KQ3X --reason 'the host is full, not the "
    "database'",
    click.option("--reason", help="Why it comes back (required)."),
    click.option("--suggest", help="The group it should go to."))
resume_cmd = _simple(
    "resume",
    "  itsmctl resume INC-2611-7KQ3X\n"
    "  itsmctl list --status waiting   # what is parked, and why")
resolve_cmd = _simple(
    "resolve",
    "  itsmctl --actor carol resolve INC-2611-7KQ3X --solution 'fixed rate table' "
    "--causation data-error\n  itsmctl resolve INC-2611-7KQ3X --solution 'password reset'",
    click.option("--solution", help="What restored the service (required)."),
    click.option("--causation", help="Root cause (required unless solved at first line)."),
    click.option("--workaround", is_flag=True, help="The solution is a workaround."))
reopen_cmd = _simple(
    "reopen",
    "  itsmctl reopen INC-2611-7KQ3X --reason 'still wrong on the invoice'\n"
    "  itsmctl --actor bob reopen INC-2611-7KQ3X --reason '用户反馈问题仍在'",
    click.option("--reason", help="What the user reported (required)."))


@click.command("close")
@click.argument("ticket")
@click.option("--code", required=True, help="Close code from config/codes.yaml.")
@click.option("--satisfaction", type=int, help="1 (poor) to 5 (excellent).")
@click.option("--kb", "kb", is_flag=True, help="Also write a candidate knowledge article "
              "from the causation and solution, in the same commit (K3).")
@pass_state
def close_cmd(state: State, ticket: str, code: str, satisfaction: Optional[int],
              kb: bool) -> None:
    """Close a resolved ticket with a close code (L10).

    \b
    Examples:
      itsmctl close INC-2611-7KQ3X --code solved --satisfaction 5
      itsmctl close INC-2611-7KQ3X --code solved --kb   # kb/kb-2611-7kq3x.md, candidate
      itsmctl close INC-2611-7KQ3X --code workaround   # needs link --problem
    """
    from itsmctl.app.lifecycle import close

    t = close(state.session, ticket, code, satisfaction, kb)
    emit_ticket(state, t, state_line(t))


escalate_cmd = _simple(
    "escalate",
    "  itsmctl escalate INC-2611-7KQ3X --reason 'VIP called twice'\n"
    "  itsmctl --actor mike escalate INC-2611-7KQ3X --reason '影响扩大到两个营业厅'",
    click.option("--reason", help="Why (required)."))
note_cmd = _simple(
    "note",
    "  itsmctl note INC-2611-7KQ3X --text 'called the user back'\n"
    "  itsmctl --actor carol note INC-2611-7KQ3X --text '已联系厂商，等待补丁'",
    click.option("--text", help="The note (required)."))


@click.command("wait")
@click.argument("ticket")
@click.option("--code", required=True, help="Wait code from config/codes.yaml.")
@click.option("--until", metavar="ISO8601", help="When sweep resumes it by itself.")
@pass_state
def wait_cmd(state: State, ticket: str, code: str, until: Optional[str]) -> None:
    """Park an open ticket; its SLA clock pauses (L7).

    \b
    Examples:
      itsmctl wait INC-2611-7KQ3X --code user-info
      itsmctl wait INC-2611-7KQ3X --code scheduled --until 2026-11-26T09:00
    """
    from itsmctl.app.lifecycle import wait

    t = wait(state.session, ticket, code, until)
    emit_ticket(state, t, state_line(t))


@click.command("classify")
@click.argument("ticket")
@click.option("--impact", help="New impact level.")
@click.option("--urgency", help="New urgency.")
@click.option("--affected-users", type=click.IntRange(min=0), help="Derive impact (P3).")
@click.option("--category", help="Category.")
@click.option("--subtype", help="Subtype.")
@click.option("--symptom", help="Symptom (needed to dispatch, L3).")
@click.option("--causation", help="Root cause (needed to transfer or resolve, L6/L8).")
@click.option("--reason", help="Why it changes (required, P4; not with --verify alone).")
@click.option("--verify", is_flag=True, help="Mark a ticket a user submitted (mail, web) as "
              "checked by the desk (B2, IM1.2).")
@pass_state
def classify_cmd(state: State, ticket: str, **kw: Any) -> None:
    """Change impact, urgency or classification; priority is recomputed (P1, P4).

    \b
    Examples:
      itsmctl classify INC-2611-7KQ3X --impact 2 --reason 'two branches affected'
      itsmctl classify INC-2611-7KQ3X --verify
      itsmctl classify INC-2611-7KQ3X --category billing --subtype application \\
          --symptom billing-error --reason 'user confirmed'
    """
    from itsmctl.app.lifecycle import classify

    t = classify(state.session, ticket, **kw)
    emit_ticket(state, t, state_line(t))


COMMANDS = {"open": open_cmd, "assign": assign_cmd, "accept": accept_cmd, "reject": reject_cmd,
            "wait": wait_cmd, "resume": resume_cmd, "resolve": resolve_cmd,
            "reopen": reopen_cmd, "close": close_cmd, "classify": classify_cmd,
            "escalate": escalate_cmd, "note": note_cmd}
