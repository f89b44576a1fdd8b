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
"""

from __future__ import annotations

import pickle
import sqlite3
from typing import Any, Optional

from itsmctl.core.rows import Row, alert_firings, row_of

FORMAT = "3"      # 2: indexes for the tickets before the period; 3: rows of files not counted
OPEN = ("new", "assigned", "in_progress", "waiting")
_TABLE = """CREATE TABLE facts (path TEXT PRIMARY KEY, id TEXT NOT NULL, status TEXT,
    opened INTEGER, updated INTEGER, row BLOB NOT NULL)"""
_INDEXES = ("CREATE INDEX facts_opened ON facts(opened)",
            "CREATE INDEX facts_id ON facts(id)",
            "CREATE INDEX facts_updated ON facts(updated)",
            "CREATE INDEX facts_status ON facts(status, opened)",
            "CREATE TRIGGER facts_gone AFTER DELETE ON tickets "
            "BEGIN DELETE FROM facts WHERE path = OLD.path; END")

BROKEN = "!"          # the status of a row kept for a file whose values cannot be counted
UNCOUNTABLE = (TypeError, ValueError, AttributeError, KeyError)
Fact = tuple[str, Optional[str], Optional[str], Optional[int], Optional[int], Optional[bytes]]


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
        return (path, None, None, None, None, None)
    try:
        row = row_of(doc, alert_firings(data))
    except UNCOUNTABLE as exc:      # e.g. counters that are no mapping of numbers
        # kept as a row no query of the report picks, which problems() names (G5)
        return (path, str(doc.get("id")), BROKEN, None, None,
                pickle.dumps(f"{path}: cannot be counted ({type(exc).__name__}: {exc})"))
    return (path, str(row.id), row.status, row.opened, row.updated,
            pickle.dumps(tuple(row), protocol=pickle.HIGHEST_PROTOCOL))


def store(db: sqlite3.Connection, facts: list[Fact]) -> None:
    """Write the rows of files just read; a file with none loses its old one."""
    gone = [(f[0],) for f in facts if f[5] is None]
    if gone:
        db.executemany("DELETE FROM facts WHERE path = ?", gone)
    db.executemany("INSERT OR REPLACE INTO facts VALUES (?, ?, ?, ?, ?, ?)",
                   [f for f in facts if f[5] is not None])


def rows(db: sqlite3.Connection, lo: int, hi: int, recent: int) -> list[Row]:
    """The Rows a report over [lo, hi) (micros; its trend periods included) needs: the
    tickets opened in it, oldest first (the order its figures meet them), then of those
    opened before it the ones updated since `recent` or still open (core/report.py
    build's `docs`). Three index searches: a scan of every ticket opened before the
    period would cost more than reading the rows."""
    marks = ",".join("?" * len(OPEN))
    period = "SELECT row FROM facts WHERE opened >= ? AND opened < ? ORDER BY opened, rowid"
    before = ("SELECT row FROM facts WHERE opened < ? AND updated >= ? UNION ALL "
              f"SELECT row FROM facts WHERE opened < ? AND status IN ({marks}) "
              "AND (updated IS NULL OR updated < ?)")
    loads, make = pickle.loads, Row._make
    out = [make(loads(blob)) for (blob,) in db.execute(period, (lo, hi))]
    out += [make(loads(blob))
            for (blob,) in db.execute(before, (lo, recent, lo, *OPEN, recent))]
    return out


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
