"""The command line: the group, its global options, the command table and the one error funnel.

Only click is imported at start-up. Each help section is one module of itsmctl/ui/ with
the same name as its use cases' module in itsmctl/app/; a command's module is imported
only when the command runs or its help is asked for. argv is parsed once, by click:
the global options are accepted before the command and after it (each command takes
them too), and an option's value is never mistaken for one (`note --text --json`).
"""

from __future__ import annotations

import os
import sys
from typing import Any, Callable, Optional, TypeVar

import click

from itsmctl import __version__
from itsmctl.ui.funnel import crash, reader_gone, report, stdout_gone
from itsmctl.ui.state import State, echo, emit, emit_ticket, state_line

__all__ = ["State", "echo", "emit", "emit_ticket", "pass_state", "state_line", "main"]

F = TypeVar("F", bound=Callable[..., Any])

# help section -> (module of itsmctl/ui, title, commands in the order shown)
SECTIONS: dict[str, tuple[str, list[str]]] = {
    "Lifecycle": ("lifecycle", ["open", "assign", "accept", "reject", "wait", "resume",
                                "resolve", "reopen", "close", "classify", "escalate", "note"]),
    "Relations": ("relations", ["link-master", "unlink", "link"]),
    "Work on a ticket": ("work", ["task", "announce", "visit"]),
    "Knowledge": ("knowledge", ["kb"]),
    "Queue": ("queue", ["show", "list", "log"]),
    "Daily work": ("desk", ["search", "inbox", "edit", "watch", "unwatch"]),
    "Move in and out": ("exchange", ["import", "export"]),
    "Checks": ("checks", ["validate", "qa", "audit"]),
    "Config governance": ("governance", ["what-if"]),
    "Reports": ("reports", ["report"]),
    "Sweep": ("sweep", ["sweep"]),
    "Shifts": ("shifts", ["oncall", "handover", "diary"]),
    "Hooks": ("hooks", ["hook"]),
    "Customers": ("customers", ["customers"]),
    "Attachments": ("mail", ["attach"]),
    "Sync": ("sync", ["sync"]),
    "Web": ("serve", ["serve"]),
    "Setup": ("setup", ["init", "demo", "completion", "contrib"]),
}
# command -> one-line summary for `itsmctl --help` without importing the command
SUMMARIES = {
    "open": "Log a new ticket; prints its id alone (L1).",
    "assign": "Dispatch a new ticket to a group (L3) or transfer it onwards (L6).",
    "accept": "Take an assigned ticket as its owner (L4).",
    "reject": "Return a ticket to the desk with a reason (L5).",
    "wait": "Park an open ticket; its SLA clock pauses (L7).",
    "resume": "Take a waiting ticket back to the state it waited from (L7).",
    "resolve": "Record the solution; the user is told (L8).",
    "reopen": "The user rejects the resolution: back to the group that resolved (L9).",
    "close": "Close a resolved ticket with a close code (L10).",
    "classify": "Change impact, urgency or classification; priority is recomputed (P1, P4).",
    "escalate": "Escalate by hand (S5): record it and apply the configured action.",
    "note": "Add a work note; allowed on any ticket.",
    "link-master": "Bind a duplicate to its master; it mirrors the master from now on (M1, "
                   "M2).",
    "unlink": "End a slave's bond to its master; it keeps its state (M4).",
    "link": "Link a ticket to a related ticket, a problem, a change or a requirement.",
    "task": "Tasks for other groups: add, done (T1).",
    "announce": "Post the ticket's announcement (A1).",
    "visit": "Record a closed ticket's return visit (V1).",
    "kb": "Knowledge base: search, show, add, publish (K1-K3).",
    "show": "Show a ticket: state, SLA clocks and recent history.",
    "list": "List the queue (open tickets by priority), filtered.",
    "log": "The ticket's whole history, one event per line.",
    "search": "Find tickets by their words, best match first (W1).",
    "edit": "Correct a ticket's own fields, old -> new in its history (W3).",
    "watch": "Follow a ticket: its notices come to you too (W6).",
    "unwatch": "Stop following a ticket (W6).",
    "import": "Bring tickets in from a CSV or JSON export, in one commit (W7).",
    "export": "Every ticket with every field, as JSON or CSV (W7).",
    "inbox": "What others changed on tickets you own, watch or opened, since you last "
             "looked (W6).",
    "validate": "Check every config and ticket file (G5); exit 4 with one line per problem.",
    "qa": "Quality checks of handbook 6.1 (Q3).",
    "audit": "Replay git history, flag illegal changes (G6).",
    "what-if": "What a config change does to the open tickets (C2).",
    "report": "Monthly or weekly report, KPIs, trend, fault analysis (Q1, Q2, Q4-Q6).",
    "sweep": "Escalate SLA breaches, resume, auto-close, announce visits (S4, L11).",
    "hook": "Payloads on stdin: alertmanager (H1), mail (E1).",
    "customers": "The customer directory: import, show (B1).",
    "attach": "Attach a file to a ticket, kept under attachments/<ID>/ (E4).",
    "oncall": "Who is on duty: shift supervisor, desk staff, each group's on-call pair (R1).",
    "handover": "The handover checklist of a shift; --ack takes the shift over (R3).",
    "diary": "The duty diary of the shift: add notes, incidents, lessons (R4).",
    "sync": "Push local commits; replay them on top of what arrived meanwhile (G4).",
    "serve": "Serve the desk on the web: reporters, staff, wallboard, hooks, metrics (U1-U4).",
    "init": "Make a new desk repository (config, tickets/, kb/) with its first commit.",
    "demo": "Build a demo desk and play a morning at the service desk through real commands.",
    "completion": "Print the shell completion script for bash, zsh or fish.",
    "contrib": "Print or install the integration files: cron, systemd, Nagios, Zabbix, CI.",
}
MODULE_OF = {name: module for module, names in SECTIONS.values() for name in names}


pass_state = click.make_pass_decorator(State, ensure=True)


def _setter(name: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    def store(ctx: click.Context, param: click.Parameter, value: Any) -> None:
        if value not in (None, False):
            setattr(ctx.ensure_object(State), name, value)
    return store


def _now(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    """--now is parsed where it is given: a malformed time is exit 2 for every command
    (S7), and so is a malformed ITSMCTL_NOW, once per run."""
    from itsmctl.infra.clock import check_now

    state = ctx.ensure_object(State)
    if value is not None:
        state.now = value
    check_now(state.now)


GLOBAL_OPTIONS: list[Callable[[F], F]] = [
    click.option("--repo", metavar="DIR", expose_value=False, callback=_setter("repo"),
                 help="The desk repository (else ITSMCTL_REPO, else the current directory "
                      "and its parents)."),
    click.option("--actor", metavar="ID", expose_value=False, callback=_setter("actor"),
                 help="Who acts: a person id or e-mail from config/teams.yaml (else "
                      "ITSMCTL_ACTOR, else git user.email)."),
    click.option("--now", metavar="ISO8601", expose_value=False, callback=_now,
                 help="The time to act at (else ITSMCTL_NOW, else the clock); for replays "
                      "and tests."),
    click.option("--json", is_flag=True, expose_value=False, callback=_setter("json"),
                 help="Machine-readable output and errors."),
    click.option("--debug", is_flag=True, expose_value=False, callback=_setter("debug"),
                 help="Show the traceback of an unexpected failure."),
]


def global_options(command: click.Command, hidden: bool = True) -> click.Command:
    """The global options, also accepted after the command's name."""
    for option in GLOBAL_OPTIONS:
        option(command)             # on a Command, click appends the parameter
    if hidden:
        for param in command.params[-len(GLOBAL_OPTIONS):]:
            param.hidden = True  # type: ignore[attr-defined]
    return command


def _with_globals(command: click.Command) -> click.Command:
    """Every leaf command takes the global options; groups pass them to their commands."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _with_globals(sub)
    elif not getattr(command, "_itsmctl_globals", False):
        global_options(command)
        command._itsmctl_globals = True  # type: ignore[attr-defined]
    return command


def _attach(command: click.Command) -> click.Command:
    """Completers only while the shell asks for completions: other runs skip the import."""
    if os.environ.get("_ITSMCTL_COMPLETE"):
        from itsmctl.ui.completion import attach

        return attach(command)
    return command


class DeskGroup(click.Group):
    """Commands grouped by help section, each loaded from its module when needed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(MODULE_OF)

    def get_command(self, ctx: click.Context, name: str) -> Optional[click.Command]:
        module = MODULE_OF.get(name)
        if module is None:
            return None
        import importlib

        found = importlib.import_module(f"itsmctl.ui.{module}").COMMANDS[name]
        return _attach(_with_globals(found))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from itsmctl.ui.i18n import _

        for title, (_module, names) in SECTIONS.items():
            with formatter.section(_(title)):
                formatter.write_dl([(n, self._summary(n)) for n in names])

    def _summary(self, name: str) -> str:
        from itsmctl.ui.i18n import _

        return _(SUMMARIES[name])


@click.group(cls=DeskGroup, context_settings={"help_option_names": ["-h", "--help"],
                                               "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="itsmctl")
def _cli() -> None:
    """An ITIL incident-management desk in a git repository.

    Every ticket is a YAML file under tickets/; every command checks the process
    rules and records one git commit authored by the person acting.

    \b
    Examples:
      itsmctl open --title "计费出错" --reporter-name 王五 --reporter-phone 13800000000
      itsmctl assign INC-2611-7KQ3X --group billing-app
      itsmctl list --group billing-app
    """


cli = _attach(global_options(_cli, hidden=False))     # --actor completes people


# ---------------------------------------------------------------- the funnel
def _json_asked(args: list[str]) -> bool:
    """For an error click raised before it read --json: was it on the command line?"""
    return "--json" in (args[:args.index("--")] if "--" in args else args)


def main(argv: Optional[list[str]] = None) -> None:
    """Entry point: every failure becomes one line and a documented exit code."""
    from itsmctl.errors import INTERRUPTED, Findings, ItsmError
    from itsmctl.infra.startup import lean_imports

    lean_imports()          # before any command module imports pydantic
    args = list(sys.argv[1:] if argv is None else argv)
    state = State()
    try:
        cli.main(args, prog_name="itsmctl", standalone_mode=False, obj=state)
        sys.stdout.flush()
        code = 0
    except SystemExit:
        # click's own answer to EPIPE; when it was stdout's reader that went away
        # (`itsmctl list | head -1`) that is no failure
        if not stdout_gone():
            raise
        code = reader_gone()
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
        code = 0
    except click.ClickException as exc:
        ctx = getattr(exc, "ctx", None)
        hint = f" (see: {ctx.command_path} --help)" if ctx is not None else ""
        code = report(state.json or _json_asked(args), 2, None, "UsageError",
                      exc.format_message(), hint)
    except click.Abort:
        code = report(state.json, 1, None, "Aborted", "aborted")
    except Findings as exc:
        code = exc.exit_code            # the command printed them
    except ItsmError as exc:
        if state.debug or os.environ.get("ITSMCTL_DEBUG"):
            raise
        code = report(state.json, exc.exit_code, exc.rule, exc.kind, exc.message)
    except KeyboardInterrupt:
        code = report(state.json, INTERRUPTED, None, "Interrupted", "interrupted")
    except BrokenPipeError:
        code = reader_gone()
    except Exception as exc:  # a bug: short message, traceback to a file
        if state.debug or os.environ.get("ITSMCTL_DEBUG"):
            raise
        code = crash(state, exc)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = reader_gone()
    sys.exit(code)
