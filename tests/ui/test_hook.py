"""SPEC 11: monitoring hooks. H1 `hook alertmanager` with real Alertmanager and Grafana
payloads (firing, resolved, redelivered, storm, malformed, concurrent); H2 `open --source
monitoring` de-duplication."""

import copy
import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.helpers import commit_count, git, itsm, itsm_process, ok, show

RESOURCES = Path(__file__).resolve().parent.parent / "resources" / "hooks"
LATER = "2026-11-25T09:20:00+08:00"


def payload(name: str = "alertmanager-firing.json") -> dict:
    return json.loads((RESOURCES / name).read_text(encoding="utf-8"))


def resolved(doc: dict, ends: str = "2026-11-25T01:15:30.5Z") -> dict:
    """The same group as Alertmanager sends it once every alert has cleared."""
    doc = copy.deepcopy(doc)
    doc["status"] = "resolved"
    for a in doc["alerts"]:
        a["status"], a["endsAt"] = "resolved", ends
    return doc


def storm(n: int, cluster: str = "billing-prod", starts: str = "2026-11-25T00:58:30Z") -> dict:
    """n InstanceDown alerts of one cluster in one notification (an outage)."""
    doc = payload()
    base = doc["alerts"][0]
    doc["alerts"] = []
    for i in range(n):
        a = copy.deepcopy(base)
        a["labels"].update(instance=f"billing-app{i:02d}:9100", cluster=cluster)
        a["annotations"]["summary"] = f"Instance billing-app{i:02d}:9100 down"
        a["fingerprint"] = hashlib.sha1(f"{cluster}-{i}".encode()).hexdigest()[:16]
        a["startsAt"] = starts
        doc["alerts"].append(a)
    return doc


def hook(desk, doc, now="2026-11-25T09:00:00+08:00", actor=None, raw=None):
    text = raw if raw is not None else json.dumps(doc, ensure_ascii=False)
    return itsm(desk, "--json", "hook", "alertmanager", input=text, actor=actor, now=now)


def monitoring_tickets(desk):
    return ok(itsm(desk, "--json", "list", "--all")).json


def test_H1_firing_alert_opens_one_monitoring_ticket(desk):
    n = commit_count(desk)
    r = ok(hook(desk, payload()))
    (tid,) = r.json["opened"]
    assert commit_count(desk) == n + 1
    t = show(desk, tid)
    assert (t["source"], t["status"], t["type"], t["opened_by"]) == ("monitoring", "new",
                                                                    "incident", "monitor")
    alert = t["alert"]
    assert alert["id"] == "InstanceDown" and alert["severity"] == "critical"
    assert alert["message"] == "Instance billing-db01:9100 down"
    assert alert["fingerprint"] == "7b3f0b2c9a1d4e65" and alert["mode"] == "auto"
    assert alert["generator_url"].startswith("http://prometheus.example.com:9090/graph")
    assert alert["status"] == "firing" and alert["labels"]["cluster"] == "billing-prod"
    # critical -> impact 2, urgency high -> P1 (config/monitoring.yaml)
    assert (t["impact"], t["urgency"], t["priority"]) == (2, "high", "P1")
    assert "billing-db01" in t["title"]
    author = git(desk, "log", "-1", "--format=%an <%ae>").strip()
    assert author == "Monitoring 监控 <monitor@example.com>"
    assert "Itsmctl-Actor: monitor" in git(desk, "log", "-1", "--format=%B")


def test_H1_grafana_payload_opens_ticket(desk):
    r = ok(hook(desk, payload("grafana-firing.json")))
    (tid,) = r.json["opened"]
    t = show(desk, tid)
    assert t["alert"]["source"] == "grafana" and t["alert"]["fingerprint"] == "c6eadffa33fcdf37"
    assert t["alert"]["message"] == "CRM 接口响应慢" and t["alert"]["severity"] == "warning"
    assert (t["impact"], t["urgency"], t["priority"]) == (3, "low", "P4")
    assert "2026-11-25T08:51:03" in t["alert"]["started_at"]


def test_H1_redelivered_payload_changes_nothing(desk):
    ok(hook(desk, payload()))
    n, head = commit_count(desk), git(desk, "rev-parse", "HEAD")
    r = ok(hook(desk, payload(), now=LATER))
    assert r.json["opened"] == [] and r.json["unchanged"] == ["7b3f0b2c9a1d4e65"]
    assert r.json["commit"] is None
    assert commit_count(desk) == n and git(desk, "rev-parse", "HEAD") == head
    assert len(monitoring_tickets(desk)) == 1
    # also after it cleared and was resolved: a late copy of the firing opens nothing
    ok(hook(desk, resolved(payload()), now=LATER))
    n = commit_count(desk)
    ok(hook(desk, payload(), now=LATER))
    ok(hook(desk, resolved(payload()), now=LATER))
    assert commit_count(desk) == n and len(monitoring_tickets(desk)) == 1


def test_H1_firing_again_is_recorded_on_the_open_ticket(desk):
    (tid,) = ok(hook(desk, payload())).json["opened"]
    again = payload()
    again["alerts"][0]["startsAt"] = "2026-11-25T01:10:00Z"
    r = ok(hook(desk, again, now=LATER))
    assert r.json["opened"] == [] and r.json["updated"] == [tid]
    t = show(desk, tid)
    assert t["history"][-1]["action"] == "alert-fire" and t["history"][-1]["actor"] == "monitor"
    assert len(monitoring_tickets(desk)) == 1


def test_H1_resolved_alert_records_clearing_and_resolves(desk):
    (tid,) = ok(hook(desk, payload())).json["opened"]
    n = commit_count(desk)
    r = ok(hook(desk, resolved(payload()), now=LATER))
    assert r.json["cleared"] == [tid] and r.json["resolved"] == [tid]
    assert commit_count(desk) == n + 1
    t = show(desk, tid, now=LATER)
    assert t["alert"]["status"] == "resolved"
    assert t["alert"]["cleared_at"].startswith("2026-11-25T01:15:30.5")
    assert t["status"] == "resolved" and "cleared" in t["solution"]
    actions = [e["action"] for e in t["history"]]
    assert actions[-2:] == ["alert-clear", "resolve"]
    # a monitoring ticket closes without user confirmation (L10): the account may close it
    ok(itsm(desk, "close", tid, "--code", "solved", actor="monitor", now=LATER))
    r = ok(hook(desk, resolved(payload()), now=LATER))
    assert r.json["commit"] is None


def _on_clear(desk, value):
    path = desk / "config" / "monitoring.yaml"
    path.write_text(path.read_text().replace("on_clear: resolve", f"on_clear: {value}"))
    git(desk, "commit", "-qam", f"on_clear {value}")


def test_H1_on_clear_record_keeps_the_ticket_open(desk):
    _on_clear(desk, "record")
    (tid,) = ok(hook(desk, payload())).json["opened"]
    ok(hook(desk, resolved(payload()), now=LATER))
    t = show(desk, tid)
    assert t["status"] == "new" and t["alert"]["status"] == "resolved"


def test_H1_on_clear_close_closes_without_confirmation(desk):
    _on_clear(desk, "close")
    (tid,) = ok(hook(desk, payload())).json["opened"]
    ok(hook(desk, resolved(payload()), now=LATER))
    t = show(desk, tid)
    assert t["status"] == "closed" and t["close_code"] == "solved"


def test_H1_clearing_does_not_resolve_with_open_tasks(desk):
    (tid,) = ok(hook(desk, payload())).json["opened"]
    ok(itsm(desk, "task", "add", tid, "--title", "check the disk", "--group", "ops"))
    r = ok(hook(desk, resolved(payload()), now=LATER))
    assert r.json["cleared"] == [tid] and r.json["resolved"] == []
    assert show(desk, tid)["status"] == "new"


def test_H1_one_commit_per_payload(desk):
    doc = storm(3)
    for i, a in enumerate(doc["alerts"]):
        a["labels"]["alertname"] = f"Alert{i}"            # three different outages
    n = commit_count(desk)
    r = ok(hook(desk, doc))
    assert len(r.json["opened"]) == 3 and commit_count(desk) == n + 1
    files = git(desk, "show", "--name-only", "--format=", "HEAD").split()
    assert len(files) == 3 and all(f.startswith("tickets/2026/11/") for f in files)
    assert all(show(desk, t)["master"] is None for t in r.json["opened"])


def test_H1_storm_links_extra_tickets_as_slaves_of_one_master(desk):
    r = ok(hook(desk, storm(5)))
    master, *slaves = r.json["opened"]
    assert len(slaves) == 4
    m = show(desk, master)
    assert m["slaves"] == slaves and m["master"] is None
    assert all(show(desk, s)["master"] == master for s in slaves)
    # a later alert of the same outage, within the window, joins it
    late = storm(6, starts="2026-11-25T01:10:00Z")
    late["alerts"] = late["alerts"][5:]
    (extra,) = ok(hook(desk, late, now=LATER)).json["opened"]
    assert show(desk, extra)["master"] == master
    # another cluster is another outage
    (other,) = ok(hook(desk, storm(1, cluster="crm-prod"), now=LATER)).json["opened"]
    assert show(desk, other)["master"] is None
    # the master resolves once every alert of the storm has cleared; slaves mirror it
    everything = storm(6)
    part = resolved(everything)
    part["alerts"] = part["alerts"][:3]
    ok(hook(desk, part, now=LATER))
    assert show(desk, master)["status"] == "new"
    rest = resolved(everything)
    rest["alerts"] = rest["alerts"][3:5]
    ok(hook(desk, rest, now=LATER))
    tail = resolved(late)
    r = ok(hook(desk, tail, now=LATER))
    assert r.json["resolved"] == [master]
    assert show(desk, master)["status"] == "resolved"
    assert all(show(desk, s)["status"] == "resolved" for s in [*slaves, extra])


@pytest.mark.parametrize("raw, where", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "JSON object"),
    ('{"status": "firing", "alerts": []}', "version"),
    ('{"version": "3", "status": "firing", "alerts": []}', "version"),
    ('{"version": "4", "status": "firing"}', "alerts"),
    ('{"version": "4", "status": "firing", "alerts": [{"status": "burning", "labels": {}}]}',
     "alerts.0.status"),
    ('{"version": "4", "status": "firing", "alerts": [{"status": "firing", "labels": [1]}]}',
     "alerts.0.labels"),
    ('{"version": "4", "status": "firing", "alerts": [{"status": "firing", "labels": {},'
     ' "startsAt": "yesterday"}]}', "alerts.0.startsAt"),
    ("", "not valid JSON"),
])
def test_H1_malformed_payload_exits_4_and_commits_nothing(desk, raw, where):
    n = commit_count(desk)
    r = itsm(desk, "hook", "alertmanager", input=raw, actor=None)
    assert r.code == 4, r.err
    assert len(r.err.strip().splitlines()) == 1 and where in r.err and "[H1]" in r.err
    assert r.out == "" and commit_count(desk) == n
    assert not list((desk / "tickets").glob("*/*/*.yaml"))


def test_H1_bad_alert_anywhere_in_payload_changes_nothing(desk):
    doc = storm(3)
    doc["alerts"][2]["status"] = "unknown"
    n = commit_count(desk)
    assert hook(desk, doc).code == 4 and commit_count(desk) == n


def test_H1_hook_acts_as_the_monitoring_account_only(desk):
    r = hook(desk, payload(), actor="alice")
    assert r.code == 6 and r.err_json["rule"] == "I2"
    ok(hook(desk, payload(), actor="mike"))               # an incident manager may replay


def test_H1_empty_alert_list_is_not_an_error(desk):
    n = commit_count(desk)
    doc = payload()
    doc["alerts"] = []
    assert ok(hook(desk, doc)).json["commit"] is None and commit_count(desk) == n


@pytest.mark.slow
def test_H1_concurrent_hooks_lose_no_alert(desk):
    """Twelve hook processes at once: six distinct alerts, each delivered twice."""
    docs = []
    for i in range(6):
        doc = payload()
        doc["alerts"][0]["labels"].update(alertname=f"Alert{i}", instance=f"host{i}")
        doc["alerts"][0]["fingerprint"] = f"{i:016x}"
        docs.append(json.dumps(doc))
    jobs = docs + docs
    n = commit_count(desk)
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        results = list(pool.map(lambda text: itsm_process(
            desk, "hook", "alertmanager", actor=None, input=text), jobs))
    assert all(r.code == 0 for r in results), [r.err for r in results if r.code]
    fps = sorted(t["alert"]["fingerprint"] for t in monitoring_tickets(desk))
    assert fps == [f"{i:016x}" for i in range(6)]
    assert commit_count(desk) == n + 6
    assert git(desk, "status", "--porcelain").strip() == ""


def test_H2_open_source_monitoring_is_deduplicated_by_fingerprint(desk):
    args = ("open", "--source", "monitoring", "--title", "db01 unreachable", "--alert-id",
            "zbx-1001", "--alert-severity", "disaster", "--alert-message", "db01 is unreachable")
    first = ok(itsm(desk, *args, actor="monitor")).out.strip()
    t = show(desk, first)
    assert (t["priority"], t["alert"]["fingerprint"]) == ("P1", "zbx-1001")
    n = commit_count(desk)
    r = ok(itsm(desk, *args, actor="monitor", now=LATER))
    assert r.out.strip() == first
    assert commit_count(desk) == n + 1
    t = show(desk, first)
    assert t["history"][-1]["action"] == "alert-fire" and len(monitoring_tickets(desk)) == 1
    # an explicit fingerprint groups different alert ids of one problem
    fp = ("--alert-fingerprint", "zabbix:trigger-13")
    a = ok(itsm(desk, *args[:6], "zbx-2001", *args[7:], *fp, actor="monitor")).out.strip()
    b = ok(itsm(desk, *args[:6], "zbx-2002", *args[7:], *fp, actor="monitor")).out.strip()
    assert a == b != first


def test_H2_closed_fingerprint_opens_a_new_ticket(desk):
    args = ("open", "--source", "monitoring", "--title", "disk full", "--alert-id", "nag-7",
            "--alert-severity", "WARNING", "--alert-message", "/var 95%")
    first = ok(itsm(desk, *args, actor="monitor")).out.strip()
    clear = {"version": "4", "status": "resolved", "alerts": [
        {"status": "resolved", "labels": {"alertname": "nag-7"}, "fingerprint": "nag-7",
         "startsAt": "2026-11-25T00:00:00Z", "endsAt": "2026-11-25T01:00:00Z"}]}
    ok(hook(desk, clear, now=LATER))
    assert show(desk, first)["status"] == "resolved"    # resolved: reopened (test_hook_rules)
    ok(itsm(desk, "close", first, "--code", "solved", actor="monitor", now=LATER))
    second = ok(itsm(desk, *args, actor="monitor", now=LATER)).out.strip()
    assert second != first
