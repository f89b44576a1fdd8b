"""Ticket documents of every shape `show` words (for core/plainticket.py and ui/quickshow.py
tests): each made from a real ticket's document, changed, and put through the model, so
each is a canonical document the desk could have written; and documents the model reads
(or refuses) that are not in that exact shape."""

from __future__ import annotations

import copy
from typing import Any, Callable

from itsmctl.core.model import Ticket

T0 = "2026-11-20T09:00:00+08:00"


def at(hour: int, minute: int = 0, day: int = 20) -> str:
    return f"2026-11-{day:02d}T{hour:02d}:{minute:02d}:00+08:00"


def event(when: str, actor: str, action: str, from_: Any = None, to: Any = None,
          changes: Any = None, note: Any = None, via: Any = None) -> dict[str, Any]:
    return {"at": when, "actor": actor, "action": action, "from": from_, "to": to,
            "changes": changes or {}, "note": note, "via": via}


def _assigned(d: dict[str, Any]) -> None:
    d.update(status="assigned", group="billing-app", assignee="dave")
    d["counters"]["dispatches"] = 1
    d["history"].append(event(at(9, 10), "bob", "dispatch", "new", "assigned", {
        "group": [None, "billing-app"], "assignee": [None, "dave"],
        "counters.dispatches": [0, 1], "priority": ["P3", d["priority"]]}))


def _waiting(d: dict[str, Any]) -> None:
    _assigned(d)
    d["history"].append(event(at(9, 20), "dave", "accept", "assigned", "in_progress"))
    d["history"].append(event(at(10), "dave", "wait", "in_progress", "waiting", {
        "wait": [None, {"code": "user-info", "since": at(10), "until": None,
                        "resume_to": "in_progress", "reference": None}]},
        note="asked the user for logs"))
    d.update(status="waiting", wait={"code": "user-info", "since": at(10),
                                     "until": at(18, day=21), "resume_to": "in_progress",
                                     "reference": "REF-1"})


def _closed(d: dict[str, Any]) -> None:
    _assigned(d)
    d["history"] += [
        event(at(9, 20), "dave", "accept", "assigned", "in_progress"),
        event(at(11), "dave", "resolve", "in_progress", "resolved", {
            "resolved_at": [None, at(11)], "solution": [None, "重启服务\nrestarted"],
            "classification.causation": [None, "software-bug"]}),
        event(at(12), "alice", "close", "resolved", "closed", {
            "close_code": [None, "solved"], "satisfaction": [None, 4]}, via="web"),
        event(at(13), "sweep", "visit-due", changes={"visit": [None, {
            "due": at(12, day=27), "result": None, "at": None, "by": None}]},
            note="return visit due (V1)")]
    d.update(status="closed", resolved_at=at(11), resolved_group="billing-app",
             closed_at=at(12), solution="重启服务 restarted", close_code="solved",
             satisfaction=4, workaround=True,
             visit={"due": at(12, day=27), "result": None, "at": None, "by": None})


def _everything(d: dict[str, Any]) -> None:
    _waiting(d)
    d.update(major=True, verified=False, location="3F 机房", affected_users=120,
             master=None, slaves=["INC-2611-AAAAA", "INC-2611-BBBBB"],
             related=["INC-2610-CCCCC"], recurrence_of="INC-2609-DDDDD",
             watchers=["erin", "mallory"], description="第一行\n  indented line\n\nlast line")
    d["reporter"] = {"id": "u1", "name": "王五", "kind": "staff", "phone": "13800000000",
                     "email": "wang@example.com", "department": "计费中心", "location": None}
    d["mail"] = {"message_id": "<m1@example.com>", "origin": "desk-a",
                 "received": ["<r1@example.com>"]}
    d["alert"] = {"id": "A-1", "severity": "critical", "message": "disk full on db01",
                  "fingerprint": "abc", "generator_url": "http://prom/x", "mode": "auto",
                  "triggered_by": "monitor", "status": "firing", "cleared_at": None,
                  "started_at": at(8, 55), "source": "alertmanager", "group": "db",
                  "labels": {"instance": "db01", "job": "node"}}
    d["links"] = {"problem": "PRB-1", "change": "CHG-2", "requirement": None,
                  "cis": ["db01", "db02"], "caused_by_change": "CHG-0"}
    d["tasks"] = [
        {"id": "T1", "title": "collect logs", "group": "dba", "status": "open",
         "opened_at": at(9, 30), "opened_by": "dave", "result": None, "done_at": None,
         "done_by": None},
        {"id": "T2", "title": "check backups", "group": None, "status": "done",
         "opened_at": at(9, 31), "opened_by": "dave", "result": "ok", "done_at": at(9, 50),
         "done_by": "erin"}]
    d["attachments"] = [
        {"name": "log.txt", "size": 1234, "sha256": "ab" * 32, "at": at(9, 40), "by": "dave"},
        {"name": "截图.png", "size": 99, "sha256": "cd" * 32, "at": None, "by": None}]
    d["announcement"] = {"kind": "outage", "title": "计费 outage", "body": "x" * 80,
                         "status": "open", "at": at(9, 45), "by": "bob", "closed_at": None}
    d["escalations"] = [
        {"trigger": "breach", "at": at(9, 35), "level": 1, "actions": ["notify"],
         "phase": "respond", "reason": None},
        {"trigger": "handoffs", "at": at(9, 36), "level": 2, "actions": [],
         "phase": None, "reason": "3 handoffs"}]
    d["notifications"] = [
        {"id": f"{d['id']}-1-1", "trigger": "dispatch", "at": at(9, 10),
         "recipients": ["dave"], "roles": ["assignee"], "channels": ["email"],
         "status": "sent", "attempts": 1, "sent_at": at(9, 11), "error": None, "event": 1,
         "origin": None, "claimed_at": None, "subject": "s", "body": "b",
         "facts": {"status": "assigned", "nested": {"list": [1, None, True]}},
         "headers": {"Message-ID": "<n1@x>"}, "outcomes": {"dave": "sent"}}]
    d["history"] += [
        event(at(10, 5), "bob", "link-slave", changes={"slaves": {"added": [
            "INC-2611-AAAAA"]}}),
        event(at(10, 6), "bob", "link-slave", changes={"slaves": {"removed": [
            "INC-2611-EEEEE"], "added": ["INC-2611-BBBBB"]}}),
        event(at(10, 7), "dave", "task-add", changes={"tasks": [[], [d["tasks"][0]]]}),
        event(at(10, 8), "dave", "task-done", changes={"tasks": [[d["tasks"][0]],
                                                                  d["tasks"]]}),
        event(at(10, 9), "monitor", "escalate", changes={
            "escalations": [[], d["escalations"][:1]], "priority": ["P3", "P1"],
            "impact": [3, 1], "major": [False, True], "watchers": [["erin"], [
                "erin", "mallory"]], "reporter.phone": [None, "+86 731"],
            "wait.code": ["user-info", "vendor"], "classification.category": [
                None, "billing"], "classification.subtype": [None, "application"],
            "classification.symptom": [None, "billing-error"], "group": ["dba", "ops"],
            "announcement": [None, d["announcement"]],
            "odd": {"x": 1}, "status": ["a", "b"]}, note="line one\nline two"),
        event(at(10, 10), "carol", "note", note="很长的中文说明" * 12, via="mail"),
        event(at(10, 11), "dave", "note", note="a long English note " * 8)]


def _utc_and_fractions(d: dict[str, Any]) -> None:
    _assigned(d)
    d["history"][-1]["at"] = "2026-11-20T01:10:00Z"
    d["updated_at"] = "2026-11-20T01:10:00.250000Z"
    d["opened_at"] = "2026-11-20T09:00:00.500000+08:00"


def _string_impact(d: dict[str, Any]) -> None:
    d["impact"] = "3"


def _controls(d: dict[str, Any]) -> None:
    """Text a terminal would act on (escaped by `printable`): libyaml's to read."""
    _assigned(d)
    d["description"] = "last\x1b[2J"
    d["history"][-1]["note"] = "tab\there\u202e"


SHAPES: dict[str, Callable[[dict[str, Any]], None]] = {
    "new": lambda d: None, "assigned": _assigned, "waiting": _waiting, "closed": _closed,
    "everything": _everything, "utc and fractions": _utc_and_fractions,
    "impact as text": _string_impact, "control characters": _controls}
# shapes whose file the fast YAML reader leaves to libyaml: `show` reads them the full way
LIBYAML = frozenset({"control characters"})


def shapes(base: dict[str, Any], ids: list[str]) -> dict[str, dict[str, Any]]:
    """Canonical documents of each shape (base: a ticket's document), with the ids given:
    the model's `to_doc()` of each changed document."""
    out = {}
    for (name, change), tid in zip(SHAPES.items(), ids):
        d = copy.deepcopy(base)
        d["id"] = tid
        change(d)
        out[name] = Ticket.from_doc(d).to_doc()
    return out


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(d: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        for p in parents:
            d = d[int(p)] if isinstance(d, list) else d[p]
        d[last] = value
    return change


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda d: d.pop(key)


def _reorder(d: dict[str, Any]) -> None:
    title = d.pop("title")
    d["title"] = title


# documents not in the desk's exact shape: the model reads some (coercing, filling in,
# writing back otherwise) and refuses the rest; CAUTIOUS ones it reads and writes back
# as they are, but the plain reader leaves them to it all the same (rare, and unsure)
UNFIT: dict[str, Callable[[dict[str, Any]], None]] = {
    "a number as text": _set("counters.dispatches", "1"),
    "a float for a number": _set("priority_raise", 1.0),
    "a boolean for a number": _set("priority_raise", True),
    "a number past 64 bits": _set("priority_raise", 1 << 70),
    "a boolean as text": _set("major", "false"),
    "UTC as +00:00": _set("opened_at", "2026-11-20T01:00:00+00:00"),
    "a time without offset": _set("opened_at", "2026-11-20T09:00:00"),
    "a time with a space": _set("opened_at", "2026-11-20 09:00:00+08:00"),
    "milliseconds": _set("opened_at", "2026-11-20T09:00:00.500+08:00"),
    "a date only": _set("opened_at", "2026-11-20"),
    "a missing field": _drop("watchers"),
    "fields in another order": _reorder,
    "an unknown field": _set("colour", "red"),
    "an unknown status": _set("status", "sideways"),
    "a boolean impact": _set("impact", True),
    "a list of numbers for ids": _set("slaves", [1]),
    "an event without via": lambda d: d["history"][0].pop("via"),
    "an event time as text with offset seconds": _set("history.0.at",
                                                      "2026-11-20T09:00:00+08:00:30"),
    "sla not a mapping": _set("sla", []),
    "a free-form value with a non-text key": _set("sla", {1: "x"}),
    "a part not a mapping": _set("counters", [0, 0, 0, 0]),
    "a part with a missing field": lambda d: d["classification"].pop("causation"),
}
CAUTIOUS = frozenset({"a number past 64 bits", "a time without offset"})
