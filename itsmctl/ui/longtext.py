"""A long text option's value without click (W4): --X, --X-file F, --template NAME.
ui/texts.py's options and ui/quick.py's commands settle it here; the editor, and `-`
for standard input, are click's (ui/texts.py)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

if TYPE_CHECKING:
    from itsmctl.ui.state import State

Required = Union[bool, Callable[[dict[str, Any]], bool]]


def interactive() -> bool:
    """A person at a terminal: stdin and stdout are both ttys."""
    from itsmctl.ui.term import isatty

    return isatty(sys.stdin) and isatty(sys.stdout)


def read_file(path: str, what: str) -> str:
    from itsmctl.errors import UsageError

    if path == "-":                 # only under click (ui/quick.py leaves '-' to it)
        import click

        from itsmctl.ui.tickets import claim_stdin

        claim_stdin(click.get_current_context(silent=True), what)
        return click.get_text_stream("stdin").read().rstrip()
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read().rstrip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise UsageError(f"{what} {path}: {reason}", rule="W4") from None


def needed(required: Required, kw: dict[str, Any]) -> bool:
    return required(kw) if callable(required) else required


def editor_opens(kw: dict[str, Any], name: str, required: Required, canned: bool) -> bool:
    """Would `settle` open $EDITOR for these options (nothing given, required, a tty)?"""
    return (kw.get(name) is None and kw.get(f"{name}_file") is None
            and (not canned or kw.get("template") is None) and needed(required, kw)
            and interactive())


def settle(kw: dict[str, Any], name: str, state: Callable[[], "State"],
           required: Required = False, canned: bool = False,
           write: Optional[Callable[[dict[str, Any]], Optional[str]]] = None) -> None:
    """kw[name] from --NAME, --NAME-file or --template (popped from kw); when it is still
    missing, required and a person is at a terminal, what `write` returns (an editor)."""
    from itsmctl.errors import UsageError

    flag = "--" + name.replace("_", "-")
    value = kw.get(name)
    path = kw.pop(f"{name}_file", None)
    template = kw.pop("template", None) if canned else None
    if path is not None:
        if value is not None:
            raise UsageError(f"give {flag} or {flag}-file, not both", rule="W4")
        value = read_file(path, f"{flag}-file")
    if value is None and template is not None:
        from itsmctl.app.texts import canned as canned_text

        value = canned_text(state().session, template)
    if value is None and write is not None and needed(required, kw) and interactive():
        value = write(kw)
    kw[name] = value
