"""A ticket document read as the model would read it, without msgspec: only a document
in the exact shape the desk writes (every field, in the model's order, of its exact
type, times as msgspec writes them), so that its attributes here are the model's and
the document is the model's `to_doc()`; anything else is left to the model.

`show` of a full id reads its ticket this way (ui/quickshow.py): msgspec with typing,
enum and decimal, and building the model's classes, are ~9 ms of a ~40 ms `show`
(issue 13). The tables below mirror core/model.py field by field;
tests/core/test_plainticket.py checks them against the model's structs.
"""

from __future__ import annotations

from datetime import datetime

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional

STATUSES = frozenset({"new", "assigned", "in_progress", "waiting", "resolved", "closed"})

# a field's kind: "str", "int", "bool", "time", "level" (int or str), "strs" (list of
# str), "strmap" (str -> str), "any" (str -> anything plain), ("lit", values),
# ("part", table), ("parts", table) (a list of parts); "?" after a name, or ("opt",
# kind), allows None
REPORTER = (("id", "str?"), ("name", "str?"), ("kind", "str?"), ("phone", "str?"),
            ("email", "str?"), ("department", "str?"), ("location", "str?"))
ALERT = (("id", "str"), ("severity", "str"), ("message", "str"), ("fingerprint", "str?"),
         ("generator_url", "str?"), ("mode", ("lit", frozenset({"auto", "manual"}))),
         ("triggered_by", "str?"), ("status", ("lit", frozenset({"firing", "resolved"}))),
         ("cleared_at", "time?"), ("started_at", "time?"), ("source", "str?"),
         ("group", "str?"), ("labels", "strmap"))
CLASSIFICATION = (("category", "str?"), ("subtype", "str?"), ("symptom", "str?"),
                  ("causation", "str?"))
COUNTERS = (("dispatches", "int"), ("transfers", "int"), ("returns", "int"),
            ("reopens", "int"))
WAIT = (("code", "str"), ("since", "time"), ("until", "time?"),
        ("resume_to", ("lit", STATUSES)), ("reference", "str?"))
TASK = (("id", "str"), ("title", "str"), ("group", "str?"),
        ("status", ("lit", frozenset({"open", "done"}))), ("opened_at", "time"),
        ("opened_by", "str"), ("result", "str?"), ("done_at", "time?"), ("done_by", "str?"))
ANNOUNCEMENT = (("kind", ("lit", frozenset({"outage", "maintenance", "info"}))),
                ("title", "str"), ("body", "str"),
                ("status", ("lit", frozenset({"open", "closed"}))), ("at", "time"),
                ("by", "str"), ("closed_at", "time?"))
ESCALATION = (("trigger", "str"), ("at", "time"), ("level", "int"), ("actions", "strs"),
              ("phase", "str?"), ("reason", "str?"))
NOTIFICATION = (("id", "str"), ("trigger", "str"), ("at", "time"), ("recipients", "strs"),
                ("roles", "strs"), ("channels", "strs"),
                ("status", ("lit", frozenset({"pending", "sent", "failed", "refused"}))),
                ("attempts", "int"), ("sent_at", "time?"), ("error", "str?"),
                ("event", "int?"), ("origin", "str?"), ("claimed_at", "time?"),
                ("subject", "str"), ("body", "str"), ("facts", "any"),
                ("headers", "strmap"), ("outcomes", "strmap"))
ATTACHMENT = (("name", "str"), ("size", "int"), ("sha256", "str"), ("at", "time?"),
              ("by", "str?"))
MAIL = (("message_id", "str?"), ("origin", "str?"), ("received", "strs"))
VISIT = (("due", "time"), ("result", "str?"), ("at", "time?"), ("by", "str?"))
LINKS = (("problem", "str?"), ("change", "str?"), ("requirement", "str?"), ("cis", "strs"),
         ("caused_by_change", "str?"))
EVENT = (("at", "time"), ("actor", "str"), ("action", "str"), ("from", "str?"),
         ("to", "str?"), ("changes", "any"), ("note", "str?"), ("via", "str?"))
TICKET = (
    ("id", "str"), ("title", "str"),
    ("type", ("lit", frozenset({"incident", "service_request", "consultation",
                                "complaint"}))),
    ("source", ("lit", frozenset({"phone", "email", "web", "monitoring", "staff",
                                  "transfer"}))),
    ("verified", "bool"), ("status", ("lit", STATUSES)), ("impact", "level"),
    ("urgency", "str"), ("priority", "str"), ("priority_raise", "int"), ("major", "bool"),
    ("group", "str?"), ("assignee", "str?"), ("opened_by", "str"), ("opened_at", "time"),
    ("updated_at", "time"), ("resolved_at", "time?"), ("resolved_group", "str?"),
    ("closed_at", "time?"), ("description", "str"), ("reporter", ("opt", ("part", REPORTER))),
    ("mail", ("opt", ("part", MAIL))), ("alert", ("opt", ("part", ALERT))),
    ("location", "str?"), ("affected_users", "int?"),
    ("classification", ("part", CLASSIFICATION)), ("counters", ("part", COUNTERS)),
    ("wait", ("opt", ("part", WAIT))), ("solution", "str?"), ("workaround", "bool"),
    ("close_code", "str?"), ("satisfaction", "int?"), ("master", "str?"), ("slaves", "strs"),
    ("related", "strs"), ("recurrence_of", "str?"), ("links", ("part", LINKS)),
    ("watchers", "strs"), ("tasks", ("parts", TASK)), ("attachments", ("parts", ATTACHMENT)),
    ("announcement", ("opt", ("part", ANNOUNCEMENT))), ("escalations", ("parts", ESCALATION)),
    ("sla", "any"), ("notifications", ("parts", NOTIFICATION)),
    ("visit", ("opt", ("part", VISIT))), ("history", ("parts", EVENT)),
)
# names on disk that are not attribute names (Event.from_)
ATTRIBUTE = {"from": "from_"}
_BIG = 1 << 63                  # msgspec's integers are 64-bit


class Unfit(Exception):
    """The document is not in the shape the desk writes: the model reads it."""


class PlainPart:
    """A part of a ticket read from its document: the model's attributes, times as
    datetimes; `model_dump(mode="json")` is its document (the model's dump of it)."""

    def __init__(self, doc: dict[str, Any], fields: dict[str, Any]) -> None:
        self.__dict__.update(fields)
        self._doc = doc

    def model_dump(self, *, mode: str = "python") -> dict[str, Any]:
        if mode != "json":
            raise Unfit("only the json dump is the document's")
        return dict(self._doc)


def read(doc: Any) -> PlainPart:
    """The ticket a canonical document holds; Unfit for any other document."""
    return _part(doc, TICKET)


def _part(doc: Any, table: tuple[tuple[str, Any], ...]) -> PlainPart:
    if type(doc) is not dict or len(doc) != len(table):
        raise Unfit("not a mapping of the model's fields")
    fields = {}
    for (name, kind), (key, value) in zip(table, doc.items()):
        if key != name:
            raise Unfit(f"{key} where the model has {name}")
        fields[ATTRIBUTE.get(name, name)] = _value(kind, value)
    return PlainPart(doc, fields)


def _value(kind: Any, value: Any) -> Any:
    if type(kind) is str:
        if kind[-1] == "?":
            if value is None:
                return None
            kind = kind[:-1]
        if kind == "str":
            if type(value) is str:
                return value
        elif kind == "time":
            return _time(value)
        elif kind == "int":
            if type(value) is int and -_BIG <= value < _BIG:
                return value
        elif kind == "bool":
            if type(value) is bool:
                return value
        elif kind == "level":
            if type(value) is str or type(value) is int and -_BIG <= value < _BIG:
                return value
        elif kind == "strs":
            if type(value) is list and all(type(v) is str for v in value):
                return value
        elif kind == "strmap":
            if type(value) is dict and all(type(v) is str for v in value.values()):
                return value
        elif kind == "any":
            if type(value) is dict and _plain(value):
                return value
        raise Unfit(f"not a {kind}: {value!r}")
    what, inner = kind
    if what == "opt":
        return None if value is None else _value(inner, value)
    if what == "lit":
        if type(value) is str and value in inner:
            return value
    elif what == "part":
        return _part(value, inner)
    elif what == "parts" and type(value) is list:
        return [_part(v, inner) for v in value]
    raise Unfit(f"not a {what}: {value!r}")


def _plain(value: Any) -> bool:
    """Text, numbers, booleans, None, and lists and str-keyed mappings of them: what a
    free-form field holds as the model reads and dumps it."""
    kind = type(value)
    if kind is dict:
        return all(type(k) is str and _plain(v) for k, v in value.items())
    if kind is list:
        return all(_plain(v) for v in value)
    if kind is int:
        return -_BIG <= value < _BIG
    return value is None or kind is str or kind is bool or kind is float


def _time(value: Any) -> datetime:
    """A time with its offset as msgspec writes it ('Z' for UTC): the datetime msgspec
    reads from it, and what the model's dump writes back is the same text."""
    if type(value) is str and len(value) in (20, 25, 27, 32) and value[10:11] == "T":
        try:
            found: Optional[datetime] = datetime.fromisoformat(value)
        except ValueError:
            found = None
        if found is not None and found.tzinfo is not None:
            text = found.isoformat()
            if text.endswith("+00:00"):
                text = text[:-6] + "Z"
            if text == value:
                return found
    raise Unfit(f"not a time as the desk writes it: {value!r}")
