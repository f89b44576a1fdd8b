"""SPEC 4: duplicates (master/slave) and related tickets, M1-M5."""

from tests.helpers import BILLING, commit_count, git, in_progress, itsm, ok, open_ticket, show


def storm(desk, n=2):
    master = open_ticket(desk, *BILLING, title="portal down")
    slaves = [open_ticket(desk, *BILLING, title=f"portal down {i}") for i in range(n)]
    for s in slaves:
        ok(itsm(desk, "link-master", s, "--master", master))
    return master, slaves


def test_M1_link_master_grows_slave_list_and_mirrors(desk):
    master = in_progress(desk)
    slave = open_ticket(desk, *BILLING)
    ok(itsm(desk, "link-master", slave, "--master", master))
    m, s = show(desk, master), show(desk, slave)
    assert m["slaves"] == [slave] and s["master"] == master
    assert (s["status"], s["group"], s["assignee"]) == ("in_progress", "billing-app", "carol")


def test_M1_refuses_cycles_chains_and_self(desk):
    master, (a, b) = storm(desk)
    other = open_ticket(desk, *BILLING)
    r = itsm(desk, "link-master", other, "--master", a)
    assert r.code == 1 and "[M1]" in r.err and "slave" in r.err
    r = itsm(desk, "link-master", master, "--master", other)
    assert r.code == 1 and "[M1]" in r.err
    assert itsm(desk, "link-master", other, "--master", other).code == 1
    assert itsm(desk, "link-master", a, "--master", other).code == 1


def test_M2_master_transitions_apply_to_slaves_in_one_commit(desk):
    master, slaves = storm(desk, 3)
    n = commit_count(desk)
    ok(itsm(desk, "assign", master, "--group", "billing-app"))
    assert commit_count(desk) == n + 1
    changed = git(desk, "show", "--name-only", "--format=", "HEAD").split()
    assert len(changed) == 4
    ok(itsm(desk, "accept", master, actor="dave"))
    ok(itsm(desk, "resolve", master, "--solution", "restarted", "--causation", "config-error",
            actor="dave"))
    for s in slaves:
        t = show(desk, s)
        assert t["status"] == "resolved" and t["assignee"] == "dave"
        assert t["solution"] == "restarted"
        assert t["history"][-1]["via"] == master and t["history"][-1]["action"] == "resolve"
    ok(itsm(desk, "close", master, "--code", "solved"))
    assert all(show(desk, s)["status"] == "closed" for s in slaves)


def test_M3_closed_ticket_only_related(desk):
    closed = open_ticket(desk, "--out-of-scope")
    other = open_ticket(desk, *BILLING)
    r = itsm(desk, "link-master", other, "--master", closed)
    assert r.code == 1 and "[M3]" in r.err and "--related" in r.err
    ok(itsm(desk, "link", other, "--related", closed))
    assert show(desk, closed)["related"] == [other]
    assert show(desk, other)["related"] == [closed]


def test_M4_unlink_keeps_mirrored_state(desk):
    master, (a, _) = storm(desk)
    ok(itsm(desk, "assign", master, "--group", "billing-app"))
    ok(itsm(desk, "unlink", a))
    t, m = show(desk, a), show(desk, master)
    assert t["master"] is None and t["status"] == "assigned" and a not in m["slaves"]
    ok(itsm(desk, "accept", a, actor="carol"))
    assert show(desk, master)["status"] == "assigned"


def test_M5_slave_refuses_transitions_naming_master(desk):
    master, (a, _) = storm(desk)
    for args in (["assign", a, "--group", "billing-app"], ["resolve", a, "--solution", "x"],
                 ["classify", a, "--urgency", "high", "--reason", "r"]):
        r = itsm(desk, *args)
        assert r.code == 1 and "[M5]" in r.err and master in r.err
    ok(itsm(desk, "note", a, "--text", "user called again"))


def test_M2_slave_history_names_the_transition_not_the_escalation_after_it(desk):
    master, (a, _) = storm(desk)
    ok(itsm(desk, "assign", master, "--group", "billing-app"))
    ok(itsm(desk, "reject", master, "--reason", "not ours", actor="carol"))
    ok(itsm(desk, "assign", master, "--group", "billing-app"))     # third handoff: escalates
    assert show(desk, master)["history"][-1]["action"] == "escalate"
    last = show(desk, a)["history"][-1]
    assert last["action"] == "dispatch" and last["via"] == master


def test_M2_a_consultation_resolved_at_first_contact_closes_its_slaves_with_code_and_time(desk):
    """L9 + M2: the master is resolved and closed by one command; each slave mirrors both
    steps (legal for audit) and carries the close code and time (valid for validate).
    Found by the generated benchmark desk: 14 of 100,000 tickets were closed without."""
    consult = ("--type", "consultation", *BILLING)
    master = open_ticket(desk, *consult, title="how do I read my bill")
    slave = open_ticket(desk, *consult, title="how to read the bill")
    ok(itsm(desk, "link-master", slave, "--master", master))
    ok(itsm(desk, "resolve", master, "--solution", "explained the bill"))
    m, s = show(desk, master), show(desk, slave)
    assert m["status"] == s["status"] == "closed"
    assert s["close_code"] == m["close_code"] and s["closed_at"] == m["closed_at"]
    assert s["closed_at"] is not None and s["solution"] == "explained the bill"
    assert [(e["action"], e["from"], e["to"]) for e in s["history"][-2:]] == \
        [("resolve", "new", "resolved"), ("close", "resolved", "closed")]
    assert ok(itsm(desk, "validate")).code == 0
    audit = itsm(desk, "audit")
    assert audit.code == 0 and "0 finding(s)" in audit.err, audit.err
