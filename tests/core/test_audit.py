"""G6: the pure replay of one change, table-driven over forged documents."""

from __future__ import annotations

import copy

import pytest

from itsmctl.core import transitions as legal
from itsmctl.core import workflow as wf
from itsmctl.core.audit import Commit, check
from itsmctl.core.permissions import TABLE as PERMISSIONS  # one table, re-exported
from itsmctl.core.sla import stored
from tests.core.policy_fixtures import ctx, new_ticket, policy

PATH = "tickets/2026/11/INC-2611-AAAAA.yaml"


def by(actor: str, **trailers: str) -> Commit:
    email = policy().teams.people[actor].email if actor in policy().teams.people else actor
    return Commit("c0ffee" * 6 + "abcd", actor, email or "",
                  {"Itsmctl-Ticket": "INC-2611-AAAAA", "Itsmctl-Action": "x",
                   "Itsmctl-Actor": actor, **trailers})


def kinds(old, new, commit, also=frozenset()) -> list[str]:
    return [f.kind for f in check(PATH, old, new, commit, policy(), also)]


def doc(ticket) -> dict:
    """The file as the shell saves it: with the stored SLA values (S1)."""
    return ticket.evolve(sla=stored(ticket, policy())).to_doc()


def dispatched():
    return wf.assign(new_ticket(), ctx(minutes=5), "billing-app")


def accepted():
    return wf.accept(dispatched(), ctx("carol", 10))


def closed():
    t = wf.resolve(accepted(), ctx("carol", 60), "fixed", causation="data-error")
    return wf.close(t, ctx(minutes=90), "solved")


def test_G6_legal_transitions_pass():
    assert kinds(None, doc(new_ticket()), by("alice")) == []
    assert kinds(doc(new_ticket()), doc(dispatched()), by("alice")) == []
    assert kinds(doc(dispatched()), doc(accepted()), by("carol")) == []
    assert kinds(doc(closed()), doc(wf.note(closed(), ctx("bob", 100), "called")),
                 by("bob")) == []


def test_G6_status_edited_by_hand():
    old = doc(dispatched())
    new = copy.deepcopy(old)
    new["status"] = "in_progress"
    assert set(kinds(old, new, by("carol"))) == {"hand-edit", "status"}


def test_G6_history_entry_rewritten_or_removed():
    old = doc(accepted())
    new = copy.deepcopy(old)
    new["history"][1]["actor"] = "mike"
    assert kinds(old, new, by("carol")) == ["history"]
    new = copy.deepcopy(old)
    del new["history"][1]
    assert kinds(old, new, by("carol")) == ["history"]


def test_G6_author_is_not_the_actor():
    assert kinds(doc(dispatched()), doc(accepted()), by("dave")) == ["author"]
    forged = by("carol", **{"Itsmctl-Actor": "dave"})
    assert kinds(doc(dispatched()), doc(accepted()), forged) == ["author"]


def test_G6_closed_ticket_touched_again():
    old = doc(closed())
    new = copy.deepcopy(old)
    new["status"] = "assigned"
    new["history"].append({"at": "2026-11-26T09:00:00+08:00", "actor": "alice",
                           "action": "reopen", "from": "closed", "to": "assigned",
                           "changes": {"status": ["closed", "assigned"]}})
    assert "closed" in kinds(old, new, by("alice"))


def test_G6_field_changed_beside_a_legal_note():
    old = doc(closed())
    new = doc(wf.note(closed(), ctx("bob", 100), "called"))
    new["solution"] = "something else"
    assert kinds(old, new, by("bob")) == ["hand-edit"]


def test_G6_illegal_step_and_unknown_action_and_role():
    old = doc(new_ticket())
    jump = wf.step(new_ticket(), ctx("carol", 5), "accept", status="in_progress",
                   assignee="carol")
    assert "illegal-step" in kinds(old, doc(jump), by("carol"))
    odd = wf.step(new_ticket(), ctx("alice", 5), "teleport")
    assert kinds(old, doc(odd), by("alice")) == ["unknown-action"]
    self_sent = wf.step(new_ticket(), ctx("carol", 5), "dispatch", status="assigned",
                        group="billing-app")         # dispatch is the desk's (I2, L3)
    assert kinds(old, doc(self_sent), by("carol")) == ["actor"]


def test_G6_unknown_actor_and_sweep_only_actions():
    t = wf.step(dispatched(), ctx("zed", 5), "note", note="hi")
    assert "actor" in kinds(doc(dispatched()), doc(t), by("zed"))
    swept = wf.step(dispatched(), ctx(legal.SWEEP, 5), "accept", status="in_progress")
    sweep = by(legal.SWEEP)
    assert kinds(doc(dispatched()), doc(swept), sweep) == ["actor"]


def test_G6_commits_not_made_by_itsmctl_or_not_naming_the_ticket():
    plain = Commit("ab" * 20, "Alice", "alice@example.com", {})
    assert kinds(doc(new_ticket()), doc(dispatched()), plain) == ["trailer"]
    other = by("alice", **{"Itsmctl-Ticket": "INC-2611-BBBBB"})
    assert kinds(doc(new_ticket()), doc(dispatched()), other) == ["trailer"]
    also = by("alice", **{"Itsmctl-Ticket": "INC-2611-BBBBB",
                          "Itsmctl-Also": "INC-2611-CCCCC INC-2611-AAAAA"})
    assert kinds(doc(new_ticket()), doc(dispatched()), also) == []


def test_G6_deleted_and_misplaced_files():
    assert kinds(doc(new_ticket()), None, by("alice")) == ["deleted"]
    found = check("tickets/2026/10/INC-2611-AAAAA.yaml", None, doc(new_ticket()),
                  by("alice"), policy())
    assert [f.kind for f in found] == ["invalid"]


def test_G6_one_table_serves_workflow_permissions_and_audit():
    """Every command the workflow checks states for is in the table; permission rows
    record no event (tests/ui/test_contract.py: every row's command is a CLI command)."""
    for action, row in legal.TABLE.items():
        assert row.rule, action
    for command in legal.ALLOWED:
        assert command in legal.TABLE or command in {r.command for r in legal.TABLE.values()}
    assert not legal.TABLE["hook"].records_event and not legal.TABLE["kb-add"].records_event
    assert legal.ALLOWED["assign"] == {"new", "assigned", "in_progress"}
    assert PERMISSIONS is legal.TABLE


@pytest.mark.parametrize("action", sorted(a for a, r in legal.TABLE.items() if r.records_event))
def test_G6_table_rows_are_well_formed(action):
    row = legal.TABLE[action]
    assert row.sources and row.rule
    assert row.targets in (legal.SAME, legal.RESUME) or isinstance(row.targets, frozenset)


def test_G6_stored_sla_and_notification_records_are_not_edited_quietly():
    old = doc(dispatched())
    new = copy.deepcopy(old)
    new["sla"]["respond"]["deadline"] = "2030-01-01T00:00:00+08:00"
    found = check(PATH, old, new, by("alice"), policy())
    assert [f.kind for f in found] == ["hand-edit"] and "respond" in found[0].message
    with_notice = copy.deepcopy(old)
    with_notice["notifications"] = [{"id": "INC-2611-AAAAA-2-1", "trigger": "dispatch",
                                     "at": "2026-11-25T09:05:00+08:00"}]
    gone = copy.deepcopy(with_notice)
    gone["notifications"] = []
    found = check(PATH, with_notice, gone, by("alice"), policy())
    assert [f.kind for f in found] == ["hand-edit"] and "INC-2611-AAAAA-2-1" in found[0].message
    assert check(PATH, old, with_notice, by("alice"), policy()) == []


def test_I5_times_backdated_post_dated_and_replays():
    """core/trust.times: an event before the previous event or the parent commit, or
    after its own commit, is a finding; a sync replay may lie back up to its window."""
    from datetime import datetime, timedelta, timezone

    from itsmctl.core.audit import Commit
    from itsmctl.core.model import Event
    from itsmctl.core.trust import times

    t0 = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
    commit = Commit("c" * 40, "Carol", "carol@example.com")
    opened = Event(at=t0, actor="alice", action="open", to="new")

    def ev(minutes: float) -> Event:
        return Event(at=t0 + timedelta(minutes=minutes), actor="carol", action="accept",
                     from_="assigned", to="in_progress")

    tol, window = timedelta(minutes=5), timedelta(days=7)
    kinds = lambda found: [f.message.split(": ")[-1] for f in found]  # noqa: E731
    assert times(commit, "p", [opened], [ev(10)], t0, t0 + timedelta(minutes=10), tol,
                 None) == []
    assert kinds(times(commit, "p", [opened], [ev(-60)], None, t0, tol, None)) == ["backdated"]
    assert kinds(times(commit, "p", [], [ev(-60)], t0, t0, tol, None)) == ["backdated"]
    assert kinds(times(commit, "p", [opened], [ev(60)], t0, t0 + timedelta(minutes=10), tol,
                       None)) == ["post-dated"]
    assert times(commit, "p", [opened], [ev(3)], t0 + timedelta(hours=5),
                 t0 + timedelta(hours=5), tol, window) == []          # replayed: kept time
    assert kinds(times(commit, "p", [opened], [ev(3)], t0 + timedelta(days=9),
                       t0 + timedelta(days=9), tol, window)) == ["backdated"]
