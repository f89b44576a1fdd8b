"""SPEC 5 through the CLI: priority at open, classify, affected users, history reasons."""

from tests.helpers import BILLING, USER, itsm, ok, open_ticket, show


def test_P1_open_computes_priority_from_matrix(desk):
    for impact, urgency, want in ((1, "high", "P1"), (2, "low", "P3"), (4, "medium", "P4")):
        tid = open_ticket(desk, "--impact", str(impact), "--urgency", urgency)
        t = show(desk, tid)
        assert (t["impact"], t["urgency"], t["priority"]) == (impact, urgency, want)


def test_P1_bad_impact_is_usage_error(desk):
    r = itsm(desk, "open", "--title", "x", *USER, "--impact", "7")
    assert r.code == 2 and "impact" in r.err


def test_P2_vip_reporter_gets_high_urgency(desk):
    t = show(desk, open_ticket(desk, "--reporter-kind", "vip", "--impact", "3"))
    assert t["urgency"] == "high" and t["priority"] == "P2"
    t = show(desk, open_ticket(desk, "--impact", "3"))
    assert t["urgency"] == "medium" and t["priority"] == "P3"


def test_P2_complaint_is_high_and_escalated(desk):
    t = show(desk, open_ticket(desk, "--type", "complaint", "--impact", "4"))
    assert t["urgency"] == "high" and t["priority"] == "P3"
    assert [e["trigger"] for e in t["escalations"]] == ["complaint"]


def test_P3_affected_users_derive_impact(desk):
    t = show(desk, open_ticket(desk, "--affected-users", "12"))
    assert t["impact"] == 2 and t["affected_users"] == 12


def test_P3_desktop_affected_users(desktop_desk):
    t = show(desktop_desk, open_ticket(desktop_desk, "--affected-users", "10"))
    assert t["impact"] == "large" and t["priority"] == "high"


def test_P4_classify_records_reason_and_recomputes(desk):
    tid = open_ticket(desk, *BILLING, "--impact", "3")
    r = itsm(desk, "classify", tid, "--impact", "1")
    assert r.code == 1 and "[P4]" in r.err
    ok(itsm(desk, "classify", tid, "--impact", "1", "--reason", "whole company affected"))
    t = show(desk, tid)
    assert t["priority"] == "P1" and t["major"] is True
    last = t["history"][-1]
    assert last["action"] == "classify" and last["note"] == "whole company affected"
    assert last["changes"]["priority"] == ["P3", "P1"]


def test_P4_classify_nothing_is_refused_by_the_rule(desk):
    tid = open_ticket(desk)
    assert itsm(desk, "classify", tid, "--reason", "r").code == 1


def test_P5_major_when_top_priority_and_top_impact(desk):
    t = show(desk, open_ticket(desk, "--impact", "1", "--urgency", "high"))
    assert t["major"] is True
    t = show(desk, open_ticket(desk, "--impact", "2", "--urgency", "high"))
    assert t["priority"] == "P1" and t["major"] is False


def test_S5_reopens_escalate_at_second(desk):
    from tests.helpers import resolved

    tid = resolved(desk, "--impact", "4")
    for i in range(2):
        ok(itsm(desk, "reopen", tid, "--reason", f"still broken {i}"))
        ok(itsm(desk, "accept", tid, actor="carol"))
        ok(itsm(desk, "resolve", tid, "--solution", "again", "--causation", "data-error",
                actor="carol"))
    t = show(desk, tid)
    assert [e["trigger"] for e in t["escalations"]] == ["reopens"]
    assert t["urgency"] == "high" and t["priority"] == "P3"


def test_S5_manual_escalation_desktop_raises_one_level(desktop_desk):
    tid = open_ticket(desktop_desk, "--impact", "small", "--urgency", "low")
    assert show(desktop_desk, tid)["priority"] == "low"
    ok(itsm(desktop_desk, "escalate", tid, "--reason", "user waited too long", actor="mike"))
    t = show(desktop_desk, tid)
    assert t["priority"] == "normal" and t["escalations"][0]["trigger"] == "manual"


def test_S6_desktop_complaint_goes_to_top(desktop_desk):
    t = show(desktop_desk, open_ticket(desktop_desk, "--type", "complaint", "--impact", "small"))
    assert t["priority"] == "urgent"
