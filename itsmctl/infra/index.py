"""A cache of every ticket's current state (the part above `history:`), keyed by blob id.

Lives in .git/itsmctl/index.sqlite and follows HEAD: built once from `git ls-tree`
(~10 s per 100,000 tickets), then caught up from `git diff-tree <cached> HEAD`, reading
only the blobs that changed. It is a cache of committed files, never a second truth:
delete it and it is rebuilt. Queries return plain dicts (no model validation) so that
list, sweep and report stay fast and small at 100,000 tickets; they are stored pickled
(this process's own cache under .git, read back ~25% faster than JSON).
"""

from __future__ import annotations

import pickle
import re
import sqlite3
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional

from itsmctl.core.breaches import epoch as _parsed_epoch
from itsmctl.core.matchkeys import match_text
from itsmctl.core.rows import micros
from itsmctl.infra import facts, lifetime

FORMAT = "12"          # 11: `match` (core/matchkeys.py), before the state;
                       # 12: the time indexes cover what the candidates test
PAGE_SIZE = 16384
COLUMNS = ("id", "status", "grp", "priority", "assignee", "opened_at", "updated_at", "master")
# `match` (core/matchkeys.py) before `head`: a query that tests it reads it without
# walking the state's overflow pages (see tickets_open_brief below). The two time
# indexes hold what open's candidates test (status, updated_at, match): SQLite sifts
# a window's ~2,200 rows in the index and reads only the ~80 rows kept (at 100k,
# 2 ms instead of 9, issue 13)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS tickets (
    path TEXT PRIMARY KEY, blob TEXT NOT NULL, id TEXT, status TEXT, grp TEXT,
    priority TEXT, assignee TEXT, opened_at TEXT, updated_at TEXT, master TEXT,
    wake_at REAL, resolved_epoch REAL, visit_open INTEGER, pending INTEGER,
    source TEXT, type TEXT, close_code TEXT, opened_epoch REAL,
    fingerprint TEXT, alert_group TEXT, mail_origin TEXT,
    opened_by TEXT, watchers TEXT, updated_epoch REAL, match TEXT,
    head BLOB NOT NULL, brief BLOB);
CREATE INDEX IF NOT EXISTS tickets_status ON tickets(status);
CREATE INDEX IF NOT EXISTS tickets_opened ON tickets(opened_at);
CREATE INDEX IF NOT EXISTS tickets_id ON tickets(id);
CREATE INDEX IF NOT EXISTS tickets_wake ON tickets(wake_at);
CREATE INDEX IF NOT EXISTS tickets_fingerprint ON tickets(fingerprint);
CREATE INDEX IF NOT EXISTS tickets_alert_group ON tickets(alert_group);
CREATE INDEX IF NOT EXISTS tickets_opened_match ON tickets(opened_epoch, status, match);
CREATE INDEX IF NOT EXISTS tickets_mail_origin ON tickets(mail_origin);
CREATE INDEX IF NOT EXISTS tickets_updated_match ON tickets(updated_epoch, status, updated_at,
    match);
CREATE INDEX IF NOT EXISTS tickets_assignee ON tickets(assignee);
CREATE INDEX IF NOT EXISTS tickets_pending ON tickets(pending) WHERE pending > 0;
CREATE INDEX IF NOT EXISTS tickets_queue ON tickets(status, priority, opened_at, id, grp,
    assignee, path);
CREATE INDEX IF NOT EXISTS tickets_open_brief ON tickets(status, assignee, grp, priority,
    opened_epoch, master, id, brief)
    WHERE status IN ('new', 'assigned', 'in_progress', 'waiting');
"""
OPEN = ("new", "assigned", "in_progress", "waiting")
# the open queue's lines without reading its rows: `brief` is stored after `head`, so a
# row lookup walks the state's pages to reach it; this small index (the open tickets
# only, with the columns list filters on) answers `list` alone. SQLite uses a partial
# index only for a query whose WHERE holds this very term, so `_from` writes it out for
# BRIEF queries of the open statuses (issue 13: 100k desk, 10,148 open, 28-78 -> 5-10 ms)
_OPEN_TERM = "status IN ('new', 'assigned', 'in_progress', 'waiting')"


def parse_head(data: bytes, where: str) -> Optional[dict[str, Any]]:
    """The state part of a ticket file: the fast reader, else libyaml on the same text.

    The notification log (bodies included) is most of a busy ticket's state: it is
    not parsed, only its undelivered entries counted (`_pending`); `visit` is read apart.
    """

    # only what is parsed is decoded: history is most of a long-lived ticket's bytes, and
    # the notification log most of the rest (each part is cut at a line break, so the
    # parts decode as the whole would)
    end = _find(data, b"\nhistory:")
    notes = data.find(b"\nnotifications:", 0, end)
    cut = notes if notes >= 0 else end
    doc = _parse_part(data[:cut + 1].decode("utf-8", "replace"), where)
    if doc is None:
        return None
    if notes >= 0:
        visit_at = _find(data, b"\nvisit:", notes, end)
        pending = _pending(data, notes, visit_at + 1)
        if pending is None:
            section = data[notes:visit_at + 1]
            part = _parse_part(section[1:].decode("utf-8", "replace"), where) or {}
            pending = sum(1 for n in part.get("notifications") or ()
                          if isinstance(n, dict) and n.get("status") not in ("sent", "refused"))
        doc["_pending"] = pending
        if visit_at < end:
            doc.update(_parse_part(data[visit_at + 1:end + 1].decode("utf-8", "replace"),
                                   where) or {})
    return doc


def head_of(data: bytes, doc: dict[str, Any]) -> Optional[dict[str, Any]]:
    """What parse_head(data) gives, taken from `doc`, the mapping `data` was dumped from
    (infra/yaml.dump_ticket writes a mapping's keys in order, one top-level key a line,
    and reads back as it was): the committer's rows without parsing what it just wrote
    (`Index.follow`). The same keys as parse_head takes (those before `notifications:`,
    then `visit:` up to `history:`) and the same count of undelivered notifications;
    None when the file is not of that shape (parse_head then reads it)."""
    keys = list(doc)
    if "history" not in doc:
        return None
    end_key = keys.index("history")
    end = data.find(b"\nhistory:")
    if end < 0:
        return None
    notes = data.find(b"\nnotifications:", 0, end)
    if (notes >= 0) != ("notifications" in keys[:end_key]):
        return None
    if notes < 0:
        return {k: doc[k] for k in keys[:end_key]}
    at = keys.index("notifications")
    head = {k: doc[k] for k in keys[:at]}
    visit_at = _find(data, b"\nvisit:", notes, end)
    pending = _pending(data, notes, visit_at + 1)
    if pending is None:         # as parse_head's own reading of the section counts
        pending = sum(1 for n in doc.get("notifications") or ()
                      if isinstance(n, dict) and n.get("status") not in ("sent", "refused"))
    head["_pending"] = pending
    if visit_at < end:
        if "visit" not in keys[at:end_key]:
            return None
        head.update((k, doc[k]) for k in keys[keys.index("visit"):end_key])
    return head


def _find(text: bytes, needle: bytes, start: int = 0, end: Optional[int] = None) -> int:
    at = text.find(needle, start, end)
    return at if at >= 0 else (len(text) if end is None else end)


def _parse_part(text: str, where: str) -> Optional[dict[str, Any]]:
    from itsmctl.infra import fastyaml

    doc = fastyaml.parse(text)
    if doc is None:
        from itsmctl.errors import InvalidFile
        from itsmctl.infra.yaml import load_ticket

        try:
            doc = load_ticket(text, where)
        except InvalidFile:
            return None
    return doc if isinstance(doc, dict) else None


def _pending(data: bytes, start: int, end: int) -> Optional[int]:
    """Undelivered entries of the notification log in data[start:end] as dump_ticket
    writes it (each entry a `- ` item whose keys sit at two spaces; bodies are literal
    blocks deeper in); None when the items and their statuses do not pair up.

    One pass of a pattern over the log (~5 KB of a realistic ticket) rather than four
    counts (~11 -> 6 us a ticket, issue 13): every needle starts with a line break and
    holds no other, so the matches are what each count would find."""
    if data.startswith(b"\nnotifications: []", start, end):
        return 0
    items = statuses = pending = 0
    for item, late in _LOG_LINE.findall(data, start, end):
        if item:
            items += 1
        else:
            statuses += 1
            pending += late != b""
    return pending if items == statuses else None


_LOG_LINE = re.compile(rb"\n(?:(- )|  status: (pending|failed)?)")


PARALLEL_FROM = 4000      # blobs: below this a process pool costs more than it saves
_BATCH = 1000             # rows a worker sends at a time
_QUEUED = 8               # batches in flight per worker: bounds this process's memory
_SHARE = 2000             # blobs per worker, at least
_CHUNK = 500              # blobs a worker takes at a time: the last one a worker takes is
                          # what the other may still have to read when it is done (~0.3 s
                          # of one idle core for 2,000 at 100k, issue 13)


def _row_of(path: str, sha: str, data: bytes,
            given: Optional[dict[str, Any]] = None) -> tuple[Any, ...]:
    """The index's row of a ticket file (`given`: its state part, when already known:
    head_of)."""
    doc = given if given is not None else parse_head(data, path)
    problem = _problem(path, data, doc)
    if problem is not None:
        # kept with no status: no query picks it, and `invalid()` names it (list, sweep)
        doc = {"id": Path(path).stem, "status": None, "_invalid": problem}
    assert doc is not None
    # the report's row (infra/facts.py) rides last, split off again by Index._insert
    fact = facts.of(path, doc if problem is None else None, data)
    return (*_row(path, sha, doc), fact)


_STATUSES = frozenset({*OPEN, "resolved", "closed"})


def _problem(path: str, data: bytes, doc: Optional[dict[str, Any]]) -> Optional[str]:
    """Why a committed ticket file cannot be listed or swept; None when it can."""
    if doc is None:
        from itsmctl.errors import InvalidFile
        from itsmctl.infra.yaml import load_ticket

        try:
            load_ticket(data, path)
        except InvalidFile as exc:
            return exc.message
        return f"{path}: not a ticket (expected a mapping at the top)"
    if doc.get("status") not in _STATUSES:
        return f"{path}: status: {doc.get('status')!r} is not a ticket status"
    from itsmctl.errors import InvalidFile
    from itsmctl.infra.ticketfile import misplaced

    try:
        misplaced(doc.get("id"), path)
    except InvalidFile as exc:
        return exc.message
    return None


def _worker(root: Path, items: list[tuple[list[str], str]], chunk: int, taken: Any,
            queue: Any) -> None:
    """Chunks of the blobs in ls-tree order, each taken when this worker is ready for
    one (so neither worker waits for the other at the end): each blob read from the
    work tree where the file there is that blob (a fresh clone's checkout), the others
    at the end through ONE `git cat-file --batch`. Rows are sent in batches, each
    as (where its chunk starts, whether it ends the chunk, rows); the rows read at the
    end with a chunk of -1; None when done."""
    from itsmctl.infra import git

    try:
        missed: list[str] = []
        paths_of: dict[str, list[str]] = {}

        def rows(start: int, blobs: Iterator[tuple[str, bytes]]) -> None:
            batch: list[tuple[Any, ...]] = []
            for sha, data in blobs:
                batch.extend(_row_of(path, sha, data) for path in paths_of[sha])
                if len(batch) >= _BATCH:
                    queue.put((start, False, batch))
                    batch = []
            queue.put((start, True, batch))

        while True:
            with taken.get_lock():
                start = taken.value
                taken.value = start + chunk
            share = items[start:start + chunk]
            if not share:
                break
            for paths, sha in share:
                paths_of[sha] = paths
            rows(start, git.checked_out_blobs(
                root, [(paths[0], sha) for paths, sha in share], missed))
        if missed:
            rows(-1, git.cat_blobs(root, missed))
        queue.put(None)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which raises
        queue.put(f"{type(exc).__name__}: {exc}")


def _rows_parallel(root: Path, by_sha: dict[str, list[str]]) -> Iterator[list[tuple[Any, ...]]]:
    """Fetch and parse on every core; this process only writes sqlite. The workers are
    forked before any thread of ours exists (fork and threads do not mix).

    What a fresh clone has checked out is read from the work tree; the rest, read by
    each worker with ONE `cat-file` in ls-tree order: neighbours in the tree are
    neighbours in the pack, and every `cat-file` starts with a cold delta-base cache.
    Measured at 100,000 tickets of a realistic desk, git's CPU for the blobs: 37 s in
    runs of 500 blobs, 20 s in runs of 5,000, 15 s in one run (issue 13).

    The rows come out chunk after chunk in ls-tree order, as one process reading the
    blobs in order gives them: a chunk a worker finished before the one ahead of it is
    held back until that one is out. The table's row order (which orders a query's
    ties: `list` shows tickets opened in the same second in it) is then the same in
    every fresh clone, not the order the workers happened to finish in. Rows read at
    the end through `cat-file` (none in a fresh clone) come when they come."""
    import gc
    import multiprocessing
    import os
    import queue as queues

    items = [(paths, sha) for sha, paths in by_sha.items()]
    workers = max(1, min(os.cpu_count() or 1, len(items) // _SHARE))
    chunk = max(1, min(_CHUNK, -(-len(items) // workers)))
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue(maxsize=_QUEUED * workers)
    taken = ctx.Value("q", 0)
    procs = [ctx.Process(target=_worker, args=(root, items, chunk, taken, queue), daemon=True)
             for _ in range(workers)]
    for proc in procs:
        proc.start()
    ahead: dict[int, list[tuple[bool, list[tuple[Any, ...]]]]] = {}   # chunks held back
    due = 0                                     # where the chunk to send next starts
    # no cycle collection here while the rows stream in: the batches are freed by their
    # counts, and each full collection walks every object of this process (~0.3 s of
    # CPU at 100,000 tickets, on the core the workers need; issue 13)
    collecting = gc.isenabled()
    gc.disable()
    try:
        running = len(procs)
        while running:
            try:
                got = queue.get(timeout=1.0)
            except queues.Empty:
                if not any(p.is_alive() for p in procs) and queue.empty():
                    raise RuntimeError("an index worker ended without its rows") from None
                continue
            if got is None:
                running -= 1
                continue
            if isinstance(got, str):
                raise RuntimeError(f"building the ticket index: {got}")
            start, last, rows = got
            if start != due and start >= 0:
                ahead.setdefault(start, []).append((last, rows))
                continue
            yield rows
            while last and start >= 0:          # the chunk is out: then those behind it
                due += chunk
                held = ahead.pop(due, [])
                last = False
                for last, rows in held:
                    yield rows
        if ahead:
            raise RuntimeError("an index worker ended without its rows")
    finally:
        if collecting:
            gc.enable()
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
            proc.join()


class Followed:
    """Index.follow_start's answer: whether its transaction (the commit's rows) is open."""

    __slots__ = ("ok",)

    def __init__(self, ok: bool) -> None:
        self.ok = ok


class Index:
    """The ticket state cache of one desk."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / ".git" / "itsmctl" / "index.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        lifetime.opened(self.db)
        # a new file only (an existing one keeps its own): rows hold ~2.5 KB of pickled
        # state, so 4 KB pages put most rows on overflow pages; at 100,000 tickets 16 KB
        # pages cut the build's sqlite CPU by a quarter and its commit by half
        self.db.execute(f"PRAGMA page_size={PAGE_SIZE}")
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        # the format first: an index written by another version of itsmctl is started
        # again before the schema's indexes name columns its table may not have
        self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        if self._meta("format") not in (None, FORMAT):
            self.db.executescript("DROP TABLE IF EXISTS tickets; DELETE FROM meta;")
        try:
            self.db.executescript(_SCHEMA)
        except sqlite3.OperationalError:        # a table from before formats were kept
            self.db.executescript("DROP TABLE IF EXISTS tickets; DELETE FROM meta;" + _SCHEMA)
        facts.attach(self.db)

    def close(self) -> None:
        lifetime.close(self.db)       # (a command line process keeps it: infra/lifetime.py)

    def _meta(self, key: str) -> Optional[str]:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def refresh(self, progress: Optional[Callable[[int, int], None]] = None) -> int:
        """Catch up with HEAD; returns how many ticket files were (re)read."""
        head_sha = _head(self.root)
        cached = self._meta("commit")
        if self._meta("format") != FORMAT:
            cached = None
        if cached == head_sha:
            return 0
        journal = None
        if cached is None:
            # building from nothing (a fresh clone: ~300 MB at 100,000 tickets): no
            # fsync of the WAL and of its checkpoint, which took 1-2 s after the rows;
            # a cache, rebuilt when deleted, is what an OS crash right after could cost
            self.db.execute("PRAGMA synchronous=OFF")
            journal = self._unlogged()
        try:
            return self._refresh(cached, head_sha, progress)
        finally:
            if cached is None:
                self.db.execute("PRAGMA synchronous=NORMAL")
            if journal is not None:
                self.db.execute(f"PRAGMA journal_mode={journal}")

    def _unlogged(self) -> Optional[str]:
        """Into an empty table, build with a rollback journal instead of the WAL: the WAL
        writes every page twice (the commit, then its checkpoint into the file), ~1 s of
        CPU and ~2 s at 100,000 tickets after the rows, while the journal of a table that
        was empty holds only the few pages that were there. Only when this connection is
        the only one (SQLite leaves the WAL on otherwise); the journal mode it had, to
        restore after, or None when it is unchanged."""
        if self.db.execute("SELECT 1 FROM tickets LIMIT 1").fetchone() is not None:
            return None
        before = str(self.db.execute("PRAGMA journal_mode").fetchone()[0])
        if before.lower() != "wal":
            return None
        try:
            now = str(self.db.execute("PRAGMA journal_mode=DELETE").fetchone()[0])
        except sqlite3.OperationalError:        # another connection holds it: keep the WAL
            return None
        return before if now.lower() != before.lower() else None

    def _refresh(self, cached: Optional[str], head_sha: str,
                 progress: Optional[Callable[[int, int], None]]) -> int:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            # another process may have caught up while we waited for the write lock
            if self._meta("format") == FORMAT and self._meta("commit") == head_sha:
                self.db.execute("COMMIT")
                return 0
            changes = self._changes(cached, head_sha) if head_sha else None
            if changes is None:
                self.db.execute("DELETE FROM tickets")
                changes = self._all(head_sha) if head_sha else []
            count = self._apply(changes, progress)
            self._at(head_sha)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return count

    def _all(self, head: str) -> list[tuple[str, Optional[str]]]:
        from itsmctl.infra import git

        out = git.run(self.root, "ls-tree", "-r", "-z", head, "--", "tickets")
        changes: list[tuple[str, Optional[str]]] = []
        for entry in out.split(b"\0"):
            if not entry:
                continue
            meta, path = entry.split(b"\t", 1)
            parts = meta.split()
            if parts[1] == b"blob" and path.endswith(b".yaml"):
                changes.append((path.decode(), parts[2].decode()))
        return changes

    def _changes(self, cached: Optional[str], head: str) -> Optional[list[tuple[str, Any]]]:
        """(path, new blob or None for deleted) since the cached commit; None: rebuild."""
        if not cached:
            return None
        from itsmctl.infra import git

        res = git.call(self.root, "diff-tree", "-r", "-z", "--no-renames", cached, head,
                       "--", "tickets")
        if res.code != 0:
            return None
        fields = res.out.split(b"\0")
        changes: list[tuple[str, Any]] = []
        i = 0
        while i + 1 < len(fields):
            meta, path = fields[i], fields[i + 1].decode()
            i += 2
            if not meta.startswith(b":") or not path.endswith(".yaml"):
                continue
            parts = meta[1:].split()
            changes.append((path, None if parts[4] == b"D" else parts[3].decode()))
        return changes

    def _apply(self, changes: list[tuple[str, Optional[str]]],
               progress: Optional[Callable[[int, int], None]]) -> int:
        gone = [(p,) for p, sha in changes if sha is None]
        if gone:
            self.db.executemany("DELETE FROM tickets WHERE path=?", gone)
        wanted = [(p, sha) for p, sha in changes if sha is not None]
        by_sha: dict[str, list[str]] = {}
        for path, sha in wanted:
            by_sha.setdefault(sha, []).append(path)
        from itsmctl.infra import git

        if len(by_sha) >= PARALLEL_FROM:
            rows = _rows_parallel(self.root, by_sha)
        else:
            rows = ([_row_of(path, sha, data) for path in by_sha[sha]]
                    for sha, data in git.cat_blobs(self.root, list(by_sha)))
        batch: list[tuple[Any, ...]] = []
        done = 0
        for group in rows:
            batch.extend(group)
            done += len(group)
            if len(batch) >= 2000:
                self._insert(batch)
                batch = []
                if progress:
                    progress(done, len(by_sha))
        self._insert(batch)
        if progress:
            progress(done, len(by_sha))
        return len(wanted)

    def _insert(self, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            self.db.executemany(
                f"INSERT OR REPLACE INTO tickets VALUES ({','.join('?' * 27)})",
                [row[:-1] for row in rows])
            facts.store(self.db, [row[-1] for row in rows])

    def _at(self, commit: Optional[str]) -> None:
        """Record (inside the caller's transaction) that the rows are those of `commit`."""
        self.db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                            [("commit", commit), ("format", FORMAT)])

    def follow(self, parent: str, commit: str,
               files: Iterable[tuple[str, Optional[bytes], Optional[dict[str, Any]]]]) -> bool:
        """After a commit of exactly these files (path, bytes or None when deleted, the
        mapping dumped to those bytes when known) on `parent`: their rows, so the next
        command finds the index at HEAD instead of reading back what this one just
        wrote (a hook payload's ~55 tickets: ~36 ms of the next command at 100k, issue
        13). Only when the index is at `parent`; a busy index is left to catch up by
        itself (the commit is done either way). True when the rows were written."""
        return self.follow_end(self.follow_start(parent, files), commit)

    def follow_start(self, parent: str,
                     files: Iterable[tuple[str, Optional[bytes], Optional[dict[str, Any]]]]
                     ) -> "Followed":
        """`follow` up to what needs the commit's id: the rows made and written in an
        open transaction, while git writes the commit (Transaction.commit: ~9 ms of a
        50-alert hook at 100k off its critical path). follow_end commits them as the
        commit's, follow_abandon rolls them back. Not started (ok False) when the index
        is not at `parent` or another process writes it now."""
        # in path order, as a catch-up from `git diff-tree` inserts them: the table's
        # row order orders a query's ties (see _rows_parallel)
        wanted = sorted(((p, d, doc) for p, d, doc in files
                         if p.startswith("tickets/") and p.endswith(".yaml")),
                        key=lambda item: item[0])
        self.db.execute("PRAGMA busy_timeout=50")     # for the write lock alone
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:        # another process writes it now
            return Followed(False)
        finally:
            self.db.execute("PRAGMA busy_timeout=60000")
        try:
            if self._meta("format") != FORMAT or self._meta("commit") != parent:
                self.db.execute("ROLLBACK")
                return Followed(False)
            # what git's diff would name: a file written as it was keeps its row (and
            # its place); one absent already stays absent
            had: dict[str, str] = {}
            for i in range(0, len(wanted), 500):
                part = [p for p, _, _ in wanted[i:i + 500]]
                had.update(self.db.execute(
                    f"SELECT path, blob FROM tickets WHERE path IN ({','.join('?' * len(part))})",
                    part))
            gone = [(p,) for p, data, _ in wanted if data is None and p in had]
            if gone:
                self.db.executemany("DELETE FROM tickets WHERE path=?", gone)
            rows = []
            for path, data, doc in wanted:
                if data is not None:
                    sha = blob_id(data, parent)
                    if had.get(path) != sha:
                        head = head_of(data, doc) if doc is not None else None
                        rows.append(_row_of(path, sha, data, head))
            self._insert(rows)
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return Followed(True)

    def follow_end(self, made: "Followed", commit: str) -> bool:
        """The rows follow_start wrote, committed as those of `commit`."""
        if not made.ok:
            return False
        try:
            self._at(commit)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return True

    def follow_abandon(self, made: "Followed") -> None:
        """The rows follow_start wrote, rolled back (the commit was not made)."""
        if made.ok:
            self.db.execute("ROLLBACK")

    def has(self, path: str) -> bool:
        """Whether the commit the index is at has this ticket file."""
        return self.db.execute("SELECT 1 FROM tickets WHERE path=?", (path,)).fetchone() \
            is not None

    def query(self, statuses: Optional[Iterable[str]] = None, where: str = "",
              params: tuple[Any, ...] = (), column: str = "head") -> Iterator[Any]:
        """State dicts of the tickets matching; statuses None means all. With
        column="brief", the BRIEF tuples instead (what a queue line shows)."""
        base, args = _from(statuses, where, params)
        sql = f"SELECT {'brief' if column == 'brief' else 'head'}{base}"
        loads = pickle.loads
        for (head,) in self.db.execute(sql, args):
            yield loads(head)

    def briefs(self, statuses: Optional[Iterable[str]], where: str, params: tuple[Any, ...],
               levels: list[str]) -> list[tuple[Any, ...]]:
        """The BRIEF tuples of the tickets matching, in queue order: priority as `levels`
        lists them (others last), then oldest first, ties (an alert storm opens many in
        one second) in the order `query` reads the rows (which its query plan decides)."""
        base, args = _from(statuses, where, params, lean=True)
        found = self.db.execute(f"SELECT rowid, brief{base}", args).fetchall()
        rank = {p: i for i, p in enumerate(levels)}.get
        loads = pickle.loads
        rows = [loads(data) for _, data in found]
        keys: list[tuple[Any, ...]] = [(rank(str(b[1]), 99), str(b[5])) for b in rows]
        order = sorted(range(len(rows)), key=keys.__getitem__)
        if any(keys[a] == keys[b] for a, b in zip(order, order[1:])):
            # ties: as `query` would have returned them (its rows' ids only: cheap for
            # the open queue; a filter may make it dearer, so only when there are ties)
            base, args = _from(statuses, where, params)
            ids = [r for (r,) in self.db.execute(f"SELECT rowid{base}", args)]
            at = dict(zip(ids, range(len(ids))))
            keys = [(*k, at.get(rowid, -1)) for k, (rowid, _) in zip(keys, found)]
            order.sort(key=keys.__getitem__)       # in order but for the ties: quick
        return [rows[i] for i in order]

    def page(self, statuses: Optional[Iterable[str]], where: str, params: tuple[Any, ...],
             levels: list[str], limit: int, offset: int) -> tuple[int, list[dict[str, Any]]]:
        """(how many match, the state dicts of one page of them) in queue order: priority
        as `levels` lists them, then oldest first. Only the page's rows are unpickled."""
        base, args = _from(statuses, where, params)
        total = self.db.execute("SELECT count(*)" + base, args).fetchone()[0]
        rank = "0"
        if levels:
            rank = "CASE priority " + " ".join(f"WHEN ? THEN {i}" for i in range(len(levels)))
            rank += f" ELSE {len(levels)} END"
        paths = [r[0] for r in self.db.execute(
            f"SELECT path{base} ORDER BY {rank}, opened_at, id LIMIT ? OFFSET ?",
            [*args, *levels, limit, offset])]
        if not paths:
            return total, []
        heads = dict(self.db.execute(
            f"SELECT path, head FROM tickets WHERE path IN ({','.join('?' * len(paths))})",
            paths))
        return total, [pickle.loads(heads[p]) for p in paths if p in heads]

    def commit(self) -> Optional[str]:
        """The commit the index last caught up with."""
        return self._meta("commit")

    def open_blobs(self) -> list[tuple[str, str]]:
        """(path, blob id) of every open ticket: what changed since a reader last looked."""
        marks = ",".join("?" * len(OPEN))
        return list(self.db.execute(
            f"SELECT path, blob FROM tickets WHERE status IN ({marks})", OPEN))

    def heads(self, paths: list[str]) -> dict[str, dict[str, Any]]:
        """The state dicts of these ticket files (path -> dict)."""
        out: dict[str, dict[str, Any]] = {}
        for i in range(0, len(paths), 500):
            part = paths[i:i + 500]
            for path, head in self.db.execute(
                    f"SELECT path, head FROM tickets WHERE path IN ({','.join('?' * len(part))})",
                    part):
                out[path] = pickle.loads(head)
        return out

    def open_counts(self) -> list[tuple[Any, Any, Any, int]]:
        """(priority, group, status, count) of the open tickets."""
        marks = ",".join("?" * len(OPEN))
        return list(self.db.execute(
            f"SELECT priority, grp, status, count(*) FROM tickets WHERE status IN ({marks}) "
            "GROUP BY priority, grp, status", OPEN))

    def undelivered(self) -> int:
        """Notifications not recorded as sent, over every ticket."""
        return int(self.db.execute("SELECT coalesce(sum(pending), 0) FROM tickets WHERE "
                                   "pending > 0").fetchone()[0])

    def sweep_candidates(self, now: float, auto_close_seconds: float,
                         visit_sources: list[str], visit_types: list[str],
                         visit_skip_codes: list[str]) -> list[str]:
        """Ids of the tickets the sweep may act on at `now` (a superset, never less)."""
        def marks(values: list[str]) -> str:
            return ",".join("?" * len(values)) or "NULL"

        sql = (f"SELECT id FROM tickets WHERE wake_at <= ? "
               f"OR (status = 'resolved' AND resolved_epoch <= ?) "
               f"OR pending > 0 "
               f"OR (visit_open = 1 AND source IN ({marks(visit_sources)}) "
               f"AND coalesce(type, 'incident') IN ({marks(visit_types)}) "
               f"AND coalesce(close_code, '') NOT IN ({marks(visit_skip_codes)}))")
        args = [now, now - auto_close_seconds, *visit_sources, *visit_types,
                *visit_skip_codes]
        return [r[0] for r in self.db.execute(sql, args)]

    def invalid(self) -> list[str]:
        """Why each committed ticket file that no query returns was left out, by path."""
        rows = self.db.execute("SELECT path, head FROM tickets WHERE status IS NULL "
                               "ORDER BY path")
        return [str(pickle.loads(head).get("_invalid") or f"{path}: unreadable")
                for path, head in rows]

    def pending_ids(self) -> list[str]:
        """Tickets with a notification not recorded as sent."""
        return [r[0] for r in self.db.execute("SELECT id FROM tickets WHERE pending > 0")]

    def by_mail(self, message_id: str) -> list[str]:
        """Ids of tickets a mail with this Message-ID opened (E3: a redelivery)."""
        return [r[0] for r in self.db.execute(
            "SELECT id FROM tickets WHERE mail_origin = ? ORDER BY opened_at", (message_id,))]

    def by_alert(self, keys: list[str]) -> list[tuple[str, Any, Any, Any, Any]]:
        """(id, fingerprint, storm group, status, master) of tickets whose alert matches
        any key."""
        if not keys:
            return []
        marks = ",".join("?" * len(keys))
        return list(self.db.execute(
            f"SELECT id, fingerprint, alert_group, status, master FROM tickets "
            f"WHERE fingerprint IN ({marks}) OR alert_group IN ({marks})", [*keys, *keys]))



def _from(statuses: Optional[Iterable[str]], where: str, params: tuple[Any, ...],
          lean: bool = False) -> tuple[str, list[Any]]:
    """' FROM tickets WHERE …' and its arguments: the statuses (None: all), then `where`;
    `lean`: for BRIEF only, so the open statuses may be answered by tickets_open_brief
    (a query of whole states reads its rows in table order through tickets_status)."""
    conds, args = [], list(params)
    if statuses is not None:
        statuses = list(statuses)
        if lean and len(statuses) == len(OPEN) and set(statuses) == set(OPEN):
            conds.append(_OPEN_TERM)
        else:
            conds.append(f"status IN ({','.join('?' * len(statuses))})")
            args = statuses + args
    if where:
        conds.append(where)
    return " FROM tickets" + (" WHERE " + " AND ".join(conds) if conds else ""), args


def epoch(value: Any) -> Optional[float]:
    """core/breaches.py epoch's answer, from the parse core/rows.py micros keeps: a
    ticket's times are read for its report row too, so each is parsed once (issue 13).
    Exact: for a time with a zone, timestamp() is the microseconds since the epoch
    divided by 10**6, as here; any other value is breaches.epoch's own case."""
    us = micros(value)
    return _parsed_epoch(value) if us is None else us / 1_000_000


def wake_at(doc: dict[str, Any]) -> Optional[float]:
    """When the sweep may next have something to do on an open ticket, from its stored
    clocks: the earliest deadline of a running phase that has not escalated yet, or the
    end of its wait. Exact, because every change that moves a deadline is an event that
    rewrites the file; a wait only pauses the clock (S2)."""
    status = doc.get("status")
    if status == "closed":
        return None
    if status == "waiting":
        until = (doc.get("wait") or {}).get("until")
        times = [epoch(until)] if until else []
        frozen = epoch(doc.get("updated_at"))
    else:
        times, frozen = [], None
    escalations = [e for e in doc.get("escalations") or () if isinstance(e, dict)]
    fired = {e.get("phase") for e in escalations if e.get("trigger") == "breach"}
    backup = [epoch(e.get("at")) or 0 for e in escalations
              if "oncall_backup" in (e.get("actions") or ())]
    manager = [epoch(e.get("at")) or 0 for e in escalations if e.get("trigger") == "oncall"]
    if status == "assigned" and backup and max(backup) > max(manager, default=0):
        # R2: the incident manager's call is due some time after the backup's (config)
        times.append(max(backup))
    for phase, clock in (doc.get("sla") or {}).items():
        if not isinstance(clock, dict) or clock.get("stop") or phase in fired:
            continue
        deadline = epoch(clock.get("deadline"))
        if deadline is None:
            continue
        if frozen is not None and deadline > frozen:
            continue            # paused before its deadline: it cannot breach while waiting
        times.append(deadline)
    known = [t for t in times if t is not None]
    return min(known) if known else None


def _row(path: str, sha: str, doc: dict[str, Any]) -> tuple[Any, ...]:
    pending = doc.pop("_pending", None)
    if pending is None:
        pending = sum(1 for n in doc.get("notifications") or ()
                      if isinstance(n, dict) and n.get("status") not in ("sent", "refused"))
    status = doc.get("status")
    alert: dict[str, Any] = doc["alert"] if isinstance(doc.get("alert"), dict) else {}
    mail: dict[str, Any] = doc["mail"] if isinstance(doc.get("mail"), dict) else {}
    return (path, sha, str(doc.get("id")), status, doc.get("group"),
            doc.get("priority"), doc.get("assignee"), str(doc.get("opened_at") or ""),
            str(doc.get("updated_at") or ""), doc.get("master"),
            wake_at(doc), epoch(doc.get("resolved_at")) if status == "resolved" else None,
            1 if status == "closed" and doc.get("visit") is None else 0, pending,
            doc.get("source"), doc.get("type"), doc.get("close_code"),
            epoch(doc.get("opened_at")), alert.get("fingerprint"), alert.get("group"),
            mail.get("origin"), doc.get("opened_by"), watchers_key(doc.get("watchers")),
            epoch(doc.get("updated_at")), match_text(doc),
            pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL),
            pickle.dumps(brief(doc), protocol=pickle.HIGHEST_PROTOCOL))


def blob_id(data: bytes, commit: str) -> str:
    """The id git gives `data` as a blob, in the object format of `commit`'s id (sha1,
    or sha256 for a 64-digit one)."""
    body = b"blob %d\0" % len(data) + data
    if len(commit) == 64:
        import hashlib

        return hashlib.sha256(body).hexdigest()
    try:
        import _sha1  # hashlib itself loads OpenSSL: ~2 ms more
    except ImportError:  # pragma: no cover
        import hashlib

        return hashlib.sha1(body).hexdigest()
    return str(_sha1.sha1(body).hexdigest())


def watchers_key(watchers: Any) -> Optional[str]:
    """`|carol|dave|`: one LIKE '%|carol|%' finds a watcher's tickets (W6)."""
    if not isinstance(watchers, list) or not watchers:
        return None
    return "|" + "|".join(str(w) for w in watchers) + "|"


# what one line of the queue shows: reading these instead of the whole state (sla,
# description, tasks...) makes `list` of a 10,000-ticket queue ~10x cheaper in time
# and memory (issue 13)
BRIEF = ("id", "priority", "status", "group", "assignee", "opened_at", "title", "master",
         "slaves", "major")


def brief(doc: dict[str, Any]) -> tuple[Any, ...]:
    slaves = doc.get("slaves")
    return (doc.get("id"), doc.get("priority"), doc.get("status"), doc.get("group"),
            doc.get("assignee"), doc.get("opened_at"), doc.get("title", ""),
            doc.get("master"), len(slaves) if isinstance(slaves, list) else 0,
            bool(doc.get("major")))


def _head(root: Path) -> str:
    """The commit HEAD points to, read from .git as Desk.head reads it when HEAD names a
    branch; Desk.head itself (git, when it must be asked) otherwise. A read-only command
    then imports neither the store nor git (~10 ms of `list --mine`, issue 13)."""
    gitdir = root / ".git"
    try:
        text = (gitdir / "HEAD").read_text().strip()
    except OSError:
        text = ""
    if text.startswith("ref: refs/"):
        ref = text[5:]
        try:
            return (gitdir / ref).read_text().strip()
        except FileNotFoundError:
            from itsmctl.infra.refs import packed

            return packed(gitdir, ref) or ""
        except OSError:
            pass
    from itsmctl.infra.store import Desk

    return Desk(root).head() or ""


def open_index(root: Path, progress: Optional[Callable[[int, int], None]] = None) -> Index:
    """The desk's index, caught up with HEAD (progress reports (done, total) while building)."""
    index = Index(root)
    index.refresh(progress)
    return index
