"""The command line: click only. Parse options, call a command, and the one error funnel.

Only click is imported at start-up; each command imports what it needs, so
`itsmctl --help` stays fast. Commands of other areas live in `cli_*.py` modules and
are loaded lazily by name (LAZY below).
"""

from __future__ import annotations

import os
import sys
from typing import Any, Optional

import click

from itsmctl import __version__

GLOBAL_FLAGS = ("--json", "--debug")
_OWN_WORDS: Optional[list[str]] = None     # the command's words without global options
SYNC_RETRIES = 8
GLOBAL_OPTIONS = ("--repo", "--actor", "--now")
# name -> (module:attribute, one-line summary); loaded only when run or asked for help
LAZY: dict[str, tuple[str, str]] = {}
LAZY["sweep"] = ("itsmctl.cli_time:sweep_cmd",
                 "Escalate SLA breaches, resume, auto-close, announce visits (S4, L11).")
LAZY["visit"] = ("itsmctl.cli_time:visit_cmd", "Record a closed ticket's return visit (V1).")
LAZY["task"] = ("itsmctl.cli_work:task_group", "Tasks for other groups: add, done (T1).")
LAZY["announce"] = ("itsmctl.cli_work:announce_cmd", "Post the ticket's announcement (A1).")
LAZY["hook"] = ("itsmctl.cli_hook:hook_group", "Monitoring payloads on stdin: alertmanager (H1).")
LAZY["kb"] = ("itsmctl.cli_kb:kb_group", "Knowledge base: search, show, add, publish (K1-K3).")
LAZY["report"] = ("itsmctl.cli_manage:report_cmd", "Monthly report, KPIs, trend (Q1, Q2).")
LAZY["qa"] = ("itsmctl.cli_manage:qa_cmd", "Quality checks of handbook 6.1 (Q3).")
LAZY["audit"] = ("itsmctl.cli_manage:audit_cmd", "Replay git history, flag illegal changes (G6).")
LAZY["completion"] = ("itsmctl.cli_shell:completion_cmd",
                      "Print the shell completion script for bash, zsh or fish.")
SECTIONS = {
    "Desk": ["open", "assign", "reopen", "close", "link-master", "unlink", "link", "classify",
             "escalate", "note", "visit"],
    "Support": ["accept", "reject", "wait", "resume", "resolve", "task", "announce"],
    "Read": ["show", "list", "log", "kb"],
    "Manager": ["report", "qa", "validate", "audit"],
    "Automation": ["sweep", "hook", "sync"],
    "Setup": ["init", "demo", "completion"],
}


def relocate_globals(args: list[str]) -> list[str]:
    """Accept global options after the command too (`itsmctl show ID --json`)."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest.extend(args[i:])
            break
        name = arg.split("=", 1)[0]
        if arg in GLOBAL_FLAGS:
            front.append(arg)
        elif name in GLOBAL_OPTIONS and "=" in arg:
            front.append(arg)
        elif name in GLOBAL_OPTIONS and i + 1 < len(args):
            front.extend(args[i:i + 2])
            i += 1
        else:
            rest.append(arg)
        i += 1
    return front + rest


def _attach(command: click.Command) -> click.Command:
    """Completers only while the shell asks for completions: other runs skip the import."""
    if os.environ.get("_ITSMCTL_COMPLETE"):
        from itsmctl.completion import attach

        return attach(command)
    return command


class DeskGroup(click.Group):
    """Commands grouped by role in `--help`, plus lazily loaded ones."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(LAZY))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _attach(self)           # --actor completes people (the group's own options)

    def get_command(self, ctx: click.Context, name: str) -> Optional[click.Command]:
        cmd = super().get_command(ctx, name)
        if cmd is not None or name not in LAZY:
            return _attach(cmd) if cmd is not None else None
        import importlib

        module, attr = LAZY[name][0].split(":")
        return _attach(getattr(importlib.import_module(module), attr))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from itsmctl.i18n import _

        names = self.list_commands(ctx)
        shown: set[str] = set()
        for section, members in SECTIONS.items():
            rows = [(n, self._summary(n)) for n in members if n in names]
            shown.update(n for n, _s in rows)
            if rows:
                with formatter.section(_(section)):
                    formatter.write_dl(rows)
        rest = [(n, self._summary(n)) for n in names if n not in shown]
        if rest:
            with formatter.section(_("Other")):
                formatter.write_dl(rest)

    def _summary(self, name: str) -> str:
        from itsmctl.i18n import _

        if name in LAZY:
            return _(LAZY[name][1])
        return _(self.commands[name].get_short_help_str(200))


class Obj:
    """The lazily built App, shared by every command of one invocation."""

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self._app: Any = None

    @property
    def app(self) -> Any:
        if self._app is None:
            from itsmctl.commands.app import App
            from itsmctl.startup import quick_pydantic

            quick_pydantic()
            self._app = App(**self.kwargs)
        return self._app

    @property
    def json(self) -> bool:
        return bool(self.kwargs.get("json"))


pass_obj = click.make_pass_decorator(Obj)


@click.group(cls=DeskGroup, context_settings={"help_option_names": ["-h", "--help"],
                                               "max_content_width": 100})
@click.option("--repo", metavar="DIR", help="The desk repository (else ITSMCTL_REPO, else "
              "the current directory and its parents).")
@click.option("--actor", metavar="ID", help="Who acts: a person id or e-mail from "
              "config/teams.yaml (else ITSMCTL_ACTOR, else git user.email).")
@click.option("--now", metavar="ISO8601", help="The time to act at (else ITSMCTL_NOW, else "
              "the clock); for replays and tests.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output and errors.")
@click.option("--debug", is_flag=True, help="Show the traceback of an unexpected failure.")
@click.version_option(__version__, "--version", prog_name="itsmctl")
@click.pass_context
def cli(ctx: click.Context, repo: Optional[str], actor: Optional[str], now: Optional[str],
        as_json: bool, debug: bool) -> None:
    """An ITIL incident-management desk in a git repository.

    Every ticket is a YAML file under tickets/; every command checks the process
    rules and records one git commit authored by the person acting.

    \b
    Examples:
      itsmctl open --title "计费出错" --reporter-name 王五 --reporter-phone 13800000000
      itsmctl assign INC-2611-7KQ3X --group billing-app
      itsmctl list --group billing-app
    """
    ctx.obj = Obj(repo=repo, actor_given=actor, now_given=now, json=as_json, argv=_OWN_WORDS)


def emit(obj: Obj, human: str, data: Any = None) -> None:
    """Print the result: JSON with --json, else the human line."""
    app = obj._app
    if app is not None:
        for message in app.messages:
            click.echo(message, err=True)
    if obj.json:
        from itsmctl.render import to_json

        click.echo(to_json(data))
    elif human:
        click.echo(human)


def emit_ticket(obj: Obj, ticket: Any, human: str) -> None:
    if not obj.json:
        emit(obj, human)
        return
    from itsmctl.commands.read import show_doc

    emit(obj, human, show_doc(obj.app, ticket))


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
    from itsmctl.commands.init import init

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
    from itsmctl.commands.demo import run

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
    from itsmctl.commands.open import open_from_options

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
    from itsmctl.commands.lifecycle import assign

    t = assign(obj.app, ticket, group, person, causation, force)
    emit_ticket(obj, t, _state(t))


def _simple(name: str, summary: str, examples: str, *options: Any, action: str = "") -> None:
    """Define a command that is one core call on one ticket."""

    def callback(obj: Obj, ticket: str, **kw: Any) -> None:
        from itsmctl.commands.lifecycle import simple

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
        from itsmctl.commands.kb import close_with_kb

        t = close_with_kb(obj.app, ticket, code, satisfaction)
    else:
        from itsmctl.commands.lifecycle import simple

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
    from itsmctl.commands.lifecycle import wait

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
    from itsmctl.commands.lifecycle import simple

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
    from itsmctl.commands.links import link_master

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
    from itsmctl.commands.links import unlink

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
    from itsmctl.commands.links import link

    t = link(obj.app, ticket, **kw)
    emit_ticket(obj, t, _state(t))


# ---------------------------------------------------------------- reading
@cli.command("show")
@click.argument("ticket")
@pass_obj
def show_cmd(obj: Obj, ticket: str) -> None:
    """Show a ticket: state, SLA clocks and recent history.

    \b
    Examples:
      itsmctl show INC-2611-7KQ3X
      itsmctl show INC-2611-7K --json | jq .sla.restore.deadline
    """
    from itsmctl.commands.read import describe, load, show_doc

    t = load(obj.app, ticket)
    doc = show_doc(obj.app, t)
    emit(obj, "" if obj.json else describe(obj.app, t, doc), doc)


@cli.command("list")
@click.option("--status", multiple=True, help="Only these statuses (repeatable; default: "
              "open ones).")
@click.option("--group", help="Only this group.")
@click.option("--priority", multiple=True, help="Only these priorities (repeatable).")
@click.option("--assignee", help="Only this assignee.")
@click.option("--major", is_flag=True, help="Only major incidents.")
@click.option("--breached", is_flag=True, help="Only tickets past an SLA deadline.")
@click.option("--master", metavar="ID", help="Only the slaves of this master.")
@click.option("--all", "show_all", is_flag=True, help="Closed and resolved ones too.")
@click.option("--visits-due", is_flag=True, help="Closed user tickets still owed a return "
              "visit, earliest due first (V1).")
@click.option("--announcements", is_flag=True, help="Tickets with an open announcement, "
              "one row each (A1); with --all, closed announcements too.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]),
              default="table", show_default=True, help="Output format.")
@pass_obj
def list_cmd(obj: Obj, fmt: str, **kw: Any) -> None:
    """List the queue (open tickets by priority), filtered.

    \b
    Examples:
      itsmctl list
      itsmctl list --group billing-app --priority P1 --priority P2
      itsmctl list --status resolved --json
      itsmctl list --visits-due
      itsmctl list --announcements
    """
    from itsmctl.commands import read
    from itsmctl.commands.read import LIST_COLUMNS, list_rows, select
    from itsmctl.render import csv_text, table

    app = obj.app
    if kw.get("master"):
        kw["master"] = app.desk.resolve_id(kw["master"])
    if kw.pop("visits_due"):
        from itsmctl.cli_time import list_visits_due

        return list_visits_due(obj, fmt)
    if kw.pop("announcements"):
        from itsmctl.commands import announce

        docs = announce.announced(app, **kw)
        if not (obj.json or fmt == "json"):
            rows, cols = announce.rows(docs), announce.COLUMNS
            emit(obj, csv_text(rows, cols).rstrip("\n") if fmt == "csv" else table(rows, cols))
            return
    else:
        docs = select(app, **kw)
    if obj.json or fmt == "json":
        obj.kwargs["json"] = True
        emit(obj, "", read.full_docs(app, docs))
    elif fmt == "csv":
        click.echo(csv_text(list_rows(docs), LIST_COLUMNS), nl=False)
    else:
        emit(obj, table(list_rows(docs), LIST_COLUMNS, app.policy.matrix.priority_levels))


@cli.command("log")
@click.argument("ticket")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]),
              default="table", show_default=True, help="Output format.")
@pass_obj
def log_cmd(obj: Obj, ticket: str, fmt: str) -> None:
    """The ticket's whole history, one event per line.

    \b
    Examples:
      itsmctl log INC-2611-7KQ3X
      itsmctl log INC-2611-7KQ3X --format csv > history.csv
      git log --format='%h %an %s' -- tickets/2026/11/INC-2611-7KQ3X.yaml
    """
    from itsmctl.commands.read import history_rows, load
    from itsmctl.render import csv_text, table

    t = load(obj.app, ticket)
    cols = ["at", "actor", "action", "state", "note"]
    if fmt == "csv" and not obj.json:
        click.echo(csv_text(history_rows(t), cols), nl=False)
        return
    obj.kwargs["json"] = obj.json or fmt == "json"
    emit(obj, table(history_rows(t), cols),
         [e.model_dump(mode="json", by_alias=True) for e in t.history])


@cli.command("validate")
@click.argument("paths", nargs=-1, metavar="[FILE]...")
@click.option("--since", metavar="REV", help="Only the tickets changed since REV (all of "
              "them when config/ changed); the config is always checked.")
@pass_obj
def validate_cmd(obj: Obj, paths: tuple[str, ...], since: Optional[str]) -> None:
    """Check every config and ticket file (G5); exit 4 with one line per problem.

    Schemas, cross-references (groups, people, codes, matrix, routing, delegates) and
    derived values recomputed (priority, major, stored SLA). FILEs limit the ticket
    files checked (pre-commit passes the staged ones).

    \b
    Examples:
      itsmctl validate
      itsmctl validate tickets/2026/11/INC-2611-7KQ3X.yaml
      itsmctl validate --since origin/main   # in CI on a pull request
    """
    from itsmctl.commands.validate import run

    problems = run(obj.app, paths, since)
    if obj.json:
        emit(obj, "", {"ok": not problems, "problems": problems})
    else:
        for line in problems:
            click.echo(line, err=True)
        if not problems:
            click.echo("desk is valid")
    if problems:
        sys.exit(4)


@cli.command("sync")
@pass_obj
def sync_cmd(obj: Obj) -> None:
    """Push local commits; replay them on top of what arrived meanwhile (G4).

    Commits made offline are rebuilt on the remote tip by running their recorded
    commands again, so every rule is checked on the fresh state.

    \b
    Examples:
      git config itsmctl.remote origin && itsmctl sync
      itsmctl --json sync
    """
    from itsmctl.commands.sync import run

    result = run(obj.app)
    emit(obj, f"{result['remote']}: pushed {result['pushed']} commit(s)"
         + (f", {len(result['dropped'])} not applied" if result["dropped"] else ""), result)
    if result["dropped"]:
        sys.exit(1)


# ---------------------------------------------------------------- the funnel
def _report(exc: BaseException, as_json: bool, code: int, rule: Optional[str],
            kind: str, message: str, hint: str = "") -> int:
    """One line on stderr; for people in their language (i18n.message), JSON in English."""
    if as_json:
        import json

        click.echo(json.dumps({"error": kind, "rule": rule, "message": message + hint,
                               "exit_code": code}, ensure_ascii=False), err=True)
    else:
        from itsmctl import i18n

        where = f"[{rule}] " if rule else ""
        click.echo(f"itsmctl: {where}{i18n.message(message)}{i18n.message(hint)}", err=True)
    return code


def main(argv: Optional[list[str]] = None) -> None:
    """Entry point: every failure becomes one line and a documented exit code."""
    from itsmctl.errors import ItsmError

    global _OWN_WORDS
    args = relocate_globals(list(sys.argv[1:] if argv is None else argv))
    as_json = "--json" in args
    debug = "--debug" in args or bool(os.environ.get("ITSMCTL_DEBUG"))
    previous = _OWN_WORDS
    _OWN_WORDS = _own_words(args)
    try:
        _run_with_retries(args)
        code = 0
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
        code = 0
    except click.ClickException as exc:
        hint = ""
        ctx = getattr(exc, "ctx", None)
        if ctx is not None:
            hint = f" (see: {ctx.command_path} --help)"
        code = _report(exc, as_json, 2, None, "UsageError", exc.format_message(), hint)
    except click.Abort:
        code = _report(KeyboardInterrupt(), as_json, 1, None, "Aborted", "aborted")
    except ItsmError as exc:
        if debug:
            raise
        code = _report(exc, as_json, exc.exit_code, exc.rule, exc.kind, exc.message)
    except KeyboardInterrupt:
        code = _report(KeyboardInterrupt(), as_json, 130, None, "Interrupted", "interrupted")
    except BrokenPipeError:
        code = 0
    except Exception as exc:  # a bug: short message, traceback to a file
        if debug:
            raise
        import tempfile
        import traceback

        fd, path = tempfile.mkstemp(prefix="itsmctl-crash-", suffix=".txt")
        with os.fdopen(fd, "w") as fh:
            traceback.print_exc(file=fh)
        code = _report(exc, as_json, 70, None, "InternalError",
                       f"internal error: {type(exc).__name__}: {exc} (traceback in {path}; "
                       "--debug shows it)")
    finally:
        _OWN_WORDS = previous
    sys.stdout.flush()
    sys.exit(code)


def _own_words(args: list[str]) -> list[str]:
    out, skip = [], False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg in GLOBAL_FLAGS:
            continue
        if arg in GLOBAL_OPTIONS:
            skip = True
            continue
        if arg.split("=", 1)[0] in GLOBAL_OPTIONS:
            continue
        out.append(arg)
    return out


def _run_with_retries(args: list[str]) -> None:
    """G4: a push the remote rejected runs the whole command again on the fresh state."""
    from itsmctl.errors import ConcurrencyError

    for attempt in range(SYNC_RETRIES + 1):
        try:
            cli.main(args, prog_name="itsmctl", standalone_mode=False)
            return
        except ConcurrencyError as exc:
            if type(exc).__name__ != "PushRejected" or attempt == SYNC_RETRIES:
                if type(exc).__name__ == "PushRejected":
                    exc.message += f"; gave up after {SYNC_RETRIES} retries"
                raise
            # writers that lost the same race should not meet again at once
            import random
            import time

            time.sleep(random.uniform(0, min(2.0, 0.05 * 2 ** attempt)))
