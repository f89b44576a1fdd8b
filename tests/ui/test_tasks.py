"""SPEC 8: tasks (T1), changes and problems (T2), requirements (L13), announcements (A1)."""

from pathlib import Path

import pytest

from tests.helpers import (
    BILLING,
    NOW,
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


def test_T1_task_add_records_group_in_history(desk):
    tid = in_progress(desk)
    n = commit_count(desk)
    r = ok(itsm(desk, "task", "add", tid, "--title", "restore the rate table", "--group", "dba",
                actor="carol"))
    assert "T1" in r.out and "dba" in r.out
    assert commit_count(desk) == n + 1
    t = show(desk, tid)
    assert t["tasks"] == [{"id": "T1", "title": "restore the rate table", "group": "dba",
                           "status": "open", "opened_at": "2026-11-25T09:00:00+08:00",
                           "opened_by": "carol", "result": None, "done_at": None,
                           "done_by": None}]
    event = t["history"][-1]
    assert event["action"] == "task-add" and "dba" in event["note"]
    assert t["status"] == "in_progress"


def test_T1_each_task_has_its_own_group_and_result(desk):
    tid = in_progress(desk)
    ok(itsm(desk, "task", "add", tid, "--title", "check index", "--group", "dba", actor="carol"))
    ok(itsm(desk, "task", "add", tid, "--title", "restart node", "--group", "ops",
            actor="carol"))
    ok(itsm(desk, "task", "done", tid, "T2", "--result", "node restarted", actor="frank"))
    ok(itsm(desk, "task", "done", tid, "t1", "--result", "index rebuilt", actor="erin"))
    t = show(desk, tid)
    by_id = {x["id"]: x for x in t["tasks"]}
    assert (by_id["T1"]["group"], by_id["T1"]["result"], by_id["T1"]["done_by"]) == \
        ("dba", "index rebuilt", "erin")
    assert (by_id["T2"]["group"], by_id["T2"]["result"], by_id["T2"]["done_by"]) == \
        ("ops", "node restarted", "frank")
    notes = [e["note"] for e in t["history"] if e["action"] == "task-done"]
    assert "node restarted" in notes[0] and "still open: T1" in notes[0]
    assert "index rebuilt" in notes[1] and "all tasks done" in notes[1]


def test_T1_resolve_refused_while_a_task_is_open(desk):
    tid = in_progress(desk)
    ok(itsm(desk, "task", "add", tid, "--title", "check index", "--group", "dba", actor="carol"))
    n = commit_count(desk)
    r = itsm(desk, "resolve", tid, "--solution", "fixed", "--causation", "data-error",
             actor="carol")
    assert r.code == 1 and "[T1]" in r.err and "T1" in r.err and "task done" in r.err
    assert commit_count(desk) == n and show(desk, tid)["status"] == "in_progress"
    ok(itsm(desk, "task", "done", tid, "T1", "--result", "index rebuilt", actor="erin"))
    ok(itsm(desk, "resolve", tid, "--solution", "fixed", "--causation", "data-error",
            actor="carol"))
    assert show(desk, tid)["status"] == "resolved"


def test_T1_task_rules_refuse_and_change_nothing(desk):
    tid = in_progress(desk)
    n = commit_count(desk)
    assert itsm(desk, "task", "add", tid, "--group", "dba", actor="carol").code == 1
    assert itsm(desk, "task", "add", tid, "--title", "x", "--group", "nope",
                actor="carol").code == 3
    assert itsm(desk, "task", "add", tid, "--title", "x", actor="erin").code == 6
    assert itsm(desk, "task", "done", tid, "T9", "--result", "x", actor="carol").code == 3
    ok(itsm(desk, "task", "add", tid, "--title", "x", actor="carol"))     # the ticket's group
    assert show(desk, tid)["tasks"][0]["group"] == "billing-app"
    assert itsm(desk, "task", "done", tid, "T1", actor="carol").code == 1  # no --result
    assert itsm(desk, "task", "done", tid, "T1", "--result", "r", actor="grace").code == 6
    ok(itsm(desk, "task", "done", tid, "T1", "--result", "done", actor="dave"))
    r = itsm(desk, "task", "done", tid, "T1", "--result", "again", actor="dave")
    assert r.code == 1 and "already done" in r.err
    assert commit_count(desk) == n + 2


def test_T1_tasks_belong_to_open_tickets(desk):
    tid = resolved(desk)
    r = itsm(desk, "task", "add", tid, "--title", "x", "--group", "dba", actor="carol")
    assert r.code == 1 and "[T1]" in r.err


def test_T2_link_change_waits_with_code_change(desk):
    tid = in_progress(desk)
    n = commit_count(desk)
    ok(itsm(desk, "link", tid, "--change", "CHG-1234", actor="carol"))
    t = show(desk, tid)
    assert t["status"] == "waiting" and t["wait"]["code"] == "change"
    assert t["wait"]["resume_to"] == "in_progress" and t["wait"]["reference"] == "CHG-1234"
    assert t["links"]["change"] == "CHG-1234"
    assert commit_count(desk) == n + 1
    event = t["history"][-1]
    assert (event["action"], event["from"], event["to"]) == ("link-change", "in_progress",
                                                             "waiting")
    assert t["sla"]["restore"]["deadline"]            # the clock is paused, not gone
    ok(itsm(desk, "resume", tid, actor="carol"))
    assert show(desk, tid)["status"] == "in_progress"


def test_T2_link_problem_records_it(desk):
    tid = in_progress(desk)
    ok(itsm(desk, "link", tid, "--problem", "PRB-0042", actor="carol"))
    t = show(desk, tid)
    assert t["links"]["problem"] == "PRB-0042" and t["status"] == "in_progress"
    assert t["history"][-1]["action"] == "link-problem"


@pytest.mark.parametrize("code", ["workaround", "failed"])
def test_L13_T2_close_codes_workaround_and_failed_need_a_problem(desk, code):
    tid = resolved(desk)
    n = commit_count(desk)
    r = itsm(desk, "close", tid, "--code", code)
    assert r.code == 1 and "[L10]" in r.err and "--problem" in r.err
    assert commit_count(desk) == n
    ok(itsm(desk, "link", tid, "--problem", "PRB-0042"))
    ok(itsm(desk, "close", tid, "--code", code))
    t = show(desk, tid)
    assert t["status"] == "closed" and t["close_code"] == code


def _set_requirement_link(desk: Path, value: str) -> None:
    path = desk / "config" / "desk.yaml"
    path.write_text(path.read_text().replace("requirement_link: close",
                                             f"requirement_link: {value}"))
    git(desk, "commit", "-qam", "requirement_link")


def test_L13_link_requirement_closes_by_default(desk):
    tid = in_progress(desk)
    ok(itsm(desk, "link", tid, "--requirement", "REQ-77", actor="carol"))
    t = show(desk, tid)
    assert t["status"] == "closed" and t["close_code"] == "requirement"
    assert t["links"]["requirement"] == "REQ-77" and "REQ-77" in t["solution"]
    assert t["history"][-1]["action"] == "link-requirement"
    r = itsm(desk, "resume", tid)
    assert r.code == 1 and "[L14]" in r.err


def test_L13_link_requirement_waits_when_config_says_wait(desk):
    _set_requirement_link(desk, "wait")
    tid = in_progress(desk)
    ok(itsm(desk, "link", tid, "--requirement", "REQ-78", actor="carol"))
    t = show(desk, tid)
    assert t["status"] == "waiting" and t["wait"]["code"] == "requirement"
    assert t["links"]["requirement"] == "REQ-78" and t["close_code"] is None


def test_A1_announce_records_and_close_closes_it(desk):
    tid = resolved(desk)
    n = commit_count(desk)
    ok(itsm(desk, "announce", tid, "--kind", "outage", "--title", "计费系统故障通告",
            "--body", "计费系统数据库故障，预计15:30前恢复。"))
    assert commit_count(desk) == n + 1
    a = show(desk, tid)["announcement"]
    assert (a["kind"], a["status"], a["by"]) == ("outage", "open", "alice")
    listed = ok(itsm(desk, "list", "--announcements")).out
    assert tid in listed and "计费系统故障通告" in listed
    ok(itsm(desk, "close", tid, "--code", "solved"))
    a = show(desk, tid)["announcement"]
    assert a["status"] == "closed" and a["closed_at"] == NOW
    assert tid not in ok(itsm(desk, "list", "--announcements")).out
    assert tid in ok(itsm(desk, "list", "--announcements", "--all")).out


def test_A1_announce_rules(desk):
    tid = dispatched(desk)
    assert itsm(desk, "announce", tid, "--kind", "party", "--title", "t",
                "--body", "b").code == 2
    assert itsm(desk, "announce", tid, "--kind", "info", "--title", "t").code == 1
    assert itsm(desk, "announce", tid, "--kind", "info", "--title", "t", "--body", "b",
                actor="erin").code == 6
    ok(itsm(desk, "announce", tid, "--kind", "info", "--title", "t1", "--body", "b"))
    ok(itsm(desk, "announce", tid, "--kind", "maintenance", "--title", "t2", "--body", "b"))
    t = show(desk, tid)
    assert t["announcement"]["title"] == "t2" and "replaced" in t["history"][-1]["note"]


def test_A1_open_suggests_an_announcement_for_department_impact(desk):
    r = ok(itsm(desk, "open", "--title", "计费系统无法访问", "--reporter-name", "王五",
                "--reporter-phone", "13800000000", "--impact", "3"))
    tid = r.out.strip()
    assert r.out == tid + "\n"                     # stdout: the id alone
    assert "announce" in r.err and "A1" in r.err and tid in r.err
    r = ok(itsm(desk, "open", "--title", "我的鼠标坏了", "--reporter-name", "王五",
                "--reporter-phone", "13800000000", "--impact", "4"))
    assert "announce" not in r.err


def test_A1_desktop_profile_suggests_from_medium_impact(desktop_desk):
    args = ("open", "--title", "打印机无法打印", "--reporter-name", "王五", "--reporter-phone",
            "13800000000")
    assert "announce" in ok(itsm(desktop_desk, *args, "--affected-users", "5")).err
    assert "announce" not in ok(itsm(desktop_desk, *args, "--affected-users", "2")).err


def test_A1_slave_announcement_goes_to_master(desk):
    master = open_ticket(desk, *BILLING)
    slave = open_ticket(desk, *BILLING)
    ok(itsm(desk, "link-master", slave, "--master", master))
    r = itsm(desk, "announce", slave, "--kind", "info", "--title", "t", "--body", "b")
    assert r.code == 1 and "[M5]" in r.err
