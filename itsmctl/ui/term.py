"""The terminal: colour only on a tty without NO_COLOR, progress on stderr only on a tty."""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable, Iterator, Optional, Sequence, TextIO, TypeVar

    T = TypeVar("T")


# how long work must be (items) before a progress bar is worth drawing
PROGRESS_AT = 500
STATUS_STYLE = {
    "new": {"fg": "cyan"},
    "assigned": {"fg": "blue"},
    "in_progress": {"fg": "green"},
    "waiting": {"fg": "magenta"},
    "resolved": {"fg": "green", "dim": True},
    "closed": {"dim": True},
    "BREACHED": {"fg": "red", "bold": True},
    "met": {"fg": "green"},
    "overdue": {"fg": "red"},
}
PRIORITY_STYLE = ({"fg": "red", "bold": True}, {"fg": "red"}, {"fg": "yellow"})


def isatty(stream: Optional[TextIO]) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError):
        return False


def colour(stream: Optional[TextIO] = None) -> bool:
    """Colour for this stream (stdout by default): a terminal, and NO_COLOR unset."""
    if os.environ.get("NO_COLOR"):
        return False
    return isatty(sys.stdout if stream is None else stream)


def paint_rows(rows: list[list[Any]], headers: Sequence[str],
               priorities: Sequence[str] = ()) -> list[list[Any]]:
    """Rows with their priority and status cells coloured, when stdout takes colour."""
    if not rows or not colour():
        return rows
    import click

    cols = {name: i for i, name in enumerate(headers)}
    rank = {p: i for i, p in enumerate(priorities)}
    out = []
    for row in rows:
        row = list(row)
        i = cols.get("priority")
        if i is not None and row[i]:
            value = str(row[i])
            n = rank.get(value, _p_number(value))
            if n is not None and n < len(PRIORITY_STYLE):
                row[i] = click.style(value, **PRIORITY_STYLE[n])  # type: ignore[arg-type]
        for name in ("status", "state"):
            i = cols.get(name)
            if i is not None and str(row[i]) in STATUS_STYLE:
                row[i] = click.style(str(row[i]), **STATUS_STYLE[str(row[i])])  # type: ignore
        out.append(row)
    return out


def _p_number(value: str) -> Optional[int]:
    """'P1' -> 0: the rank of a priority named like the default profile's."""
    if len(value) == 2 and value[0] in "Pp" and value[1].isdigit():
        return int(value[1]) - 1
    return None


class Progress:
    """A progress callback `(done, total)` drawing a bar on stderr.

    Silent unless stderr is a terminal and the work has at least PROGRESS_AT items,
    so scripts, CI logs and pipes never see it. It finishes its line by itself when
    done reaches total, or on close().
    """

    def __init__(self, label: str, at_least: int = PROGRESS_AT) -> None:
        self.label = label
        self.at_least = at_least
        self._bar: Any = None
        self._done = 0

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            if total < self.at_least or not isatty(sys.stderr):
                return
            import click

            from itsmctl.ui.i18n import _

            self._bar = click.progressbar(length=total, label=_(self.label), file=sys.stderr,
                                          show_pos=True)
            self._bar.__enter__()
        self._bar.update(max(0, done - self._done))
        self._done = max(done, self._done)
        if done >= total:
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            bar, self._bar = self._bar, None
            bar.__exit__(None, None, None)

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def track(items: Iterable[T], label: str, total: Optional[int] = None) -> Iterator[T]:
    """Iterate, drawing a Progress bar on a terminal for long sequences."""
    if total is None:
        try:
            total = len(items)  # type: ignore[arg-type]
        except TypeError:
            items = list(items)
            total = len(items)   # type: ignore[arg-type]
    with Progress(label) as progress:
        for n, item in enumerate(items, 1):
            yield item
            if n % 50 == 0 or n == total:
                progress(n, total)
