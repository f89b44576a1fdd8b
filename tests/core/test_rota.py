"""R1-R4 as pure rules: shifts, duty, on-call, absences, coverage, the handover checklist
and its acknowledgement, the on-call chain of notices (handbook appendix 1 1.1.1-1.2.4,
service-desk design 3.4)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from itsmctl.core import handover, notices, oncall, rota
from itsmctl.core.events import Ctx
from itsmctl.core.policy import RotaConfig
from itsmctl.core.workflow import assign
from itsmctl.errors import NotPermitted, RuleViolation, UsageError
from tests.core.policy_fixtures import new_ticket, policy

CN = timezone(timedelta(hours=8))


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CN)


def with_rota(**doc):
    base = {"shifts": {"day": {"start": "08:00", "length": "12h"},
                       "night": {"start": "20:00", "length": "12h"}},
            "duty": [{"shift": "day", "supervisor": "alice", "desk": ["bob"]},
                     {"shift": "night", "supervisor": "bob"}],
            "oncall": {"billing-app": [{"days": ["mon", "wed", "fri", "sun"],
                                        "primary": "carol", "backup": "dave"},
                                       {"days": ["tue", "thu", "sat"],
                                        "primary": "dave", "backup": "carol"}]}}
    base.update(doc)
    return policy().model_copy(update={"rota": RotaConfig.model_validate(base)})


def test_R1_shifts_of_12_hours_from_0800_and_the_night_belongs_to_its_day():
    p = with_rota()
    assert rota.slot_at(p, at(25, 9)).id == "2026-11-25/day"
    assert rota.slot_at(p, at(25, 20)).id == "2026-11-25/night"
    assert rota.slot_at(p, at(26, 2)).id == "2026-11-25/night"       # after midnight
    assert rota.slot_at(p, at(26, 8)).id == "2026-11-26/day"
    night = rota.parse(p, "2026-11-25/night", at(26, 9))
    assert (night.start, night.end) == (at(25, 20), at(26, 8))
    assert rota.previous(p, night).id == "2026-11-25/day"
    assert rota.following(p, night).id == "2026-11-26/day"
    assert rota.last_ended(p, at(26, 8, 5)).id == "2026-11-25/night"
    assert rota.parse(p, "previous", at(26, 9)).id == "2026-11-25/night"
    with pytest.raises(UsageError):
        rota.parse(p, "tonight", at(26, 9))


def test_R1_shifts_may_not_overlap_nor_name_unknown_shifts():
    with pytest.raises(ValueError, match="before the shift"):
        RotaConfig.model_validate({"shifts": {"day": {"start": "08:00", "length": "12h"},
                                              "late": {"start": "18:00", "length": "4h"}}})
    with pytest.raises(ValueError, match="unknown shift"):
        RotaConfig.model_validate({"duty": [{"shift": "day", "supervisor": "alice"}]})
    with pytest.raises(ValueError, match="both"):
        RotaConfig.model_validate({"oncall": {"dba": [{"primary": "erin", "backup": "erin"}]}})


def test_R1_duty_by_weekly_pattern_and_by_date_later_entries_win():
    p = with_rota(duty=[{"shift": "day", "supervisor": "alice"},
                        {"shift": "day", "days": ["sat", "sun"], "supervisor": "bob"},
                        {"shift": "day", "dates": ["2026-11-25"], "supervisor": "mike"}])
    sup = lambda d: rota.duty(p, rota.parse(p, f"2026-11-{d}/day", at(d, 9))).supervisor  # noqa
    assert sup(24).covers == "alice"                 # Tuesday
    assert sup(28).covers == "bob"                   # Saturday
    assert sup(25).covers == "mike"                  # the date wins
    assert rota.duty(p, rota.parse(p, "2026-11-24/night", at(24, 9))).supervisor is None


def test_R1_on_call_pair_per_day_answers_outside_working_hours_only():
    p = with_rota()
    evening = rota.on_call(p, "billing-app", at(25, 22))            # Wednesday night
    assert (evening.primary.covers, evening.backup.covers, evening.active) == \
        ("carol", "dave", True)
    assert rota.on_call(p, "billing-app", at(26, 3)).primary.covers == "carol"  # same night
    assert rota.on_call(p, "billing-app", at(26, 22)).primary.covers == "dave"  # Thursday
    assert rota.on_call(p, "billing-app", at(25, 10)).active is False           # office hours
    assert rota.answering(p, "billing-app", at(25, 10)) is None
    assert rota.answering(p, "dba", at(25, 22)) is None                         # no rota
    assert rota.working(p, at(25, 10)) and not rota.working(p, at(28, 10))      # Saturday


def test_R1_R2_working_hours_are_those_of_the_sla_calendar():
    from itsmctl.core.policy import Calendar

    p = with_rota()
    sla = p.sla.model_copy(update={"calendar": Calendar(hours="08:00-20:00",
                                                        weekdays=[1, 2, 3, 4, 5, 6])})
    p = p.model_copy(update={"sla": sla})
    assert rota.working(p, at(25, 19)) and rota.working(p, at(28, 10))
    assert rota.answering(p, "billing-app", at(25, 19)) is None
    assert rota.answering(p, "billing-app", at(25, 21)) is not None


def test_R2_absences_apply_to_on_call_and_to_supervisors():
    """1.1.2: carol is away 2026-12-21..31 (teams.yaml delegates): dave covers."""
    p = with_rota(duty=[{"shift": "day", "supervisor": "carol"}])
    pair = rota.on_call(p, "billing-app", at(23, 22, month=12))     # a Wednesday
    assert pair.primary.named == "carol" and pair.primary.covers == "dave"
    assert pair.notes == ["carol is away; dave covers (D1)"]
    day = rota.duty(p, rota.parse(p, "2026-12-23/day", at(23, 9, month=12)))
    assert day.supervisor.covers == "dave" and day.notes


def test_R1_validate_checks_every_core_group_every_night():
    p = with_rota(oncall={"billing-app": [{"days": ["mon", "tue", "wed", "thu", "fri"],
                                           "primary": "carol", "backup": "dave"}]},
                  core_groups=["billing-app"], check_days=7)
    found = list(rota.coverage(p, date(2026, 11, 23)))
    nights = [m for f, k, m in found if k == "oncall.billing-app"]
    assert nights == ["no on-call pair for the night of 2026-11-28 (1.1.3: every night)",
                      "no on-call pair for the night of 2026-11-29 (1.1.3: every night)"]
    # absences: carol away, her delegate dave is the backup too
    p = with_rota(core_groups=["billing-app"], check_days=3)
    found = [m for _, _, m in rota.coverage(p, date(2026, 12, 21))]
    assert "2026-12-21: primary and backup are both dave after absences (D1)" in found
    # the shipped profile is covered
    assert not list(rota.coverage(policy(), date(2026, 11, 25)))


def test_R1_unknown_people_and_groups_of_the_rota_are_config_errors():
    p = with_rota(oncall={"nosuch": [{"primary": "zed", "backup": "dave"}]},
                  duty=[{"shift": "day", "supervisor": "nobody"}])
    problems = {(f, k) for f, k, _ in p.problems()}
    assert {("rota.yaml", "oncall.nosuch"), ("rota.yaml", "oncall.nosuch.0.primary"),
            ("rota.yaml", "duty.0.supervisor")} <= problems


# ---------------------------------------------------------------- R2 notices
def night_dispatch(p, when: datetime):
    t = new_ticket()
    t = t.evolve(opened_at=when, updated_at=when,
                 history=[t.history[0].model_copy(update={"at": when}).model_dump(by_alias=True)])
    return assign(t, Ctx(p, "alice", when), "billing-app")


def test_R2_outside_working_hours_a_dispatch_notifies_the_on_call_primary():
    p = with_rota()
    t = night_dispatch(p, at(25, 22))
    sent = notices.notices_for(t, p, at(25, 22), len(t.history) - 1)
    assert [n.recipients for n in sent] == [["carol"]]
    t = night_dispatch(p, at(25, 10))                           # office hours: the group
    sent = notices.notices_for(t, p, at(25, 10), len(t.history) - 1)
    assert sent[0].recipients == ["carol", "dave"]


def test_R2_accept_breach_calls_the_backup_then_the_incident_manager():
    from itsmctl.core.sweep import settled

    p = with_rota(manager_after="15m")
    t = night_dispatch(p, at(25, 22))                           # P4: accept 2h
    first = settled(t, p, at(26, 0, 1))
    assert [a.kind for a in first.actions] == ["breach"]
    esc = first.ticket.escalations[-1]
    assert esc.phase == "accept" and oncall.BACKUP in esc.actions
    assert "backup dave called" in esc.reason
    told = notices.notices_for(first.ticket, p, at(26, 0, 1), len(first.ticket.history) - 1)
    assert {who for n in told for who in n.recipients} == {"dave", "alice"}   # E=backup, C
    assert settled(first.ticket, p, at(26, 0, 10)).actions == []              # not yet
    second = settled(first.ticket, p, at(26, 0, 16))
    assert [a.kind for a in second.actions] == ["oncall"]
    last = second.ticket.escalations[-1]
    assert (last.trigger, last.actions) == ("oncall", ["notify", oncall.MANAGER])
    told = notices.notices_for(second.ticket, p, at(26, 0, 16), len(second.ticket.history) - 1)
    assert "mike" in {who for n in told for who in n.recipients}
    assert "dave" not in {who for n in told for who in n.recipients}
    assert settled(second.ticket, p, at(26, 3)).actions == []                 # once


def test_R2_no_chain_in_office_hours_and_none_once_accepted():
    from itsmctl.core.sweep import settled
    from itsmctl.core.workflow import accept

    p = with_rota()
    t = night_dispatch(p, at(25, 10))
    done = settled(t, p, at(25, 12, 1))
    assert oncall.BACKUP not in done.ticket.escalations[-1].actions
    t = night_dispatch(p, at(25, 22))
    t = settled(t, p, at(26, 0, 1)).ticket
    t = accept(t, Ctx(p, "dave", at(26, 0, 5)))
    assert settled(t, p, at(26, 3)).actions == []


# ---------------------------------------------------------------- R3 R4
def slot(p, text: str):
    return rota.parse(p, text, at(26, 9))


def test_R3_checklist_names_what_the_next_shift_must_know():
    p = with_rota()
    day = rota.duty(p, slot(p, "2026-11-25/day"))
    night = rota.duty(p, slot(p, "2026-11-25/night"))
    iso = lambda d: d.isoformat()  # noqa: E731
    docs = [
        {"id": "INC-2611-MAJ01", "title": "billing down", "status": "in_progress",
         "major": True, "opened_at": iso(at(24, 10)), "priority": "P1"},
        {"id": "INC-2611-MAJ02", "title": "old major closed", "status": "closed",
         "major": True, "opened_at": iso(at(20, 10))},
        {"id": "INC-2611-BRE01", "title": "slow", "status": "assigned", "priority": "P3",
         "escalations": [{"trigger": "breach", "phase": "accept", "at": iso(at(25, 11)),
                          "level": 1},
                         {"trigger": "manual", "at": iso(at(25, 12)), "level": 2,
                          "reason": "VIP"},
                         {"trigger": "breach", "phase": "respond", "at": iso(at(24, 11))}]},
        {"id": "INC-2611-WAI01", "title": "vendor", "status": "waiting",
         "wait": {"code": "vendor", "until": iso(at(25, 23))}},
        {"id": "INC-2611-WAI02", "title": "later", "status": "waiting",
         "wait": {"code": "vendor", "until": iso(at(27, 9))}},
        {"id": "INC-2611-ANN01", "title": "outage", "status": "resolved",
         "announcement": {"kind": "outage", "title": "计费中断", "status": "open",
                          "at": iso(at(25, 9))},
         "tasks": [{"id": "T1", "title": "x", "status": "open", "group": "dba"}]},
        {"id": "INC-2611-TSK01", "title": "with task", "status": "in_progress",
         "tasks": [{"id": "T1", "title": "restore", "status": "open", "group": "dba"},
                   {"id": "T2", "title": "done", "status": "done", "group": "dba"}]},
    ]
    record = handover.add_entry(handover.empty(day.slot), "alice", "lesson",
                                "check the rate job first", at(25, 15))
    doc = handover.checklist(p, day, night, docs, record, at(25, 19))
    assert [r["id"] for r in doc["major"]] == ["INC-2611-MAJ01"]
    assert [(r["id"], r["phase"]) for r in doc["breaches"]] == [("INC-2611-BRE01", "accept")]
    assert [(r["id"], r["trigger"]) for r in doc["escalations"]] == [("INC-2611-BRE01",
                                                                     "manual")]
    assert [r["id"] for r in doc["waits"]] == ["INC-2611-WAI01"]
    assert [r["id"] for r in doc["announcements"]] == ["INC-2611-ANN01"]
    assert [(r["id"], r["task"]) for r in doc["tasks"]] == [("INC-2611-TSK01", "T1")]
    assert [e["kind"] for e in doc["diary"]] == ["lesson"]
    assert (doc["shift"]["supervisor"], doc["next"]["supervisor"]) == ("alice", "bob")


def test_R3_handover_acknowledged_by_the_incoming_supervisor_once():
    p = with_rota()
    day = rota.duty(p, slot(p, "2026-11-25/day"))
    night = rota.duty(p, slot(p, "2026-11-25/night"))
    record = handover.empty(day.slot)
    with pytest.raises(NotPermitted):
        handover.acknowledge(p, record, day, night, "alice", at(25, 20, 5))
    with pytest.raises(RuleViolation):                           # the night has not begun
        handover.acknowledge(p, record, day, night, "bob", at(25, 19, 55))
    done = handover.acknowledge(p, record, day, night, "bob", at(25, 20, 5))
    assert (done.handover.by, done.handover.outgoing, done.handover.next) == \
        ("bob", "alice", "2026-11-25/night")
    with pytest.raises(RuleViolation, match="acknowledged by bob"):
        handover.acknowledge(p, done, day, night, "bob", at(25, 20, 6))


def test_R3_reminder_due_after_the_window_until_acknowledged():
    p = with_rota(handover={"ack_within": "30m"})
    day = slot(p, "2026-11-25/day")
    assert not handover.reminder_due(p, None, day, at(25, 20, 29))
    assert handover.reminder_due(p, None, day, at(25, 20, 31))
    acked = handover.acknowledge(p, handover.empty(day), rota.duty(p, day),
                                 rota.duty(p, rota.following(p, day)), "bob", at(25, 20, 5))
    assert not handover.reminder_due(p, acked, day, at(25, 21))


def test_R4_diary_entries_need_text_and_a_known_kind():
    record = handover.empty(slot(with_rota(), "2026-11-25/day"))
    with pytest.raises(RuleViolation):
        handover.add_entry(record, "alice", "note", "  ", at(25, 9))
    with pytest.raises(UsageError):
        handover.add_entry(record, "alice", "gossip", "x", at(25, 9))
    two = handover.add_entry(handover.add_entry(record, "alice", "note", "a", at(25, 9)),
                             "bob", "incident", "b", at(25, 10))
    assert [(e.by, e.kind) for e in two.entries] == [("alice", "note"), ("bob", "incident")]
