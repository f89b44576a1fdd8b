"""Click commands of a ticket's lifecycle (SPEC 3): open, assign, accept, reject, wait,
resume, resolve, reopen, close, classify, escalate, note. Parse, call app/lifecycle.py,
print what it committed."""

from __future__ import annotations

from typing import Any, Optional

import click

from itsmctl.ui.batch import tickets_argument
from itsmctl.ui.main import SUMMARIES, State, pass_state
from itsmctl.ui.texts import TEXT, long_text, ticket_intro
from itsmctl.ui.tickets import for_each


@click.command("open")
@click.option("--title", type=TEXT, help="Short summary of what the user reports ('-': "
              "stdin; on a terminal, $EDITOR opens when it is missing).")
@long_text("description", "Longer description.", canned=True)
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
@click.option("--alert-message", type=TEXT, help="Monitoring alert text ('-': stdin).")
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
    from itsmctl.ui.transitions import open_ticket

    open_ticket(state, **kw)


@click.command("assign")
@tickets_argument
@click.option("--group", required=True, help="Group to dispatch or transfer to.")
@click.option("--person", help="A member of the group (a person away goes to the delegate).")
@click.option("--causation", help="Root cause (required for a transfer, L6).")
@click.option("--force", is_flag=True, help="Dispatch off the routing (incident manager).")
@pass_state
def assign_cmd(state: State, tickets: tuple[str, ...], from_: Optional[str], group: str,
               person: Optional[str], causation: Optional[str], force: bool) -> None:
    """Dispatch a new ticket to a group (L3) or transfer it onwards (L6).

    \b
    Examples:
      itsmctl assign INC-2611-7KQ3X --group billing-app
      itsmctl --actor carol assign INC-2611-7KQ3X --group dba --causation data-error
      itsmctl list --view inbox --json | jq -r '.[].id' | itsmctl assign --from - \\
          --group billing-app
    """
    from itsmctl.ui.transitions import assign

    assign(state, tickets, from_, group, person, causation, force)


def _simple(name: str, examples: str, *options: Any) -> click.Command:
    """A command that is one use case of app/lifecycle.py on each ticket given."""

    def callback(state: State, tickets: tuple[str, ...], from_: Optional[str],
                 **kw: Any) -> None:
        from itsmctl.ui.transitions import simple

        simple(name, state, tickets, from_, **kw)

    callback.__doc__ = f"{SUMMARIES[name]}\n\n\b\nExamples:\n{examples}"
    cmd = pass_state(callback)
    for opt in reversed(options):
        cmd = opt(cmd)
    cmd = tickets_argument(cmd)
    return click.command(name)(cmd)


def _reason(what: str, verb: str) -> Any:
    return long_text("reason", what, required=True, canned=True, intro=ticket_intro(verb))


accept_cmd = _simple(
    "accept",
    "  itsmctl --actor carol accept INC-2611-7KQ3X\n"
    "  itsmctl --actor carol --json accept INC-2611-7K | jq .sla.accept")
reject_cmd = _simple(
    "reject",
    "  itsmctl --actor carol reject INC-2611-7KQ3X --reason 'not ours' --suggest dba\n"
    "  itsmctl --actor erin reject INC-2611-7KQ3X --reason 'the host is full, not the "
    "database'",
    _reason("Why it comes back (required).", "Why it goes back to the desk"),
    click.option("--suggest", help="The group it should go to."))
resume_cmd = _simple(
    "resume",
    "  itsmctl resume INC-2611-7KQ3X\n"
    "  itsmctl list --status waiting   # what is parked, and why")
resolve_cmd = _simple(
    "resolve",
    "  itsmctl --actor carol resolve INC-2611-7KQ3X --solution 'fixed rate table' "
    "--causation data-error\n  itsmctl resolve INC-2611-7KQ3X --solution 'password reset'\n"
    "  itsmctl resolve INC-2611-7KQ3X --template password-reset\n"
    "  itsmctl resolve INC-2611-7KQ3X --solution-file fix.md",
    long_text("solution", "What restored the service (required).", required=True,
              canned=True, intro=ticket_intro("The solution")),
    click.option("--causation", help="Root cause (required unless solved at first line)."),
    click.option("--workaround", is_flag=True, help="The solution is a workaround."))
reopen_cmd = _simple(
    "reopen",
    "  itsmctl reopen INC-2611-7KQ3X --reason 'still wrong on the invoice'\n"
    "  itsmctl --actor bob reopen INC-2611-7KQ3X --reason '用户反馈问题仍在'",
    _reason("What the user reported (required).", "What the user reported"))


@click.command("close")
@tickets_argument
@click.option("--code", required=True, help="Close code from config/codes.yaml.")
@click.option("--satisfaction", type=int, help="1 (poor) to 5 (excellent).")
@click.option("--kb", "kb", is_flag=True, help="Also write a candidate knowledge article "
              "from the causation and solution, in the same commit (K3).")
@pass_state
def close_cmd(state: State, tickets: tuple[str, ...], from_: Optional[str], code: str,
              satisfaction: Optional[int], kb: bool) -> None:
    """Close a resolved ticket with a close code (L10).

    \b
    Examples:
      itsmctl close INC-2611-7KQ3X --code solved --satisfaction 5
      itsmctl close INC-2611-7KQ3X --code solved --kb   # kb/kb-2611-7kq3x.md, candidate
      itsmctl close INC-2611-7KQ3X --code workaround   # needs link --problem
      itsmctl list --status resolved --json | jq -r '.[].id' | itsmctl close --from - \\
          --code solved
    """
    from itsmctl.app.lifecycle import close

    for_each(state, tickets, from_,
             lambda session, ref: close(session, ref, code, satisfaction, kb))


escalate_cmd = _simple(
    "escalate",
    "  itsmctl escalate INC-2611-7KQ3X --reason 'VIP called twice'\n"
    "  itsmctl --actor mike escalate INC-2611-7KQ3X --reason '影响扩大到两个营业厅'",
    _reason("Why (required).", "Why it escalates"))
note_cmd = _simple(
    "note",
    "  itsmctl note INC-2611-7KQ3X --text 'called the user back'\n"
    "  itsmctl --actor carol note INC-2611-7KQ3X --text '已联系厂商，等待补丁'\n"
    "  itsmctl note INC-2611-7KQ3X INC-2611-8ABCD --text 'vendor patch due Friday'\n"
    "  journalctl -u billing --since today | itsmctl note INC-2611-7KQ3X --text -",
    long_text("text", "The note (required).", required=True, canned=True,
              intro=ticket_intro("A work note")))


@click.command("wait")
@tickets_argument
@click.option("--code", required=True, help="Wait code from config/codes.yaml.")
@click.option("--until", metavar="ISO8601", help="When sweep resumes it by itself.")
@pass_state
def wait_cmd(state: State, tickets: tuple[str, ...], from_: Optional[str], code: str,
             until: Optional[str]) -> None:
    """Park an open ticket; its SLA clock pauses (L7).

    \b
    Examples:
      itsmctl wait INC-2611-7KQ3X --code user-info
      itsmctl wait INC-2611-7KQ3X --code scheduled --until 2026-11-26T09:00
    """
    from itsmctl.app.lifecycle import wait

    for_each(state, tickets, from_, lambda session, ref: wait(session, ref, code, until))


@click.command("classify")
@tickets_argument
@click.option("--impact", help="New impact level.")
@click.option("--urgency", help="New urgency.")
@click.option("--affected-users", type=click.IntRange(min=0), help="Derive impact (P3).")
@click.option("--category", help="Category.")
@click.option("--subtype", help="Subtype.")
@click.option("--symptom", help="Symptom (needed to dispatch, L3).")
@click.option("--causation", help="Root cause (needed to transfer or resolve, L6/L8).")
@long_text("reason", "Why it changes (required, P4; not with --verify alone).",
           required=lambda kw: not kw.get("verify"), canned=True,
           intro=ticket_intro("Why the classification changes"))
@click.option("--verify", is_flag=True, help="Mark a ticket a user submitted (mail, web) as "
              "checked by the desk (B2, IM1.2).")
@pass_state
def classify_cmd(state: State, tickets: tuple[str, ...], from_: Optional[str],
                 **kw: Any) -> None:
    """Change impact, urgency or classification; priority is recomputed (P1, P4).

    \b
    Examples:
      itsmctl classify INC-2611-7KQ3X --impact 2 --reason 'two branches affected'
      itsmctl classify INC-2611-7KQ3X --verify
      itsmctl classify INC-2611-7KQ3X --category billing --subtype application \\
          --symptom billing-error --reason 'user confirmed'
    """
    from itsmctl.app.lifecycle import classify

    for_each(state, tickets, from_, lambda session, ref: classify(session, ref, **kw))


COMMANDS = {"open": open_cmd, "assign": assign_cmd, "accept": accept_cmd, "reject": reject_cmd,
            "wait": wait_cmd, "resume": resume_cmd, "resolve": resolve_cmd,
            "reopen": reopen_cmd, "close": close_cmd, "classify": classify_cmd,
            "escalate": escalate_cmd, "note": note_cmd}
