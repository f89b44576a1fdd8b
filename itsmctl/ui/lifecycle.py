"""The desk's own commands: init, demo, and the lifecycle (open ... link). Click only:
each command parses its options and calls a use case in itsmctl.commands."""

from __future__ import annotations

from typing import Any, Optional

import click

from itsmctl.ui.main import Obj, cli, emit, emit_ticket, pass_obj


def _state(ticket: Any) -> str:
    who = f" {ticket.group}" if ticket.group else ""
    who += f"/{ticket.assignee}" if ticket.assignee else ""
    return f"{ticket.id}: {ticket.status}{who} [{ticket.priority}]"


# ---------------------------------------------------------------- desk commands
@cli.command("init")
@click.argument("directory", default=".", metavar="[DIR]")
@click.option("--profile", type=click.Choice(["default", "desktop"]), default="default",
              show_default=True, help="Which process profile to start from.")
@click.option("--gitops", is_flag=True, help="Also write the GitOps kit: CI for GitHub "
              "Actions and GitLab (validate and audit every pull request, sweep on a "
              "schedule), .pre-commit-config.yaml and a CODEOWNERS putting config/ under "
              "the incident managers' review.")
@pass_obj
def init_cmd(obj: Obj, directory: str, profile: str, gitops: bool) -> None:
    """Make a new desk repository (config, tickets/, kb/) with its first commit.

    \b
    Examples:
      itsmctl init my-desk
      itsmctl init desk-it --profile desktop
      itsmctl init my-desk --gitops    # with CI, pre-commit and CODEOWNERS
    """
    from itsmctl.app.setup import init

    root = init(directory, profile, gitops)
    emit(obj, f"desk created in {root} ({profile} profile)", {"root": str(root),
                                                             "profile": profile,
                                                             "gitops": gitops})


@cli.command("demo")
@click.argument("directory", default="itsmctl-demo", metavar="[DIR]")
@pass_obj
def demo_cmd(obj: Obj, directory: str) -> None:
    """Build a demo desk and play a morning at the service desk through real commands.

    \b
    Examples:
      itsmctl demo
      itsmctl demo /tmp/desk && cd /tmp/desk && git log --oneline | head
    """
    from itsmctl.ui.demo import run

    run(directory, echo=lambda s: click.echo(s, err=obj.json), as_json=obj.json)


@cli.command("open")
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
@click.option("--out-of-scope", is_flag=True, help="Log and close at once: not the desk's "
              "business; the user is told (L2).")
@pass_obj
def open_cmd(obj: Obj, **kw: Any) -> None:
    """Log a new ticket; prints its id alone (L1).

    \b
    Examples:
      itsmctl open --title "计费出错" --reporter-name 王五 --reporter-phone 13800000000 \\
          --category billing --subtype application --symptom billing-error --impact 3
      itsmctl --actor monitor open --source monitoring --title "db01 down" \\
          --alert-id zbx-1 --alert-severity disaster --alert-message "db01 unreachable"
      itsmctl open --recurrence-of INC-2611-7KQ3X
    """
    from itsmctl.app.lifecycle import open_from_options

    ticket = open_from_options(obj.app, kw)
    emit_ticket(obj, ticket, ticket.id)


@cli.command("assign")
@click.argument("ticket")
@click.option("--group", required=True, help="Group to dispatch or transfer to.")
@click.option("--person", help="A member of the group (a person away goes to the delegate).")
@click.option("--causation", help="Root cause (required for a transfer, L6).")
@click.option("--force", is_flag=True, help="Dispatch off the routing (incident manager).")
@pass_obj
def assign_cmd(obj: Obj, ticket: str, group: str, person: Optional[str],
               causation: Optional[str], force: bool) -> None:
    """Dispatch a new ticket to a group (L3) or transfer it onwards (L6).

    \b
    Examples:
      itsmctl assign INC-2611-7KQ3X --group billing-app
      itsmctl --actor carol assign INC-2611-7KQ3X --group dba --causation data-error
    """
    from itsmctl.app.lifecycle import assign

    t = assign(obj.app, ticket, group, person, causation, force)
    emit_ticket(obj, t, _state(t))


def _simple(name: str, summary: str, examples: str, *options: Any, action: str = "") -> None:
    """Define a command that is one core call on one ticket."""

    def callback(obj: Obj, ticket: str, **kw: Any) -> None:
        from itsmctl.app.lifecycle import simple

        t = simple(obj.app, ticket, action or name, **kw)
        emit_ticket(obj, t, _state(t))

    callback.__doc__ = f"{summary}\n\n\b\nExamples:\n{examples}"
    cmd = pass_obj(callback)
    for opt in reversed(options):
        cmd = opt(cmd)
    cmd = click.argument("ticket")(cmd)
    cli.command(name)(cmd)


_simple("accept", "Take an assigned ticket as its owner (L4).",
        "  itsmctl --actor carol accept INC-2611-7KQ3X\n"
        "  itsmctl --actor carol --json accept INC-2611-7K | jq .sla.accept")
_simple("reject", "Return a ticket to the desk with a reason (L5).",
        "  itsmctl --actor carol reject INC-2611-7KQ3X --reason 'not ours' --suggest dba\n"
        "  itsmctl --actor erin reject INC-2611-7KQ3X --reason 'the host is full, not the "
        "database'",
        click.option("--reason", help="Why it comes back (required)."),
        click.option("--suggest", help="The group it should go to."))
_simple("resume", "Take a waiting ticket back to the state it waited from (L7).",
        "  itsmctl resume INC-2611-7KQ3X\n"
        "  itsmctl list --status waiting   # what is parked, and why")
_simple("resolve", "Record the solution; the user is told (L8).",
        "  itsmctl --actor carol resolve INC-2611-7KQ3X --solution 'fixed rate table' "
        "--causation data-error\n  itsmctl resolve INC-2611-7KQ3X --solution 'password reset'",
        click.option("--solution", help="What restored the service (required)."),
        click.option("--causation", help="Root cause (required unless solved at first line)."),
        click.option("--workaround", is_flag=True, help="The solution is a workaround."))
_simple("reopen", "The user rejects the resolution: back to the group that resolved (L9).",
        "  itsmctl reopen INC-2611-7KQ3X --reason 'still wrong on the invoice'\n"
        "  itsmctl --actor bob reopen INC-2611-7KQ3X --reason '用户反馈问题仍在'",
        click.option("--reason", help="What the user reported (required)."))


@cli.command("close")
@click.argument("ticket")
@click.option("--code", required=True, help="Close code from config/codes.yaml.")
@click.option("--satisfaction", type=int, help="1 (poor) to 5 (excellent).")
@click.option("--kb", "kb", is_flag=True, help="Also write a candidate knowledge article "
              "from the causation and solution, in the same commit (K3).")
@pass_obj
def close_cmd(obj: Obj, ticket: str, code: str, satisfaction: Optional[int],
              kb: bool) -> None:
    """Close a resolved ticket with a close code (L10).

    \b
    Examples:
      itsmctl close INC-2611-7KQ3X --code solved --satisfaction 5
      itsmctl close INC-2611-7KQ3X --code solved --kb   # kb/kb-2611-7kq3x.md, candidate
      itsmctl close INC-2611-7KQ3X --code workaround   # needs link --problem
    """
    if kb:
        from itsmctl.app.knowledge import close_with_kb

        t = close_with_kb(obj.app, ticket, code, satisfaction)
    else:
        from itsmctl.app.lifecycle import simple

        t = simple(obj.app, ticket, "close", code=code, satisfaction=satisfaction)
    emit_ticket(obj, t, _state(t))


_simple("escalate", "Escalate by hand (S5): record it and apply the configured action.",
        "  itsmctl escalate INC-2611-7KQ3X --reason 'VIP called twice'\n"
        "  itsmctl --actor mike escalate INC-2611-7KQ3X --reason '影响扩大到两个营业厅'",
        click.option("--reason", help="Why (required)."))
_simple("note", "Add a work note; allowed on any ticket.",
        "  itsmctl note INC-2611-7KQ3X --text 'called the user back'\n"
        "  itsmctl --actor carol note INC-2611-7KQ3X --text '已联系厂商，等待补丁'",
        click.option("--text", help="The note (required)."))


@cli.command("wait")
@click.argument("ticket")
@click.option("--code", required=True, help="Wait code from config/codes.yaml.")
@click.option("--until", metavar="ISO8601", help="When sweep resumes it by itself.")
@pass_obj
def wait_cmd(obj: Obj, ticket: str, code: str, until: Optional[str]) -> None:
    """Park an open ticket; its SLA clock pauses (L7).

    \b
    Examples:
      itsmctl wait INC-2611-7KQ3X --code user-info
      itsmctl wait INC-2611-7KQ3X --code scheduled --until 2026-11-26T09:00
    """
    from itsmctl.app.lifecycle import wait

    t = wait(obj.app, ticket, code, until)
    emit_ticket(obj, t, _state(t))


@cli.command("classify")
@click.argument("ticket")
@click.option("--impact", help="New impact level.")
@click.option("--urgency", help="New urgency.")
@click.option("--affected-users", type=click.IntRange(min=0), help="Derive impact (P3).")
@click.option("--category", help="Category.")
@click.option("--subtype", help="Subtype.")
@click.option("--symptom", help="Symptom (needed to dispatch, L3).")
@click.option("--causation", help="Root cause (needed to transfer or resolve, L6/L8).")
@click.option("--reason", help="Why it changes (required, P4).")
@pass_obj
def classify_cmd(obj: Obj, ticket: str, **kw: Any) -> None:
    """Change impact, urgency or classification; priority is recomputed (P1, P4).

    \b
    Examples:
      itsmctl classify INC-2611-7KQ3X --impact 2 --reason 'two branches affected'
      itsmctl classify INC-2611-7KQ3X --category billing --subtype application \\
          --symptom billing-error --reason 'user confirmed'
    """
    from itsmctl.app.lifecycle import simple

    t = simple(obj.app, ticket, "classify", **kw)
    emit_ticket(obj, t, _state(t))


@cli.command("link-master")
@click.argument("ticket")
@click.option("--master", required=True, metavar="ID", help="The master ticket.")
@pass_obj
def link_master_cmd(obj: Obj, ticket: str, master: str) -> None:
    """Bind a duplicate to its master; it mirrors the master from now on (M1, M2).

    \b
    Examples:
      itsmctl link-master INC-2611-AAAAA --master INC-2611-7KQ3X
      itsmctl list --master INC-2611-7KQ3X     # its slaves
    """
    from itsmctl.app.relations import link_master

    t = link_master(obj.app, ticket, master)
    emit_ticket(obj, t, f"{t.id}: slave of {t.master}")


@cli.command("unlink")
@click.argument("ticket")
@pass_obj
def unlink_cmd(obj: Obj, ticket: str) -> None:
    """End a slave's bond to its master; it keeps its state (M4).

    \b
    Examples:
      itsmctl unlink INC-2611-AAAAA
      itsmctl unlink INC-2611-AAAAA && itsmctl assign INC-2611-AAAAA --group dba
    """
    from itsmctl.app.relations import unlink

    t = unlink(obj.app, ticket)
    emit_ticket(obj, t, _state(t))


@cli.command("link")
@click.argument("ticket")
@click.option("--related", metavar="ID", help="Another ticket, open or closed (M3).")
@click.option("--problem", metavar="PRB", help="The problem record (needed to close as "
              "workaround/failed).")
@click.option("--change", metavar="CHG", help="A change: the ticket waits for it (T2).")
@click.option("--requirement", metavar="REQ", help="A requirement: closes or waits (L13).")
@pass_obj
def link_cmd(obj: Obj, ticket: str, **kw: Any) -> None:
    """Link a ticket to a related ticket, a problem, a change or a requirement.

    \b
    Examples:
      itsmctl link INC-2611-7KQ3X --problem PRB-0042
      itsmctl link INC-2611-7KQ3X --related INC-2610-QQQQQ
      itsmctl link INC-2611-7KQ3X --change CHG-1234
    """
    from itsmctl.app.relations import link

    t = link(obj.app, ticket, **kw)
    emit_ticket(obj, t, _state(t))
