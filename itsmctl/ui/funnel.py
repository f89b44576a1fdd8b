"""The one error funnel's parts that need no click: a failure as one line and its exit
code, and stdout's reader going away. ui.main and ui.quick both end here."""

from __future__ import annotations

import os
import sys

from itsmctl.ui.state import State, echo

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional


def report(as_json: bool, code: int, rule: Optional[str], kind: str, message: str,
           hint: str = "") -> int:
    """One line on stderr; for people in their language (i18n.message), JSON in English."""
    if as_json:
        import json

        echo(json.dumps({"error": kind, "rule": rule, "message": message + hint,
                         "exit_code": code}, ensure_ascii=False), err=True)
    else:
        from itsmctl.ui import i18n

        where = f"[{rule}] " if rule else ""
        echo(f"itsmctl: {where}{i18n.message(message)}{i18n.message(hint)}", err=True)
    return code


def crash(state: State, exc: BaseException) -> int:
    """A bug: a short message, the traceback to a file; exit INTERNAL."""
    import tempfile
    import traceback

    from itsmctl.errors import INTERNAL

    fd, path = tempfile.mkstemp(prefix="itsmctl-crash-", suffix=".txt")
    with os.fdopen(fd, "w") as fh:
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=fh)
    return report(state.json, INTERNAL, None, "InternalError",
                  f"internal error: {type(exc).__name__}: {exc} (traceback in {path}; "
                  "--debug shows it)")


def stdout_gone() -> bool:
    """Is stdout a pipe whose reader has closed it?"""
    import select

    try:
        poll = select.poll()
        poll.register(sys.__stdout__.fileno() if sys.__stdout__ else 1, select.POLLOUT)
        return any(events & select.POLLERR for _, events in poll.poll(0))
    except (OSError, ValueError):
        return False


def reader_gone() -> int:
    """The reader of stdout went away (`| head`): what is still buffered goes to
    /dev/null, so that Python's own flush at exit prints no traceback; exit 0."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.__stdout__.fileno() if sys.__stdout__ else 1)
    except (OSError, ValueError):
        pass
    finally:
        os.close(devnull)
    return 0
