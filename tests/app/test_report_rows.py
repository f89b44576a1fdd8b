"""Q1, Q4, Q5: the report read from the ticket index's rows (infra/facts.py) is the report
read from the ticket files, on a desk of varied tickets; the rows follow transitions, a
deleted file and a change of config."""

from __future__ import annotations

import json
import pickle
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from itsmctl.app import lifecycle, relations, reports
from tests.app.helpers import git, intake, session

DB = {"category": "billing", "subtype": "database", "symptom": "slow"}
AT = "2026-12-01T09:00:00+08:00"


def t(day: str, hm: str) -> str:
    return f"2026-{day}T{hm}:00+08:00"


def act(desk: Path, when: str, fn: Any, *args: Any, actor: str = "alice", **kw: Any) -> Any:
    return fn(session(desk, actor, when), *args, **kw)


@pytest.fixture(scope="module")
def varied(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """Tickets in each state and with each clock story, over October and November."""
    from tests.helpers import make_desk

    desk = make_desk(tmp_path_factory.mktemp("rows") / "desk")
    ids: dict[str, str] = {}

    def opened(name: str, when: str, **extra: Any) -> str:
        ids[name] = act(desk, when, lifecycle.open_ticket, intake(**extra)).id
        return ids[name]

    a = opened("closed", t("11-02", "09:00"))
    act(desk, t("11-02", "09:10"), lifecycle.assign, a, "billing-app")
    act(desk, t("11-02", "09:20"), lifecycle.accept, a, actor="carol")
    act(desk, t("11-02", "12:00"), lifecycle.resolve, a, solution="s", causation="data-error",
        actor="carol")
    act(desk, t("11-02", "13:00"), lifecycle.close, a, "solved", satisfaction=5)
    b = opened("late_waiting", t("11-03", "09:00"), impact=4)
    act(desk, t("11-03", "11:00"), lifecycle.assign, b, "billing-app")      # respond late
    act(desk, t("11-03", "15:00"), lifecycle.accept, b, actor="carol")      # accept late
    act(desk, t("11-03", "16:00"), lifecycle.wait, b, "vendor", actor="carol")
    c = opened("reopened", t("11-05", "09:00"))
    act(desk, t("11-05", "09:05"), lifecycle.assign, c, "billing-app")
    act(desk, t("11-05", "09:10"), lifecycle.accept, c, actor="carol")
    act(desk, t("11-05", "10:00"), lifecycle.resolve, c, solution="s", causation="data-error",
        actor="carol")
    act(desk, t("11-05", "11:00"), lifecycle.reopen, c, reason="still wrong")
    act(desk, t("11-05", "11:10"), lifecycle.accept, c, actor="carol")
    act(desk, t("11-09", "12:00"), lifecycle.resolve, c, solution="s2", actor="carol")
    act(desk, t("11-09", "12:30"), relations.link, c, problem="PRB-1", actor="carol")
    act(desk, t("11-09", "13:00"), lifecycle.close, c, "workaround")
    d = opened("first_line", t("11-06", "09:00"), impact=4)
    act(desk, t("11-06", "09:20"), lifecycle.resolve, d, solution="password reset")
    e = opened("vendor", t("11-07", "09:00"), **DB)
    act(desk, t("11-07", "09:10"), lifecycle.assign, e, "vendor-db")
    act(desk, t("11-07", "09:30"), lifecycle.accept, e, actor="ivan")      # restore running
    opened("recurrence", t("11-10", "09:00"), recurrence_of=a)
    opened("complaint", t("11-11", "09:00"), type="complaint", impact=4)
    o = opened("october", t("10-20", "09:00"))
    act(desk, t("10-20", "09:10"), lifecycle.assign, o, "billing-app")
    act(desk, t("10-20", "09:20"), lifecycle.accept, o, actor="dave")
    act(desk, t("10-20", "12:00"), lifecycle.resolve, o, solution="s", causation="capacity",
        actor="dave")
    opened("october_open", t("10-25", "09:00"), impact=4)
    act(desk, t("11-15", "09:00"), lifecycle.reopen, o, reason="again")
    return desk, ids


def from_files(monkeypatch: pytest.MonkeyPatch, desk: Path, **kw: Any) -> dict[str, Any]:
    """The report as it is read from the ticket files, every one parsed (no index)."""
    import itsmctl.app.queue

    def no_index(*args: Any, **kwargs: Any) -> Any:
        raise OSError("no index here")

    with monkeypatch.context() as m:
        m.setattr(itsmctl.app.queue, "open_index", no_index)
        return build(desk, **kw)


def build(desk: Path, now: str = AT, **kw: Any) -> dict[str, Any]:
    # as the CLI prints it: JSON, so the two are compared exactly as a script sees them
    return json.loads(json.dumps(reports.build(session(desk, "mike", now), **kw)))


def rows(desk: Path) -> dict[str, tuple[Any, ...]]:
    db = sqlite3.connect(desk / ".git" / "itsmctl" / "index.sqlite")
    try:
        return {i: pickle.loads(r) for i, r in db.execute("SELECT id, row FROM facts")}
    finally:
        db.close()


@pytest.mark.parametrize("kw", [
    {"month": "2026-11"}, {"month": "2026-10"}, {"month": "2026-11", "group": "billing-app"},
    {"week": "2026-W45", "analysis": True}, {"month": "2026-11", "analysis": True},
    {"start": "2026-10-15", "end": "2026-11-12", "trend": 1},
    {"month": "2026-11", "now": t("11-07", "12:00")},          # clocks still running
    {"month": "2026-12", "now": t("12-20", "12:00")},          # thin rows for November
    {"month": "2026-12", "now": t("12-20", "12:00"), "group": "billing-app"},
    {"month": "2027-02", "now": "2027-02-20T12:00:00+08:00"},    # October's still open
    {"month": "2027-02", "now": "2027-02-20T12:00:00+08:00", "group": "billing-app"},
])
def test_Q1_Q5_report_from_index_rows_equals_report_from_ticket_files(varied, monkeypatch, kw):
    desk, _ = varied
    indexed = build(desk, **kw)
    assert any(p["total_incidents"] for p in indexed["trend"]) and not indexed["skipped"]
    assert indexed == from_files(monkeypatch, desk, **kw)


def test_Q1_tickets_that_count_only_in_a_trend_period_are_counted_not_read(varied):
    """A ticket opened before the period and finished by its backlog's instant counts
    only in a trend period: infra/facts.py tally counts it in SQL and rows leaves it
    out (issue 13); together they hold each ticket once."""
    from itsmctl.core.rows import micros
    from itsmctl.infra import facts
    from itsmctl.infra.index import open_index

    desk, ids = varied
    start, end = micros(t("12-01", "00:00")), micros(t("12-31", "00:00"))
    lo, at = micros(t("09-01", "00:00")), micros(t("12-20", "12:00"))
    index = open_index(desk)
    try:
        whole = [r.id for r in facts.rows(index.db, lo, end, start)]
        read = [r.id for r in facts.rows(index.db, lo, end, start, start, at)]
        counted = facts.tally(index.db, lo, start, start, end, at, at)
        mine = facts.tally(index.db, lo, start, start, end, at, at, group="billing-app")
        earlier = facts.tally(index.db, lo, start, start, end, lo, at)     # nothing by then
    finally:
        index.close()
    assert {ids["closed"], ids["first_line"], ids["reopened"]} <= set(counted.ids)
    assert ids["late_waiting"] not in counted.ids and ids["october_open"] in read   # open
    assert sorted(read + counted.ids) == sorted(whole)
    assert not earlier.ids
    assert ids["closed"] in mine.ids and ids["first_line"] not in mine.ids   # desk's own
    assert counted.resolved["billing-app"] >= 2 and 0 < counted.in_time <= len(counted.ids)


def test_Q1_old_tickets_open_throughout_are_counted_in_the_backlog_not_read(varied):
    """A ticket opened before the trend periods and open since its last change before
    them is in the backlog and nowhere else: infra/facts.py still_open gives it as
    (id, priority, opened) and rows leaves it out (issue 13)."""
    from itsmctl.core.rows import micros
    from itsmctl.infra import facts
    from itsmctl.infra.index import open_index

    desk, ids = varied
    start, end = micros("2027-02-01T00:00:00+08:00"), micros("2027-03-01T00:00:00+08:00")
    lo, at = micros(t("11-01", "00:00")), micros("2027-02-20T12:00:00+08:00")
    recent = start - 2 * 86_400_000_000
    index = open_index(desk)
    try:
        # of the tickets opened before the trend periods
        whole = [r.id for r in facts.rows(index.db, lo, end, recent) if r.opened < lo]
        read = [r.id for r in facts.rows(index.db, lo, end, recent, start, at)
                if r.opened < lo]
        known = facts.still_open(index.db, lo, recent, start, end, at)
        theirs = facts.still_open(index.db, lo, recent, start, end, at, "billing-app")
        before = facts.still_open(index.db, lo, recent, start, end,
                                  micros(t("10-25", "08:00")))      # not opened yet
    finally:
        index.close()
    assert ids["october_open"] in [k[0] for k in known]
    assert ids["october_open"] not in [k[0] for k in before]
    assert sorted(read + [k[0] for k in known]) == sorted(whole)
    assert ids["october_open"] not in [k[0] for k in theirs]       # the desk holds it
    tid, priority, opened = next(k for k in known if k[0] == ids["october_open"])
    assert (priority, opened) == ("P4", micros(t("10-25", "09:00")))


def test_Q1_report_rows_follow_a_transition(varied, monkeypatch):
    desk, ids = varied
    before = build(desk, month="2026-11")
    tid = ids["vendor"]
    assert rows(desk)[tid][2] == "in_progress"
    act(desk, t("11-20", "09:00"), lifecycle.resolve, tid, solution="s", causation="hardware",
        actor="ivan")
    after = build(desk, month="2026-11")
    assert rows(desk)[tid][2] == "resolved"
    assert after["resolved_line3"] == before["resolved_line3"] + 1
    assert tid in after["tickets"]["resolved_by_line"]["3"]
    assert after == from_files(monkeypatch, desk, month="2026-11")


def test_Q1_report_rows_hold_no_policy_a_config_change_shows_at_once(varied, monkeypatch):
    """The rows keep what the tickets say; the policy (here the lines of teams.yaml and
    the successful close codes of kpi.yaml) applies when the report is built."""
    desk, ids = varied
    before, kept = build(desk, month="2026-11"), rows(desk)
    teams = desk / "config" / "teams.yaml"
    teams.write_text(teams.read_text().replace("billing-app: {label: 计费应用组, line: 2}",
                                               "billing-app: {label: 计费应用组, line: 3}"))
    kpi = desk / "config" / "kpi.yaml"
    kpi.write_text(kpi.read_text().replace("successful_close_codes: [solved, auto_closed]",
                                           "successful_close_codes: [solved, workaround]"))
    git(desk, "commit", "-qam", "billing-app is line 3 now; a workaround counts")
    try:
        after = build(desk, month="2026-11")
        assert rows(desk) == kept                         # no row was made again
        assert after["resolved_line2"] == 0
        assert after["resolved_line3"] == before["resolved_line3"] + before["resolved_line2"]
        counted = after["kpis"]["resolution_rate"]["tickets"]["numerator"]
        assert ids["reopened"] in counted
        assert ids["reopened"] not in before["kpis"]["resolution_rate"]["tickets"]["numerator"]
        assert after == from_files(monkeypatch, desk, month="2026-11")
    finally:
        git(desk, "revert", "--no-edit", "HEAD")


def test_Q1_report_rows_leave_with_their_file_and_come_back_with_a_new_format(varied):
    from itsmctl.infra.index import open_index

    desk, ids = varied
    tid = ids["complaint"]
    assert tid in rows(desk)
    path = next(desk.glob(f"tickets/*/*/{tid}.yaml")).relative_to(desk)
    git(desk, "rm", "-q", str(path))
    git(desk, "commit", "-qm", "a ticket removed by hand")
    try:
        open_index(desk).close()
        assert tid not in rows(desk)
    finally:
        git(desk, "revert", "--no-edit", "HEAD")
    db = sqlite3.connect(desk / ".git" / "itsmctl" / "index.sqlite")
    db.execute("UPDATE meta SET value = 'old' WHERE key = 'facts'")   # rows of another format
    db.execute("DELETE FROM facts")
    db.commit()
    db.close()
    open_index(desk).close()
    assert tid in rows(desk) and len(rows(desk)) == len(ids)


def test_Q1_report_from_the_plain_policy_equals_report_from_its_models(varied):
    """A report reads the plain policy (no pydantic); a session given the validated
    models instead gives the same report with them."""
    from itsmctl.infra.config import parse_policy

    desk, _ = varied
    plain = build(desk, month="2026-11")
    s = session(desk, "mike", AT)
    s.__dict__["policy"] = parse_policy(desk)         # the models themselves
    with_models = json.loads(json.dumps(reports.build(s, month="2026-11")))
    assert with_models == plain


def test_Q1_a_report_loads_neither_pydantic_nor_the_ticket_models(varied):
    import subprocess
    import sys

    desk, _ = varied
    code = ("import runpy, sys\n"
            "sys.argv = ['itsmctl', '--actor', 'mike', '--now', sys.argv[1], 'report',\n"
            "            '--month', '2026-11', '--format', 'json']\n"
            "try:\n"
            "    runpy.run_module('itsmctl', run_name='__main__')\n"
            "finally:\n"
            "    print(sorted(m for m in sys.modules if m.split('.')[0] == 'pydantic'\n"
            "                 or m == 'itsmctl.core.model'), file=sys.stderr)\n")
    build(desk, month="2026-11")                      # the plain copy is cached
    done = subprocess.run([sys.executable, "-c", code, AT], cwd=desk, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["summary"]["total_incidents"]
    assert done.stderr.strip().splitlines()[-1] == "[]"


def test_G5_a_ticket_whose_values_cannot_be_counted_is_named_not_left_out(desk, monkeypatch):
    """A committed ticket the index can list but whose counters are no numbers: both
    readings of the report name it among the files left out instead of dropping it
    (or stopping)."""
    kept = act(desk, t("11-02", "09:00"), lifecycle.open_ticket, intake()).id
    odd = act(desk, t("11-02", "10:00"), lifecycle.open_ticket, intake()).id
    path = next(desk.glob(f"tickets/*/*/{odd}.yaml"))
    text = path.read_text()
    assert "\n  returns: 0\n" in text
    path.write_text(text.replace("\n  returns: 0\n", "\n  returns: many\n", 1))
    git(desk, "commit", "-qam", "a hand edit gone wrong")
    for data in (build(desk, month="2026-11"), from_files(monkeypatch, desk, month="2026-11")):
        assert data["summary"]["tickets"]["total_incidents"] == [kept]
        assert [s.split(":")[0] for s in data["skipped"]] == [str(path.relative_to(desk))]
        assert "cannot be counted" in data["skipped"][0]
