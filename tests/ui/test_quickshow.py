"""`show` from prepared data (ui/quickshow.py, issue 13) prints what the full `show`
prints, on tickets of every shape, as text at any width and as JSON; and it declines,
having printed nothing, wherever it cannot be sure: the full `show` then runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Optional

import pytest

from itsmctl.app import queue
from itsmctl.core.model import ID_RE, ticket_path
from itsmctl.infra import showfacts, upkeep
from itsmctl.infra.yaml import dump_ticket
from itsmctl.ui import quickshow
from itsmctl.ui.pager import width
from itsmctl.ui.quickshow import full_id, prepared
from itsmctl.ui.state import State
from itsmctl.ui.views import describe
from tests.helpers import NOW
from tests.ticket_shapes import LIBYAML, SHAPES, UNFIT, shapes

IDS = [f"INC-2611-S{i:04d}" for i in range(len(SHAPES))]
LEFT = {tid for tid, shape in zip(IDS, SHAPES) if shape in LIBYAML}


def state(desk: Path, as_json: bool = False, now: Optional[str] = NOW) -> State:
    return State(repo=str(desk), actor="alice", now=now, json=as_json)


def full(desk: Path, ref: str, as_json: bool = False, now: Optional[str] = NOW
         ) -> tuple[str, Any]:
    """What ui/showing.full prints, as prepared() gives it."""
    session = state(desk, as_json, now).session
    ticket = queue.load(session, ref)
    doc = queue.show_doc(session, ticket)
    return ("json", doc) if as_json else ("text", describe(session.policy, ticket, doc,
                                                           width()))


def keep_facts(desk: Path) -> None:
    showfacts.keep(str(desk), showfacts.stamp(str(desk)), state(desk).session.policy)


def write(desk: Path, doc: Any, tid: str) -> None:
    path = desk / ticket_path(tid)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(dump_ticket(doc))


@pytest.fixture
def shaped(desk, monkeypatch) -> Path:
    """The desk with a ticket of every shape, and show's facts kept."""
    from itsmctl.app import lifecycle
    from tests.app.helpers import intake, session

    monkeypatch.delenv("COLUMNS", raising=False)
    base = lifecycle.open_ticket(session(desk), intake()).to_doc()
    for doc in shapes(base, IDS).values():
        write(desk, doc, doc["id"])
    keep_facts(desk)
    return desk


@pytest.mark.parametrize("columns", [None, "60", "200"])
def test_every_shape_prints_as_the_full_show_prints_it(shaped, monkeypatch, columns):
    if columns:
        monkeypatch.setenv("COLUMNS", columns)
    for tid in IDS:
        for as_json in (False, True):
            got = prepared(state(shaped, as_json), tid)
            assert (got is None) == (tid in LEFT), tid
            if got is not None:
                assert got == full(shaped, tid, as_json), tid
    assert prepared(state(shaped), f"  {IDS[0].lower()}\n") == full(shaped, IDS[0])


def test_other_times_and_the_clock_print_as_the_full_show(shaped, monkeypatch):
    for now in ("2026-11-20T09:30:00+08:00", "2026-11-21T02:00:00Z", "2027-01-01T00:00:00-05:00"):
        monkeypatch.setenv("ITSMCTL_NOW", now)
        for tid in IDS[1:4]:
            got = prepared(state(shaped, now=None), tid)
            assert got == full(shaped, tid, now=None) and got is not None
    monkeypatch.delenv("ITSMCTL_NOW")
    # the system clock: the same second, or the next one
    got = prepared(state(shaped, as_json=True, now=None), IDS[1])
    assert got is not None and got[1]["sla"]["respond"]["start"]


def test_it_declines_without_facts_or_when_the_config_changed(shaped):
    facts = shaped / ".git" / "itsmctl" / showfacts.NAME
    assert prepared(state(shaped), IDS[0]) is not None
    sla = shaped / "config" / "sla.yaml"
    st = sla.stat()
    os.utime(sla, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert prepared(state(shaped), IDS[0]) is None
    keep_facts(shaped)                                 # as the full show does
    assert prepared(state(shaped), IDS[0]) == full(shaped, IDS[0])
    facts.write_bytes(b"not marshal")
    assert prepared(state(shaped), IDS[0]) is None
    facts.unlink()
    assert prepared(state(shaped), IDS[0]) is None


def test_it_declines_a_business_calendar_or_facts_that_do_not_fit(shaped, monkeypatch):
    real = showfacts.load(str(shaped))
    assert real is not None
    monkeypatch.setattr(showfacts, "load", lambda root: {**real, "calendar": True})
    assert prepared(state(shaped), IDS[1]) is None
    # a priority without targets: the full show says what is wrong, as before
    monkeypatch.setattr(showfacts, "load", lambda root: {**real, "targets": {}})
    assert prepared(state(shaped), IDS[1]) is None


def test_it_declines_what_needs_the_desk_or_its_zone(shaped):
    assert prepared(state(shaped, now="2026-11-25T09:00:00"), IDS[0]) is None
    assert prepared(state(shaped, now="2026-11-25 09:00"), IDS[0]) is None
    for ref in (IDS[0][:-1], IDS[0][:9], "NOPE-1", "INC-0001-00000", "", "INC-2611-S000١"):
        assert prepared(state(shaped), ref) is None
    (shaped / ".git" / "itsmctl" / "settings").unlink()         # a fresh clone
    assert prepared(state(shaped), IDS[0]) is None


def test_it_declines_a_directory_that_is_not_a_desk(shaped, tmp_path, monkeypatch):
    assert prepared(State(repo=str(tmp_path), now=NOW), IDS[0]) is None
    monkeypatch.chdir(shaped / "tickets")
    assert prepared(State(now=NOW), IDS[0]) == full(shaped, IDS[0])     # found upwards
    monkeypatch.chdir(tmp_path)
    assert prepared(State(now=NOW), IDS[0]) is None


@pytest.mark.parametrize("unfit", list(UNFIT))
def test_it_declines_a_ticket_file_not_in_the_desks_shape(shaped, unfit):
    doc = shapes(json.loads(json.dumps(queue.load(state(shaped).session, IDS[0]).to_doc())),
                 IDS)["everything"]
    UNFIT[unfit](doc)
    write(shaped, doc, doc["id"] if isinstance(doc.get("id"), str) else IDS[4])
    assert prepared(state(shaped), IDS[4]) is None
    assert prepared(state(shaped, as_json=True), IDS[4]) is None


def test_it_declines_a_misplaced_id_and_what_only_libyaml_reads(shaped):
    path = shaped / ticket_path(IDS[0])
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(f"id: {IDS[0]}", f"id: {IDS[1]}"), encoding="utf-8")
    assert prepared(state(shaped), IDS[0]) is None
    path.write_text(text.replace("title: ", 'title: "dq" ', 1), encoding="utf-8")
    assert prepared(state(shaped), IDS[0]) is None
    path.unlink()
    assert prepared(state(shaped), IDS[0]) is None


def test_its_id_and_settings_are_the_models_and_upkeeps():
    assert upkeep.VERSION == quickshow.SETTINGS_VERSION
    for text in ("INC-2611-S0000", "AB-0101-00000", "ABCDE-9912-ZZZZZ", "A-2611-S0000",
                 "ABCDEF-2611-S0000", "INC-2611-S000", "INC-2611-S00000", "INC-261-S0000",
                 "inc-2611-S0000", "INC-2611-s0000", "INC_2611-S0000", "INC-2611_S0000",
                 "INC-2611-S00-0", "INC-26X1-S0000", "INC--2611-S000", "INC-2611-S000\n",
                 "INC-٢611-S0000", ""):
        assert full_id(text) == (ID_RE.match(text) is not None and text.isascii()), text


ENTRY = ("import atexit, sys\n"
         "atexit.register(lambda: sys.stderr.write(str('msgspec' in sys.modules)))\n"
         "sys.argv[0] = 'itsmctl'\n"
         "from itsmctl.ui.entry import main\n"
         "main()\n")


def test_the_full_show_keeps_the_facts_and_the_next_show_uses_them(desk):
    from itsmctl.app import lifecycle
    from tests.app.helpers import intake, session

    tid = lifecycle.open_ticket(session(desk), intake()).id
    facts = desk / ".git" / "itsmctl" / showfacts.NAME
    assert not facts.exists()
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "ITSMCTL_NOW")}
    runs = [subprocess.run([sys.executable, "-c", ENTRY, "--repo", str(desk), "--actor",
                            "alice", "--now", NOW, "show", *args, tid], capture_output=True,
                           text=True, timeout=120, env=env)
            for args in ((), (), ("--json",), ("--json",))]
    assert [r.returncode for r in runs] == [0, 0, 0, 0]
    assert [r.stderr for r in runs] == ["True", "False", "False", "False"]
    assert runs[0].stdout == runs[1].stdout and tid in runs[0].stdout
    assert json.loads(runs[2].stdout) == full(desk, tid, as_json=True)[1]
    assert facts.exists()


LEAN = """
import sys
assert "datetime" not in sys.modules
from itsmctl.ui.quick import lean_datetime
lean_datetime()
import _datetime, pickle
import datetime
from datetime import datetime as dt, timedelta, timezone
stand_in = datetime
assert dt is _datetime.datetime and timedelta is _datetime.timedelta
when = dt(2026, 11, 25, 9, tzinfo=timezone(timedelta(hours=8)))
assert pickle.loads(pickle.dumps(when)) == when
assert datetime.date.today() and datetime.MAXYEAR == 9999
print(sys.modules["datetime"] is stand_in)
# anything else: the real module, which every later import gets, with the same types
assert stand_in.__file__.endswith("datetime.py") and "UTC" in stand_in.__all__
import datetime as again
print(again is not stand_in, again.datetime is dt, hasattr(again, "__file__"))
"""


def test_the_datetime_stand_in_gives_the_real_types_and_the_real_module_when_asked():
    out = subprocess.run([sys.executable, "-c", LEAN], capture_output=True, text=True,
                         check=True, timeout=60).stdout.split()
    expected = ["True", "True", "True", "True"] if sys.version_info < (3, 12) else \
        ["False", "False", "True", "True"]
    assert out == expected
