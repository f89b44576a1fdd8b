"""`itsmctl sweep` through the CLI against a real git desk (S2-S7, L7, L11, M2)."""

from __future__ import annotations

import configparser
import os
import shlex
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.helpers import (
    BILLING,
    NOW,
    USER,
    commit_count,
    dispatched,
    git,
    in_progress,
    itsm,
    itsm_process,
    ok,
    open_ticket,
    resolved,
    show,
)

T0 = datetime.fromisoformat(NOW)


def later(**kw: float) -> str:
    return (T0 + timedelta(**kw)).isoformat()


def sweep(desk, *args: str, now: str, **kw):
    return ok(itsm(desk, "--json", "sweep", *args, now=now, actor=None, **kw)).json


def escalations(desk, tid):
    return [(e["trigger"], e["phase"]) for e in show(desk, tid)["escalations"]]


def without_notices(desk) -> None:
    """A desk whose notify.yaml has no rules: commits show the sweep's own work alone.

    With rules, a sweep's own escalation notices are sent after its commit (N3), and the
    next sweep records their delivery on the ticket: see test_S4_..._with_notices."""
    path = desk / "config" / "notify.yaml"
    text = path.read_text(encoding="utf-8")
    start, end = text.index("rules:\n"), text.index("# Major tickets")
    path.write_text(text[:start] + "rules: {}\n" + text[end:], encoding="utf-8")
    git(desk, "commit", "-qam", "no notification rules")


def state(desk, tid) -> dict:
    """The ticket as show prints it, less the notification delivery bookkeeping."""
    doc = show(desk, tid)
    doc.pop("notifications")
    return doc


# ---------------------------------------------------------------- S4 breaches, once
def test_S4_sweep_records_breach_once(desk):
    without_notices(desk)
    tid = open_ticket(desk, *BILLING)                      # P4: respond 1h
    assert sweep(desk, now=later(minutes=60))["actions"] == []
    before = commit_count(desk)
    out = sweep(desk, now=later(minutes=61))
    assert [(a["ticket"], a["action"], a["phase"]) for a in out["actions"]] == [
        (tid, "breach", "respond")]
    assert commit_count(desk) == before + 1 and out["commit"]
    t = show(desk, tid, now=later(minutes=61))
    assert escalations(desk, tid) == [("breach", "respond")]
    assert t["sla"]["respond"]["breached"]
    last = t["history"][-1]
    assert (last["actor"], last["action"]) == ("sweep", "escalate") and "S4" in last["note"]
    # the second run changes nothing and makes no commit, now or later
    for when in (later(minutes=61), later(minutes=62), later(hours=5)):
        again = sweep(desk, now=when)
        assert again["actions"] == [] and again["commit"] is None
    assert commit_count(desk) == before + 1
    assert git(desk, "status", "--porcelain", "--", "tickets") == ""


def test_S4_second_sweep_never_escalates_again_with_notices(desk):
    tid = open_ticket(desk, *BILLING)
    first = sweep(desk, now=later(minutes=61))
    assert [a["action"] for a in first["actions"]] == ["breach"]
    escalated = state(desk, tid)
    notices = show(desk, tid)["notifications"]
    assert [n["trigger"] for n in notices] == ["escalate"]      # recorded in that commit
    assert [n["status"] for n in notices] == ["sent"]           # sent inside that sweep
    # the next sweep finds nothing to do and makes no commit (S4)
    before = commit_count(desk)
    second = sweep(desk, now=later(minutes=62))
    assert second["actions"] == [] and second["commit"] is None
    assert state(desk, tid) == escalated and commit_count(desk) == before


def test_S4_dry_run_prints_the_plan_and_changes_nothing(desk):
    tid = open_ticket(desk, *BILLING)
    before, head = commit_count(desk), git(desk, "rev-parse", "HEAD")
    r = ok(itsm(desk, "sweep", "--dry-run", now=later(minutes=90), actor=None))
    assert "would do: 1 breach" in r.out and tid in r.out and "respond" in r.out
    plan = sweep(desk, "--dry-run", now=later(minutes=90))
    assert plan["dry_run"] and plan["commit"] is None
    assert [a["action"] for a in plan["actions"]] == ["breach"]
    assert commit_count(desk) == before and git(desk, "rev-parse", "HEAD") == head
    assert git(desk, "status", "--porcelain") == ""
    assert show(desk, tid)["escalations"] == []


def test_S4_one_commit_for_many_tickets_each_history_its_own(desk):
    ids = [open_ticket(desk, *BILLING, title=f"计费出错 {i}") for i in range(3)]
    before = commit_count(desk)
    out = sweep(desk, now=later(minutes=70))
    assert commit_count(desk) == before + 1 and len(out["actions"]) == 3
    message = git(desk, "log", "-1", "--format=%an <%ae>%n%B")
    assert message.startswith("itsmctl sweep <sweep@itsmctl.invalid>\nsweep: 3 breaches")
    assert all(f"{tid}: breach of respond" in message for tid in ids)
    assert "Itsmctl-Actor: sweep" in message and "Itsmctl-Action: sweep" in message
    files = git(desk, "show", "--name-only", "--format=", "HEAD").split()
    assert sorted(files) == sorted(f"tickets/2026/11/{tid}.yaml" for tid in ids)
    for tid in ids:
        assert [e["action"] for e in show(desk, tid)["history"]] == ["open", "escalate"]


def test_S4_two_sweeps_at_once_never_double_escalate(desk):
    without_notices(desk)
    ids = [open_ticket(desk, *BILLING, title=f"t{i}") for i in range(3)]
    before = commit_count(desk)
    when = later(minutes=61)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: itsm_process(desk, "--json", "sweep", now=when,
                                                       actor=None), range(2)))
    assert all(r.code == 0 for r in results), [r.err for r in results]
    done = sorted(len(r.json["actions"]) for r in results)
    assert done == [0, 3]                                 # one did it all, one found nothing
    assert commit_count(desk) == before + 1
    for tid in ids:
        assert escalations(desk, tid) == [("breach", "respond")]


def test_S4_sweep_needs_no_person_and_ignores_broken_files(desk):
    tid = open_ticket(desk, *BILLING)
    other = open_ticket(desk, *BILLING, title="second")
    path = desk / "tickets" / "2026" / "11" / f"{other}.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# hand edit\n", encoding="utf-8")
    r = itsm(desk, "sweep", now=later(minutes=61), actor=None)
    assert r.code == 4, r.err            # the rest is done; the skipped file is named
    assert "skipped" in r.err and other in r.err and "uncommitted" in r.err
    assert escalations(desk, tid) == [("breach", "respond")]
    assert "hand edit" in path.read_text(encoding="utf-8")


# ---------------------------------------------------------------- S6 both profiles
def test_S6_default_profile_breach_sets_urgency_high_and_recomputes_priority(desk):
    tid = dispatched(desk)                                  # P4, accept 2h
    sweep(desk, now=later(hours=2, minutes=1))
    t = show(desk, tid)
    assert (t["urgency"], t["priority"]) == ("high", "P3")
    esc = t["escalations"][-1]
    assert (esc["trigger"], esc["phase"]) == ("breach", "accept")
    assert esc["actions"] == ["notify", "urgency_high"]
    assert t["history"][-1]["changes"]["priority"] == ["P4", "P3"]


def test_S6_desktop_profile_raises_one_level_per_breach(desktop_desk):
    d = desktop_desk
    tid = open_ticket(d, "--category", "office", "--subtype", "desktop", "--symptom", "slow")
    assert show(d, tid)["priority"] == "normal"             # respond 2h
    sweep(d, now=later(hours=2, minutes=1))
    assert show(d, tid)["priority"] == "high"
    ok(itsm(d, "assign", tid, "--group", "desktop", now=later(hours=2, minutes=2)))
    sweep(d, now=later(hours=3, minutes=3))                 # high: accept 1h
    t = show(d, tid)
    assert t["priority"] == "urgent"
    assert [(e["phase"], e["level"]) for e in t["escalations"]] == [("respond", 1),
                                                                     ("accept", 2)]
    assert all(e["actions"] == ["notify", "raise_priority"] for e in t["escalations"])


def test_S6_desktop_complaint_goes_to_the_top_at_once(desktop_desk):
    tid = open_ticket(desktop_desk, "--type", "complaint")
    t = show(desktop_desk, tid)
    assert t["priority"] == "urgent" and t["escalations"][0]["trigger"] == "complaint"


# ---------------------------------------------------------------- S2/S3 via show
def test_S2_waiting_pause_is_not_counted(desk):
    tid = in_progress(desk)                                 # accepted at NOW
    ok(itsm(desk, "wait", tid, "--code", "user-info", now=later(minutes=30)))
    ok(itsm(desk, "resume", tid, now=later(minutes=90)))
    sla = show(desk, tid, now=later(minutes=100))["sla"]["restore"]
    assert sla["paused_seconds"] == 3600 and sla["elapsed_seconds"] == 40 * 60
    assert sla["deadline"] == later(days=3, hours=1)


def test_S3_priority_change_mid_phase_recomputes_deadline_keeping_pause(desk):
    tid = in_progress(desk)                                 # P4, restore 3d from NOW
    ok(itsm(desk, "wait", tid, "--code", "user-info", now=later(minutes=30)))
    ok(itsm(desk, "resume", tid, now=later(minutes=90)))
    ok(itsm(desk, "classify", tid, "--impact", "1", "--reason", "citywide",
            now=later(minutes=120)))
    t = show(desk, tid, now=later(minutes=121))
    assert t["priority"] == "P1"
    assert t["sla"]["restore"]["deadline"] == later(hours=9)        # 8h + the 1h pause
    assert t["sla"]["respond"]["breached"] is False                 # met at P4, stays met
    assert sweep(desk, now=later(hours=9))["actions"] == []
    assert [a["phase"] for a in sweep(desk, now=later(hours=9, seconds=1))["actions"]] == [
        "restore"]


# ---------------------------------------------------------------- L7, L11, M2
def test_L7_wait_until_is_resumed_by_sweep(desk):
    tid = in_progress(desk)
    ok(itsm(desk, "wait", tid, "--code", "scheduled", "--until", later(hours=2),
            now=later(minutes=10)))
    assert sweep(desk, now=later(hours=1, minutes=59))["actions"] == []
    out = sweep(desk, now=later(hours=2))
    assert [a["action"] for a in out["actions"]] == ["resume"]
    t = show(desk, tid)
    assert (t["status"], t["wait"]) == ("in_progress", None)
    assert (t["history"][-1]["actor"], t["history"][-1]["action"]) == ("sweep", "resume")
    assert sweep(desk, now=later(hours=3))["actions"] == []


def test_L11_auto_close_after_30_days(desk):
    tid = resolved(desk)                                    # resolved at NOW
    early = sweep(desk, now=later(days=30, seconds=-1))
    assert "auto-close" not in [a["action"] for a in early["actions"]]
    assert show(desk, tid)["status"] == "resolved"
    before = commit_count(desk)
    out = sweep(desk, now=later(days=30))
    assert [a["action"] for a in out["actions"]] == ["auto-close", "visit-due"]
    assert commit_count(desk) == before + 1
    t = show(desk, tid)
    assert (t["status"], t["close_code"], t["closed_at"]) == ("closed", "auto_closed",
                                                               later(days=30))
    closing = next(e for e in t["history"] if e["action"] == "auto-close")
    assert closing["actor"] == "sweep" and closing["to"] == "closed"
    assert sweep(desk, now=later(days=31))["actions"] == []


def test_L11_auto_closed_is_refused_by_hand(desk):
    tid = resolved(desk)
    r = itsm(desk, "close", tid, "--code", "auto_closed")
    assert r.code == 1 and "[L10]" in r.err


def test_M2_auto_close_of_a_master_closes_its_slaves_in_the_same_commit(desk):
    master = in_progress(desk)
    slave = open_ticket(desk, *BILLING, title="same again")
    ok(itsm(desk, "link-master", slave, "--master", master))
    ok(itsm(desk, "resolve", master, "--solution", "fixed", "--causation", "data-error",
            actor="carol"))
    before = commit_count(desk)
    out = sweep(desk, now=later(days=31))
    assert commit_count(desk) == before + 1
    s = show(desk, slave)
    assert (s["status"], s["close_code"]) == ("closed", "auto_closed")
    assert s["history"][-2]["via"] == master                # mirrored close, then visit-due
    assert {a["ticket"] for a in out["actions"] if a["action"] == "visit-due"} == {master,
                                                                                  slave}
    assert sweep(desk, now=later(days=31))["actions"] == []


# ---------------------------------------------------------------- S7 the clock is given
def test_S7_sweep_and_show_read_now_from_the_environment(desk):
    tid = open_ticket(desk, *BILLING)
    env = {"ITSMCTL_NOW": later(minutes=61)}
    r = ok(itsm(desk, "--json", "sweep", "--dry-run", now=None, actor=None, env=env))
    assert r.json["now"] == later(minutes=61) and len(r.json["actions"]) == 1
    t = ok(itsm(desk, "--json", "show", tid, now=None, env=env)).json
    assert t["sla"]["respond"]["remaining_seconds"] == -60
    # --now wins over the environment
    r = ok(itsm(desk, "--json", "sweep", "--dry-run", now=later(minutes=30), actor=None,
                env=env))
    assert r.json["actions"] == []


def test_S7_every_recorded_time_is_the_given_now(desk):
    when = later(days=3, minutes=7)
    tid = ok(itsm(desk, "open", "--title", "x", *USER, *BILLING, now=None,
                  env={"ITSMCTL_NOW": when})).out.strip()
    t = show(desk, tid, now=when)
    assert t["opened_at"] == when and t["history"][0]["at"] == when
    assert git(desk, "log", "-1", "--format=%aI") .strip() == when
    # wait --until is judged against --now, not the machine's clock
    r = itsm(desk, "wait", tid, "--code", "scheduled", "--until", later(days=3), now=when)
    assert r.code == 2 and "[L7]" in r.err
    ok(itsm(desk, "wait", tid, "--code", "scheduled", "--until", later(days=4), now=when))


def test_S7_list_breached_uses_now(desk):
    tid = open_ticket(desk, *BILLING)
    listed = ok(itsm(desk, "--json", "list", "--breached", now=later(minutes=30))).json
    assert listed == []
    listed = ok(itsm(desk, "--json", "list", "--breached", now=later(minutes=61))).json
    assert [t["id"] for t in listed] == [tid]


# ---------------------------------------------------------------- contrib: cron, systemd
CONTRIB = Path(__file__).resolve().parents[2] / "contrib"


def _shim(tmp_path: Path) -> str:
    """A PATH whose `itsmctl` is this checkout's, as an installed desk would have."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    exe = bin_dir / "itsmctl"
    exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m itsmctl "$@"\n')
    exe.chmod(0o755)
    return str(bin_dir)


def _run(command: list[str] | str, env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("ITSMCTL_")}
    base["PYTHONPATH"] = str(CONTRIB.parent)
    base.update(env)
    return subprocess.run(command, shell=isinstance(command, str), env=base,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.skipif(shutil.which("flock") is None, reason="flock(1) not installed")
def test_S4_contrib_cron_line_runs_the_sweep_as_it_is(desk, tmp_path):
    lines = [x for x in (CONTRIB / "cron" / "itsmctl-sweep.cron").read_text().splitlines()
             if x.strip() and not x.startswith("#")]
    env = dict(x.split("=", 1) for x in lines if "=" in x.split()[0])
    job = [x for x in lines if "=" not in x.split()[0]]
    assert len(job) == 1
    fields = job[0].split(None, 6)
    assert fields[:5] == ["*"] * 5 and fields[5] == "itsmctl"      # every minute, as itsmctl
    command = fields[6].replace("/run/lock/", f"{tmp_path}/")
    assert command.startswith("flock -n ") and command.endswith("itsmctl sweep --quiet")
    without_notices(desk)
    tid = open_ticket(desk, *BILLING)
    env.update(ITSMCTL_REPO=str(desk), ITSMCTL_NOW=later(minutes=61),
               PATH=f"{_shim(tmp_path)}:{env['PATH']}")
    first = _run(command, env)
    assert first.returncode == 0, first.stderr
    assert tid in first.stdout and escalations(desk, tid) == [("breach", "respond")]
    before = commit_count(desk)
    second = _run(command, env)
    assert second.returncode == 0 and second.stdout == "" and commit_count(desk) == before


def test_S4_contrib_systemd_timer_and_service_run_the_sweep(desk, tmp_path):
    service = configparser.ConfigParser(strict=False, interpolation=None)
    service.optionxform = str                                    # type: ignore[assignment]
    service.read(CONTRIB / "systemd" / "itsmctl-sweep.service")
    timer = configparser.ConfigParser(strict=False, interpolation=None)
    timer.optionxform = str                                      # type: ignore[assignment]
    timer.read(CONTRIB / "systemd" / "itsmctl-sweep.timer")
    assert timer["Timer"]["OnCalendar"] == "minutely"
    assert timer["Timer"]["Unit"] == "itsmctl-sweep.service"
    assert timer["Install"]["WantedBy"] == "timers.target"
    unit = service["Service"]
    assert unit["Type"] == "oneshot"
    assert unit["Environment"].split("=", 1)[0] == "ITSMCTL_REPO"
    command = shlex.split(unit["ExecStart"])
    assert command[0].startswith("/") and command[-3:] == ["itsmctl", "sweep", "--quiet"]
    tid = open_ticket(desk, *BILLING)
    done = _run(command, {"ITSMCTL_REPO": str(desk), "ITSMCTL_NOW": later(minutes=61),
                          "PATH": f"{_shim(tmp_path)}:/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert escalations(desk, tid) == [("breach", "respond")]
    if shutil.which("systemd-analyze"):
        check = _run(["systemd-analyze", "verify", "--man=no",
                      str(CONTRIB / "systemd" / "itsmctl-sweep.timer"),
                      str(CONTRIB / "systemd" / "itsmctl-sweep.service")], {})
        assert check.returncode == 0, check.stderr


def test_S4_readme_tells_how_to_install_the_sweep():
    readme = (CONTRIB.parent / "README.md").read_text(encoding="utf-8")
    for needle in ("contrib/cron/itsmctl-sweep.cron", "contrib/systemd/itsmctl-sweep.timer",
                   "itsmctl sweep --dry-run"):
        assert needle in readme


def test_S4_index_candidates_give_the_same_plan_as_reading_every_file(desk):
    from itsmctl.app.queue import read_tickets
    from itsmctl.app.session import Session
    from itsmctl.app.sweep import candidate_ids
    from itsmctl.core.sweep import plan

    open_ticket(desk, *BILLING)
    dispatched(desk)
    waiting = in_progress(desk)
    ok(itsm(desk, "wait", waiting, "--code", "scheduled", "--until", later(hours=2)))
    resolved(desk)
    closed = resolved(desk)
    ok(itsm(desk, "close", closed, "--code", "solved"))
    open_ticket(desk, "--out-of-scope")
    seen = set()
    for when in (NOW, later(minutes=61), later(hours=2), later(hours=3), later(days=30)):
        session = Session(repo=str(desk), now_given=when)
        everything = read_tickets(session, [p.stem for p in session.desk.ticket_files()])
        expected = [a.doc() for a in plan(everything, session.policy, session.now)]
        found = read_tickets(session, candidate_ids(session))
        assert [a.doc() for a in plan(found, session.policy, session.now)] == expected
        seen.update(a["action"] for a in expected)
    assert seen == {"breach", "resume", "auto-close", "visit-due"}


def test_S2_stored_clocks_recompute_from_history_after_sweeps(desk):
    from itsmctl.core.model import Ticket
    from itsmctl.core.sla import stored
    from itsmctl.infra.config import parse_policy
    from itsmctl.infra.yaml import load_ticket

    sla = desk / "config" / "sla.yaml"
    sla.write_text(sla.read_text(encoding="utf-8").replace(
        "calendar: null", "calendar: {country: CN, hours: '09:00-12:00,13:30-18:00'}"),
        encoding="utf-8")
    git(desk, "commit", "-qam", "business calendar")
    a = in_progress(desk)
    ok(itsm(desk, "wait", a, "--code", "scheduled", "--until", later(days=1)))
    b = resolved(desk)
    c = open_ticket(desk, *BILLING)
    ok(itsm(desk, "classify", c, "--impact", "2", "--reason", "wider", now=later(minutes=5)))
    for when in (later(hours=3), later(days=1, hours=1), later(days=40)):
        sweep(desk, now=when)
    policy = parse_policy(desk)
    for tid in (a, b, c):
        path = desk / "tickets" / "2026" / "11" / f"{tid}.yaml"
        doc = load_ticket(path.read_bytes(), path.name)
        assert stored(Ticket.from_doc(doc), policy) == doc["sla"]
    assert show(desk, b)["close_code"] == "auto_closed"
    ok(itsm(desk, "validate"))
    audit = itsm(desk, "audit")
    assert audit.code == 0, audit.err + audit.out
