"""An index written by an older itsmctl (another FORMAT, fewer columns) is rebuilt, not a
crash: the format is read before the schema's indexes name the new columns."""

import sqlite3

from itsmctl.infra.index import FORMAT, open_index
from tests.helpers import itsm, ok, open_ticket


def test_an_older_index_is_rebuilt_on_upgrade(desk):
    tid = open_ticket(desk)
    path = desk / ".git" / "itsmctl" / "index.sqlite"
    for extra in ("", "-wal", "-shm"):
        (desk / ".git" / "itsmctl" / f"index.sqlite{extra}").unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.executescript("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);"
                     "CREATE TABLE tickets (path TEXT PRIMARY KEY, blob TEXT NOT NULL, id TEXT,"
                     " status TEXT, head BLOB NOT NULL);"
                     "INSERT INTO meta VALUES ('format', '1'), ('commit', 'x');")
    db.commit()
    db.close()
    index = open_index(desk)
    try:
        assert [d["id"] for d in index.query()] == [tid]
        assert index._meta("format") == FORMAT
    finally:
        index.close()
    assert tid in ok(itsm(desk, "list")).out
