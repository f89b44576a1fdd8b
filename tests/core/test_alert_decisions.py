"""Pure tests of the alert decision and payload limits (H1, issue 11)."""

import json
from datetime import timedelta

import pytest

from itsmctl.core import workflow as wf
from itsmctl.core.alerts import (
    Incoming,
    alert_name,
    decide_firing,
    incoming,
    read_payload,
    reopen_firing,
)
from itsmctl.core.model import Alert
from itsmctl.core.policy import Limits, MonitoringConfig, Storm, parse_size
from itsmctl.errors import InvalidFile
from tests.core.policy_fixtures import ctx, new_ticket

WINDOW = timedelta(minutes=30)


def _inc(fp="fp1"):
    return Incoming(fingerprint=fp, status="firing", alert_id="Down", severity="critical",
                    message="db01 down", title="Down on db01: db01 down")


def _monitored(status):
    t = new_ticket().evolve(alert=Alert(id="Down", severity="critical", message="m",
                                        fingerprint="fp1").model_dump())
    if status in ("resolved", "closed"):
        t = wf.resolve(t, ctx(minutes=5), "cleared")
    if status == "closed":
        t = wf.close(t, ctx(minutes=6), "solved")
    return t


@pytest.mark.parametrize("status, on_refire, kind, related", [
    ("new", "reopen", "fire", False),
    ("resolved", "reopen", "reopen", False),
    ("resolved", "link", "open", True),
    ("closed", "reopen", "open", False),
    ("closed", "link", "open", False),
])
def test_H1_decide_firing_by_the_state_of_the_ticket_holding_the_alert(status, on_refire,
                                                                       kind, related):
    t = _monitored(status)
    d = decide_firing(_inc(), [t], [], WINDOW, on_refire)
    assert d.kind == kind
    assert (d.related == t.id) is related
    if kind in ("fire", "reopen"):
        assert d.ticket == t.id


def test_H1_reopen_firing_goes_back_to_the_queue_it_was_resolved_from():
    t = reopen_firing(_monitored("resolved"), _inc(), ctx(minutes=30))
    assert (t.status, t.group, t.solution, t.counters.reopens) == ("new", None, None, 1)
    assert t.alert.status == "firing" and t.history[-1].action == "alert-reopen"


def test_H1_grafana_datasource_alerts_take_the_rule_name():
    labels = {"alertname": "DatasourceNoData", "rulename": "CRM latency"}
    assert alert_name(labels) == "CRM latency"
    assert alert_name({"alertname": "DatasourceError"}) == "DatasourceError"
    assert alert_name({"alertname": "a\nb\u2028c"}) == "a b c"
    config = MonitoringConfig(storm=Storm(group_by=["alertname"]))
    body = {"version": "1", "status": "firing", "alerts": [
        {"status": "firing", "labels": labels}]}
    a = read_payload(json.dumps(body), Limits()).alerts[0]
    inc = incoming(a, "grafana", config)
    assert inc.alert_id == "CRM latency" and inc.group == "alertname=CRM latency"
    assert inc.title == "CRM latency: DatasourceNoData"


def test_H1_sizes_parse_in_binary_units():
    assert parse_size("64KB") == 65536 and parse_size("10MB") == 10 << 20
    assert parse_size(100) == 100 and parse_size("1.5k") == 1536
    with pytest.raises(ValueError):
        parse_size("-1MB")


@pytest.mark.parametrize("body, limits, part", [
    (b'{"version": "4"}', Limits(payload=10), "over the limit of 10B"),
    (b'{"version": "4", "x": "\xc3"}', Limits(), "not UTF-8"),
    ('{"version": "4", "status": "firing", "alerts": [{"status": "firing", "labels": '
     '{"a": "\\ud800"}}]}', Limits(), "lone surrogate"),
    (b"[" * 50000, Limits(), "not valid JSON"),
    (json.dumps({"version": "4", "status": "firing", "alerts": [
        {"status": "firing", "labels": {"a": "b"}}] * 3}), Limits(alerts=2), "3 alerts"),
    (json.dumps({"version": "4", "status": "firing", "alerts": [
        {"status": "firing", "labels": {"a": "b" * 20}}]}), Limits(text=16),
     "alerts.0.labels.a: over the limit of 16B"),
])
def test_H1_malformed_or_oversized_payloads_are_invalid_files(body, limits, part):
    with pytest.raises(InvalidFile) as err:
        read_payload(body, limits)
    assert part in err.value.message and err.value.rule == "H1"


def test_H1_truncated_alerts_are_read():
    body = {"version": "4", "status": "firing", "truncatedAlerts": 12, "alerts": []}
    assert read_payload(json.dumps(body), Limits()).truncated == 12


def test_N1_plans_nothing_matches_what_plan_would_add():
    """The hook finalizes a ticket once only while no intermediate state could plan a
    notice: plans_nothing is False whenever notices.plan would add one."""
    from itsmctl.core.alerts import plans_nothing
    from itsmctl.core.notices import plan
    from tests.core.policy_fixtures import policy

    c = ctx(minutes=1)
    opened = new_ticket()                               # open by the desk: nothing to tell
    assert plans_nothing(opened, c.policy, c.now)
    assert plan(opened, c.policy, c.now) is opened
    dispatched = wf.assign(opened, c, "billing-app")    # dispatch notifies the group
    assert not plans_nothing(dispatched, c.policy, c.now)
    assert plan(dispatched, c.policy, c.now).notifications
    # events already judged are not judged again; events past the plan window never count
    assert plans_nothing(dispatched, c.policy, c.now, since=len(dispatched.history))
    later = c.now + policy().notify.delivery.plan_window + timedelta(minutes=1)
    assert plans_nothing(dispatched, c.policy, later)
    assert plan(dispatched, c.policy, later) is dispatched
