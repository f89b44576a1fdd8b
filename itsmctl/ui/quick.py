"""The commands people and scripts run most, without click: `list`, `show`, `note`,
`assign`, `open`, `hook alertmanager`; the command line read here, the command run as
ui.main would run it, with the same output, errors and exit codes.

Importing click (with the uuid, platform, inspect and datetime modules it loads) and
building the command tree is ~15-20 ms of a 60-130 ms command (issue 13). This reads
only a command line made of one of the commands below, its own options and the global
options, each as click would read it, and runs the same click-free body as the click
command (ui/listing.py, ui/showing.py, ui/transitions.py, ui/alerting.py). Anything
else is left to click: `run` returns None before it has printed anything. That is
help, --version, completion, --debug, a value that looks like an option, an unknown or
repeated option, a missing required option or argument, a value click would refuse
(a choice, a number), `-` for standard input, a text that would open $EDITOR, a
malformed --now, and streams that are not UTF-8 text. tests/ui/test_quick.py checks the
tables below against the click commands.
"""

from __future__ import annotations

import errno
import os
import sys

from itsmctl.ui.state import State, plain_stream

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional

    # an option's kind: "value"; "flag"; "multiple" (repeatable value); "text" (a value,
    # '-' reads stdin: click's); "file" (a path, '-' is stdin: click's); ("choice",
    # (…)); ("min", N) (an integer ≥ N)
    Kind = Any

# global options: (option) -> State attribute; values, then flags
GLOBAL_VALUES = {"--repo": "repo", "--actor": "actor", "--now": "now"}
GLOBAL_FLAGS = {"--json": "json"}


class Command:
    """A command's options as its click command declares them, and its body. (A plain
    class: typing.NamedTuple compiles each annotation at import, ~1 ms of a start.)"""

    __slots__ = ("body", "options", "args", "required", "defaults", "texts", "prompt")

    def __init__(self, body: str, options: dict[str, tuple[str, Kind]], args: str = "",
                 required: tuple[str, ...] = (), defaults: tuple[tuple[str, Any], ...] = (),
                 texts: tuple[tuple[str, bool, bool], ...] = (),
                 prompt: tuple[str, ...] = ()) -> None:
        self.body = body                # "module:function", called (state, **kw)
        self.options = options          # option -> (click's name for it, kind)
        self.args = args                # "ticket": one; "tickets": any number
        self.required = required        # options click asks for when missing
        self.defaults = defaults        # other than None, False, ()
        self.texts = texts              # long texts: (name, required, canned)
        self.prompt = prompt            # missing on a terminal: $EDITOR (click's)

    def declared(self) -> tuple[Any, ...]:
        """What the click command declares too (tests/ui/test_quick.py compares)."""
        return self.options, self.args, self.required, self.defaults, self.texts


def _values(*names: str) -> dict[str, tuple[str, Kind]]:
    return {f"--{n}": (n.replace("-", "_"), "value") for n in names}


WORDS = {"--from": ("from_", "file")}
SHOW = "itsmctl.ui.showing:show"
COMMANDS: dict[tuple[str, ...], Command] = {
    ("list",): Command("itsmctl.ui.listing:run", {
        "--status": ("status", "multiple"), "--priority": ("priority", "multiple"),
        **_values("group", "assignee", "master", "text", "reporter", "phone", "ci", "since",
                  "until", "view"),
        "--format": ("fmt", ("choice", ("table", "json", "csv"))),
        **{f"--{n}": (n.replace("-", "_"), "flag") for n in (
            "mine", "my-groups", "unassigned", "unverified", "major", "breached",
            "visits-due", "announcements")},
        "--all": ("show_all", "flag")}, defaults=(("fmt", "table"),)),
    ("show",): Command(SHOW, {"--no-pager": ("no_pager", "flag")},
                       args="ticket"),
    ("note",): Command("itsmctl.ui.transitions:note", {
        **WORDS, "--text": ("text", "text"), "--text-file": ("text_file", "file"),
        "--template": ("template", "value")}, args="tickets",
        texts=(("text", True, True),)),
    ("assign",): Command("itsmctl.ui.transitions:assign", {
        **WORDS, **_values("group", "person", "causation"), "--force": ("force", "flag")},
        args="tickets", required=("group",)),
    ("open",): Command("itsmctl.ui.transitions:open_ticket", {
        "--title": ("title", "text"), "--description": ("description", "text"),
        "--description-file": ("description_file", "file"),
        "--template": ("template", "value"),
        "--type": ("type_", ("choice", ("incident", "service_request", "consultation",
                                        "complaint"))),
        "--source": ("source", ("choice", ("phone", "email", "web", "monitoring", "staff",
                                           "transfer"))),
        **_values("reporter-id", "reporter-name", "reporter-phone", "reporter-email",
                  "reporter-kind", "reporter-dept", "category", "subtype", "symptom",
                  "impact", "urgency", "location", "caused-by-change", "alert-id",
                  "alert-severity", "alert-fingerprint", "recurrence-of", "duplicate-of"),
        "--affected-users": ("affected_users", ("min", 0)), "--ci": ("cis", "multiple"),
        "--alert-message": ("alert_message", "text"),
        "--out-of-scope": ("out_of_scope", "flag")}, defaults=(("type_", "incident"),),
        texts=(("description", False, True),), prompt=("title",)),
    ("hook", "alertmanager"): Command("itsmctl.ui.alerting:alertmanager", {}),
}
COMMANDS[("hook", "grafana")] = COMMANDS[("hook", "alertmanager")]
# the writes whose cat-file starts before their body is imported (infra/store.prefetch)
PREFETCH = frozenset({"itsmctl.ui.transitions:note", "itsmctl.ui.transitions:assign",
                      "itsmctl.ui.transitions:open_ticket"})
# ... and those that start only cat-file: the hook reads its payload from stdin (a slow
# sender) before it needs the desk lock, which is not taken early for it
PREFETCH_UNLOCKED = frozenset({"itsmctl.ui.alerting:alertmanager"})
GROUPS = {path[:-1] for path in COMMANDS if len(path) > 1}
NAMES = {path[0] for path in COMMANDS}      # ui/entry.py's QUICK (a test checks it)


def defaults(command: Command) -> dict[str, Any]:
    """What click passes for each option not given."""
    kw: dict[str, Any] = {}
    for name, kind in command.options.values():
        kw[name] = False if kind == "flag" else () if kind == "multiple" else None
    if command.args == "tickets":
        kw["tickets"] = ()
    kw.update(command.defaults)
    return kw


def _convert(kind: Kind, value: str) -> tuple[bool, Any]:
    """(click takes it as it is here, the value click passes on)."""
    if value.startswith("-") and (value != "-" or kind in ("text", "file")):
        return False, None          # an option's look, or stdin: click's
    if isinstance(kind, tuple) and kind[0] == "choice":
        return value in kind[1], value
    if isinstance(kind, tuple) and kind[0] == "min":
        try:
            number = int(value)     # what click's INT does
        except ValueError:
            return False, None
        return number >= kind[1], number
    return True, value


def parse(argv: list[str]) -> Optional[tuple[Command, State, dict[str, Any], Optional[str]]]:
    """(the command, the global options, its options by click's names, --now as the
    group saw it) of a command line this module runs as click would; None for others."""
    state = State()
    path: tuple[str, ...] = ()
    command: Optional[Command] = None
    kw: dict[str, Any] = {}
    given: set[str] = set()
    positional: list[str] = []
    group_now: Optional[str] = None
    i = 0
    while i < len(argv):
        token = argv[i]
        i += 1
        if not token.startswith("-"):
            if command is None:
                path += (token,)
                command = COMMANDS.get(path)
                if command is not None:
                    group_now = state.now
                    kw = defaults(command)
                elif path not in GROUPS:
                    return None
            else:
                positional.append(token)
            continue
        if token == "-" or token == "--" or not token.startswith("--") or (
                path and command is None):
            return None
        name, eq, value = token.partition("=")
        options = command.options if command is not None else {}
        if name in GLOBAL_FLAGS or options.get(name, ("", ""))[1] == "flag":
            if eq:
                return None
            if name in GLOBAL_FLAGS:
                setattr(state, GLOBAL_FLAGS[name], True)
                continue
            dest = options[name][0]
            if dest in given:
                return None
            given.add(dest)
            kw[dest] = True
            continue
        if name not in GLOBAL_VALUES and name not in options:
            return None
        if not eq:
            if i >= len(argv):
                return None
            value = argv[i]
            i += 1
        if name in GLOBAL_VALUES:
            if value.startswith("-") and value != "-":
                return None         # click takes it as the value; people rarely mean it
            setattr(state, GLOBAL_VALUES[name], value)
            continue
        dest, kind = options[name]
        fits, value = _convert(kind, value)
        if not fits:
            return None
        if kind == "multiple":
            kw[dest] += (value,)
        elif dest in given:
            return None
        else:
            given.add(dest)
            kw[dest] = value
    if command is None or any(kw[name] is None for name in command.required):
        return None
    if command.args == "ticket":
        if len(positional) != 1:
            return None
        kw["ticket"] = positional[0]
    elif command.args == "tickets":
        kw["tickets"] = tuple(positional)
    elif positional:
        return None
    return command, state, kw, group_now


# what Python 3.11's datetime.py ends with, `from _datetime import *`: its C types
_DATETIME_NAMES = ("date", "datetime", "time", "timedelta", "timezone", "tzinfo", "MINYEAR",
                   "MAXYEAR", "UTC", "datetime_CAPI")


def lean_datetime() -> None:
    """`datetime` a stand-in holding _datetime's C types until something asks it for
    anything else (which imports the real module), as infra/startup.py's stand-ins do
    (here: importing startup is itself ~0.3 ms of `show`). Before Python 3.12,
    datetime.py defines the whole module in Python (~1 ms of a start: `show`'s budget
    is two Python starts, issue 13) and then replaces its types with those same C types,
    so everyone gets the very objects the real module would give."""
    if "datetime" in sys.modules or sys.version_info >= (3, 12):
        return
    try:
        import _datetime
    except ImportError:             # a Python without the C module
        return
    stand_in = type(sys)("datetime", _datetime.__doc__)

    def real(attr: str) -> object:
        if attr == "__path__":          # the import system asks: not a package
            raise AttributeError(attr)
        if sys.modules.get("datetime") is stand_in:
            del sys.modules["datetime"]
        __import__("datetime")
        return getattr(sys.modules["datetime"], attr)

    for name in _DATETIME_NAMES:
        if hasattr(_datetime, name):
            setattr(stand_in, name, getattr(_datetime, name))
    setattr(stand_in, "__getattr__", real)
    sys.modules["datetime"] = stand_in


def _plain_argv(argv: list[str]) -> bool:
    """Arguments that are text (no byte the locale could not decode)."""
    try:
        "".join(argv).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def run(argv: list[str]) -> Optional[int]:
    """The exit code of `itsmctl` with these arguments when it is a command this module
    runs (its output printed); None, having printed nothing, when click must run it."""
    if (os.environ.get("ITSMCTL_DEBUG") or "_ITSMCTL_COMPLETE" in os.environ
            or not plain_stream(sys.stdout) or not plain_stream(sys.stderr)
            or not _plain_argv(argv)):
        return None
    parsed = parse(argv)
    if parsed is None:
        return None
    command, state, kw, group_now = parsed
    from itsmctl.errors import Findings, ItsmError

    if command.body == SHOW:        # none of lean_imports' unless it must (ui/showing.py)
        lean_datetime()
    else:
        from itsmctl.infra.startup import lean_imports

        lean_imports()
    from itsmctl.infra.clock import check_now

    try:
        check_now(group_now)        # as the group's --now (or ITSMCTL_NOW), then the
        check_now(state.now)        # command's
    except ItsmError:
        return None                 # click says it (as the options' order decides)
    if command.prompt or command.texts:
        from itsmctl.ui.longtext import editor_opens, interactive

        if any(kw[name] is None for name in command.prompt) and interactive():
            return None
        if any(editor_opens(kw, *text) for text in command.texts):
            return None
    from itsmctl.ui import funnel
    from itsmctl.ui.state import echo

    if command.body in PREFETCH and kw.get("from_") is None:
        from itsmctl.infra.store import prefetch

        prefetch(state.repo, kw.get("tickets", ()))
    elif command.body in PREFETCH_UNLOCKED:
        from itsmctl.infra.store import prefetch

        prefetch(state.repo, (), lock=False)
    module, function = command.body.split(":")
    __import__(module)              # importlib (with warnings) is ~0.3 ms of `show`
    body = getattr(sys.modules[module], function)
    try:
        if command.texts:
            from itsmctl.ui.longtext import settle

            for name, required, canned in command.texts:
                settle(kw, name, lambda: state, required, canned)
        body(state, **kw)
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
    finally:        # what `prefetch` started and no transaction took over
        if "itsmctl.infra.store" in sys.modules:
            sys.modules["itsmctl.infra.store"].drop_prefetch()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = funnel.reader_gone()
    return code
