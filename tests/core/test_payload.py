"""Pure tests of core/payload.py: webhook bodies checked without a model library (H1).

The refusals keep the exact words the pydantic models gave (the first thing wrong, in
the schema's field order), and what is accepted is read as before."""

import json
import subprocess
import sys
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from itsmctl.core.payload import AlertIn, read_payload
from itsmctl.errors import InvalidFile

LIMITS = SimpleNamespace(payload=10 << 20, alerts=1000, text=64 << 10)
ALERT = {"status": "firing", "labels": {"alertname": "A"}}


def body(**top: object) -> str:
    doc: dict[str, object] = {"version": "4", "status": "firing", "alerts": [dict(ALERT)]}
    doc.update(top)
    return json.dumps(doc)


def alert(**fields: object) -> str:
    return body(alerts=[{**ALERT, **fields}])


@pytest.mark.parametrize("text, message", [
    (json.dumps({"version": "4", "alerts": []}), "status: Field required"),
    (body(status="Firing"), "status: Input should be 'firing' or 'resolved'"),
    (body(status=None), "status: Input should be 'firing' or 'resolved'"),
    ('{"version": "4", "status": "\\ud800", "alerts": []}',
     "status: Input should be a valid string, unable to parse raw data as a unicode string"),
    (body(receiver=1), "receiver: Input should be a valid string"),
    (body(groupKey=None), "groupKey: Input should be a valid string"),
    (body(groupLabels=[]), "groupLabels: Input should be a valid dictionary"),
    (body(commonLabels={"a": 1}), "commonLabels.a: Input should be a valid string"),
    (body(commonAnnotations=None), "commonAnnotations: Input should be a valid dictionary"),
    (body(externalURL=False), "externalURL: Input should be a valid string"),
    (body(truncatedAlerts="x"),
     "truncatedAlerts: Input should be a valid integer, unable to parse string as an integer"),
    (body(truncatedAlerts="5."),
     "truncatedAlerts: Input should be a valid integer, unable to parse string as an integer"),
    (body(truncatedAlerts=2.5),
     "truncatedAlerts: Input should be a valid integer, got a number with a fractional part"),
    (body(truncatedAlerts=None), "truncatedAlerts: Input should be a valid integer"),
    (body(truncatedAlerts=9.3e18), "truncatedAlerts: Unable to parse input string as an "
                                   "integer, exceeded maximum size"),
    ('{"version": "4", "status": "firing", "alerts": [], "truncatedAlerts": "\\ud800"}',
     "truncatedAlerts: Input should be a valid string, unable to parse raw data as a "
     "unicode string"),
    (json.dumps({"version": "4", "status": "firing"}), "alerts: Field required"),
    (body(alerts={}), "alerts: Input should be a valid list"),
    (body(alerts=[ALERT, None]),
     "alerts.1: Input should be a valid dictionary or instance of AlertIn"),
    (body(alerts=[{"labels": {}}]), "alerts.0.status: Field required"),
    (body(alerts=[{"status": "firing"}]), "alerts.0.labels: Field required"),
    (alert(status="x"), "alerts.0.status: Input should be 'firing' or 'resolved'"),
    (alert(labels=None), "alerts.0.labels: Input should be a valid dictionary"),
    (alert(labels={"a": "b", "c": 1}), "alerts.0.labels.c: Input should be a valid string"),
    (alert(annotations=None), "alerts.0.annotations: Input should be a valid dictionary"),
    (alert(startsAt="nope"), "alerts.0.startsAt: Invalid isoformat string: 'nope'"),
    (alert(startsAt="2026-01-01T00:00:00"),
     "alerts.0.startsAt: time '2026-01-01T00:00:00' has no offset"),
    (alert(endsAt=5), "alerts.0.endsAt: expected an RFC 3339 time string"),
    (alert(generatorURL=None), "alerts.0.generatorURL: Input should be a valid string"),
    (alert(fingerprint=7), "alerts.0.fingerprint: Input should be a valid string"),
    # the first thing wrong in the schema's order: status before receiver, labels
    # before the times, an earlier alert before a later one
    (body(status=1, receiver=1), "status: Input should be 'firing' or 'resolved'"),
    (alert(startsAt="nope", labels=None), "alerts.0.labels: Input should be a valid dictionary"),
    (body(alerts=[{**ALERT, "endsAt": 1}, {"status": 1}]),
     "alerts.0.endsAt: expected an RFC 3339 time string"),
])
def test_H1_wrong_payloads_keep_their_one_line(text, message):
    with pytest.raises(InvalidFile) as err:
        read_payload(text, LIMITS)
    assert err.value.message == f"stdin: {message}"
    assert err.value.rule == "H1" and err.value.exit_code == 4


@pytest.mark.parametrize("given, read", [
    (0, 0), (12, 12), (True, 1), (3.0, 3), ("7", 7), (" 7 ", 7), ("1_000", 1000),
    ("+5", 5), ("5.00", 5), (-4, 0),            # negative: nothing was left out
])
def test_H1_truncated_alerts_read_as_a_lenient_integer(given, read):
    assert read_payload(body(truncatedAlerts=given), LIMITS).truncated == read


def test_H1_accepted_alerts_read_as_before():
    text = body(orgId=1, extra={"kept": "out"}, alerts=[
        {**ALERT, "annotations": {"summary": "s"}, "startsAt": "2026-11-25T00:58:30.123456789Z",
         "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://g", "fingerprint": None,
         "other": [1, 2]},
        {"status": "resolved", "labels": {"alertname": "B"}, "startsAt": None,
         "fingerprint": "abc"}])
    got = read_payload(text, LIMITS)
    first, second = got.alerts
    assert got.source == "grafana" and got.truncated == 0
    assert first.startsAt == datetime(2026, 11, 25, 0, 58, 30, 123456, tzinfo=timezone.utc)
    assert first.endsAt is None and first.generatorURL == "http://g"
    assert first.annotations == {"summary": "s"} and len(str(first.fingerprint)) == 16
    assert (second.status, second.startsAt, second.fingerprint) == ("resolved", None, "abc")
    assert second.annotations == {} and second.generatorURL == ""


def test_H1_one_alert_from_a_mapping():
    assert AlertIn.from_doc(ALERT).labels == {"alertname": "A"}
    with pytest.raises(ValueError, match="^status: Input should be 'firing' or 'resolved'$"):
        AlertIn.from_doc({"status": "x", "labels": {}})


def test_H1_payload_checks_import_no_model_library():
    """The hook reads its payload without pydantic (its import and per-alert validation
    were the payload's cost). Its records are msgspec structs, which every transition
    loads anyway (the store's), and which are made faster than dataclasses."""
    code = (
        "import json, sys\n"
        "from types import SimpleNamespace as N\n"
        "from itsmctl.core.payload import read_payload\n"
        "from itsmctl.errors import InvalidFile\n"
        "lim = N(payload=1 << 20, alerts=100, text=1 << 16)\n"
        "doc = {'version': '4', 'status': 'firing', 'alerts': [{'status': 'firing', "
        "'labels': {'alertname': 'A'}, 'startsAt': '2026-11-25T00:00:00Z'}]}\n"
        "assert len(read_payload(json.dumps(doc), lim).alerts) == 1\n"
        "doc['alerts'][0]['labels'] = None\n"
        "try:\n"
        "    read_payload(json.dumps(doc), lim)\n"
        "except InvalidFile:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', "
        "'pydantic_core', 'dataclasses')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
