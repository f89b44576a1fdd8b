"""SPEC 3 (L rules) through the CLI against a real git desk."""

from tests.helpers import (
    BILLING,
    USER,
    commit_count,
    dispatched,
    git,
    in_progress,
    itsm,
    ok,
    open_ticket,
    resolved,
    show,
)


def test_L1_open_prints_id_alone_and_commits_once(desk):
    before = commit_count(desk)
    r = ok(itsm(desk, "open", "--title", "计费出错", *USER, *BILLING, "--impact", "3"))
    tid = r.out.strip()
    assert "\n" not in tid and tid.startswith("INC-2611-")
    assert commit_count(desk) == before + 1
    t = show(desk, tid)
    assert t["status"] == "new" and t["priority"] == "P3" and t["opened_by"] == "alice"
    assert (desk / "tickets" / "2026" / "11" / f"{tid}.yaml").is_file()


def test_L1_user_source_needs_reporter(desk):
    r = itsm(desk, "open", "--title", "x", "--reporter-name", "王五")
    assert r.code == 1 and "[L1]" in r.err and "--reporter-phone" in r.err
    assert commit_count(desk) == 1


def test_L1_title_required(desk):
    r = itsm(desk, "open", *USER)
    assert r.code == 1 and "[L1]" in r.err


def test_L1_monitoring_needs_alert(desk):
    r = itsm(desk, "open", "--title", "db down", "--source", "monitoring",
             "--alert-id", "a1", actor="monitor")
    assert r.code == 1 and "--alert-severity" in r.err
    tid = ok(itsm(desk, "open", "--title", "db down", "--source", "monitoring",
                  "--alert-id", "a1", "--alert-severity", "high", "--alert-message", "down",
                  actor="monitor")).out.strip()
    t = show(desk, tid)
    assert t["source"] == "monitoring" and t["alert"]["id"] == "a1"
    assert t["alert"]["mode"] == "auto" and t["reporter"] is None


def test_L1_staff_ticket_reporter_is_the_opener(desk):
    tid = open_ticket(desk, "--source", "staff", actor="carol")
    t = show(desk, tid)
    assert t["source"] == "staff" and t["reporter"]["id"] == "carol"


def test_L2_out_of_scope_closes_at_once(desk):
    tid = open_ticket(desk, "--out-of-scope")
    t = show(desk, tid)
    assert t["status"] == "closed" and t["close_code"] == "out_of_scope"
    r = itsm(desk, "open", "--title", "x", *USER, "--out-of-scope", actor="carol")
    assert r.code == 6


def test_L3_dispatch_follows_routing(desk):
    tid = open_ticket(desk, *BILLING)
    r = itsm(desk, "assign", tid, "--group", "dba")
    assert r.code == 1 and "[L3]" in r.err and "billing-app" in r.err
    r = itsm(desk, "assign", tid, "--group", "dba", "--force")
    assert r.code == 1 and "incident manager" in r.err
    ok(itsm(desk, "assign", tid, "--group", "dba", "--force", actor="mike"))
    t = show(desk, tid)
    assert t["group"] == "dba" and t["counters"]["dispatches"] == 1
    assert "forced" in t["history"][-1]["note"]


def test_L3_dispatch_needs_symptom(desk):
    tid = open_ticket(desk)
    r = itsm(desk, "assign", tid, "--group", "billing-app")
    assert r.code == 1 and "symptom" in r.err and "classify" in r.err


def test_L3_unknown_group_is_not_found(desk):
    tid = open_ticket(desk, *BILLING)
    assert itsm(desk, "assign", tid, "--group", "nope").code == 3


def test_L3_database_routes_to_either_group(desk):
    tid = open_ticket(desk, "--category", "billing", "--subtype", "database", "--symptom", "slow")
    ok(itsm(desk, "assign", tid, "--group", "vendor-db"))
    assert show(desk, tid)["group"] == "vendor-db"


def test_L4_accept_by_group_member_only(desk):
    tid = dispatched(desk)
    assert itsm(desk, "accept", tid, actor="erin").code == 6
    ok(itsm(desk, "accept", tid, actor="dave"))
    t = show(desk, tid)
    assert t["status"] == "in_progress" and t["assignee"] == "dave"


def test_L5_reject_requires_reason(desk):
    tid = dispatched(desk)
    r = itsm(desk, "reject", tid, actor="carol")
    assert r.code == 1 and "[L5]" in r.err
    ok(itsm(desk, "reject", tid, "--reason", "symptom is a DB one", "--suggest", "dba",
            actor="carol"))
    t = show(desk, tid)
    assert t["status"] == "new" and t["group"] is None and t["counters"]["returns"] == 1
    assert "dba" in t["history"][-1]["note"]


def test_L6_transfer_needs_causation_and_membership(desk):
    tid = in_progress(desk)
    r = itsm(desk, "assign", tid, "--group", "dba", actor="carol")
    assert r.code == 1 and "[L6]" in r.err
    assert itsm(desk, "assign", tid, "--group", "dba", "--causation", "data-error",
                actor="erin").code == 6
    ok(itsm(desk, "assign", tid, "--group", "ops", "--causation", "data-error", actor="carol"))
    t = show(desk, tid)
    assert t["group"] == "ops" and t["status"] == "assigned"
    assert t["counters"]["transfers"] == 1 and t["assignee"] is None


def test_L7_wait_and_resume_to_prior_state(desk):
    tid = in_progress(desk)
    r = itsm(desk, "wait", tid, "--code", "nope", actor="carol")
    assert r.code == 1 and "[L7]" in r.err
    ok(itsm(desk, "wait", tid, "--code", "vendor", "--until", "2026-11-26T09:00",
            actor="carol"))
    t = show(desk, tid)
    assert t["status"] == "waiting" and t["wait"]["code"] == "vendor"
    ok(itsm(desk, "resume", tid, actor="carol", now="2026-11-25T10:00:00+08:00"))
    t = show(desk, tid, now="2026-11-25T10:00:00+08:00")
    assert t["status"] == "in_progress" and t["wait"] is None


def test_L7_until_must_be_in_the_future(desk):
    tid = dispatched(desk)
    r = itsm(desk, "wait", tid, "--code", "vendor", "--until", "2026-11-24T09:00")
    assert r.code == 2


def test_L8_resolve_requires_solution_and_causation(desk):
    tid = in_progress(desk)
    assert itsm(desk, "resolve", tid, actor="carol").code == 1
    r = itsm(desk, "resolve", tid, "--solution", "fixed", actor="carol")
    assert r.code == 1 and "causation" in r.err
    ok(itsm(desk, "resolve", tid, "--solution", "fixed", "--causation", "data-error",
            actor="carol"))
    t = show(desk, tid)
    assert t["status"] == "resolved" and t["solution"] == "fixed"


def test_L8_first_line_resolution_without_causation(desk):
    tid = open_ticket(desk)
    ok(itsm(desk, "resolve", tid, "--solution", "password reset"))
    assert show(desk, tid)["status"] == "resolved"


def test_L9_reopen_returns_to_resolving_group(desk):
    tid = resolved(desk)
    assert itsm(desk, "reopen", tid).code == 1
    ok(itsm(desk, "reopen", tid, "--reason", "still wrong"))
    t = show(desk, tid)
    assert t["status"] == "assigned" and t["group"] == "billing-app"
    assert t["counters"]["reopens"] == 1 and t["solution"] is None


def test_L10_close_rules(desk):
    tid = resolved(desk)
    assert itsm(desk, "close", tid, "--code", "bogus").code == 1
    r = itsm(desk, "close", tid, "--code", "failed")
    assert r.code == 1 and "problem" in r.err
    assert itsm(desk, "close", tid, "--code", "auto_closed").code == 1
    assert itsm(desk, "close", tid, "--code", "solved", actor="carol").code == 6
    ok(itsm(desk, "link", tid, "--problem", "PRB-7"))
    ok(itsm(desk, "close", tid, "--code", "failed", "--satisfaction", "2"))
    t = show(desk, tid)
    assert t["status"] == "closed" and t["close_code"] == "failed" and t["satisfaction"] == 2


def test_L10_staff_ticket_closed_by_opener(desk):
    tid = open_ticket(desk, "--source", "staff", *BILLING, actor="carol")
    ok(itsm(desk, "assign", tid, "--group", "billing-app"))
    ok(itsm(desk, "accept", tid, actor="dave"))
    ok(itsm(desk, "resolve", tid, "--solution", "s", "--causation", "data-error", actor="dave"))
    assert itsm(desk, "close", tid, "--code", "solved", actor="dave").code == 6
    ok(itsm(desk, "close", tid, "--code", "solved", actor="carol"))


def test_L10_monitoring_ticket_closes_without_user(desk):
    tid = ok(itsm(desk, "open", "--title", "disk", "--source", "monitoring", "--alert-id", "z1",
                  "--alert-severity", "warning", "--alert-message", "disk 91%",
                  actor="monitor")).out.strip()
    ok(itsm(desk, "resolve", tid, "--solution", "cleaned logs"))
    ok(itsm(desk, "close", tid, "--code", "solved", actor="monitor"))


def test_L12_recurrence_copies_and_raises_priority(desk):
    tid = resolved(desk, "--impact", "3")
    r = itsm(desk, "open", "--recurrence-of", tid)
    assert r.code == 1 and "[L12]" in r.err
    ok(itsm(desk, "close", tid, "--code", "solved"))
    new = ok(itsm(desk, "open", "--recurrence-of", tid[:12])).out.strip()
    t = show(desk, new)
    orig = show(desk, tid)
    assert t["recurrence_of"] == tid and t["title"] == orig["title"]
    assert t["classification"]["symptom"] == orig["classification"]["symptom"]
    assert t["reporter"]["name"] == orig["reporter"]["name"]
    assert orig["priority"] == "P3" and t["priority"] == "P2"


def test_L14_closed_refuses_everything_but_names_recurrence(desk):
    tid = resolved(desk)
    ok(itsm(desk, "close", tid, "--code", "solved"))
    n = commit_count(desk)
    for args in (["reopen", tid, "--reason", "x"], ["assign", tid, "--group", "dba"],
                 ["resolve", tid, "--solution", "x"], ["wait", tid, "--code", "vendor"],
                 ["close", tid, "--code", "solved"]):
        r = itsm(desk, *args)
        assert r.code == 1 and "[L14]" in r.err and "--recurrence-of" in r.err
    assert commit_count(desk) == n


def test_L15_consultation_closed_at_once(desk):
    tid = open_ticket(desk, "--type", "consultation")
    ok(itsm(desk, "resolve", tid, "--solution", "explained the export"))
    t = show(desk, tid)
    assert t["status"] == "closed" and t["close_code"] == "solved"
    assert git(desk, "log", "-1", "--format=%s").startswith(tid)


def test_L_refused_command_changes_nothing(desk):
    tid = dispatched(desk)
    path = desk / "tickets" / "2026" / "11" / f"{tid}.yaml"
    before, head = path.read_bytes(), git(desk, "rev-parse", "HEAD")
    assert itsm(desk, "reject", tid, actor="carol").code == 1
    assert path.read_bytes() == before and git(desk, "rev-parse", "HEAD") == head
    assert git(desk, "status", "--porcelain") == ""
