"""Long text on the command line (W4): `-` reads stdin, `--X-file F`, canned texts from
config/templates/ by name (`--template NAME`), and $EDITOR when a required text is
missing on a terminal, with a template of git-style `#` comment lines.

The editor is EDITOR, then VISUAL, then the system's `editor`/`sensible-editor`, then
nano or vi. It never opens in a pipe, a script or a test: stdin and stdout must both
be terminals. An empty text (comments removed) is no text: the rule then refuses.
"""

from __future__ import annotations

import functools
import os
import shutil
from typing import Any, Callable, Optional, TypeVar, Union

import click

from itsmctl.errors import UsageError
from itsmctl.ui.longtext import settle

F = TypeVar("F", bound=Callable[..., Any])
Intro = Callable[[dict[str, Any]], list[str]]


class Text(click.ParamType):
    """A text option: `-` reads standard input (a literal `-` goes through --X-file)."""

    name = "text"

    def convert(self, value: Any, param: Optional[click.Parameter],
                ctx: Optional[click.Context]) -> Any:
        if value == "-" and isinstance(param, click.Option):
            from itsmctl.ui.tickets import claim_stdin

            claim_stdin(ctx, param.opts[0])
            return click.get_text_stream("stdin").read().rstrip()
        return value


TEXT = Text()


def editor() -> str:
    """EDITOR, then VISUAL, then the system's choice, then nano or vi."""
    for var in ("EDITOR", "VISUAL"):
        if os.environ.get(var, "").strip():
            return os.environ[var]
    for name in ("editor", "sensible-editor", "nano", "vi"):
        if shutil.which(name):
            return name
    raise UsageError("no editor: set EDITOR, or give the text with an option", rule="W4")


def strip_comments(text: str) -> str:
    """git-style: lines starting with '#' dropped, trailing blank lines removed."""
    lines = [line.rstrip() for line in text.splitlines() if not line.startswith("#")]
    return "\n".join(lines).strip()


def edit(intro: list[str], start: str = "") -> Optional[str]:
    """The text a person writes in their editor; None when they leave it empty."""
    comments = "\n".join(f"# {line}".rstrip() for line in [
        *intro, "Lines starting with '#' are ignored; an empty text aborts the command."])
    written = click.edit(f"{start}\n\n{comments}\n", editor=editor(), extension=".md",
                         require_save=False)
    text = strip_comments(written or "")
    return text or None


def long_text(name: str, help: str, required: Union[bool, Callable[[dict[str, Any]], bool]]
              = False, canned: bool = False,
              intro: Optional[Intro] = None) -> Callable[[F], F]:
    """--NAME (a text, `-`: stdin) and --NAME-file F; with `canned`, --template NAME
    fills it from config/templates/; with `required`, $EDITOR opens on a terminal when
    it is missing (`required` may decide from the other options). The command receives
    the text as NAME."""
    flag = "--" + name.replace("_", "-")

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def run(*args: Any, **kw: Any) -> Any:
            settle(kw, name, _state, required, canned,
                   lambda kw: edit(intro(kw) if intro else [f"Write the {flag[2:]}."]))
            return fn(*args, **kw)

        run.long_texts = (*getattr(fn, "long_texts", ()),  # type: ignore[attr-defined]
                          (name, required, canned))
        out: Any = run
        if canned:
            out = click.option("--template", metavar="NAME", help=f"Take {flag} from "
                               "config/templates/NAME.md (a canned text).")(out)
        out = click.option(f"{flag}-file", metavar="FILE", help=f"Read {flag} from FILE "
                           "('-': stdin).")(out)
        return click.option(flag, type=TEXT, help=help + " '-' reads stdin.")(out)

    return wrap


def _state() -> Any:
    from itsmctl.ui.state import State

    state = click.get_current_context().find_object(State)
    assert state is not None
    return state


def ticket_intro(verb: str) -> Intro:
    """The editor's comment lines for a text about the tickets given."""

    def intro(kw: dict[str, Any]) -> list[str]:
        refs = list(kw.get("tickets") or ([kw["ticket"]] if kw.get("ticket") else []))
        if len(refs) == 1:
            return [f"{verb} for {refs[0].upper()}{_title(refs[0])}."]
        return [f"{verb} for {len(refs)} tickets: {' '.join(refs)}." if refs else f"{verb}."]

    return intro


def _title(ref: str) -> str:
    from itsmctl.app.queue import load
    from itsmctl.errors import ItsmError
    from itsmctl.ui.main import State

    state = click.get_current_context().find_object(State)
    try:
        return f": {load(state.session, ref).title}" if state is not None else ""
    except ItsmError:
        return ""
