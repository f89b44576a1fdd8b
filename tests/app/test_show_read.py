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
from itsmctl.app.session import Session
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


def clocks_at_session_now(desk: Path, ref: str, now: str | None = None):
    """show_doc's clocks as they were computed before: at session.now."""
    from itsmctl.core.sla import clocks_doc

    s = session(desk, now=now) if now else Session(repo=str(desk), actor_given="alice")
    return clocks_doc(queue.load(s, ref), s.policy, s.now)


def clocks_shown(desk: Path, ref: str, now: str | None = None):
    s = session(desk, now=now) if now else Session(repo=str(desk), actor_given="alice")
    return queue.show_doc(s, queue.load(s, ref))["sla"]


def test_the_clocks_are_those_at_session_now_with_or_without_its_zone(desk, monkeypatch):
    """show_doc reads 'now' without the desk's time zone unless a time without an offset
    or a business calendar needs it: the clocks are the same either way."""
    from itsmctl.app import lifecycle

    tid = opened(desk)
    lifecycle.assign(session(desk), tid, "billing-app")
    desk_yaml = desk / "config" / "desk.yaml"
    text = desk_yaml.read_text(encoding="utf-8")
    desk_yaml.write_text(text.replace("timezone: Asia/Shanghai", "timezone: Asia/Tokyo")
                         if "timezone: Asia/Shanghai" in text else text, encoding="utf-8")
    nows = ("2026-11-25T11:00:00+08:00", "2026-11-26T01:30:00Z", "2026-11-25T18:45:00",
            "2026-11-27 09:00:00+09:00", "2026-12-30T08:00:00-05:00")
    for now in nows:
        assert clocks_shown(desk, tid, now) == clocks_at_session_now(desk, tid, now), now
    for now in nows[:3]:
        monkeypatch.setenv("ITSMCTL_NOW", now)
        assert clocks_shown(desk, tid) == clocks_at_session_now(desk, tid), now
    monkeypatch.delenv("ITSMCTL_NOW")
    for _ in range(5):          # the system clock: a try that straddles a second is retried
        before = clocks_at_session_now(desk, tid)
        shown = clocks_shown(desk, tid)
        if before == clocks_at_session_now(desk, tid):
            assert shown == before
            break
    else:
        raise AssertionError("the clock moved a second in each of 5 tries")
    sla_yaml = desk / "config" / "sla.yaml"
    sla_yaml.write_text(sla_yaml.read_text(encoding="utf-8").replace(
        "calendar: null", "calendar: {country: CN, hours: '09:00-12:00,13:30-18:00'}"),
        encoding="utf-8")
    for now in nows:
        assert clocks_shown(desk, tid, now) == clocks_at_session_now(desk, tid, now), now


def test_a_bad_now_is_the_same_usage_error(desk, monkeypatch):
    tid = opened(desk)
    got = failure(lambda: clocks_shown(desk, tid, "yesterday"))
    assert got[0] is UsageError and got == failure(
        lambda: clocks_at_session_now(desk, tid, "yesterday"))
    monkeypatch.setenv("ITSMCTL_NOW", "soon")
    got = failure(lambda: clocks_shown(desk, tid))
    assert got[0] is UsageError and "ITSMCTL_NOW" in got[1]
    assert got == failure(lambda: clocks_at_session_now(desk, tid))


def test_show_with_an_offset_or_the_system_clock_loads_no_time_zone(desk):
    tid = opened(desk)
    code = ("import json, sys\n"
            "from itsmctl.app.session import Session\n"
            "from itsmctl.app import queue\n"
            "now = sys.argv[1] or None\n"
            f"s = Session(repo={str(desk)!r}, actor_given='alice', now_given=now)\n"
            f"queue.show_doc(s, queue.load(s, {tid!r}))\n"
            "print(json.dumps('zoneinfo' in sys.modules))\n")
    queue.show_doc(session(desk), queue.load(session(desk), tid))    # the policy cache
    for now, loads in ((NOW, False), ("", False), ("2026-11-25T11:00:00", True)):
        out = subprocess.run([sys.executable, "-c", code, now], capture_output=True,
                             text=True, check=True, timeout=120).stdout
        assert json.loads(out) is loads, now
