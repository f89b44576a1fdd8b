"""`itsmctl list …` without click: the command line read here, the command run as ui.main
would run it, with the same output, errors and exit codes.

`list` is what people and scripts run most, and importing click (with the uuid, platform
and datetime modules it loads) is ~20 ms of a 60-90 ms `list --mine` (issue 13). This
reads only a command line made of `list`, its options and the global options, each
as click would read it; anything else (help, --version, completion, a value that looks
like an option, an unknown or repeated option, --debug, a malformed --now, streams that
are not UTF-8 text) is left to click: `run` returns None before it has printed anything.
tests/ui/test_quick.py checks the tables below against the click command.
"""

from __future__ import annotations

import errno
import os
import sys
from typing import Any, Optional

from itsmctl.ui.state import State, plain_stream

# global options: (option) -> State attribute; values, then flags
GLOBAL_VALUES = {"--repo": "repo", "--actor": "actor", "--now": "now"}
GLOBAL_FLAGS = {"--json": "json"}
# `list`'s options -> the name click passes them by
VALUES = {"--group": "group", "--assignee": "assignee", "--master": "master",
          "--text": "text", "--reporter": "reporter", "--phone": "phone", "--ci": "ci",
          "--since": "since", "--until": "until", "--view": "view", "--format": "fmt"}
MULTIPLE = {"--status": "status", "--priority": "priority"}
FLAGS = {"--mine": "mine", "--my-groups": "my_groups", "--unassigned": "unassigned",
         "--unverified": "unverified", "--major": "major", "--breached": "breached",
         "--all": "show_all", "--visits-due": "visits_due",
         "--announcements": "announcements"}
FORMATS = ("table", "json", "csv")
COMMAND = "list"


def parse(argv: list[str]) -> Optional[tuple[State, dict[str, Any]]]:
    """(the global options, `list`'s options by name, `fmt` among them) of a command line
    this module runs as click would; None for any other."""
    state = State()
    kw: dict[str, Any] = {name: None for name in VALUES.values()}
    kw.update({name: () for name in MULTIPLE.values()})
    kw.update({name: False for name in FLAGS.values()})
    kw["fmt"] = "table"
    given: set[str] = set()
    command = False
    i = 0
    while i < len(argv):
        token = argv[i]
        i += 1
        if not token.startswith("--") or token == "--":
            if command or token != COMMAND:
                return None
            command = True
            continue
        name, eq, value = token.partition("=")
        if name in GLOBAL_FLAGS or (command and name in FLAGS):
            if eq:
                return None
            if name in GLOBAL_FLAGS:
                setattr(state, GLOBAL_FLAGS[name], True)
            elif FLAGS[name] in given:
                return None
            else:
                given.add(FLAGS[name])
                kw[FLAGS[name]] = True
            continue
        if name not in GLOBAL_VALUES and not (command and (name in VALUES or
                                                           name in MULTIPLE)):
            return None
        if not eq:
            if i >= len(argv):
                return None
            value = argv[i]
            i += 1
        if value.startswith("-") and value != "-":
            return None             # click takes it as the value; people rarely mean it
        if name in GLOBAL_VALUES:
            setattr(state, GLOBAL_VALUES[name], value)
        elif name in MULTIPLE:
            kw[MULTIPLE[name]] += (value,)
        elif VALUES[name] in given:
            return None
        else:
            given.add(VALUES[name])
            kw[VALUES[name]] = value
    if not command or kw["fmt"] not in FORMATS:
        return None
    return state, kw


def run(argv: list[str]) -> Optional[int]:
    """The exit code of `itsmctl` with these arguments when it is a `list` this module
    runs (its output printed); None, having printed nothing, when click must run it."""
    if (os.environ.get("ITSMCTL_DEBUG") or "_ITSMCTL_COMPLETE" in os.environ
            or not plain_stream(sys.stdout)
            or not plain_stream(sys.stderr)):
        return None
    parsed = parse(argv)
    if parsed is None:
        return None
    state, kw = parsed
    from itsmctl.errors import Findings, ItsmError
    from itsmctl.infra.clock import check_now
    from itsmctl.infra.startup import lean_imports

    lean_imports()
    try:
        check_now(state.now)
    except ItsmError:
        return None                 # click says it (as the options' order decides)
    from itsmctl.ui import funnel
    from itsmctl.ui.listing import run as list_queue
    from itsmctl.ui.state import echo

    try:
        list_queue(state, kw.pop("fmt"), **kw)
        sys.stdout.flush()
        code = 0
    except Findings as exc:
        code = exc.exit_code            # the command printed them
    except ItsmError as exc:
        code = funnel.report(state.json, exc.exit_code, exc.rule, exc.kind, exc.message)
    except (EOFError, KeyboardInterrupt):
        echo("", err=True)              # as click: a line for the terminal's ^C, then
        code = funnel.report(state.json, 1, None, "Aborted", "aborted")
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            code = funnel.crash(state, exc)
        elif funnel.stdout_gone():
            code = funnel.reader_gone()
        else:                           # as click: a broken pipe that is not stdout's
            from click import utils

            pacify: Any = getattr(utils, "_PacifyFlushWrapper", None) or getattr(
                utils, "PacifyFlushWrapper")
            sys.stdout, sys.stderr = pacify(sys.stdout), pacify(sys.stderr)
            code = 1
    except Exception as exc:  # a bug: short message, traceback to a file
        code = funnel.crash(state, exc)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = funnel.reader_gone()
    return code
