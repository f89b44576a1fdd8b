"""The ticket: current state on top, an append-only history below (SPEC 2).

msgspec structs, not pydantic models: a transition process imports this module, and
pydantic plus building these classes as models cost ~45 ms of its start (issue 13).
_Part keeps the handful of pydantic methods the code base calls on tickets, with the
same meaning (model_copy, model_dump, model_validate, model_fields), and Invalid keeps
the shape of pydantic's errors (loc tuple and message) for validate and audit."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Iterator, Literal, NamedTuple, Optional, TypeVar, Union
from uuid import UUID

import msgspec

from itsmctl.core.states import OPEN_STATUSES, STATUSES  # noqa: F401  (imported from here)

TYPES = ("incident", "service_request", "consultation", "complaint")
SOURCES = ("phone", "email", "web", "monitoring", "staff", "transfer")
USER_SOURCES = ("phone", "email", "web", "transfer")

Status = Literal["new", "assigned", "in_progress", "waiting", "resolved", "closed"]
TicketType = Literal["incident", "service_request", "consultation", "complaint"]
Source = Literal["phone", "email", "web", "monitoring", "staff", "transfer"]
Level = Union[int, str]

ID_RE = re.compile(r"^([A-Z]{2,5})-(\d{2})(\d{2})-([0-9A-Z]{5})$")

P = TypeVar("P", bound="_Part")


def as_time(value: Any) -> Optional[datetime]:
    """A time from a model field or an index row's ISO text; None when it is neither."""
    if value is None or isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def ticket_path(ticket_id: str) -> str:
    """tickets/YYYY/MM/<ID>.yaml, derived from the ID alone."""
    m = ID_RE.match(ticket_id)
    if not m:
        raise ValueError(f"not a ticket id: {ticket_id!r}")
    return f"tickets/20{m.group(2)}/{m.group(3)}/{ticket_id}.yaml"


class FieldInfo(NamedTuple):
    """What callers read of a pydantic FieldInfo: the name on disk and the type."""

    alias: Optional[str]
    annotation: Any


class _Fields:
    """`Model.model_fields`: field name -> FieldInfo, in declaration order."""

    def __get__(self, obj: Any, owner: type) -> dict[str, FieldInfo]:
        return {f.name: FieldInfo(f.encode_name if f.encode_name != f.name else None, f.type)
                for f in msgspec.structs.fields(owner)}


class _Part(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A part of a ticket (extra keys refused, like pydantic's extra="forbid")."""

    model_fields = _Fields()

    @classmethod
    def model_validate(cls: type[P], obj: Any) -> P:
        """Validate a plain mapping (pydantic's lax coercions: "5" -> 5, ISO text -> a
        datetime); Invalid when it does not fit."""
        try:
            return msgspec.convert(obj, cls, strict=False)
        except msgspec.ValidationError as exc:
            from itsmctl.core.schema import lax

            fixed = lax(cls, obj)       # what pydantic took and msgspec does not
            if fixed is None:
                raise Invalid(cls, obj, exc) from None
        try:
            return msgspec.convert(fixed, cls, strict=False)
        except msgspec.ValidationError as exc:
            raise Invalid(cls, fixed, exc) from None

    def model_copy(self: P, update: Optional[dict[str, Any]] = None) -> P:
        """A shallow copy with `update` set as given, not validated (as pydantic)."""
        return msgspec.structs.replace(self, **(update or {}))

    def model_dump(self, *, mode: str = "python", by_alias: bool = False,
                   exclude_none: bool = False) -> dict[str, Any]:
        """The fields as a dict: nested parts as dicts; mode="json" also makes times ISO
        text ("Z" for UTC, as pydantic); by_alias names Event.from_ "from"."""
        if exclude_none:
            raise NotImplementedError("exclude_none")
        if mode == "json":
            return _json(self if by_alias else _python(self, False), type(self))
        return _python(self, by_alias)

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        """(name, value) pairs, as iterating a pydantic model gives."""
        for name in self.__struct_fields__:
            yield name, getattr(self, name)


def _json(value: Any, cls: type) -> Any:
    """pydantic's json-mode dump: times as ISO text, and tuples in the free-form parts
    (an event's changes, sla, a notice's facts: typed Any) as lists, which
    msgspec.to_builtins keeps as tuples. Walking only those parts costs ~1 us a ticket,
    walking the whole document ~40 us."""
    doc = msgspec.to_builtins(value, str_keys=True)
    if cls is Ticket:
        doc["sla"] = _lists(doc["sla"])
        for part in doc["history"]:
            part["changes"] = _lists(part["changes"])
        for part in doc["notifications"]:
            part["facts"] = _lists(part["facts"])
    elif cls is Event:
        doc["changes"] = _lists(doc["changes"])
    elif cls is Notification:
        doc["facts"] = _lists(doc["facts"])
    return doc


def _lists(value: Any) -> Any:
    """Tuples as lists, at any depth (msgspec.to_builtins keeps tuples)."""
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, (dict, list, tuple)):
                value[k] = _lists(v)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            if isinstance(v, (dict, list, tuple)):
                value[i] = _lists(v)
    elif isinstance(value, tuple):
        return [_lists(v) for v in value]
    return value


def _python(part: _Part, by_alias: bool) -> Any:
    """pydantic's python-mode dump: parts as dicts (lists and dicts copied), times and
    other values kept as they are; field names unless by_alias (Event's "from")."""
    doc = msgspec.to_builtins(part, builtin_types=_KEEP)
    if by_alias:
        return doc
    if isinstance(part, Event):
        return _unalias(doc)
    if isinstance(part, Ticket):
        doc["history"] = [_unalias(e) for e in doc["history"]]
    return doc


def _unalias(event: dict[str, Any]) -> dict[str, Any]:
    return {"from_" if k == "from" else k: v for k, v in event.items()}


_KEEP = (datetime, date, time, timedelta, Decimal, UUID, bytes, bytearray)


class Reporter(_Part, kw_only=True):
    id: Optional[str] = None
    name: Optional[str] = None
    kind: Optional[str] = None
    phone: Optional[str] = None
    email: Optional[str] = None
    department: Optional[str] = None
    location: Optional[str] = None


class Alert(_Part, kw_only=True):
    id: str
    severity: str
    message: str
    fingerprint: Optional[str] = None
    generator_url: Optional[str] = None
    mode: Literal["auto", "manual"] = "auto"
    triggered_by: Optional[str] = None
    status: Literal["firing", "resolved"] = "firing"
    cleared_at: Optional[datetime] = None
    started_at: Optional[datetime] = None       # H1: with the fingerprint, one firing
    source: Optional[str] = None                # alertmanager, grafana, zabbix, nagios…
    group: Optional[str] = None                 # H1 storm key (monitoring.yaml storm)
    labels: dict[str, str] = {}


class Classification(_Part, kw_only=True):
    category: Optional[str] = None
    subtype: Optional[str] = None
    symptom: Optional[str] = None
    causation: Optional[str] = None


class Counters(_Part, kw_only=True):
    dispatches: int = 0
    transfers: int = 0
    returns: int = 0
    reopens: int = 0


class Wait(_Part, kw_only=True):
    code: str
    since: datetime
    until: Optional[datetime] = None
    resume_to: Status
    reference: Optional[str] = None


class Task(_Part, kw_only=True):
    id: str
    title: str
    group: Optional[str] = None
    status: Literal["open", "done"] = "open"
    opened_at: datetime
    opened_by: str
    result: Optional[str] = None
    done_at: Optional[datetime] = None
    done_by: Optional[str] = None


class Announcement(_Part, kw_only=True):
    kind: Literal["outage", "maintenance", "info"]
    title: str
    body: str
    status: Literal["open", "closed"] = "open"
    at: datetime
    by: str
    closed_at: Optional[datetime] = None


class Escalation(_Part, kw_only=True):
    trigger: str
    at: datetime
    level: int = 1
    actions: list[str] = []
    phase: Optional[str] = None
    reason: Optional[str] = None


class Notification(_Part, kw_only=True):
    """One message through one channel for one history event (N1-N3, core/notices.py)."""

    id: str                                 # <ticket id>-<event index>-<n>: never re-planned
    trigger: str
    at: datetime
    recipients: list[str] = []
    roles: list[str] = []
    channels: list[str] = []
    # refused: sent to every recipient the server took; the rest refused for good (5xx)
    status: Literal["pending", "sent", "failed", "refused"] = "pending"
    attempts: int = 0
    sent_at: Optional[datetime] = None
    error: Optional[str] = None
    event: Optional[int] = None             # index in history of the event it announces
    origin: Optional[str] = None            # clone that delivers it (None: any sweeper)
    claimed_at: Optional[datetime] = None   # when another clone took it over (N3)
    subject: str = ""
    body: str = ""
    # the facts of its event (status, priority, group... right after it): a retry sends
    # what happened then, not the ticket's state at retry time (N4)
    facts: dict[str, Any] = {}
    # what it was sent with (E5): Message-ID, In-Reply-To, References, Subject, To, Date
    headers: dict[str, str] = {}
    # per recipient: "sent", "refused: <server reply>" (final) or "failed: <reason>" (E5)
    outcomes: dict[str, str] = {}


class Attachment(_Part, kw_only=True):
    """A file kept under attachments/<ticket id>/ (E4); the file is checked by validate."""

    name: str
    size: int
    sha256: str
    at: Optional[datetime] = None
    by: Optional[str] = None


class MailThread(_Part, kw_only=True):
    """The ticket's mail thread (E2, E5): the root Message-ID of the desk's first notice,
    the Message-ID of the mail that opened it, and every Message-ID taken in (E3)."""

    message_id: Optional[str] = None
    origin: Optional[str] = None
    received: list[str] = []


SETTLED = ("sent", "refused")            # notification states nothing more is done for


class Visit(_Part, kw_only=True):
    due: datetime
    result: Optional[str] = None
    at: Optional[datetime] = None
    by: Optional[str] = None


class Links(_Part, kw_only=True):
    problem: Optional[str] = None
    change: Optional[str] = None
    requirement: Optional[str] = None
    cis: list[str] = []
    caused_by_change: Optional[str] = None


class Event(_Part, kw_only=True):
    """One transition: who did what, when, from which state to which, and why."""

    at: datetime
    actor: str
    action: str
    from_: Optional[str] = msgspec.field(default=None, name="from")
    to: Optional[str] = None
    changes: dict[str, Any] = {}
    note: Optional[str] = None
    via: Optional[str] = None


class Ticket(_Part, kw_only=True):
    """A ticket file; key order here is the order on disk."""

    id: str
    title: str
    type: TicketType = "incident"
    source: Source = "phone"
    verified: bool = True                   # B2: user-submitted tickets open unverified
    status: Status = "new"
    impact: Level
    urgency: str
    priority: str
    priority_raise: int = 0
    major: bool = False
    group: Optional[str] = None
    assignee: Optional[str] = None
    opened_by: str
    opened_at: datetime
    updated_at: datetime
    resolved_at: Optional[datetime] = None
    resolved_group: Optional[str] = None
    closed_at: Optional[datetime] = None
    description: str = ""
    reporter: Optional[Reporter] = None
    mail: Optional[MailThread] = None
    alert: Optional[Alert] = None
    location: Optional[str] = None
    affected_users: Optional[int] = None
    classification: Classification = msgspec.field(default_factory=Classification)
    counters: Counters = msgspec.field(default_factory=Counters)
    wait: Optional[Wait] = None
    solution: Optional[str] = None
    workaround: bool = False
    close_code: Optional[str] = None
    satisfaction: Optional[int] = None
    master: Optional[str] = None
    slaves: list[str] = []
    related: list[str] = []
    recurrence_of: Optional[str] = None
    links: Links = msgspec.field(default_factory=Links)
    watchers: list[str] = []                    # W6: people who get this ticket's notices
    tasks: list[Task] = []
    attachments: list[Attachment] = []
    announcement: Optional[Announcement] = None
    escalations: list[Escalation] = []
    sla: dict[str, Any] = {}
    notifications: list[Notification] = []
    visit: Optional[Visit] = None
    history: list[Event] = []

    def __post_init__(self) -> None:
        if not ID_RE.match(self.id):
            raise ValueError(f"{_ID_CHECK}{self.id!r}")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def path(self) -> str:
        return ticket_path(self.id)

    def to_doc(self) -> dict[str, Any]:
        """The plain mapping written to disk and printed by `show --json`."""
        return _json(self, Ticket)

    @classmethod
    def from_doc(cls, doc: Any) -> "Ticket":
        return cls.model_validate(doc)

    def evolve(self, **changes: Any) -> "Ticket":
        """A validated copy with changes (model_copy would skip validation): every part
        is rebuilt from plain data, as pydantic's dump and validate did."""
        doc = _python(self, True)
        doc.update(changes)
        return type(self).model_validate(doc)


class Invalid(ValueError):
    """A document that does not fit a model. errors() lists every error in pydantic's
    shape and wording (loc as a tuple, msg), in field order: validate and audit print
    'file: a.b: message' as before (core/schema.py)."""

    def __init__(self, cls: type, doc: Any, exc: msgspec.ValidationError) -> None:
        super().__init__(str(exc))
        self.cls, self.doc = cls, doc

    def errors(self) -> list[dict[str, Any]]:
        from itsmctl.core.schema import errors

        return [{"loc": loc, "msg": msg} for loc, msg in errors(self.cls, self.doc, str(self))]


_ID_CHECK = "not a ticket id: "
