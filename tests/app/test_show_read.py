"""`show`'s read of one ticket (app/queue.load, issue 13): a full id is read without the
desk's git machinery; every other case reads and reports as the desk does."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from itsmctl.app import queue
from itsmctl.core.model import ticket_path
from itsmctl.errors import InvalidFile, NotFound, UsageError
from tests.app.helpers import intake, session
from tests.helpers import NOW


def opened(desk: Path, title: str = "计费出错 invoice wrong") -> str:
    from itsmctl.app import lifecycle

    return lifecycle.open_ticket(session(desk), intake(title)).id


def by_desk(desk: Path, ref: str):
    """What load returned before it had a path of its own: the desk's resolve and read."""
    s = session(desk)
    return s.desk.read_file_ticket(s.root / ticket_path(s.resolve(ref)))


def failure(call) -> tuple[type, str]:
    with pytest.raises(Exception) as caught:
        call()
    return type(caught.value), str(caught.value)


def test_a_full_id_reads_the_same_ticket_as_the_desk(desk):
    tid = opened(desk)
    for ref in (tid, tid.lower(), f"  {tid}\n", tid[:-1], tid[:9]):
        assert queue.load(session(desk), ref) == by_desk(desk, ref)


def test_a_full_id_is_read_without_infra_store_git_or_subprocess(desk):
    tid = opened(desk)
    code = ("import json, sys\n"
            "from itsmctl.app.session import Session\n"
            "from itsmctl.app import queue\n"
            f"s = Session(repo={str(desk)!r}, actor_given='alice', now_given={NOW!r})\n"
            f"doc = queue.show_doc(s, queue.load(s, {tid!r}))\n"
            "print(json.dumps([doc['id'], [m for m in ('itsmctl.infra.store', "
            "'itsmctl.infra.git', 'subprocess') if m in sys.modules]]))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120).stdout
    assert json.loads(out) == [tid, []]


def test_errors_are_the_desks_own(desk):
    tid = opened(desk)
    other = opened(desk, "计费出错 second")
    missing = tid[:-5] + ("00000" if not tid.endswith("00000") else "11111")
    for ref in (missing, "NOPE-1", "IN", tid[:4]):
        got = failure(lambda: queue.load(session(desk), ref))
        assert got == failure(lambda: by_desk(desk, ref))
        assert got[0] in (NotFound, UsageError)
    path = desk / ticket_path(tid)
    text = path.read_text(encoding="utf-8")
    # a file whose id: names another ticket (G1)
    path.write_text(text.replace(f"id: {tid}", f"id: {other}"), encoding="utf-8")
    got = failure(lambda: queue.load(session(desk), tid))
    assert got[0] is InvalidFile and "belongs at" in got[1]
    assert got == failure(lambda: by_desk(desk, tid))
    # a field that does not fit the model, and a file that is not YAML
    path.write_text(text.replace("status: new", "status: sideways"), encoding="utf-8")
    got = failure(lambda: queue.load(session(desk), tid))
    assert got[0] is InvalidFile and "status" in got[1]
    assert got == failure(lambda: by_desk(desk, tid))
    path.write_text("- a list\n- at the top\n", encoding="utf-8")
    assert failure(lambda: queue.load(session(desk), tid)) == failure(
        lambda: by_desk(desk, tid))
    path.write_bytes(b"id: [unclosed\n\xff")
    got = failure(lambda: queue.load(session(desk), tid))
    assert got[0] is InvalidFile and got == failure(lambda: by_desk(desk, tid))
    path.unlink()
    path.mkdir()
    assert failure(lambda: queue.load(session(desk), tid)) == failure(
        lambda: by_desk(desk, tid))


def test_a_desk_without_git_says_so_as_before(desk):
    tid = opened(desk)
    shutil.rmtree(desk / ".git")
    got = failure(lambda: queue.load(session(desk), tid))
    assert got[0] is NotFound and "not a git repository" in got[1]
