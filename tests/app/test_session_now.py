"""S7: the session's 'now' is the time given with an offset as it is, without loading
the desk's time zone (zoneinfo with sysconfig, issue 13); a time without an offset, or
the clock, is in the desk's zone, as before."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone

from itsmctl.infra.clock import given_instant, now
from tests.app.helpers import session


def test_S7_a_time_with_an_offset_is_now_as_given_and_the_zone_is_not_read(desk):
    s = session(desk, now="2026-11-25T09:30:00-05:00")
    assert s.now == datetime(2026, 11, 25, 9, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert s.now.utcoffset() == timedelta(hours=-5)
    assert "tz" not in s.__dict__                   # the zone was not looked up
    assert s.now == now(s.now_given, s.tz)          # what the zone would have given


def test_S7_without_an_offset_or_a_time_given_the_desk_zone_decides(desk, monkeypatch):
    s = session(desk, now="2026-11-25T09:30:00")
    assert given_instant(s.now_given) is None
    assert s.now == now(s.now_given, s.tz) and s.now.tzinfo is not None
    monkeypatch.delenv("ITSMCTL_NOW", raising=False)
    clock = session(desk, now=None)  # type: ignore[arg-type]
    assert clock.now.tzinfo is not None and "tz" in clock.__dict__
    monkeypatch.setenv("ITSMCTL_NOW", "2026-11-25T01:00:00Z")
    assert given_instant(None) == datetime(2026, 11, 25, 1, 0, tzinfo=timezone.utc)


def test_note_with_an_offset_loads_no_time_zone_database(desk):
    from tests.helpers import BILLING, NOW, open_ticket

    ticket = open_ticket(desk, *BILLING)
    code = ("import sys, atexit\n"
            "atexit.register(lambda: print('ZONE', 'zoneinfo' in sys.modules, "
            "'sysconfig' in sys.modules, file=sys.stderr))\n"
            "sys.argv = ['itsmctl'] + sys.argv[1:]\n"
            "from itsmctl.ui.entry import main\nmain()\n")
    for text in ("caches", "n"):
        proc = subprocess.run([sys.executable, "-c", code, "--repo", str(desk), "--actor",
                               "alice", "--now", NOW, "note", ticket, "--text", text],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == "ZONE False False", proc.stderr
