"""The ticket: current state on top, an append-only history below (SPEC 2).

msgspec structs (core/part.py), not pydantic models: a transition process imports this
module, and pydantic plus building these classes as models cost ~45 ms of its start
(issue 13).

No `from __future__ import annotations`: msgspec evaluates string annotations with
typing.get_type_hints at the first decode of each process (~1.6 ms); these are
objects from the start."""

import re
from datetime import datetime
from typing import Any, Literal, Optional, Union

import msgspec

from itsmctl.core.part import Invalid, TicketPart, lists
from itsmctl.core.states import OPEN_STATUSES, STATUSES  # noqa: F401  (imported from here)

__all__ = ["Invalid"]           # validate and audit catch it from here

TYPES = ("incident", "service_request", "consultation", "complaint")
SOURCES = ("phone", "email", "web", "monitoring", "staff", "transfer")
USER_SOURCES = ("phone", "email", "web", "transfer")

Status = Literal["new", "assigned", "in_progress", "waiting", "resolved", "closed"]
TicketType = Literal["incident", "service_request", "consultation", "complaint"]
Source = Literal["phone", "email", "web", "monitoring", "staff", "transfer"]
Level = Union[int, str]

ID_RE = re.compile(r"^([A-Z]{2,5})-(\d{2})(\d{2})-([0-9A-Z]{5})$")


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


class Reporter(TicketPart, kw_only=True):
    id: Optional[str] = None
    name: Optional[str] = None
    kind: Optional[str] = None
    phone: Optional[str] = None
    email: Optional[str] = None
    department: Optional[str] = None
    location: Optional[str] = None


class Alert(TicketPart, kw_only=True):
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


class Classification(TicketPart, kw_only=True):
    category: Optional[str] = None
    subtype: Optional[str] = None
    symptom: Optional[str] = None
    causation: Optional[str] = None


class Counters(TicketPart, kw_only=True):
    dispatches: int = 0
    transfers: int = 0
    returns: int = 0
    reopens: int = 0


class Wait(TicketPart, kw_only=True):
    code: str
    since: datetime
    until: Optional[datetime] = None
    resume_to: Status
    reference: Optional[str] = None


class Task(TicketPart, kw_only=True):
    id: str
    title: str
    group: Optional[str] = None
    status: Literal["open", "done"] = "open"
    opened_at: datetime
    opened_by: str
    result: Optional[str] = None
    done_at: Optional[datetime] = None
    done_by: Optional[str] = None


class Announcement(TicketPart, kw_only=True):
    kind: Literal["outage", "maintenance", "info"]
    title: str
    body: str
    status: Literal["open", "closed"] = "open"
    at: datetime
    by: str
    closed_at: Optional[datetime] = None


class Escalation(TicketPart, kw_only=True):
    trigger: str
    at: datetime
    level: int = 1
    actions: list[str] = []
    phase: Optional[str] = None
    reason: Optional[str] = None


class Notification(TicketPart, kw_only=True):
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

    @staticmethod
    def _listed(doc: dict[str, Any]) -> dict[str, Any]:
        doc["facts"] = lists(doc["facts"])
        return doc


class Attachment(TicketPart, kw_only=True):
    """A file kept under attachments/<ticket id>/ (E4); the file is checked by validate."""

    name: str
    size: int
    sha256: str
    at: Optional[datetime] = None
    by: Optional[str] = None


class MailThread(TicketPart, kw_only=True):
    """The ticket's mail thread (E2, E5): the root Message-ID of the desk's first notice,
    the Message-ID of the mail that opened it, and every Message-ID taken in (E3)."""

    message_id: Optional[str] = None
    origin: Optional[str] = None
    received: list[str] = []


SETTLED = ("sent", "refused")            # notification states nothing more is done for


class Visit(TicketPart, kw_only=True):
    due: datetime
    result: Optional[str] = None
    at: Optional[datetime] = None
    by: Optional[str] = None


class Links(TicketPart, kw_only=True):
    problem: Optional[str] = None
    change: Optional[str] = None
    requirement: Optional[str] = None
    cis: list[str] = []
    caused_by_change: Optional[str] = None


class Event(TicketPart, kw_only=True):
    """One transition: who did what, when, from which state to which, and why."""

    at: datetime
    actor: str
    action: str
    from_: Optional[str] = msgspec.field(default=None, name="from")
    to: Optional[str] = None
    changes: dict[str, Any] = {}
    note: Optional[str] = None
    via: Optional[str] = None

    @staticmethod
    def _listed(doc: dict[str, Any]) -> dict[str, Any]:
        doc["changes"] = lists(doc["changes"])
        return doc

    @staticmethod
    def _named(doc: dict[str, Any]) -> dict[str, Any]:
        return {"from_" if k == "from" else k: v for k, v in doc.items()}


class Ticket(TicketPart, kw_only=True):
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
        return self._listed(msgspec.to_builtins(self, str_keys=True))

    @staticmethod
    def _listed(doc: dict[str, Any]) -> dict[str, Any]:
        doc["sla"] = lists(doc["sla"])
        for event in doc["history"]:
            Event._listed(event)
        for notice in doc["notifications"]:
            Notification._listed(notice)
        return doc

    @staticmethod
    def _named(doc: dict[str, Any]) -> dict[str, Any]:
        doc["history"] = [Event._named(e) for e in doc["history"]]
        return doc

    @classmethod
    def from_doc(cls, doc: Any) -> "Ticket":
        return cls.model_validate(doc)

    def evolve(self, **changes: Any) -> "Ticket":
        """A validated copy with changes (model_copy would skip validation): every part
        is rebuilt from plain data, as pydantic's dump and validate did."""
        doc = self.model_dump(by_alias=True)
        doc.update(changes)
        return type(self).model_validate(doc)


_ID_CHECK = "not a ticket id: "
