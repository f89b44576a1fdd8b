"""core/plainticket.py reads a canonical ticket document as the model does, and nothing
else: its tables are the model's fields, its attributes the model's attributes on
tickets of every shape, and any document not in the desk's exact shape is Unfit."""

from __future__ import annotations

import copy
import typing
from datetime import datetime
from typing import Any

import msgspec
import pytest

from itsmctl.core import model, plainticket
from itsmctl.core.model import Ticket
from itsmctl.core.plainticket import ATTRIBUTE, PlainPart, Unfit, read
from tests.ticket_shapes import CAUTIOUS, SHAPES, UNFIT, shapes

PARTS = {model.Reporter: plainticket.REPORTER, model.Alert: plainticket.ALERT,
         model.Classification: plainticket.CLASSIFICATION,
         model.Counters: plainticket.COUNTERS, model.Wait: plainticket.WAIT,
         model.Task: plainticket.TASK, model.Announcement: plainticket.ANNOUNCEMENT,
         model.Escalation: plainticket.ESCALATION,
         model.Notification: plainticket.NOTIFICATION,
         model.Attachment: plainticket.ATTACHMENT, model.MailThread: plainticket.MAIL,
         model.Visit: plainticket.VISIT, model.Links: plainticket.LINKS,
         model.Event: plainticket.EVENT, model.Ticket: plainticket.TICKET}
SIMPLE = {str: "str", int: "int", bool: "bool", datetime: "time"}


def kind_of(tp: Any) -> Any:
    """The table's kind for a model field's type."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp in SIMPLE:
        return SIMPLE[tp]
    if tp in PARTS:
        return ("part", PARTS[tp])
    if origin is typing.Literal:
        return ("lit", frozenset(args))
    if origin is typing.Union and type(None) in args:
        inner = kind_of(next(a for a in args if a is not type(None)))
        return inner + "?" if isinstance(inner, str) else ("opt", inner)
    if origin is typing.Union and set(args) == {int, str}:
        return "level"
    if origin is list:
        return "strs" if args == (str,) else ("parts", PARTS[args[0]])
    if origin is dict and args == (str, str):
        return "strmap"
    if origin is dict and args == (str, Any):
        return "any"
    raise AssertionError(f"no kind for {tp!r}")


@pytest.mark.parametrize("cls", list(PARTS), ids=lambda c: c.__name__)
def test_the_tables_are_the_models_fields_in_order(cls):
    fields = msgspec.structs.fields(cls)
    assert [name for name, _ in PARTS[cls]] == [f.encode_name for f in fields]
    assert [kind for _, kind in PARTS[cls]] == [kind_of(f.type) for f in fields]
    assert {f.encode_name: f.name for f in fields if f.encode_name != f.name} == {
        k: v for k, v in ATTRIBUTE.items() if cls is model.Event}


def same(plain: Any, real: Any, where: str = "ticket") -> None:
    """The plain reading's value is the model's: equal, of the same type, times with the
    same offset and text."""
    if isinstance(real, msgspec.Struct):
        assert isinstance(plain, PlainPart), where
        for name in real.__struct_fields__:
            same(getattr(plain, name), getattr(real, name), f"{where}.{name}")
        return
    assert type(plain) is type(real), (where, plain, real)
    if isinstance(real, list):
        assert len(plain) == len(real), where
        for i, (p, r) in enumerate(zip(plain, real)):
            same(p, r, f"{where}[{i}]")
        return
    assert plain == real, where
    if isinstance(real, datetime):
        assert (plain.isoformat(), plain.utcoffset()) == (real.isoformat(), real.utcoffset())


@pytest.fixture
def base(desk) -> dict[str, Any]:
    from itsmctl.app import lifecycle
    from tests.app.helpers import intake, session

    return lifecycle.open_ticket(session(desk), intake()).to_doc()


def ids(n: int) -> list[str]:
    return [f"INC-2611-{i:05d}" for i in range(n)]


@pytest.mark.parametrize("shape", list(SHAPES))
def test_a_canonical_document_reads_as_the_model_reads_it(base, shape):
    doc = shapes(base, ids(len(SHAPES)))[shape]
    kept = copy.deepcopy(doc)
    plain = read(doc)
    same(plain, Ticket.from_doc(kept))
    assert doc == kept                              # read changes nothing
    for part in plain.escalations + plain.tasks:    # what show's words dump
        assert part.model_dump(mode="json") == part._doc
    assert [e.from_ for e in plain.history] == [e["from"] for e in doc["history"]]


@pytest.mark.parametrize("unfit", list(UNFIT))
def test_any_other_document_is_unfit(base, unfit):
    doc = shapes(base, ids(len(SHAPES)))["everything"]
    UNFIT[unfit](doc)
    with pytest.raises(Unfit):
        read(doc)
    try:
        written = Ticket.from_doc(copy.deepcopy(doc)).to_doc()
    except model.Invalid:
        return                                      # the model refuses it too
    # the model reads it otherwise (repr: to ==, 1.0 == 1 == True), or, for the few
    # cautious ones, reads it as it is
    assert (repr(written) == repr(doc)) == (unfit in CAUTIOUS)


def test_a_document_that_is_not_a_mapping_is_unfit():
    for doc in ([], None, "id: x", [("id", "x")]):
        with pytest.raises(Unfit):
            read(doc)
