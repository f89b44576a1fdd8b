"""Monitoring webhook bodies (H1): Alertmanager and Grafana payloads read with plain checks.

Pure: a hook reads its payload without building model classes (pydantic cost a hook
~40 ms to import and ~1 ms per alert to validate); its records are msgspec structs, as
the store's are (a dataclass compiles its methods as its module loads). The checks
follow the webhook's schema field by field, in the order the schema lists them, and
refuse what they refuse with the words pydantic used before (`alerts.0.labels.a: Input
should be a valid string`), so a sender sees the same one line (exit 4) as ever.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any, Optional

import msgspec

from itsmctl.errors import InvalidFile

if TYPE_CHECKING:
    from itsmctl.core.policy import Limits

VERSIONS = {"4": "alertmanager", "1": "grafana"}   # Alertmanager v4; Grafana sends "1"
STATUSES = ("firing", "resolved")
_FRACTION = re.compile(r"(\.\d{6})\d+")
# an integer as text: ASCII digits, `_` between them, an optional zero fraction ("5.0")
_INTEGER = re.compile(r"[+-]?[0-9]+(?:_[0-9]+)*(?:\.0+)?\Z", re.ASCII)


def parse_time(value: Any) -> Optional[datetime]:
    """RFC 3339 as Go writes it (nanoseconds, Z); Go's zero time means 'not set'."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError("expected an RFC 3339 time string")
    text = _FRACTION.sub(r"\1", value.strip()).replace("Z", "+00:00").replace("z", "+00:00")
    when = datetime.fromisoformat(text)
    if when.tzinfo is None:
        raise ValueError(f"time {value!r} has no offset")
    return None if when.year <= 1 else when


def fingerprint(labels: dict[str, str]) -> str:
    """Alertmanager's own label-set fingerprint (FNV-1a 64, 0xff separators), for old
    senders that leave it out."""
    h = 0xCBF29CE484222325
    for name in sorted(labels):
        for part in (name.encode(), b"\xff", labels[name].encode(), b"\xff"):
            for byte in part:
                h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


class AlertIn(msgspec.Struct):
    """One entry of `alerts[]` as Alertmanager and Grafana send it."""

    status: str
    labels: dict[str, str]
    annotations: dict[str, str] = msgspec.field(default_factory=dict)
    startsAt: Optional[datetime] = None
    endsAt: Optional[datetime] = None
    generatorURL: str = ""
    fingerprint: Optional[str] = None

    @classmethod
    def from_doc(cls, doc: Any) -> "AlertIn":
        """One alert mapping, checked (ValueError naming the field when it is wrong)."""
        try:
            return _alert(doc, ())
        except _Wrong as wrong:
            raise ValueError(wrong.line()) from None


class Received(msgspec.Struct):
    """A webhook body, validated: where it came from, its alerts, and how many alerts the
    sender left out of it (Alertmanager's `truncatedAlerts`, from its `max_alerts`)."""

    source: str
    alerts: list[AlertIn]
    truncated: int = 0


def parse_payload(text: str | bytes, where: str = "stdin") -> tuple[str, list[AlertIn]]:
    """(source, alerts) from a webhook body within the default limits; anything else is
    one InvalidFile line."""
    from itsmctl.core.policy import Limits

    got = read_payload(text, Limits(), where)
    return got.source, got.alerts


def read_payload(body: str | bytes, limits: "Limits", where: str = "stdin") -> Received:
    """A webhook body within `limits` (monitoring.yaml), or one InvalidFile line: malformed
    or oversized input is refused whole, before anything is changed (exit 4)."""
    size = len(body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body)
    if size > limits.payload:
        raise InvalidFile(f"{where}: the payload is {size} bytes, over the limit of "
                          f"{_size(limits.payload)} (monitoring.yaml limits.payload)",
                          rule="H1")
    text = _decode(body, where)
    try:
        doc = json.loads(text)
    except RecursionError:
        raise InvalidFile(f"{where}: not valid JSON: nested too deeply", rule="H1") from None
    except ValueError as exc:
        raise InvalidFile(f"{where}: not valid JSON: {exc}", rule="H1") from None
    if not isinstance(doc, dict):
        raise InvalidFile(f"{where}: expected a JSON object (an Alertmanager or Grafana "
                          "webhook payload)", rule="H1")
    version = doc.get("version")
    if version not in VERSIONS:
        raise InvalidFile(f"{where}: version: expected \"4\" (Alertmanager) or \"1\" (Grafana),"
                          f" found {version!r}", rule="H1")
    alerts = doc.get("alerts")
    if isinstance(alerts, list) and len(alerts) > limits.alerts:
        raise InvalidFile(f"{where}: {len(alerts)} alerts, over the limit of {limits.alerts} "
                          "(monitoring.yaml limits.alerts); set max_alerts in "
                          "Alertmanager's webhook_config to at most that", rule="H1")
    try:
        got, truncated = _payload(doc)
    except _Wrong as wrong:
        raise InvalidFile(f"{where}: {wrong.line()}", rule="H1") from None
    _within(got, limits, where)
    source = "grafana" if version == "1" or "orgId" in doc else "alertmanager"
    for a in got:
        if not a.fingerprint:
            a.fingerprint = fingerprint(a.labels)
    return Received(source, got, max(0, truncated))


def _decode(body: str | bytes, where: str) -> str:
    try:
        if isinstance(body, str):
            body.encode("utf-8")            # lone surrogates: not text UTF-8 can carry
            return body
        return body.decode("utf-8")
    except UnicodeError as exc:
        raise InvalidFile(f"{where}: not UTF-8 (at {getattr(exc, 'start', '?')})",
                          rule="H1") from None


def _within(alerts: list[AlertIn], limits: "Limits", where: str) -> None:
    """Every label and annotation value is text (no lone surrogates from JSON escapes)
    and within limits.text."""
    for i, a in enumerate(alerts):
        for part, values in (("labels", a.labels), ("annotations", a.annotations)):
            for key, value in values.items():
                at = f"{where}: alerts.{i}.{part}.{key}"
                try:
                    size = len(key.encode("utf-8")) + len(value.encode("utf-8"))
                except UnicodeEncodeError:
                    raise InvalidFile(f"{at}: not valid Unicode (a lone surrogate)",
                                      rule="H1") from None
                if size > limits.text:
                    raise InvalidFile(f"{at}: over the limit of {_size(limits.text)} "
                                      "(monitoring.yaml limits.text)", rule="H1")


def _size(size: int) -> str:
    from itsmctl.core.policy.base import format_size  # only to word a refusal

    return format_size(size)


# ------------------------------------------------------------------ the schema's checks
Loc = tuple[Any, ...]
MISSING = object()


class _Wrong(Exception):
    """The first thing wrong in the body: where (path of keys and indexes) and what."""

    def __init__(self, loc: Loc, message: str) -> None:
        super().__init__(message)
        self.loc, self.message = loc, message

    def line(self) -> str:
        return f"{'.'.join(str(x) for x in self.loc) or '(top)'}: {self.message}"


def _payload(doc: dict[str, Any]) -> tuple[list[AlertIn], int]:
    """The top level, field by field in the schema's order (version is checked already)."""
    _status(_required(doc, "status", ()), ("status",))
    for name in ("receiver", "groupKey"):
        _text(doc.get(name, ""), (name,))
    for name in ("groupLabels", "commonLabels", "commonAnnotations"):
        _texts(doc.get(name, {}), (name,))
    _text(doc.get("externalURL", ""), ("externalURL",))
    truncated = _integer(doc.get("truncatedAlerts", 0), ("truncatedAlerts",))
    items = _required(doc, "alerts", ())
    if not isinstance(items, list):
        raise _Wrong(("alerts",), "Input should be a valid list")
    return [_alert(item, ("alerts", i)) for i, item in enumerate(items)], truncated


def _alert(doc: Any, loc: Loc) -> AlertIn:
    if not isinstance(doc, dict):
        raise _Wrong(loc, "Input should be a valid dictionary or instance of AlertIn")
    status = _status(_required(doc, "status", loc), (*loc, "status"))
    labels = _texts(_required(doc, "labels", loc), (*loc, "labels"))
    notes = _texts(doc.get("annotations", {}), (*loc, "annotations"))
    starts = _when(doc.get("startsAt", MISSING), (*loc, "startsAt"))
    ends = _when(doc.get("endsAt", MISSING), (*loc, "endsAt"))
    url = _text(doc.get("generatorURL", ""), (*loc, "generatorURL"))
    fp = doc.get("fingerprint")
    return AlertIn(status=status, labels=labels, annotations=notes, startsAt=starts,
                   endsAt=ends, generatorURL=url,
                   fingerprint=None if fp is None else _text(fp, (*loc, "fingerprint")))


def _required(doc: dict[str, Any], name: str, loc: Loc) -> Any:
    if name not in doc:
        raise _Wrong((*loc, name), "Field required")
    return doc[name]


def _unicode(value: str, loc: Loc) -> None:
    """Text that must be read (a status, a number) may hold no lone surrogate from a JSON
    escape; label values are checked with their size (_within)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _Wrong(loc, "Input should be a valid string, unable to parse raw data as a "
                          "unicode string") from None


def _status(value: Any, loc: Loc) -> str:
    if isinstance(value, str) and value not in STATUSES:
        _unicode(value, loc)
    if not isinstance(value, str) or value not in STATUSES:
        raise _Wrong(loc, "Input should be 'firing' or 'resolved'")
    return value


def _text(value: Any, loc: Loc) -> str:
    if not isinstance(value, str):
        raise _Wrong(loc, "Input should be a valid string")
    return value


def _texts(value: Any, loc: Loc) -> dict[str, str]:
    """A mapping of text to text (labels, annotations)."""
    if not isinstance(value, dict):
        raise _Wrong(loc, "Input should be a valid dictionary")
    for key, item in value.items():
        if not isinstance(item, str):
            raise _Wrong((*loc, key), "Input should be a valid string")
    return value


def _when(value: Any, loc: Loc) -> Optional[datetime]:
    if value is MISSING:
        return None
    try:
        return parse_time(value)
    except ValueError as exc:
        raise _Wrong(loc, str(exc)) from None


def _integer(value: Any, loc: Loc) -> int:
    """An integer as a lenient schema takes one: a whole number, a float without a
    fraction, or its text ("12", " 12 ", "1_000", "12.0")."""
    def wrong(why: str = "") -> _Wrong:
        return _Wrong(loc, "Input should be a valid integer" + (f", {why}" if why else ""))

    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _Wrong(loc, "Input should be a finite number")
        if not value.is_integer():
            raise wrong("got a number with a fractional part")
        if not -2.0 ** 63 <= value < 2.0 ** 63:
            raise _Wrong(loc, "Unable to parse input string as an integer, exceeded "
                              "maximum size")
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if not _INTEGER.match(text):
            _unicode(value, loc)
            raise wrong("unable to parse string as an integer")
        return int(text.split(".")[0])
    raise wrong()

