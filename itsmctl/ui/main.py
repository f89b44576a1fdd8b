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
LAZY["sweep"] = ("itsmctl.ui.sweep:sweep_cmd",
                 "Escalate SLA breaches, resume, auto-close, announce visits (S4, L11).")
LAZY["visit"] = ("itsmctl.ui.sweep:visit_cmd", "Record a closed ticket's return visit (V1).")
LAZY["task"] = ("itsmctl.ui.work:task_group", "Tasks for other groups: add, done (T1).")
LAZY["announce"] = ("itsmctl.ui.work:announce_cmd", "Post the ticket's announcement (A1).")
LAZY["hook"] = ("itsmctl.ui.hooks:hook_group", "Monitoring payloads on stdin: alertmanager (H1).")
LAZY["kb"] = ("itsmctl.ui.knowledge:kb_group",
              "Knowledge base: search, show, add, publish (K1-K3).")
LAZY["report"] = ("itsmctl.ui.reports:report_cmd", "Monthly report, KPIs, trend (Q1, Q2).")
LAZY["qa"] = ("itsmctl.ui.reports:qa_cmd", "Quality checks of handbook 6.1 (Q3).")
LAZY["audit"] = ("itsmctl.ui.reports:audit_cmd", "Replay git history, flag illegal changes (G6).")
LAZY["completion"] = ("itsmctl.ui.setup:completion_cmd",
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
        from itsmctl.ui.completion import attach

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
        from itsmctl.ui.i18n import _

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
        from itsmctl.ui.i18n import _

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
            from itsmctl.app.session import App
            from itsmctl.infra.startup import quick_pydantic

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
        from itsmctl.ui.output import to_json

        click.echo(to_json(data))
    elif human:
        click.echo(human)


def emit_ticket(obj: Obj, ticket: Any, human: str) -> None:
    if not obj.json:
        emit(obj, human)
        return
    from itsmctl.app.queue import show_doc

    emit(obj, human, show_doc(obj.app, ticket))


# the commands register themselves on `cli` when their modules load
from itsmctl.ui import lifecycle, queue  # noqa: E402,F401


# ---------------------------------------------------------------- the funnel
def _report(exc: BaseException, as_json: bool, code: int, rule: Optional[str],
            kind: str, message: str, hint: str = "") -> int:
    """One line on stderr; for people in their language (i18n.message), JSON in English."""
    if as_json:
        import json

        click.echo(json.dumps({"error": kind, "rule": rule, "message": message + hint,
                               "exit_code": code}, ensure_ascii=False), err=True)
    else:
        from itsmctl.ui import i18n

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
