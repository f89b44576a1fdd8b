"""The report's row of every ticket, in the ticket index's database (issue 13).

A report reads, for each ticket it counts, the values of core/rows.py `Row`: status,
groups, counters, times, its SLA clocks as breached-from instants. They are made by
core/rows.py `row_of` when the index reads a ticket file (infra/index.py `_row_of`:
a full build reads every file, a catch-up only the changed blobs), so `report` is one
query and the policy instead of parsing thousands of ticket states.

The rows hold nothing the policy or `now` decides: close codes, local desks, lines and
targets are applied, and running clocks compared with `now`, when the report is built.
So editing config/ changes the next report without a new row (what a cache keyed by
the config would need), and the rows stay right for any `now`.

Table `facts`: one row per valid ticket file (an unreadable file has none; index.py's
`invalid()` names it; one whose values cannot be counted has a row that only
`problems()` reads), the columns a report selects on, and the Row pickled (the
index's own cache under .git, like its `head`). A row leaves with its file: a trigger
deletes it with the file's row of `tickets`. Its format is kept in meta (`facts`): a
new one makes the index read every file again.

Beside the pickle, what a trend period counts of a ticket (groups, close code, the
respond clock: core/report.py trend_point) is in plain columns. Most tickets a
month's report reads were opened in its trend periods and finished before its end:
they count only there, so `tally` counts them in SQL and `rows` leaves them out
(unpickling them was about half of what a report at 100k tickets spent on rows).
"""

from __future__ import annotations

import pickle
import sqlite3
from typing import Any, Optional

from itsmctl.core.rows import Row, Tally, alert_firings, row_of
from itsmctl.core.states import PHASES

FORMAT = "4"      # 2: indexes for the tickets before the period; 3: rows of files not
                  # counted; 4: a trend period's values as columns (thin rows)
OPEN = ("new", "assigned", "in_progress", "waiting")
_TABLE = """CREATE TABLE facts (path TEXT PRIMARY KEY, id TEXT NOT NULL, status TEXT,
    opened INTEGER, updated INTEGER, resolved INTEGER, grp TEXT, resolved_group TEXT,
    close_code TEXT, respond_stop INTEGER, respond_late INTEGER, priority TEXT,
    thin INTEGER, row BLOB NOT NULL)"""
_INDEXES = ("CREATE INDEX facts_opened ON facts(opened)",
            "CREATE INDEX facts_id ON facts(id)",
            "CREATE INDEX facts_updated ON facts(updated, opened)",
            "CREATE INDEX facts_status ON facts(status, opened)",
            "CREATE TRIGGER facts_gone AFTER DELETE ON tickets "
            "BEGIN DELETE FROM facts WHERE path = OLD.path; END")
_COLUMNS = 14

BROKEN = "!"          # the status of a row kept for a file whose values cannot be counted
UNCOUNTABLE = (TypeError, ValueError, AttributeError, KeyError)
Fact = tuple[Any, ...]      # the columns of _TABLE, the pickled Row (or None) last


def attach(db: sqlite3.Connection) -> None:
    """The table, made (or made again, and the index marked for a full read) unless it
    is of this format. Called when the index opens, after its own tables exist."""
    if _format(db) == FORMAT:
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        if _format(db) != FORMAT:          # another process may have made it meanwhile
            db.execute("DROP TRIGGER IF EXISTS facts_gone")
            db.execute("DROP TABLE IF EXISTS facts")
            db.execute(_TABLE)
            for sql in _INDEXES:
                db.execute(sql)
            if db.execute("SELECT 1 FROM tickets LIMIT 1").fetchone():
                # cached tickets without their rows: the next refresh reads every file
                db.execute("DELETE FROM meta WHERE key = 'commit'")
            db.execute("INSERT OR REPLACE INTO meta VALUES ('facts', ?)", (FORMAT,))
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def _format(db: sqlite3.Connection) -> Optional[str]:
    row = db.execute("SELECT value FROM meta WHERE key = 'facts'").fetchone()
    return row[0] if row else None


def of(path: str, doc: Optional[dict[str, Any]], data: bytes) -> Fact:
    """The row of a ticket file (`doc` its state part, None when it cannot be counted)."""
    if doc is None:
        return (path, *(None,) * (_COLUMNS - 1))
    try:
        row = row_of(doc, alert_firings(data))
    except UNCOUNTABLE as exc:      # e.g. counters that are no mapping of numbers
        # kept as a row no query of the report picks, which problems() names (G5)
        return (path, str(doc.get("id")), BROKEN, *(None,) * (_COLUMNS - 4),
                pickle.dumps(f"{path}: cannot be counted ({type(exc).__name__}: {exc})"))
    respond = row.clocks[_RESPOND]
    texts = (row.id, row.status, row.group, row.resolved_group, row.close_code,
             row.priority)
    # plain values (strings, a bool) that tally() may count in SQL as Python would
    thin = all(v is None or type(v) is str for v in texts) and \
        (respond is None or type(respond[0]) is bool)
    return (path, str(row.id), _text(row.status), row.opened, row.updated, row.resolved,
            _text(row.group), _text(row.resolved_group), _text(row.close_code),
            None if respond is None else int(respond[0]),
            None if respond is None else respond[1], _text(row.priority), int(thin),
            pickle.dumps(tuple(row), protocol=pickle.HIGHEST_PROTOCOL))


_RESPOND = PHASES.index("respond")


def _text(value: Any) -> Optional[str]:
    return value if value is None or type(value) is str else None


def store(db: sqlite3.Connection, facts: list[Fact]) -> None:
    """Write the rows of files just read; a file with none loses its old one."""
    gone = [(f[0],) for f in facts if f[-1] is None]
    if gone:
        db.executemany("DELETE FROM facts WHERE path = ?", gone)
    db.executemany(f"INSERT OR REPLACE INTO facts VALUES ({','.join('?' * _COLUMNS)})",
                   [f for f in facts if f[-1] is not None])


def rows(db: sqlite3.Connection, lo: int, hi: int, recent: int,
         start: Optional[int] = None, at: Optional[int] = None) -> list[Row]:
    """The Rows a report over [lo, hi) (micros; its trend periods included) needs: the
    tickets opened in it, oldest first (the order its figures meet them), then of those
    opened before it the ones updated since `recent` or still open (core/report.py
    build's `docs`). Three index searches: a scan of every ticket opened before the
    period would cost more than reading the rows.

    With `start` (the report's own period is [start, hi)) and `at` (its backlog's
    instant), the tickets tally() counts are left out."""
    marks = ",".join("?" * len(OPEN))
    counted, args = ("0", ()) if start is None or at is None else _counted(start, hi, at)
    known, more = ("0", ()) if start is None or at is None else _open(start, hi, at)
    period = (f"SELECT row FROM facts WHERE opened >= ? AND opened < ? AND NOT ({counted}) "
              "ORDER BY opened, rowid")
    # `+opened`: search by the time updated (few), not by opened (most of the desk)
    before = ("SELECT row FROM facts WHERE +opened < ? AND updated >= ? UNION ALL "
              f"SELECT row FROM facts WHERE opened < ? AND status IN ({marks}) "
              f"AND (updated IS NULL OR updated < ?) AND NOT ({known})")
    loads, new = pickle.loads, tuple.__new__
    out = [new(Row, loads(blob)) for (blob,) in db.execute(period, (lo, hi, *args))]
    out += [new(Row, loads(blob))
            for (blob,) in db.execute(before, (lo, recent, lo, *OPEN, recent, *more))]
    return out


def _open(start: int, end: int, at: int) -> tuple[str, tuple[Any, ...]]:
    """The condition on the tickets still_open() gives and rows() leaves out (of those
    opened before the trend and open, not updated since `recent`): last changed by
    `at` in an open status, opened by then, not resolved in the period [start, end),
    and with plain values."""
    return ("thin = 1 AND updated <= ? AND opened <= ? "
            "AND (resolved IS NULL OR resolved < ? OR resolved >= ?)", (at, at, start, end))


def still_open(db: sqlite3.Connection, lo: int, recent: int, start: int, end: int, at: int,
               group: Optional[str] = None) -> list[tuple[str, str, int]]:
    """(id, priority, opened) of the tickets rows() leaves out for a report over [lo,
    end) whose own period begins at `start`: opened before `lo`, open when last changed
    (before `recent` and by `at`), so open at `at` (core/backlog.py open_at), and in no
    period's figures; `group`: only those it holds. The backlog counts them (at 100k
    some 6,000 old open tickets) without reading their rows."""
    marks = ",".join("?" * len(OPEN))
    known, more = _open(start, end, at)
    where = (f"opened < ? AND status IN ({marks}) AND updated < ? AND {known}"
             + ("" if group is None else " AND grp = ?"))
    params = (lo, *OPEN, recent, *more, *(() if group is None else (group,)))
    return db.execute(f"SELECT id, priority, opened FROM facts WHERE {where}",
                      params).fetchall()


def _counted(start: int, end: int, at: int) -> tuple[str, tuple[Any, ...]]:
    """The condition on the tickets that tally() counts and rows() leaves out: opened
    before the report's period [start, end), last changed by `at` in a status that is
    not open, not resolved in the period, and with plain values (`thin`)."""
    marks = ",".join("?" * len(OPEN))
    return (f"thin = 1 AND opened < ? AND updated <= ? AND status NOT IN ({marks}) "
            "AND (resolved IS NULL OR resolved < ? OR resolved >= ?)",
            (start, at, *OPEN, start, end))


def tally(db: sqlite3.Connection, lo: int, hi: int, start: int, end: int, at: int,
          now: int, group: Optional[str] = None) -> Tally:
    """What a trend period [lo, hi) (before the report's own period [start, end)) counts
    of the tickets rows() leaves out, narrowed to those `group` owns: they count
    nowhere else in the report (no backlog at `at`, no day's volume), so they are
    counted here instead of read row by row (the most of a report's tickets at 100k:
    its three trend periods). Counted as core/report.py trend_point counts: the
    respond clock stopped and not breached at `now` (its deadline not passed), the
    resolved ones per resolving group (the policy gives their lines)."""
    cond, args = _counted(start, end, at)
    where, params = f"opened >= ? AND opened < ? AND {cond}", (lo, hi, *args)
    if group is not None:
        where += (" AND CASE WHEN status IN ('resolved', 'closed') AND resolved_group <> '' "
                  "THEN resolved_group ELSE grp END = ?")
        params += (group,)
    ids: list[str] = []
    in_time = 0
    resolved: dict[str, int] = {}
    for tid, ok, resolver in db.execute(
            "SELECT id, CASE WHEN respond_stop = 1 AND (respond_late IS NULL OR "
            "respond_late >= ?) THEN 1 ELSE 0 END, CASE WHEN status IN ('resolved', "
            "'closed') AND resolved_group <> '' AND (close_code IS NULL OR "
            f"close_code <> 'out_of_scope') THEN resolved_group END FROM facts WHERE {where}",
            (now, *params)):
        ids.append(tid)
        in_time += ok
        if resolver is not None:
            resolved[resolver] = resolved.get(resolver, 0) + 1
    return Tally(ids, in_time, resolved)


def find(db: sqlite3.Connection, ticket_id: str) -> Optional[Row]:
    """The Row of one ticket, by id."""
    got = db.execute("SELECT row FROM facts WHERE id = ? AND status IS NOT ?",
                     (ticket_id, BROKEN)).fetchone()
    return Row._make(pickle.loads(got[0])) if got else None


def problems(db: sqlite3.Connection) -> list[str]:
    """Why each ticket file the index holds but a report cannot count was left out."""
    return [str(pickle.loads(blob)) for (blob,) in db.execute(
        "SELECT row FROM facts WHERE status = ? ORDER BY path", (BROKEN,))]


def path_of(db: sqlite3.Connection, ticket_id: str) -> Optional[str]:
    """The file of one ticket, by id."""
    got = db.execute("SELECT path FROM facts WHERE id = ?", (ticket_id,)).fetchone()
    return str(got[0]) if got else None
