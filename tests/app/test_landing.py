"""G4 on one remote, driven through use cases: a rejected push whose incoming commits touch
other tickets is moved onto the new tip without deciding again; the decision runs again
only when what it read (a ticket, the config, an alert's fingerprint) changed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from itsmctl.app import lifecycle, sync
from itsmctl.app.write import Tx, write
from itsmctl.core import workflow
from itsmctl.errors import ConcurrencyError, RuleViolation
from itsmctl.infra.outgoing import Outgoing, owner
from tests.app.helpers import committed, git, intake, session, shared_remote
from tests.helpers import make_desk

pytestmark = pytest.mark.slow      # clones sharing a real remote


def raw_commit(desk: Path, rev: str) -> tuple[dict[str, str], str]:
    """A commit's header lines by key (parent left out) and its message."""
    text = git(desk, "cat-file", "-p", rev)
    head, _, message = text.partition("\n\n")
    fields = dict(line.split(" ", 1) for line in head.splitlines())
    fields.pop("parent", None)
    fields.pop("tree", None)
    return fields, message


@pytest.fixture
def two(tmp_path):
    remote, clone = shared_remote(tmp_path, make_desk(tmp_path / "seed"))
    return remote, clone("a"), clone("b")


def spy_pushes(monkeypatch) -> list[str]:
    """The commits each push offered, in order."""
    from itsmctl.infra.remote import Remote

    seen: list[str] = []
    real = Remote.push

    def push(self, commit=None):
        seen.append(commit or "")
        return real(self, commit)

    monkeypatch.setattr(Remote, "push", push)
    return seen


def test_G4_a_rejected_push_of_other_tickets_moves_onto_the_new_tip_without_deciding_again(
        two, monkeypatch):
    remote, a, b = two
    mine = lifecycle.open_ticket(session(a), intake("b's ticket"))
    other = lifecycle.open_ticket(session(a), intake("a's ticket"))
    git(b, "pull", "-q")
    runs: list[int] = []
    pushes = spy_pushes(monkeypatch)

    def decide(tx: Tx) -> str:
        runs.append(1)
        if len(runs) == 1:      # a pushes a note on ANOTHER ticket while b decides
            lifecycle.note(session(a), other.id, text="from a")
        tx.save(workflow.note(tx.load(mine.id), tx.ctx, "from b"))
        tx.describe("note")
        return "done"

    assert write(session(b), decide) == "done"
    assert len(runs) == 1                                   # not decided again
    first_offer = pushes[-2]                                # b's own commit, rejected
    landed = git(remote, "rev-parse", "main").strip()
    assert landed == git(b, "rev-parse", "HEAD").strip() != first_offer
    assert raw_commit(b, first_offer) == raw_commit(remote, landed)   # who, when, what said
    assert git(b, "diff-tree", "-r", "--no-commit-id", first_offer) == \
        git(remote, "diff-tree", "-r", "--no-commit-id", landed)      # the same change
    assert git(remote, "rev-parse", "main~1").strip() == git(a, "rev-parse", "HEAD").strip()
    assert [e.note for e in committed(b, other.id, "origin/main").history
            if e.action == "note"] == ["from a"]
    assert git(b, "status", "--porcelain") == ""
    assert committed(b, other.id).to_doc() == committed(a, other.id).to_doc()
    assert Outgoing(session(b).desk).read().entries == []


def test_G4_a_change_to_the_config_meanwhile_decides_again_on_the_new_config(two):
    remote, a, b = two
    mine = lifecycle.open_ticket(session(a), intake("b's ticket"))
    git(b, "pull", "-q")
    names: list[str] = []
    s = session(b)

    def decide(tx: Tx) -> str:
        names.append(tx.session.policy.desk.name)
        if len(names) == 1:     # the desk is renamed on the remote while b decides
            path = a / "config" / "desk.yaml"
            path.write_text(path.read_text().replace("name: ", "name: Renamed "))
            git(a, "commit", "-qam", "rename the desk")
            git(a, "push", "-q", "origin", "HEAD")
        tx.save(workflow.note(tx.load(mine.id), tx.ctx, "from b"))
        tx.describe("note")
        return "done"

    write(s, decide)
    assert len(names) == 2 and names[1].startswith("Renamed ") != names[0].startswith("Renamed ")
    assert git(remote, "log", "-1", "--format=%s", "main").startswith(f"{mine.id}: note")


def test_G4_an_alert_ticket_arriving_meanwhile_decides_again(two):
    """The hooks' fingerprint lookup is a read of tickets that do not exist yet: a ticket
    holding the same fingerprint that arrives meanwhile makes the decision run again."""
    remote, a, b = two
    runs: list[int] = []

    def decide(tx: Tx) -> int:
        runs.append(1)
        tx.watch("fp-0042")
        if len(runs) == 1:
            lifecycle.open_ticket(session(a, actor="monitor"), intake(
                "disk full", source="monitoring",
                alert={"id": "fp-0042", "fingerprint": "fp-0042", "severity": "critical",
                       "message": "disk full"}))
        tx.save(lifecycle_open(tx, "unrelated"))
        tx.describe("open")
        return len(runs)

    assert write(session(b), decide) == 2


def lifecycle_open(tx: Tx, title: str):
    from itsmctl.core.intake import open_ticket

    return open_ticket(intake(title), tx.ctx, lifecycle.fresh_id(tx.session, tx))


def test_G4_a_remote_that_keeps_moving_is_exit_5_and_sync_pushes_what_was_kept(
        two, monkeypatch):
    from itsmctl.app import landing
    from itsmctl.infra.remote import Remote

    remote, a, b = two
    mine = lifecycle.open_ticket(session(a), intake("b's ticket"))
    git(b, "pull", "-q")
    monkeypatch.setattr(landing, "ROUNDS", 2)
    real = Remote.push

    def push_after_someone_else(self, commit=None):
        git(a, "commit", "-q", "--allow-empty", "-m", "a moves on")
        git(a, "push", "-q", "origin", "HEAD")
        return real(self, commit)

    monkeypatch.setattr(Remote, "push", push_after_someone_else)
    with pytest.raises(ConcurrencyError) as gave_up:
        lifecycle.note(session(b), mine.id, text="kept here")
    assert gave_up.value.exit_code == 5 and "sync" in gave_up.value.message
    assert git(b, "log", "-1", "--format=%s").startswith(f"{mine.id}: note")   # kept
    monkeypatch.setattr(Remote, "push", real)
    done = sync.sync(session(b))
    assert done.pushed == 1 and not done.dropped
    assert git(remote, "log", "-1", "--format=%s", "main").startswith(f"{mine.id}: note")


def test_I6_G4_a_push_the_remote_refuses_is_one_error_not_a_loop(two):
    """The remote's own check (a pre-receive hook) is no race: the command is refused
    once (I6) and its commit left out; work of others it carried still lands."""
    remote, a, b = two
    first = lifecycle.open_ticket(session(b), intake("accepted"))
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\nwhile read old new ref; do\n"
                    "  git log -1 --format=%B $new | grep -q refuse-me && "
                    "{ echo 'signed commits only' >&2; exit 1; }\ndone\nexit 0\n")
    hook.chmod(0o755)
    before = git(remote, "rev-parse", "main")
    with pytest.raises(RuleViolation) as refused:
        lifecycle.note(session(b), first.id, text="refuse-me")
    assert refused.value.rule == "I6" and "signed commits only" in refused.value.message
    assert git(remote, "rev-parse", "main") == before == git(b, "rev-parse", "HEAD")
    assert git(b, "status", "--porcelain") == ""
    lifecycle.note(session(b), first.id, text="fine")                # the next one lands
    assert git(remote, "log", "-1", "--format=%s", "main").startswith(f"{first.id}: note")


def test_G4_offline_work_on_a_ticket_changed_meanwhile_is_run_again_by_the_next_command(two):
    """Nobody waits for a commit made offline: when its ticket changed on the remote, the
    next command replays its recorded use case (rules re-checked); other work moves."""
    remote, a, b = two
    shared = lifecycle.open_ticket(session(a), intake("shared"))
    other = lifecycle.open_ticket(session(a), intake("other"))
    git(b, "pull", "-q")
    git(b, "remote", "set-url", "origin", str(remote.parent / "nowhere.git"))
    lifecycle.note(session(b), shared.id, text="written offline")
    git(b, "remote", "set-url", "origin", str(remote))
    lifecycle.note(session(a), shared.id, text="a meanwhile")
    lifecycle.note(session(b), other.id, text="b online again")
    notes = [e.note for e in committed(b, shared.id, "origin/main").history
             if e.action == "note"]
    assert notes == ["a meanwhile", "written offline"]
    assert git(remote, "log", "-1", "--format=%s", "main").startswith(f"{other.id}: note")
    assert git(b, "rev-parse", "HEAD") == git(remote, "rev-parse", "main")


def test_G4_a_rebase_killed_before_the_branch_moved_is_forgotten(two):
    from itsmctl.app.landing import recover

    remote, a, b = two
    s = session(b)
    with Outgoing(s.desk).edit() as queue:
        queue.pending = {"from": s.desk.head(), "to": "0" * 40, "moves": {}, "why": {},
                         "replay": []}
    assert s.remote is not None
    recover(s, s.remote)
    assert Outgoing(s.desk).read().pending is None


def test_G4_the_commit_is_the_remote_one_and_the_clone_clean_after_a_burst(two):
    """Commands one after the other, each on its own ticket: every commit on the remote."""
    remote, a, b = two
    ids = [lifecycle.open_ticket(session(b), intake(f"t{i}")).id for i in range(2)]
    for tid in ids:
        lifecycle.note(session(b), tid, text="x")
    log = git(remote, "log", "--format=%s", "main")
    assert all(f"{tid}: note" in log for tid in ids)
    assert subprocess.run(["git", "status", "--porcelain"], cwd=b, capture_output=True,
                          text=True).stdout == ""


def test_G4_a_hand_commit_plumbing_cannot_make_again_is_cherry_picked(two):
    """An executable script committed by hand in b is not a plain file commit: when the
    remote moved, it is cherry-picked onto the new tip; b's own command moves as it is."""
    remote, a, b = two
    mine = lifecycle.open_ticket(session(a), intake("b's ticket"))
    other = lifecycle.open_ticket(session(a), intake("a's ticket"))
    git(b, "pull", "-q")
    script = b / "contrib" / "hand.sh"
    script.parent.mkdir(exist_ok=True)
    script.write_text("#!/bin/sh\necho hand\n")
    script.chmod(0o755)
    git(b, "add", "contrib/hand.sh")
    git(b, "commit", "-qm", "a script added by hand")
    lifecycle.note(session(a), other.id, text="a moves on")
    lifecycle.note(session(b), mine.id, text="b's note")
    log = git(remote, "log", "--format=%s", "main").splitlines()
    assert log[:2] == [f"{mine.id}: note by alice", "a script added by hand"]
    assert git(remote, "ls-tree", "main", "contrib/hand.sh").split()[0] == "100755"
    assert git(b, "status", "--porcelain") == ""


def test_G4_a_remote_found_unreachable_is_not_tried_again_at_once(two, monkeypatch):
    """Hook calls during an outage do not each wait for the network: after one command
    found the remote unreachable, the next ones commit here at once (offline, exit 0);
    `sync` pushes them all when it is back."""
    from itsmctl.infra.remote import Remote

    remote, a, b = two
    git(b, "remote", "set-url", "origin", str(remote.parent / "nowhere.git"))
    tried: list[str] = []
    for name in ("fetch", "push"):
        real = getattr(Remote, name)
        monkeypatch.setattr(Remote, name, lambda self, *args, _real=real, _name=name: (
            tried.append(_name), _real(self, *args))[1])
    first = session(b)
    lifecycle.open_ticket(first, intake("one"))
    assert tried and any("offline" in m for m in first.messages)
    tried.clear()
    second = session(b)
    with owner(second.desk):                     # another hook call is writing meanwhile
        lifecycle.open_ticket(second, intake("two"))
    assert tried == [] and any("offline" in m for m in second.messages)
    git(b, "remote", "set-url", "origin", str(remote))
    assert sync.sync(session(b)).pushed == 2


def test_G4_a_waiting_command_taken_for_gone_decides_again_itself(two, monkeypatch):
    """Should another process ever mark a live command's commit for replay, the command
    takes it back and decides again; its work lands once."""
    from itsmctl.app import landing

    remote, a, b = two
    mine = lifecycle.open_ticket(session(a), intake("b's ticket"))
    git(b, "pull", "-q")
    real = landing._pace
    marked: list[str] = []

    def mark_for_replay(session_, out):
        """What a rebase does to a commit whose process it takes for gone."""
        if not marked:
            from itsmctl.infra import rebase

            with out.edit() as queue:
                for e in queue.entries:
                    if e.state == "local":
                        e.state = "replay"
                        marked.append(e.sha)
            rebase.move(session_.desk, marked[0], marked[0] + "~1")
        real(session_, out)

    monkeypatch.setattr(landing, "_pace", mark_for_replay)
    runs: list[int] = []

    def decide(tx: Tx) -> None:
        runs.append(1)
        tx.save(workflow.note(tx.load(mine.id), tx.ctx, "once"))
        tx.describe("note")

    write(session(b), decide)
    assert marked and len(runs) == 2
    notes = [e.note for e in committed(b, mine.id, "origin/main").history if e.action == "note"]
    assert notes == ["once"]
