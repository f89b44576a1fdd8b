"""The write path (app/write.py) driven directly: one commit, what is returned is what
was committed, a rejected push re-runs the decision, sync re-runs recorded use cases."""

from __future__ import annotations

import json

import pytest

from itsmctl.app import lifecycle, replay, sync
from itsmctl.app.write import Tx, call_json, write
from itsmctl.core import workflow
from itsmctl.errors import NotPermitted, RuleViolation
from tests.app.helpers import (
    commits,
    committed,
    git,
    head_message,
    intake,
    session,
    shared_remote,
)
from tests.helpers import make_desk


def test_G1_a_use_case_returns_the_ticket_as_committed(desk):
    opened = lifecycle.open_ticket(session(desk), intake())
    assert opened.to_doc() == committed(desk, opened.id).to_doc()
    assigned = lifecycle.assign(session(desk), opened.id, "billing-app")
    # N1: the dispatch notice is planned in the commit, and the returned ticket has it too
    assert assigned.notifications and assigned.notifications[-1].trigger == "dispatch"
    assert assigned.to_doc() == committed(desk, opened.id).to_doc()


def test_G2_a_refused_use_case_commits_nothing(desk):
    opened = lifecycle.open_ticket(session(desk), intake())
    before = commits(desk)
    with pytest.raises(RuleViolation) as refused:
        lifecycle.close(session(desk), opened.id, "solved")
    assert refused.value.rule == "L10" and commits(desk) == before
    lifecycle.assign(session(desk), opened.id, "billing-app")
    with pytest.raises(NotPermitted):
        lifecycle.accept(session(desk, actor="erin"), opened.id)      # not in billing-app
    assert commits(desk) == before + 1 and git(desk, "status", "--porcelain") == ""


def test_G1_a_decision_that_changes_nothing_makes_no_commit(desk):
    before = commits(desk)
    assert write(session(desk), lambda tx: "nothing") == "nothing"
    assert commits(desk) == before


def test_G4_the_commit_records_the_use_case_it_ran(desk):
    opened = lifecycle.open_ticket(session(desk), intake())
    lifecycle.assign(session(desk), opened.id[:12], "billing-app", force=False)
    trailer = [line for line in head_message(desk).splitlines()
               if line.startswith("Itsmctl-Command: ")][0]
    record = json.loads(trailer.split(": ", 1)[1])
    assert record["call"] == "lifecycle.assign" and record["actor"] == "alice"
    assert record["args"] == {"ref": opened.id[:12], "group": "billing-app", "person": None,
                              "causation": None, "force": False}
    first = [line for line in head_message(desk, "HEAD~1").splitlines()
             if line.startswith("Itsmctl-Command: ")][0]
    assert json.loads(first.split(": ", 1)[1])["args"]["ticket_id"] == opened.id


@pytest.mark.parametrize("args", [
    {"ref": "INC-2612-AB", "text": "计费\n\t\x00\x7f\u2028\"\\ \U0001f600", "n": 2**70},
    {"person": None, "force": False, "symptoms": ["a", "b"], "f": 1e16},
    {"argv": "undecodable \udcff", "set": {1}}])
def test_G4_the_recorded_call_is_the_text_json_dumps_writes(args):
    """The trailer's JSON (infra/jsontext.py, issue 13) is character for character what
    json.dumps wrote before, so recorded calls read the same."""
    record = {"call": "lifecycle.note", "args": args, "actor": "alice"}
    assert call_json(record) == json.dumps(record, ensure_ascii=False,
                                           separators=(",", ":"), default=str)


def test_G4_a_rejected_push_runs_the_decision_again_on_the_fresh_state(tmp_path):
    remote, clone = shared_remote(tmp_path, make_desk(tmp_path / "seed"))
    a, b = clone("a"), clone("b")
    first = lifecycle.open_ticket(session(a), intake("first"))
    runs: list[int] = []

    def decide(tx: Tx) -> str:
        runs.append(1)
        if len(runs) == 1:      # someone else pushes while b is deciding
            lifecycle.note(session(a), first.id, text="from a")
        tx.save(workflow.note(tx.load(first.id), tx.ctx, "from b"))
        tx.describe("note")
        return "done"

    assert write(session(b), decide) == "done"
    assert len(runs) == 2                                   # the second run saw a's note
    notes = [e.note for e in committed(b, first.id, "origin/main").history
             if e.action == "note"]
    assert notes == ["from a", "from b"]
    assert git(remote, "rev-parse", "main").strip() == git(b, "rev-parse", "HEAD").strip()


def test_G4_sync_runs_recorded_use_cases_again_keeping_an_opened_id(tmp_path):
    remote, clone = shared_remote(tmp_path, make_desk(tmp_path / "seed"))
    a, b = clone("a"), clone("b")
    shared = lifecycle.open_ticket(session(a), intake("shared"))
    git(b, "pull", "-q")
    git(b, "remote", "set-url", "origin", str(tmp_path / "nowhere.git"))   # b goes offline
    offline = lifecycle.open_ticket(session(b), intake("opened offline"))
    lifecycle.assign(session(b), shared.id, "billing-app")
    lifecycle.resolve(session(a), shared.id, solution="fixed at first line")   # a moves on
    git(b, "remote", "set-url", "origin", str(remote))
    done = sync.sync(session(b))
    assert done.pushed == 1 and len(done.dropped) == 1
    assert "[L3]" in done.dropped[0] or "resolved" in done.dropped[0]
    log = git(remote, "log", "--format=%s", "main")
    assert f"{offline.id}: open" in log                     # the same id, replayed
    assert committed(b, offline.id, "origin/main").title == "opened offline"


def test_G4_a_forged_trailer_naming_anything_but_a_recorded_use_case_is_not_run():
    from itsmctl.infra.remote import LocalCommit

    forged = LocalCommit("0" * 40, "x", {"Itsmctl-Command": json.dumps(
        {"call": "setup.init", "args": {"target": "/tmp/x"}})})
    assert replay.recorded_call(forged) is None
    argv = LocalCommit("0" * 40, "x", {"Itsmctl-Command": json.dumps(["--actor", "a"])})
    assert replay.recorded_call(argv) is None                # an older desk's record


def test_I6_a_push_the_remote_refuses_is_not_retried_as_a_race(tmp_path):
    """A remote's own check declining a push (pre-receive) is a refusal: the commit is
    dropped at once with the remote's reason, not re-run eight times as if it raced."""
    remote, clone = shared_remote(tmp_path, make_desk(tmp_path / "seed"))
    a = clone("a")
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'itsmctl: refused: no pushes today' >&2\nexit 1\n")
    hook.chmod(0o755)
    before = git(a, "rev-parse", "HEAD")
    with pytest.raises(RuleViolation) as refused:
        lifecycle.open_ticket(session(a), intake())
    assert refused.value.rule == "I6" and "no pushes today" in refused.value.message
    assert git(a, "rev-parse", "HEAD") == before and git(a, "status", "--porcelain") == ""
