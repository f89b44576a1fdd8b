"""M1/M4 as a master records them: its link-slave and unlink-slave events hold only the
slave added or removed (`slaves: {added: [ID]}`), not the whole list before and after, so
a storm's master stays linear in its slaves. Desks written before hold `[old, new]`
pairs there: audit (G6) replays both forms and finds a slave added or removed by hand,
or recorded wrong, in either."""

from __future__ import annotations

import copy

import pytest

from itsmctl.core import workflow as wf
from itsmctl.core.audit import Commit, check
from itsmctl.core.events import members, members_step, step
from itsmctl.core.relations import link_master, unlink
from itsmctl.core.sla import stored
from tests.core.policy_fixtures import ctx, new_ticket, policy

PATH = "tickets/2026/11/INC-2611-AAAAA.yaml"
S1, S2, S3 = "INC-2611-SSSS1", "INC-2611-SSSS2", "INC-2611-SSSS3"


def by(actor: str) -> Commit:
    email = policy().teams.people[actor].email or ""
    return Commit("c0ffee" * 6 + "abcd", actor, email,
                  {"Itsmctl-Ticket": "INC-2611-AAAAA", "Itsmctl-Action": "link-master",
                   "Itsmctl-Actor": actor, "Itsmctl-Also": f"{S1} {S2} {S3}"})


def found(old, new, actor: str = "alice") -> list[tuple[str, str]]:
    return [(f.kind, f.message) for f in check(PATH, old, new, by(actor), policy(),
                                               frozenset({S1, S2, S3}))]


def doc(ticket) -> dict:
    return ticket.evolve(sla=stored(ticket, policy())).to_doc()


def old_form(ticket, ctx_, action, key, added=(), removed=(), note=None):
    """What the master's event recorded before: the whole list, before and after."""
    new = [x for x in getattr(ticket, key) if x not in removed] + list(added)
    return step(ticket, ctx_, action, note=note, **{key: new})


def master_ticket():
    return wf.assign(new_ticket(), ctx(minutes=1), "billing-app")


def slave_ticket(tid: str):
    return new_ticket().evolve(id=tid)


FORMS = {"delta": members_step, "pairs": old_form}


def test_M1_link_slave_records_only_the_slave_it_gained():
    c = ctx(minutes=3)
    master = master_ticket().evolve(slaves=[S1])
    _, new_master = link_master(slave_ticket(S2), master, c)
    assert new_master.slaves == [S1, S2]
    last = new_master.history[-1]
    assert last.changes == {"slaves": {"added": [S2]}}
    assert (last.action, last.from_, last.to, last.note, last.via) == \
        ("link-slave", "assigned", "assigned", f"{S2} linked as duplicate", None)
    # everything else is what the generic step made before
    before = step(master, c, "link-slave", note=f"{S2} linked as duplicate", slaves=[S1, S2])
    assert before.history[-1].changes == {"slaves": [[S1], [S1, S2]]}
    assert new_master.evolve(history=before.history) == before


def test_M4_unlink_slave_records_only_the_slave_it_lost():
    c = ctx(minutes=3)
    master = master_ticket().evolve(slaves=[S1, S2, S3])
    slave = slave_ticket(S2).evolve(master=master.id)
    new_slave, new_master = unlink(slave, master, c)
    assert new_master.slaves == [S1, S3] and new_slave.master is None
    assert new_master.history[-1].changes == {"slaves": {"removed": [S2]}}
    before = step(master, c, "unlink-slave", note=f"{S2} unlinked", slaves=[S1, S3])
    assert new_master.evolve(history=before.history) == before


def test_M1_members_replays_both_forms():
    assert members([S1], {"added": [S2]}) == [S1, S2]
    assert members([S1, S2, S3], {"removed": [S2]}) == [S1, S3]
    assert members([S1], {"removed": [S1], "added": [S2]}) == [S2]
    assert members(None, {"added": [S1]}) == [S1]
    assert members([S1], [[S1], [S1, S2]]) == [S1, S2]
    for wrong in ({}, {"added": S1}, {"plus": [S1]}, [S1], "x", [[S1], "x"]):
        assert members([S1], wrong) is None


def test_M1_a_removal_of_an_id_not_there_changes_and_records_nothing():
    t = members_step(master_ticket().evolve(slaves=[S1]), ctx(minutes=3), "unlink-slave",
                     "slaves", removed=[S2])
    assert t.slaves == [S1] and t.history[-1].changes == {}


def _linked(form, slaves=(S1, S2)):
    """A master before and after one commit linking `slaves` in the given form."""
    master = master_ticket()
    after = master
    for i, sid in enumerate(slaves):
        after = FORMS[form](after, ctx(minutes=3 + i), "link-slave", "slaves", added=[sid],
                            note=f"{sid} linked as duplicate")
    return doc(master), doc(after)


@pytest.mark.parametrize("form", FORMS)
def test_G6_links_and_unlinks_audit_clean_in_both_forms(form):
    old, new = _linked(form)
    assert found(old, new) == []
    master = master_ticket().evolve(slaves=[S1, S2])
    gone = FORMS[form](master, ctx(minutes=5), "unlink-slave", "slaves", removed=[S1])
    assert found(doc(master), doc(gone)) == []


def test_G6_a_delta_after_pairs_in_one_history_audits_clean():
    master = old_form(master_ticket(), ctx(minutes=3), "link-slave", "slaves", added=[S1])
    later = members_step(master, ctx(minutes=4), "link-slave", "slaves", added=[S2])
    later = old_form(later, ctx(minutes=5), "unlink-slave", "slaves", removed=[S1])
    later = members_step(later, ctx(minutes=6), "link-slave", "slaves", added=[S3])
    assert later.slaves == [S2, S3]
    assert found(doc(master), doc(later)) == []
    assert found(doc(master_ticket()), doc(later)) == []


@pytest.mark.parametrize("form", FORMS)
def test_G6_a_slave_added_by_hand_is_found_in_both_forms(form):
    old, new = _linked(form)
    forged = copy.deepcopy(new)
    forged["slaves"].append(S3)                              # beside a legal link
    assert [k for k, _ in found(old, forged)] == ["hand-edit"]
    assert S3 in found(old, forged)[0][1]
    quiet = copy.deepcopy(new)                               # later, with no event at all
    quiet["slaves"].append(S3)
    assert found(new, quiet) == [("hand-edit", "slaves changed without a history event")]


@pytest.mark.parametrize("form", FORMS)
def test_G6_a_slave_removed_by_hand_is_found_in_both_forms(form):
    old, new = _linked(form)
    forged = copy.deepcopy(new)
    forged["slaves"].remove(S1)
    assert [k for k, _ in found(old, forged)] == ["hand-edit"]
    quiet = copy.deepcopy(new)
    quiet["slaves"] = []
    assert [k for k, _ in found(new, quiet)] == ["hand-edit"]


@pytest.mark.parametrize("form", FORMS)
def test_G6_a_link_recorded_wrong_is_found_in_both_forms(form):
    old, new = _linked(form, slaves=(S1,))
    wrong = copy.deepcopy(new)
    if form == "delta":
        wrong["history"][-1]["changes"]["slaves"] = {"added": [S2]}
    else:
        wrong["history"][-1]["changes"]["slaves"] = [[], [S2]]
    assert [k for k, _ in found(old, wrong)] == ["hand-edit"]


def test_G6_a_delta_that_does_not_lead_to_the_file_is_found():
    old, new = _linked("delta", slaves=(S1,))
    unchanged = copy.deepcopy(new)          # the event says S1 joined; the list never got it
    unchanged["slaves"] = []
    assert [k for k, _ in found(old, unchanged)] == ["hand-edit"]
    twice = copy.deepcopy(new)              # S1 recorded as added to a list that held it
    twice["history"][-1]["changes"]["slaves"] = {"added": [S1]}
    base = copy.deepcopy(old)
    base["slaves"] = [S1]
    assert [k for k, _ in found(base, twice)] == ["hand-edit"]
    for bad in ({"added": S1}, {"plus": [S1]}, {}):
        odd = copy.deepcopy(new)
        odd["history"][-1]["changes"]["slaves"] = bad
        assert [k for k, _ in found(old, odd)] == ["hand-edit"], bad
