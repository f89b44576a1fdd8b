"""How this process ends, for the SQLite caches (issue 13).

The last connection to close a WAL database checkpoints it: copies its pages into the
file and fsyncs it, ~10 ms at the end of every hook or `open` that wrote the ticket
index, and again at the end of a `list` that read after such a writer. A command
line process ends with os._exit (ui/entry.leave) when nothing else is left to do:
there, `close` keeps the connection open instead, the process ends with it open (as
a killed one would: SQLite needs nothing more), and the WAL is folded in by whichever
commit grows it past SQLite's automatic checkpoint (1,000 pages), once in many
commands. Everywhere else (the web service, tests, a library user) `close` closes.

The caches are rebuilt from git when lost; a WAL left behind loses nothing but on an
OS crash, and then only the newest rows, which the next command catches up again.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:                   # (typing itself is ~8 ms of `--help`, which loads this)
    from typing import Any

ENDS_WITH_EXIT = False      # set by ui/entry.main; `release` sets it back
MAX_KEPT = 8                # a long-running command (`serve`) keeps no more than these
_KEPT: list[Any] = []       # connections left open to the end
_OPEN: set[int] = set()     # ids of connections opened and not closed nor kept


def opened(db: Any) -> None:
    _OPEN.add(id(db))


def close(db: Any) -> None:
    """Close a connection, or keep it open to the process's os._exit (see above)."""
    _OPEN.discard(id(db))
    if ENDS_WITH_EXIT and not db.in_transaction and len(_KEPT) < MAX_KEPT:
        _KEPT.append(db)
    else:
        db.close()


def all_closed() -> bool:
    """No connection is open but those kept for the end."""
    return not _OPEN


def release() -> None:
    """The process ends the usual way after all (or goes on): close what was kept."""
    global ENDS_WITH_EXIT
    ENDS_WITH_EXIT = False
    while _KEPT:
        _KEPT.pop().close()
