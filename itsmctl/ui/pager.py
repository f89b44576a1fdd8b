"""Long output for people through a pager, like git (W8): ITSMCTL_PAGER, then PAGER, then
`less -FRX`; only when stdout is a terminal, the text is longer than the screen and
--no-pager was not given; never in a pipe or with --json."""

from __future__ import annotations

import os
import sys

from itsmctl.ui.state import echo

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, TypeVar

    F = TypeVar("F", bound=Callable[..., Any])


def no_pager_option(fn: F) -> F:
    # click only where the command is built: ui/quick.py shows without it (issue 13)
    import click

    return click.option("--no-pager", is_flag=True,
                        help="Print straight to the terminal, never through a pager.")(fn)


def width() -> int:
    """Columns to wrap to: the terminal's, else COLUMNS, else 100."""
    from itsmctl.ui.term import isatty

    if isatty(sys.stdout):
        return max(40, _size().columns)
    try:
        return max(40, int(os.environ.get("COLUMNS", "")))
    except ValueError:
        return 100


def _size() -> os.terminal_size:
    """The terminal's size; shutil (with bz2 and lzma) only on a terminal (issue 13)."""
    import shutil

    return shutil.get_terminal_size((100, 24))


def pager_command() -> str:
    for var in ("ITSMCTL_PAGER", "PAGER"):
        value = os.environ.get(var)
        if value is not None:
            return value
    return "less -FRX"


def show(text: str, no_pager: bool = False) -> None:
    """Print `text`, through the pager when it is longer than a terminal screen."""
    from itsmctl.ui.term import isatty

    command = pager_command().strip()
    if (no_pager or not command or command == "cat" or not isatty(sys.stdout)
            or text.count("\n") + 1 < _size().lines):
        echo(text)
        return
    from itsmctl.infra.pager import page

    sys.stdout.flush()
    if not page(text if text.endswith("\n") else text + "\n", command):
        echo(text)
