"""Pure tests of core/alerts.py: payload validation, times, fingerprints, storm keys (H1)."""

import json
from datetime import datetime, timedelta, timezone

import pytest

from itsmctl.core.alerts import fingerprint, incoming, parse_payload, parse_time, storm_key
from itsmctl.core.policy import MonitoringConfig, Storm
from itsmctl.errors import InvalidFile


def test_H1_parse_time_reads_go_rfc3339():
    assert parse_time("2026-11-25T00:58:30.123456789Z") == datetime(
        2026, 11, 25, 0, 58, 30, 123456, tzinfo=timezone.utc)
    assert parse_time("2021-10-12T09:51:03.157076+02:00").utcoffset() == timedelta(hours=2)
    assert parse_time("0001-01-01T00:00:00Z") is None         # Go's zero time: not set
    assert parse_time("") is None
    with pytest.raises(ValueError):
        parse_time("2026-11-25T00:58:30")                     # no offset


def test_H1_fingerprint_is_alertmanagers_fnv1a_of_sorted_labels():
    assert fingerprint({}) == "cbf29ce484222325"              # FNV-1a 64 offset basis
    a = fingerprint({"alertname": "InstanceDown", "instance": "db01"})
    assert a == fingerprint({"instance": "db01", "alertname": "InstanceDown"})
    assert a != fingerprint({"alertname": "InstanceDown", "instance": "db02"})
    assert len(a) == 16


def test_H1_payload_without_fingerprints_gets_computed_ones():
    doc = {"version": "4", "status": "firing", "alerts": [
        {"status": "firing", "labels": {"alertname": "X"}, "startsAt": "2026-11-25T00:00:00Z"}]}
    source, (alert,) = parse_payload(json.dumps(doc))
    assert source == "alertmanager" and alert.fingerprint == fingerprint({"alertname": "X"})


@pytest.mark.parametrize("doc, part", [
    ({"version": 4, "status": "firing", "alerts": []}, "version"),
    ({"version": "4", "status": "firing", "alerts": {}}, "alerts"),
    ({"version": "4", "status": "firing", "alerts": [{"status": "firing"}]}, "alerts.0.labels"),
    ({"version": "4", "status": "firing", "alerts": [
        {"status": "firing", "labels": {"a": 1}}]}, "alerts.0.labels.a"),
])
def test_H1_wrong_shape_is_an_invalid_file(doc, part):
    with pytest.raises(InvalidFile) as err:
        parse_payload(json.dumps(doc))
    assert part in err.value.message and err.value.exit_code == 4


def test_H1_storm_key_and_incoming_fields():
    config = MonitoringConfig(storm=Storm(group_by=["alertname", "cluster"]))
    assert storm_key({"alertname": "A", "cluster": "c1", "x": "y"}, config) == \
        "alertname=A,cluster=c1"
    assert storm_key({"alertname": "A"}, config) == "alertname=A"
    assert storm_key({"job": "node"}, config) is None
    _, (a,) = parse_payload(json.dumps({"version": "1", "orgId": 1, "status": "firing",
                                        "alerts": [{"status": "firing", "labels": {
                                            "alertname": "Disk", "instance": "h1"},
                                            "annotations": {"description": "disk 95%"}}]}))
    inc = incoming(a, "grafana", config)
    assert (inc.alert_id, inc.severity, inc.message) == ("Disk", "unknown", "disk 95%")
    assert inc.title == "Disk on h1: disk 95%" and inc.group == "alertname=Disk"
