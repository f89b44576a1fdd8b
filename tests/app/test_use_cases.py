"""Each help section's use cases called without click, on a real scratch desk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from itsmctl.app import (
    audit,
    checks,
    hooks,
    knowledge,
    lifecycle,
    queue,
    relations,
    reports,
    sweep,
    work,
)
from itsmctl.errors import RuleViolation, UsageError
from tests.app.helpers import commits, committed, intake, session

HOOKS = Path(__file__).resolve().parents[1] / "resources" / "hooks"
LATER = "2026-11-25T11:00:00+08:00"


def dispatched(desk: Path, title: str = "计费出错") -> str:
    opened = lifecycle.open_ticket(session(desk), intake(title))
    lifecycle.assign(session(desk), opened.id, "billing-app")
    return opened.id


def test_L1_L12_open_says_knowledge_hints_on_the_session_not_on_stdout(desk, capsys):
    s = session(desk)
    opened = lifecycle.open_ticket(s, intake("计费出错 rate table wrong"))
    assert opened.status == "new" and opened.priority == "P4"
    assert any(m.startswith("knowledge: ") for m in s.messages)
    assert capsys.readouterr() == ("", "")


def test_L3_L4_L8_L10_a_ticket_through_its_life(desk):
    tid = dispatched(desk)
    assert lifecycle.accept(session(desk, "carol"), tid).assignee == "carol"
    resolved = lifecycle.resolve(session(desk, "carol"), tid, solution="fixed the rates",
                                 causation="data-error")
    assert resolved.status == "resolved"
    closed = lifecycle.close(session(desk), tid, "solved", satisfaction=5)
    assert closed.status == "closed" and committed(desk, tid).close_code == "solved"
    with pytest.raises(UsageError) as final:
        lifecycle.note(session(desk), tid)                      # a note needs its text
    assert commits(desk) and final.value.rule == "W4"


def test_M1_M4_relations(desk):
    master, slave = dispatched(desk, "billing down"), dispatched(desk, "billing down too")
    linked = relations.link_master(session(desk), slave, master)
    assert linked.master == master and committed(desk, master).slaves == [slave]
    unlinked = relations.unlink(session(desk), slave)
    assert unlinked.master is None and committed(desk, master).slaves == []
    with pytest.raises(RuleViolation) as not_a_slave:
        relations.unlink(session(desk), slave)
    assert not_a_slave.value.rule == "M4"
    problem = relations.link(session(desk), master, problem="PRB-1")
    assert problem.links.problem == "PRB-1"


def test_T1_A1_V1_work_on_a_ticket(desk):
    tid = dispatched(desk)
    lifecycle.accept(session(desk, "carol"), tid)
    t = work.task_add(session(desk, "carol"), tid, "restore the table", "dba")
    assert [x.status for x in t.tasks] == ["open"]
    t = work.task_done(session(desk, "erin"), tid, t.tasks[0].id, "restored")
    assert [x.status for x in t.tasks] == ["done"]
    t = work.announce(session(desk), tid, "outage", "计费系统故障", "预计15:30恢复")
    assert t.announcement and t.announcement.status == "open"
    lifecycle.resolve(session(desk, "carol"), tid, solution="restored", causation="data-error")
    lifecycle.close(session(desk), tid, "solved")
    assert [t.id for t in work.visits_due(session(desk))] == [tid]
    visited = work.visit(session(desk), tid, "user satisfied")
    assert visited.visit and visited.visit.result == "user satisfied"
    assert work.visits_due(session(desk)) == []


def test_K1_K3_knowledge(desk):
    article = knowledge.add(session(desk), "Printer offline", "Restart the spooler.",
                            category="office", subtype="desktop", symptoms=("unavailable",))
    assert article.status == "candidate"
    assert knowledge.publish(session(desk, "mike"), article.id).status == "published"
    hits = knowledge.search(session(desk), "printer spooler restart", limit=10)
    assert article.id in [h.article.id for h in hits]


def test_S4_sweep_acts_once_and_a_second_sweep_commits_nothing(desk):
    tid = dispatched(desk)
    first = sweep.sweep(session(desk, now=LATER))
    assert first.commit and [(a.ticket, a.kind) for a in first.actions] == \
        [(tid, "breach")] * len(first.actions)
    before = commits(desk)
    again = sweep.sweep(session(desk, now=LATER))
    assert again.actions == [] and again.commit is None and commits(desk) == before
    preview = sweep.preview(session(desk, now="2026-11-26T12:00:00+08:00"))
    assert preview.dry_run and commits(desk) == before


def test_H1_a_payload_opens_tickets_and_its_redelivery_changes_nothing(desk):
    text = (HOOKS / "alertmanager-firing.json").read_text(encoding="utf-8")
    first = hooks.receive(session(desk, actor=None), text)
    assert first.opened and first.commit
    assert committed(desk, first.opened[0]).opened_by == "monitor"   # the default actor
    before = commits(desk)
    again = hooks.receive(session(desk, actor=None), text)
    assert again.opened == [] and again.commit is None and commits(desk) == before
    assert json.loads(json.dumps(again.doc()))["unchanged"]


def test_queue_select_and_show(desk):
    tid = dispatched(desk)
    docs = queue.select(session(desk), group="billing-app")
    assert [d["id"] for d in docs] == [tid]
    doc = queue.show_doc(session(desk), queue.load(session(desk), tid[:10]))
    assert set(doc["sla"]) == {"respond", "accept", "restore", "close"}


def test_G5_G6_Q1_Q3_checks_audit_report(desk):
    tid = dispatched(desk)
    assert checks.validate(session(desk)) == []
    count, findings = audit.audit(session(desk))
    assert count >= 2 and findings == []
    assert all(f.ticket == tid for f in checks.qa(session(desk)))
    data = reports.build(session(desk), month="2026-11")
    assert data["summary"]["total_incidents"] == 1
