"""M1 as the hook links a storm: events.fields_step makes exactly what events.step makes
(the same ticket, the same history event, the same file), without dumping whole tickets."""

from __future__ import annotations

import pytest

from itsmctl.core import workflow as wf
from itsmctl.core.events import fields_step, step
from itsmctl.core.relations import link_master
from tests.core.policy_fixtures import ctx, new_ticket


def _tickets():
    base = new_ticket()
    assigned = wf.assign(base, ctx(minutes=1), "billing-app")
    waiting = wf.wait(assigned, ctx(minutes=2), "vendor", note="parts")
    master = base.evolve(id="INC-2611-MMMMM", slaves=["INC-2611-SSSS1", "INC-2611-SSSS2"])
    return {"new": base, "assigned": assigned, "waiting": waiting, "master": master}


@pytest.mark.parametrize("name", ["new", "assigned", "waiting", "master"])
@pytest.mark.parametrize("fields", [
    {"slaves": ["INC-2611-BBBBB"]},
    {"master": "INC-2611-MMMMM", "wait": None, "status": "new", "group": None,
     "assignee": None},
    {"master": "INC-2611-MMMMM", "status": "assigned", "group": "billing-app",
     "assignee": "bob", "wait": _tickets()["waiting"].wait.model_dump()},
    {"related": ["INC-2611-CCCCC"]},
    # given as text that validation rewrites: what changed is recorded as stored
    {"master": "INC-2611-MMMMM", "wait": {"code": "vendor", "since": "2026-11-25 09:02:00+08:00",
                                          "resume_to": "assigned"}},
])
def test_M1_fields_step_is_step(name, fields):
    ticket = _tickets()[name]
    c = ctx(actor="monitor", minutes=9)
    if "slaves" in fields:
        fields = {"slaves": [*ticket.slaves, *fields["slaves"]]}
    slow = step(ticket, c, "link-master", note="n", **fields)
    fast = fields_step(ticket, c, "link-master", note="n", **fields)
    assert fast == slow
    assert fast.to_doc() == slow.to_doc()


def test_M1_link_master_as_step_made_it():
    c = ctx(actor="monitor", minutes=3)
    master = wf.assign(new_ticket(), ctx(minutes=1), "billing-app").evolve(
        id="INC-2611-MMMMM", slaves=["INC-2611-SSSS1"])
    slave = new_ticket()
    new_slave, new_master = link_master(slave, master, c)
    mirrored = {k: getattr(master, k) for k in ("status", "group", "assignee")}
    assert new_slave == step(slave, c, "link-master", note=f"duplicate of {master.id}",
                             master=master.id, wait=None, **mirrored)
    # the master's event records only the slave it gained (tests/core/test_slave_changes.py)
    made = step(master, c, "link-slave", note=f"{slave.id} linked as duplicate",
                slaves=[*master.slaves, slave.id])
    assert new_master.history[-1].changes == {"slaves": {"added": [slave.id]}}
    assert new_master.evolve(history=made.history) == made
