"""The ticket model without pydantic (issue 13): msgspec structs that keep the pydantic
methods the code base calls, with the same results, and pydantic's error wording."""

from __future__ import annotations

import copy
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from itsmctl.core.model import Counters, Event, Invalid, Reporter, Ticket

UTC = timezone.utc
DOC = {
    "id": "INC-2611-AAAAA", "title": "打印机卡纸", "impact": 3, "urgency": "high",
    "priority": "P3", "opened_by": "alice", "opened_at": "2026-11-02T09:00:00+08:00",
    "updated_at": "2026-11-02T09:05:00Z",
    "history": [{"at": "2026-11-02T09:00:00+08:00", "actor": "alice", "action": "open",
                 "from": None, "to": "new", "changes": {"priority": [None, "P3"]}}],
}


def errors(doc: dict) -> list[str]:
    with pytest.raises(Invalid) as caught:
        Ticket.from_doc(doc)
    return [f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in caught.value.errors()]


def changed(**fields) -> dict:
    doc = copy.deepcopy(DOC)
    doc.update(fields)
    return doc


def test_importing_the_model_loads_no_pydantic():
    code = ("import sys, itsmctl.core.model\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pydantic'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_lax_input_as_pydantic_took_it():
    t = Ticket.from_doc(changed(priority_raise="1", impact="3", satisfaction="5", major=1,
                                opened_at=datetime(2026, 11, 2, 1, tzinfo=UTC)))
    assert (t.priority_raise, t.impact, t.satisfaction, t.major) == (1, "3", 5, True)
    assert t.updated_at == datetime(2026, 11, 2, 9, 5, tzinfo=UTC)
    assert t.history[0].from_ is None and t.classification.category is None
    assert Ticket.from_doc(DOC) == Ticket.from_doc(copy.deepcopy(DOC))


def test_the_file_shape_times_in_utc_as_z_and_offsets_kept():
    doc = Ticket.from_doc(DOC).to_doc()
    assert doc["opened_at"] == "2026-11-02T09:00:00+08:00"
    assert doc["updated_at"] == "2026-11-02T09:05:00Z"
    assert list(doc)[:3] == ["id", "title", "type"] and doc["history"][0]["from"] is None
    assert doc["counters"] == {"dispatches": 0, "transfers": 0, "returns": 0, "reopens": 0}


@pytest.mark.parametrize("now", [datetime(2026, 3, 1, 10, tzinfo=ZoneInfo("Asia/Shanghai")),
                                 datetime(2026, 3, 1, 10, 0, 0, 1500, tzinfo=UTC),
                                 datetime(2026, 3, 1, 10),
                                 datetime(2026, 3, 1, 10, tzinfo=timezone(-timedelta(hours=3.5)))])
def test_evolve_validates_and_dumps_times_and_tuples_as_pydantic(now):
    t = Ticket.from_doc(DOC)
    event = Event(at=now, actor="bob", action="note", changes={"k": (1, now)})
    after = t.evolve(updated_at=now, history=[*t.history, event],
                     counters=Counters(reopens=1).model_dump())
    text = now.isoformat().replace("+00:00", "Z")
    assert after.to_doc()["updated_at"] == text
    assert after.to_doc()["history"][-1]["changes"] == {"k": [1, text]}
    assert after.history[-1].model_dump()["changes"] == {"k": (1, now)}   # python mode keeps
    assert after.counters.reopens == 1 and t.counters.reopens == 0
    assert after.history[-1] is event       # a part given as one is kept, as pydantic did
    with pytest.raises(Invalid):
        t.evolve(status="bogus")


def test_dump_modes_aliases_and_copies():
    e = Ticket.from_doc(DOC).history[0]
    assert "from" in e.model_dump(by_alias=True) and "from_" in e.model_dump()
    assert e.model_dump(mode="json")["at"] == "2026-11-02T09:00:00+08:00"
    assert e.model_copy(update={"from_": "new"}).from_ == "new" and e.from_ is None
    assert Ticket.model_fields["history"].alias is None
    assert Event.model_fields["from_"].alias == "from"
    assert list(Reporter.model_fields)[:2] == ["id", "name"]
    assert dict(Reporter(name="x"))["name"] == "x"


def test_errors_say_field_and_message_as_pydantic_did_every_one():
    assert errors(changed(status="bogus", source="pigeon", title=None)) == [
        "title: Input should be a valid string",
        "source: Input should be 'phone', 'email', 'web', 'monitoring', 'staff' or 'transfer'",
        "status: Input should be 'new', 'assigned', 'in_progress', 'waiting', 'resolved' "
        "or 'closed'"]
    doc = changed(id="bad", zzz=1, impact=None)
    doc["history"] = [{"at": "x", "actor": 5, "action": "open", "bogus": 1}]
    assert errors(doc) == [
        "id: Value error, not a ticket id: 'bad'",
        "impact.int: Input should be a valid integer",
        "impact.str: Input should be a valid string",
        "history.0.at: Input should be a valid datetime",
        "history.0.actor: Input should be a valid string",
        "history.0.bogus: Extra inputs are not permitted",
        "zzz: Extra inputs are not permitted"]
    doc = changed(reporter="x", priority_raise="two", major="maybe")
    del doc["urgency"]
    assert errors(doc) == [
        "urgency: Field required",
        "priority_raise: Input should be a valid integer, unable to parse string as an integer",
        "major: Input should be a valid boolean, unable to interpret input",
        "reporter: Input should be a valid dictionary or instance of Reporter"]
    assert errors(changed(alert={"id": "a", "severity": "x", "message": "m",
                                 "labels": {"a": 1}})) == [
        "alert.labels.a: Input should be a valid string"]


@pytest.mark.parametrize("given, written", [
    ({"resolved_at": date(2026, 11, 3)}, {"resolved_at": "2026-11-03T00:00:00"}),
    ({"resolved_at": "2026-11-03"}, {"resolved_at": "2026-11-03T00:00:00"}),
    ({"closed_at": "2026-11-03 10:30+08:00"}, {"closed_at": "2026-11-03T10:30:00+08:00"}),
    ({"impact": True, "priority_raise": False}, {"impact": 1, "priority_raise": 0}),
    ({"major": "yes", "workaround": "Off"}, {"major": True, "workaround": False}),
])
def test_what_pydantic_took_and_msgspec_alone_refuses_is_still_taken(given, written):
    doc = Ticket.from_doc(changed(**given)).to_doc()
    assert {k: doc[k] for k in written} == written
    assert errors(changed(**given, status="bogus"))[0].startswith("status: Input should be")
