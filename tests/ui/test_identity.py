"""SPEC 9: the actor, roles, and commits authored by the actor (I1-I3)."""

import subprocess

from tests.helpers import BILLING, dispatched, git, itsm, ok, open_ticket


def test_I1_actor_from_option_env_or_git_email(desk):
    tid = open_ticket(desk, *BILLING)
    r = itsm(desk, "assign", tid, "--group", "billing-app", actor=None,
             env={"ITSMCTL_ACTOR": "bob"})
    assert ok(r)
    assert git(desk, "log", "-1", "--format=%ae").strip() == "bob@example.com"
    subprocess.run(["git", "config", "user.email", "carol@example.com"], cwd=desk, check=True)
    ok(itsm(desk, "accept", tid, actor=None))
    assert git(desk, "log", "-1", "--format=%an <%ae>").strip() == \
        "Carol 陈静 <carol@example.com>"


def test_I1_actor_by_email_is_mapped(desk):
    tid = ok(itsm(desk, "open", "--title", "x", "--reporter-name", "n", "--reporter-phone", "1",
                  actor="ALICE@example.com")).out.strip()
    assert "opened_by: alice" in (desk / "tickets/2026/11" / f"{tid}.yaml").read_text()


def test_I1_unknown_actor_refused(desk):
    r = itsm(desk, "open", "--title", "x", "--reporter-name", "n", "--reporter-phone", "1",
             actor="mallory")
    assert r.code == 6 and "[I1]" in r.err and "mallory" in r.err
    assert git(desk, "rev-list", "--count", "HEAD").strip() == "1"


def test_I2_roles_decide_commands(desk):
    tid = open_ticket(desk, *BILLING)
    r = itsm(desk, "assign", tid, "--group", "billing-app", actor="carol")
    assert r.code == 6 and "[I2]" in r.err
    assert itsm(desk, "open", "--title", "x", actor="leo").code == 6
    ok(itsm(desk, "assign", tid, "--group", "billing-app", actor="mike"))


def test_I3_commit_author_message_and_trailers(desk):
    tid = dispatched(desk)
    ok(itsm(desk, "accept", tid, actor="dave"))
    author = git(desk, "log", "-1", "--format=%an|%ae").strip()
    assert author == "Dave 张伟|dave@example.com"
    msg = git(desk, "log", "-1", "--format=%B")
    assert msg.startswith(f"{tid}: accept (assigned -> in_progress) by dave")
    trailers = git(desk, "log", "-1", "--format=%(trailers:only,unfold)")
    assert f"Itsmctl-Ticket: {tid}" in trailers
    assert "Itsmctl-Action: accept" in trailers and "Itsmctl-Actor: dave" in trailers
