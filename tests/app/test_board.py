"""U2, U4, Q6, U3: the web service's read models and the hook batch, as use cases."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from itsmctl.app import board, drill, hooks, lifecycle, sweep
from itsmctl.core.filters import Filters
from itsmctl.errors import InvalidFile, NotFound, UsageError
from tests.app.helpers import commits, committed, head_message, intake, session

HOOKS = Path(__file__).resolve().parents[1] / "resources" / "hooks"


def opened(desk: Path, n: int, **extra: object) -> list[str]:
    return [lifecycle.open_ticket(session(desk), intake(f"计费出错 {i}", **extra)).id
            for i in range(n)]


def test_U2_queue_pages_in_list_order(desk):
    low = opened(desk, 3)                                           # P4
    high = opened(desk, 2, impact="1")                              # P1
    first = board.queue(session(desk), Filters(), page=1, per_page=2)
    assert first.total == 5 and first.pages == 3
    assert [d["id"] for d in first.rows] == sorted(high)           # same time: by id
    rest = [d["id"] for p in (2, 3) for d in board.queue(session(desk), Filters(), p, 2).rows]
    assert rest == sorted(low)
    assert board.queue(session(desk), Filters(), page=9, per_page=2).rows == []


def test_U2_queue_filters_are_lists_and_checked(desk):
    a, b = opened(desk, 2)
    lifecycle.assign(session(desk), a, "billing-app")
    lifecycle.accept(session(desk, "carol"), a)
    rows = board.queue(session(desk), Filters(group="billing-app")).rows
    assert [d["id"] for d in rows] == [a]
    assert [d["id"] for d in board.queue(session(desk), Filters(unassigned=True)).rows] == [b]
    assert [d["id"] for d in board.queue(session(desk), Filters(assignee="carol")).rows] == [a]
    assert board.queue(session(desk), Filters(status=("closed",))).total == 0
    assert board.queue(session(desk), Filters(priority=("P4",), major=True)).total == 0
    for bad in (Filters(status=("wating",)), Filters(group="nosuch"),
                Filters(priority=("P9",)), Filters(assignee="nobody")):
        with pytest.raises(UsageError) as refused:
            board.queue(session(desk), bad)
        assert refused.value.rule == "W2" and "known:" in refused.value.message


def test_U2_breached_filter_uses_the_clocks(desk):
    (tid,) = opened(desk, 1)
    later = session(desk, now="2026-11-25T11:00:00+08:00")          # respond: 1h for P4
    assert [d["id"] for d in board.queue(later, Filters(breached=True)).rows] == [tid]
    assert board.queue(session(desk), Filters(breached=True)).total == 0


def test_U2_ids_narrow_the_queue_to_a_figure(desk):
    a, b, c = opened(desk, 3)
    lifecycle.resolve(session(desk), c, solution="told the user")
    page = board.queue(session(desk), Filters(), ids=[c, a])
    assert {d["id"] for d in page.rows} == {a, c}                   # resolved ones too
    assert board.queue(session(desk), Filters(), ids=[]).total == 0


def test_W2_U2_saved_views_from_config_views_yaml(desk):
    """The page shows the views of config/views.yaml its filters can express: the
    shipped `mine` names the signed-in person; `inbox` (unverified), `my-groups` and
    `this-week` (a time) need `list`'s filters and are left out, not shown wider."""
    shipped = board.views(session(desk, actor="carol"))
    assert shipped["mine"] == Filters(assignee="carol")
    assert shipped["major"] == Filters(major=True)
    assert shipped["breached"] == Filters(breached=True)
    assert not {"inbox", "my-groups", "this-week"} & set(shipped)
    (desk / "config" / "views.yaml").write_text(
        "version: 1\nviews:\n"
        "  p1-billing: {priority: [P1, P2], group: billing-app}\n"
        "  stale:\n    breached: true\n    all: true\n"
        "  new-p4: {status: [new], priority: [P4], unassigned: true}\n"
        "  words: {text: 计费}\n")
    found = board.views(session(desk))
    assert found["p1-billing"] == Filters(priority=("P1", "P2"), group="billing-app")
    assert found["stale"] == Filters(breached=True, show_all=True)
    assert found["new-p4"] == Filters(status=("new",), priority=("P4",), unassigned=True)
    assert "words" not in found and "mine" not in found


def test_U2_wallboard_counts_the_open_queue(desk):
    a, b = opened(desk, 2)
    (major,) = opened(desk, 1, impact="1", urgency="high")
    lifecycle.assign(session(desk), a, "billing-app")
    shown = board.wallboard(session(desk))
    assert shown.total == 3 and shown.by_priority["P1"] == 1 and shown.by_priority["P4"] == 2
    assert shown.by_status == {"new": 2, "assigned": 1} and shown.by_group["billing-app"] == 1
    assert [d["id"] for d in shown.major] == [major]
    assert [d["id"] for d in shown.unassigned][0] == major


def test_U4_metrics_of_the_desk(desk):
    a, b = opened(desk, 2)
    lifecycle.assign(session(desk), a, "billing-app")
    m = board.metrics(session(desk))
    assert sorted(m.open) == [("P4", "", "new", 1), ("P4", "billing-app", "assigned", 1)]
    assert m.last_sweep_age is None and m.breached["respond"] == 0
    assert m.commits_last_minute >= 0 and m.unassigned_age == {"P4": 0.0}
    sweep.sweep(session(desk, now="2026-11-25T12:00:00+08:00"))
    later = board.metrics(session(desk, now="2026-11-25T12:05:00+08:00"))
    assert later.last_sweep_age == 300                     # (escalation raised priorities)
    assert max(later.unassigned_age.values()) == 3 * 3600 + 300
    assert later.breached["respond"] == 1 and later.breached["accept"] == 1


def test_U4_the_sweep_leaves_its_stamp_even_when_idle(desk):
    before = commits(desk)
    sweep.sweep(session(desk))
    assert commits(desk) == before
    assert board.metrics(session(desk)).last_sweep_age == 0


def test_Q6_report_figures_name_their_tickets(desk):
    low = opened(desk, 2)
    high = opened(desk, 1, impact="1")
    data, figures = drill.figures(session(desk), month="2026-11")
    assert data["total_incidents"] == 3
    assert sorted(figures["total_incidents"]) == sorted(low + high)
    assert figures["by_priority.P1"] == high and figures["by_priority.P2"] == []
    assert sorted(drill.tickets(session(desk), "2026-11", None, "by_priority.P4")) == sorted(low)
    with pytest.raises(NotFound):
        drill.tickets(session(desk), "2026-11", None, "response_rate.nosuch")


def test_Q6_lists_the_report_carries_are_found_beside_their_figures():
    found: dict[str, list[str]] = {}
    ids = ["INC-2611-AAAAA", "INC-2611-BBBBB"]
    drill._walk({"total_incidents": 2, "total_incidents_tickets": ids,
                 "by_priority": {"P1": 1, "P2": 0}, "tickets": {"by_priority": None},
                 "kpis": {"k": {"value": 0.5, "numerator": 1, "tickets": ids[:1]}},
                 "sla": {"by_group": {"dba": {"restore": {"met": 1, "total": 2,
                                                          "ids": {"met": ids[:1]}}}}},
                 "backlog": {"buckets": [{"count": 2, "tickets": ids}]},
                 "by_type": {"incident": 2, "tickets": {"incident": ids}}}, "", found)
    assert found["total_incidents"] == ids and found["kpis.k"] == ids[:1]
    assert found["kpis.k.value"] == ids[:1] and found["backlog.buckets.0.count"] == ids
    assert found["backlog.buckets.0"] == ids and found["by_type.incident"] == ids
    assert found["sla.by_group.dba.restore.met"] == ids[:1]
    assert "by_priority.P1" not in found


def payload(name: str, fingerprint: str, status: str = "firing") -> str:
    doc = json.loads((HOOKS / "alertmanager-firing.json").read_text())
    alert = doc["alerts"][0]
    alert["labels"]["alertname"] = name
    alert["fingerprint"] = fingerprint
    alert["status"] = doc["status"] = status
    if status == "resolved":
        alert["endsAt"] = "2026-11-25T01:20:00Z"
    return json.dumps(doc)


def test_U3_H1_payloads_received_together_make_one_commit(desk):
    texts = [payload(f"Disk{i}", f"fp{i:04d}") for i in range(5)]
    before = commits(desk)
    outs = hooks.receive_all(session(desk, None),
                             [hooks.parse(session(desk, None), t) for t in texts])
    assert commits(desk) == before + 1
    assert [len(o.opened) for o in outs] == [1] * 5 and len({o.commit for o in outs}) == 1
    message = head_message(desk)
    assert "hook-alertmanager" in message and message.count("opened ") == 5
    s = session(desk, None)
    again = hooks.receive_all(s, [hooks.parse(s, texts[0]),
                                  hooks.parse(s, payload("Disk0", "fp0000", "resolved"))])
    assert again[0].unchanged == ["fp0000"] and again[0].commit is None
    assert again[1].cleared == outs[0].opened and committed(
        desk, outs[0].opened[0]).alert.status == "resolved"


def test_U3_the_same_alert_twice_in_one_batch_is_one_ticket(desk):
    text = payload("Disk", "fp-same")
    s = session(desk, None)
    outs = hooks.receive_all(s, [hooks.parse(s, text), hooks.parse(s, text)])
    assert len(outs[0].opened) == 1 and outs[1].opened == []
    assert outs[1].unchanged == ["fp-same"]


def test_U3_a_malformed_payload_is_refused_before_anything(desk):
    with pytest.raises(InvalidFile):
        hooks.parse(session(desk, None), "{oops", "/hooks/alertmanager")


def test_U4_healthz_names_the_head(desk):
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=desk, capture_output=True,
                          text=True).stdout.strip()
    assert board.healthy(session(desk)) == head


def test_U2_U4_the_memo_reads_again_only_what_changed(desk):
    a, b, c = opened(desk, 3)
    memo = board.Memo()
    assert board.wallboard(session(desk), memo=memo).total == 3
    before = {path: brief for path, (_, brief) in memo.known.items()}
    lifecycle.assign(session(desk), a, "billing-app")
    later = session(desk, now="2026-11-25T11:00:00+08:00")
    assert board.wallboard(later, memo=memo).breached == 2             # respond: 1h
    after = {path: brief for path, (_, brief) in memo.known.items()}
    same = [p for p in after if after[p] is before[p]]
    assert len(same) == 2 and all(a not in p for p in same)
    lifecycle.resolve(session(desk), b, solution="told the user")
    assert len(memo.briefs(board_index(desk), ["P1", "P2", "P3", "P4"])) == 2
    page = board.queue(later, Filters(breached=True), memo=memo)
    assert [d["id"] for d in page.rows] == [c]


def board_index(desk: Path):
    from itsmctl.app.queue import open_index

    return open_index(session(desk))


def test_U2_the_queue_from_the_memo_is_the_queue_from_sqlite(desk):
    opened(desk, 3)
    opened(desk, 2, impact="1")
    a = opened(desk, 1)[0]
    lifecycle.assign(session(desk), a, "billing-app")
    memo = board.Memo()
    for f in (Filters(), Filters(group="billing-app"), Filters(priority=("P1",)),
              Filters(unassigned=True), Filters(status=("new",)), Filters(assignee="carol")):
        for page in (1, 2, 3):
            plain = board.queue(session(desk), f, page, 2)
            kept = board.queue(session(desk), f, page, 2, memo=memo)
            assert [d["id"] for d in kept.rows] == [d["id"] for d in plain.rows], (f, page)
            assert kept.total == plain.total
