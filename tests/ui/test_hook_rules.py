"""H1 rules the outside review found applied wrongly (issue 11): an alert firing again while
its ticket is resolved, Grafana's DatasourceNoData/DatasourceError, truncated payloads,
multi-line names, malformed and oversized input."""

import copy
import os
import subprocess
import sys

import pytest

from tests.helpers import commit_count, git, itsm, ok, show
from tests.ui.test_hook import LATER, hook, monitoring_tickets, payload, resolved, storm

AGAIN = "2026-11-25T10:00:00+08:00"


def _config(desk, old, new, name="monitoring.yaml"):
    path = desk / "config" / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    git(desk, "commit", "-qam", f"config: {new}")


def _fires_again(doc, starts="2026-11-25T01:40:00Z"):
    doc = copy.deepcopy(doc)
    for a in doc["alerts"]:
        a["startsAt"] = starts
    return doc


def test_H1_firing_again_while_resolved_reopens_the_ticket_with_a_note(desk):
    (tid,) = ok(hook(desk, payload())).json["opened"]
    ok(hook(desk, resolved(payload()), now=LATER))
    assert show(desk, tid)["status"] == "resolved"
    n = commit_count(desk)
    r = ok(hook(desk, _fires_again(payload()), now=AGAIN))
    assert r.json["opened"] == [] and r.json["reopened"] == [tid]
    assert commit_count(desk) == n + 1 and len(monitoring_tickets(desk)) == 1
    t = show(desk, tid, now=AGAIN)
    event = t["history"][-1]
    assert (event["action"], event["from"], event["to"]) == ("alert-reopen", "resolved", "new")
    assert "fired again" in event["note"] and "H1" in event["note"]
    assert t["alert"]["status"] == "firing" and t["solution"] is None
    assert t["counters"]["reopens"] == 1
    assert f"reopened {tid}" in git(desk, "log", "-1", "--format=%B")
    ok(itsm(desk, "audit"))
    ok(itsm(desk, "validate"))
    # and it clears and resolves again like any firing
    again = resolved(_fires_again(payload()), ends="2026-11-25T02:10:00Z")
    assert ok(hook(desk, again, now=AGAIN)).json["resolved"] == [tid]


def test_H1_a_dispatched_ticket_goes_back_to_the_group_that_resolved_it(desk):
    (tid,) = ok(hook(desk, payload())).json["opened"]
    ok(itsm(desk, "classify", tid, "--category", "billing", "--subtype", "database",
            "--symptom", "unavailable", "--reason", "db down"))
    ok(itsm(desk, "assign", tid, "--group", "dba"))
    ok(itsm(desk, "accept", tid, actor="erin"))
    ok(itsm(desk, "resolve", tid, "--solution", "restarted", "--causation", "capacity",
            actor="erin"))
    ok(hook(desk, _fires_again(payload()), now=AGAIN))
    t = show(desk, tid, now=AGAIN)
    assert (t["status"], t["group"], t["assignee"]) == ("assigned", "dba", None)
    ok(itsm(desk, "audit"))


def test_H1_config_may_link_a_new_ticket_instead(desk):
    _config(desk, "on_refire: reopen", "on_refire: link")
    (tid,) = ok(hook(desk, payload())).json["opened"]
    ok(hook(desk, resolved(payload()), now=LATER))
    (new,) = ok(hook(desk, _fires_again(payload()), now=AGAIN)).json["opened"]
    assert new != tid
    assert show(desk, tid)["status"] == "resolved"
    assert show(desk, new)["related"] == [tid] and show(desk, tid)["related"] == [new]
    ok(itsm(desk, "audit"))


def test_H2_open_source_monitoring_reopens_a_resolved_ticket_too(desk):
    args = ("open", "--source", "monitoring", "--title", "disk full", "--alert-id", "nag-7",
            "--alert-severity", "WARNING", "--alert-message", "/var 95%")
    first = ok(itsm(desk, *args, actor="monitor")).out.strip()
    ok(itsm(desk, "resolve", first, "--solution", "cleaned"))
    again = ok(itsm(desk, *args, actor="monitor", now=LATER)).out.strip()
    assert again == first and show(desk, first)["status"] == "new"


def test_H1_a_slave_firing_again_reopens_its_master(desk):
    r = ok(hook(desk, storm(3)))
    master, *slaves = r.json["opened"]
    ok(hook(desk, resolved(storm(3)), now=LATER))
    assert show(desk, master)["status"] == "resolved"
    doc = _fires_again(storm(3))
    doc["alerts"] = doc["alerts"][2:]
    r = ok(hook(desk, doc, now=AGAIN))
    assert r.json["reopened"] == [master]
    assert show(desk, master)["status"] == "new"
    assert all(show(desk, s)["status"] == "new" for s in slaves)
    assert show(desk, slaves[1])["alert"]["status"] == "firing"
    ok(itsm(desk, "audit"))
    back = resolved(doc, ends="2026-11-25T02:30:00Z")
    assert ok(hook(desk, back, now=AGAIN)).json["resolved"] == [master]


def _nodata(rule: str, kind: str = "DatasourceNoData") -> dict:
    """A Grafana-managed alert whose query returned no data (or failed)."""
    return {"status": "firing",
            "labels": {"alertname": kind, "datasource_uid": "P1809F7CD0C75ACF3",
                       "grafana_folder": "CRM", "ref_id": "A", "rulename": rule},
            "annotations": {}, "startsAt": "2026-11-25T08:51:03+08:00",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://grafana.example.com/alerting/grafana/x/view"}


def test_H1_grafana_datasource_alerts_are_named_by_their_rule_and_not_merged(desk):
    doc = payload("grafana-firing.json")
    doc["alerts"] = [_nodata("CRM API latency"), _nodata("Billing errors", "DatasourceError")]
    _config(desk, "group_by: [alertname, cluster]", "group_by: [alertname]")
    r = ok(hook(desk, doc))
    assert len(r.json["opened"]) == 2
    first, second = (show(desk, t) for t in r.json["opened"])
    assert first["master"] is None and second["master"] is None
    assert first["title"].startswith("CRM API latency") and "DatasourceNoData" in first["title"]
    assert "DatasourceNoData: DatasourceNoData" not in first["title"]
    assert second["title"].startswith("Billing errors") and "DatasourceError" in second["title"]
    assert first["alert"]["id"] == "CRM API latency"


def test_H1_truncated_alerts_are_recorded_not_dropped(desk):
    doc = payload()
    doc["truncatedAlerts"] = 7
    r = ok(hook(desk, doc))
    (tid,) = r.json["opened"]
    assert r.json["truncated"] == 7
    assert "7" in r.err and "max_alerts" in r.err
    notes = " ".join(e["note"] or "" for e in show(desk, tid)["history"])
    assert "7 more alert" in notes
    assert "truncatedAlerts: 7" in git(desk, "log", "-1", "--format=%B")


def test_H1_a_multi_line_alert_name_and_title_become_one_line(desk):
    doc = payload()
    doc["alerts"][0]["labels"]["alertname"] = "Instance\nDown\r\nnow"
    doc["alerts"][0]["annotations"]["summary"] = "line one\nline two\u2028three"
    (tid,) = ok(hook(desk, doc)).json["opened"]
    t = show(desk, tid)
    assert "\n" not in t["title"] and "\r" not in t["title"] and "\u2028" not in t["title"]
    assert t["title"].startswith("Instance Down now on billing-db01:9100: line one line two")
    assert t["alert"]["id"] == "Instance Down now"
    subject = git(desk, "log", "-1", "--format=%s")
    assert "line two" not in subject or "\n" not in subject


def test_L1_a_ticket_title_is_one_line(desk):
    tid = ok(itsm(desk, "open", "--title", "first\nsecond", "--reporter-name", "a",
                  "--reporter-phone", "1")).out.strip()
    assert show(desk, tid)["title"] == "first second"


@pytest.mark.parametrize("raw", [
    b'{"version": "4", "status": "firing", "alerts": [], "x": "\xff\xfe"}',   # not UTF-8
    b"[" * 100000 + b"]" * 100000,                                           # very deep
    b'{"version": "4", "status": "firing", "alerts": [], "x": ' + b"[" * 5000 + b"]" * 5000
    + b"}",
    b"\x00\x01binary",
], ids=["invalid-utf8", "deep-list", "deep-inside-object", "binary"])
def test_H1_malformed_input_is_exit_4_always(desk, raw):
    n = commit_count(desk)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ITSMCTL_")}
    proc = subprocess.run([sys.executable, "-m", "itsmctl", "--repo", str(desk), "--now",
                           "2026-11-25T09:00:00+08:00", "hook", "alertmanager"], input=raw,
                          capture_output=True, env=env, timeout=120)
    err = proc.stderr.decode()
    assert proc.returncode == 4, err
    assert "[H1]" in err and "Traceback" not in err and len(err.splitlines()) == 1
    assert commit_count(desk) == n


def test_H1_a_payload_over_the_size_limit_is_refused_whole(desk):
    _config(desk, "  payload: 10MB", "  payload: 200KB")
    doc = payload()
    doc["alerts"][0]["annotations"]["description"] = "x" * 300_000
    n = commit_count(desk)
    r = hook(desk, doc)
    assert r.code == 4 and "200KB" in r.err_json["message"] and r.err_json["rule"] == "H1"
    assert commit_count(desk) == n


def test_H1_an_annotation_over_the_text_limit_is_refused_whole(desk):
    _config(desk, "  text: 64KB", "  text: 1KB")
    doc = storm(2)
    doc["alerts"][1]["annotations"]["description"] = "y" * 2000
    n = commit_count(desk)
    r = hook(desk, doc)
    assert r.code == 4 and "alerts.1.annotations.description" in r.err_json["message"]
    assert commit_count(desk) == n and not monitoring_tickets(desk)


def test_H1_too_many_alerts_are_refused_whole(desk):
    _config(desk, "  alerts: 1000", "  alerts: 5")
    n = commit_count(desk)
    r = hook(desk, storm(6))
    assert r.code == 4 and "6 alerts" in r.err_json["message"] and "max_alerts" in \
        r.err_json["message"]
    assert commit_count(desk) == n
    ok(hook(desk, storm(5)))



def test_H1_a_commit_that_only_records_a_clearing_does_not_read_like_an_opening(desk):
    _config(desk, "on_clear: resolve", "on_clear: record")
    (tid,) = ok(hook(desk, payload())).json["opened"]
    ok(hook(desk, resolved(payload()), now=LATER))
    subject = git(desk, "log", "-1", "--format=%s").strip()
    assert subject == f"{tid}: hook-alertmanager by monitor"
    assert f"cleared {tid}" in git(desk, "log", "-1", "--format=%b")
