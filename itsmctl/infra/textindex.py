"""The words of every ticket in an SQLite FTS5 table beside the ticket cache (W1).

Same file as infra/index.py (.git/itsmctl/index.sqlite) and kept in step with HEAD the
same way, by blob: built once from `git ls-tree`, then caught up from `git diff-tree`
reading only the changed blobs. It follows HEAD on its own mark (`text_commit`), only
when a search asks, so `list` and `sweep` never pay for it. The columns are
core/search.py's; they hold tokens separated by spaces, so FTS5's `unicode61`
tokenizer keeps each Chinese character pair whole and ranking is bm25 over them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional

if TYPE_CHECKING:
    from pathlib import Path

    from itsmctl.infra.index import Index

FORMAT = "2"      # 2: words of every script, Latin accents dropped
_SCHEMA = """
CREATE TABLE IF NOT EXISTS text_paths (
    rowid INTEGER PRIMARY KEY, path TEXT UNIQUE NOT NULL, id TEXT NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS ticket_text USING fts5(
    title, who, things, body, tokenize = 'unicode61 remove_diacritics 0');
"""
_BATCH = 1000
Progress = Callable[[int, int], None]


def notes_of(text: str) -> list[str]:
    """The `note:` values of a ticket file's history, as dump_ticket writes them (plain,
    quoted, or a literal block); raw enough for search words, never for display."""
    start = text.find("\nhistory:")
    if start < 0:
        return []
    lines = text[start + 1:].split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.startswith("  note: "):
            continue
        value = line[8:].strip()
        if value in ("null", "~", "''"):
            continue
        parts = [] if value[:1] in ("|", ">") else [value]
        while i < len(lines) and (lines[i].startswith("   ") or
                                  (not lines[i].strip() and i + 1 < len(lines)
                                   and lines[i + 1].startswith("   "))):
            parts.append(lines[i].strip())
            i += 1
        out.append(" ".join(parts).strip("'\""))
    return out


def columns_of(path: str, data: bytes) -> tuple[str, str, str, str, str]:
    """(id, title, who, things, body) of one ticket blob."""
    from pathlib import PurePosixPath

    from itsmctl.core.search import document
    from itsmctl.infra.index import parse_head

    text = data.decode("utf-8", "replace")
    doc = parse_head(data, path) or {}
    ticket_id = str(doc.get("id") or PurePosixPath(path).stem)
    return (ticket_id, *document(doc, notes_of(text)))


def _chunk(root: "Path", chunk: list[tuple[list[str], str]]) -> list[tuple[str, ...]]:
    """A worker's share: its own `git cat-file --batch`, then the words."""
    from itsmctl.infra import git

    blobs = git.cat_batch(root, [sha for _, sha in chunk])
    return [(path, *columns_of(path, blobs[sha])) for paths, sha in chunk if sha in blobs
            for path in paths]


def _rows(root: "Path", by_sha: dict[str, list[str]]) -> Iterator[list[tuple[str, ...]]]:
    from itsmctl.infra.index import PARALLEL_FROM

    items = [(paths, sha) for sha, paths in by_sha.items()]
    if len(items) < PARALLEL_FROM:
        from itsmctl.infra import git

        batch: list[tuple[str, ...]] = []
        for sha, data in git.cat_blobs(root, list(by_sha)):
            batch.extend((path, *columns_of(path, data)) for path in by_sha[sha])
            if len(batch) >= _BATCH:
                yield batch
                batch = []
        yield batch
        return
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    chunks = [items[i:i + 500] for i in range(0, len(items), 500)]
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=max(1, os.cpu_count() or 1), mp_context=ctx) as pool:
        yield from pool.map(_chunk, [root] * len(chunks), chunks)


class TextIndex:
    """The FTS5 table of one desk, in the ticket cache's database."""

    def __init__(self, index: "Index") -> None:
        self.index = index
        self.db = index.db
        self.db.executescript(_SCHEMA)

    def _meta(self, key: str) -> Optional[str]:
        return self.index._meta(key)

    def refresh(self, progress: Optional[Progress] = None) -> int:
        """Catch up with the commit the ticket cache is at; returns the files (re)read."""
        head = self._meta("commit")
        cached = self._meta("text_commit") if self._meta("text_format") == FORMAT else None
        if cached == head:
            return 0
        self.db.execute("BEGIN IMMEDIATE")
        try:
            if self._meta("text_format") == FORMAT and self._meta("text_commit") == head:
                self.db.execute("COMMIT")
                return 0
            changes = self.index._changes(cached, head) if head and cached else None
            if changes is None:
                self.db.execute("DELETE FROM text_paths")
                self.db.execute("DELETE FROM ticket_text")
                changes = self.index._all(head) if head else []
            count = self._apply(changes, progress)
            self.db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                                [("text_commit", head or ""), ("text_format", FORMAT)])
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return count

    def _apply(self, changes: list[tuple[str, Optional[str]]],
               progress: Optional[Progress]) -> int:
        self._forget([p for p, sha in changes if sha is None])
        by_sha: dict[str, list[str]] = {}
        for path, sha in changes:
            if sha is not None:
                by_sha.setdefault(sha, []).append(path)
        done = 0
        for rows in _rows(self.index.root, by_sha):
            self._store(rows)
            done += len(rows)
            if progress:
                progress(min(done, len(by_sha)), len(by_sha))
        return done

    def _forget(self, paths: list[str]) -> None:
        for i in range(0, len(paths), 500):
            part = paths[i:i + 500]
            marks = ",".join("?" * len(part))
            self.db.execute(f"DELETE FROM ticket_text WHERE rowid IN (SELECT rowid FROM "
                            f"text_paths WHERE path IN ({marks}))", part)
            self.db.execute(f"DELETE FROM text_paths WHERE path IN ({marks})", part)

    def _store(self, rows: list[tuple[str, ...]]) -> None:
        if not rows:
            return
        self._forget([r[0] for r in rows])
        self.db.executemany("INSERT INTO text_paths (path, id) VALUES (?, ?)",
                            [(r[0], r[1]) for r in rows])
        marks = ",".join("?" * len(rows))
        ids = dict(self.db.execute(f"SELECT path, rowid FROM text_paths WHERE path IN "
                                   f"({marks})", [r[0] for r in rows]).fetchall())
        self.db.executemany("INSERT INTO ticket_text (rowid, title, who, things, body) "
                            "VALUES (?, ?, ?, ?, ?)", [(ids[r[0]], *r[2:]) for r in rows])

    def search(self, expression: str, weights: tuple[float, ...],
               limit: Optional[int]) -> list[tuple[str, float]]:
        """(ticket id, score) best first; higher scores are better matches."""
        sql = (f"SELECT p.id, -bm25(ticket_text, {','.join(str(float(w)) for w in weights)}) "
               "AS score FROM ticket_text JOIN text_paths p ON p.rowid = ticket_text.rowid "
               "WHERE ticket_text MATCH ? ORDER BY score DESC")
        args: list[Any] = [expression]
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        return [(str(i), float(s)) for i, s in self.db.execute(sql, args)]

    @staticmethod
    def ids_where() -> str:
        """A condition on the ticket cache: the ticket's words match (one parameter)."""
        return ("id IN (SELECT p.id FROM ticket_text JOIN text_paths p ON "
                "p.rowid = ticket_text.rowid WHERE ticket_text MATCH ?)")


def open_text(index: "Index", progress: Optional[Progress] = None) -> TextIndex:
    """The text index of a (fresh) ticket cache, caught up with it."""
    text = TextIndex(index)
    text.refresh(progress)
    return text
