"""M6 / L16 as pure rules: the conditions of duplicates.yaml (handbook 5.1.10 配套措施,
5.1.11 查询范围含时间)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from itsmctl.core.duplicates import candidates
from itsmctl.core.policy import DuplicatesConfig

CN = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=CN)
CONFIG = DuplicatesConfig.model_validate({
    "conditions": {
        "same-symptom": {"match": ["category", "subtype", "symptom"], "within": "4h"},
        "same-ci": {"match": ["ci"], "within": "1d"},
        "same-location": {"match": ["location", "category"]},
        "same-alert-group": {"match": ["alert_group"], "within": "30m"}},
    "recurrence": {"within": "30d", "conditions": ["same-symptom", "same-ci"]},
    "limit": 2})


def doc(tid: str, status: str = "new", hours: float = 1, **extra):
    base = {"id": tid, "title": tid, "status": status,
            "opened_at": (NOW - timedelta(hours=hours)).isoformat(),
            "classification": {"category": "billing", "subtype": "application",
                               "symptom": "billing-error"}}
    base.update(extra)
    return base


NEW = doc("NEW", hours=0, links={"cis": ["db01"]}, location="changsha")


def ids(found, kind):
    return [c["id"] for c in found[kind]]


def test_M6_same_category_and_symptom_within_the_window():
    found = candidates(NEW, [doc("A", hours=3), doc("B", hours=5), doc("C", "resolved")],
                       CONFIG, NOW)
    assert ids(found, "duplicates") == ["A"]
    assert found["duplicates"][0]["conditions"] == ["same-symptom"]


def test_M6_same_ci_any_shared_and_every_key_must_be_set_on_the_new_ticket():
    other = doc("D", hours=20, classification={}, links={"cis": ["web01", "DB01"]})
    assert ids(candidates(NEW, [other], CONFIG, NOW), "duplicates") == ["D"]
    bare = {**NEW, "links": {"cis": []}, "classification": {}, "location": None}
    assert candidates(bare, [other, doc("A")], CONFIG, NOW)["duplicates"] == []


def test_M6_location_from_the_reporter_no_window_and_most_conditions_first():
    a = doc("A", hours=30, reporter={"location": "Changsha"})        # same-location only
    b = doc("B", hours=2, links={"cis": ["db01"]}, location="changsha")
    found = candidates(NEW, [a, b], CONFIG, NOW)
    assert ids(found, "duplicates") == ["B", "A"]
    assert found["duplicates"][0]["conditions"] == ["same-symptom", "same-ci", "same-location"]


def test_M6_same_alert_group_and_the_limit():
    new = doc("N", hours=0, classification={}, alert={"group": "alertname=DiskFull"})
    others = [doc(f"S{i}", hours=0.1 * i, classification={},
                  alert={"group": "alertname=DiskFull"}) for i in range(1, 5)]
    assert ids(candidates(new, others, CONFIG, NOW), "duplicates") == ["S1", "S2"]


def test_L16_closed_within_the_recurrence_window_is_a_recurrence_candidate():
    recent = doc("R1", "closed", hours=200, closed_at=(NOW - timedelta(days=3)).isoformat())
    old = doc("R2", "closed", hours=2000, closed_at=(NOW - timedelta(days=40)).isoformat())
    elsewhere = doc("R3", "closed", hours=100, classification={}, location="changsha",
                    closed_at=(NOW - timedelta(days=1)).isoformat())   # same-location: not
    found = candidates(NEW, [recent, old, elsewhere], CONFIG, NOW)     # a recurrence rule
    assert ids(found, "recurrences") == ["R1"] and found["duplicates"] == []


def test_M6_config_names_known_conditions():
    with pytest.raises(ValueError, match="unknown condition"):
        DuplicatesConfig.model_validate({"recurrence": {"conditions": ["nope"]}})
    with pytest.raises(ValueError):
        DuplicatesConfig.model_validate({"conditions": {"x": {"match": ["colour"]}}})


def test_M6_L16_each_other_ticket_is_read_for_its_keys_once(monkeypatch):
    """keys() once per ticket however many conditions ask (issue 13: ~3,000 closed
    tickets of the month at 100,000), and the same candidates."""
    import itsmctl.core.duplicates as dup

    others = [doc("A", hours=1, links={"cis": ["db01"]}, location="changsha"),
              doc("B", "closed", closed_at=(NOW - timedelta(days=3)).isoformat(),
                  links={"cis": ["db01"]}),
              doc("C", hours=30)]
    expected = candidates(NEW, others, CONFIG, NOW)
    calls: list[str] = []
    real = dup.keys
    monkeypatch.setattr(dup, "keys", lambda d: calls.append(d["id"]) or real(d))
    assert candidates(NEW, others, CONFIG, NOW) == expected
    assert sorted(calls) == ["A", "B", "C", "NEW"]
    assert ids(expected, "duplicates") == ["A"] and ids(expected, "recurrences") == ["B"]
