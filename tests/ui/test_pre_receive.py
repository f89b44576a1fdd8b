"""I6: a real bare remote with the pre-receive hook `init --gitops` installs, receiving
real `git push`es: forged, unsigned, wrongly signed, tampered, force-pushed and deleting
pushes are refused with one line per finding; legal ones are accepted."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.helpers import itsm, ok
from tests.signed import SignedDesk, git, make_signed, scratch_result

pytestmark = pytest.mark.slow      # real bare remotes, git daemon and pushes


@pytest.fixture
def pushed(tmp_path: Path) -> tuple[SignedDesk, Path]:
    """A signed desk whose remote is a bare repository guarded by the hook."""
    sd = make_signed(tmp_path)
    bare = tmp_path / "remote.git"
    git(tmp_path, "clone", "-q", "--bare", str(sd.root), str(bare))
    r = ok(itsm(tmp_path, "init", str(bare), "--gitops", actor=None, now=None))
    assert "pre-receive hook installed" in r.out
    git(sd.root, "remote", "add", "origin", str(bare))
    git(sd.root, "fetch", "-q", "origin")
    git(sd.root, "branch", "-q", "-u", "origin/main")
    git(sd.root, "config", "itsmctl.remote", "origin")
    return sd, bare


def push(sd: SignedDesk, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    import os

    proc = subprocess.run(["git", "push", "-q", "origin", *args], cwd=sd.root,
                          capture_output=True, text=True, env={**os.environ, **(env or {})},
                          timeout=120)
    return proc.returncode, proc.stderr


def refusals(stderr: str) -> list[str]:
    return [line.removeprefix("remote: ").strip() for line in stderr.splitlines()
            if "itsmctl: refused:" in line]


def remote_tip(bare: Path) -> str:
    return git(bare, "rev-parse", "main").strip()


def test_I6_gitops_installs_the_hook_on_a_bare_remote(pushed):
    sd, bare = pushed
    hook = bare / "hooks" / "pre-receive"
    assert hook.stat().st_mode & 0o111 and "audit --pre-receive" in hook.read_text()
    assert git(bare, "config", "receive.denyNonFastForwards").strip() == "true"


def test_I6_legal_commits_are_accepted(pushed):
    sd, bare = pushed
    tid = sd.open("alice")                                  # the write path pushes it
    sd.ok("alice", "assign", tid, "--group", "billing-app")
    sd.ok("carol", "accept", tid)
    assert remote_tip(bare) == sd.head()
    teams = sd.root / "config/teams.yaml"                  # a legal config change
    teams.write_text(teams.read_text().replace("label: 数据库组", "label: 数据库组 DBA", 1))
    sd.commit("config: the dba group's label", signer="mike",
              author=("Mike 郑明", "mike@example.com"))
    code, err = push(sd, "main")
    assert code == 0, err
    assert remote_tip(bare) == sd.head()


def test_I6_unsigned_forgery_is_refused(pushed, tmp_path):
    sd, bare = pushed
    tid = sd.open("alice")
    sd.ok("alice", "assign", tid, "--group", "billing-app")
    before = remote_tip(bare)
    message, path = scratch_result(sd, tmp_path, "accept", tid, actor="carol")
    sha = sd.commit(message, author=("Carol 陈静", "carol@example.com"))
    code, err = push(sd, "main")
    assert code != 0 and remote_tip(bare) == before
    lines = refusals(err)
    assert lines and all(line.startswith(f"itsmctl: refused: {sha[:10]} {path}") for line in lines)
    assert any("unsigned (I5)" in line for line in lines)


def test_I6_wrongly_signed_forgery_is_refused(pushed, tmp_path):
    sd, bare = pushed
    tid = sd.open("alice")
    sd.ok("alice", "assign", tid, "--group", "billing-app")
    before = remote_tip(bare)
    message, _ = scratch_result(sd, tmp_path, "assign", tid, "--group", "dba", "--causation",
                                "data-error", "--force",
                                actor="mike")
    sd.commit(message, signer="alice", author=("Mike 郑明", "mike@example.com"))
    code, err = push(sd, "main")
    assert code != 0 and remote_tip(bare) == before
    assert any("signer (I4)" in line and "alice's key" in line for line in refusals(err))


def test_I6_tampered_signature_is_refused(pushed):
    sd, bare = pushed
    tid = sd.open("alice")
    before = remote_tip(bare)
    sd.ok("alice", "note", tid, "--text", "fine", env={"ITSMCTL_NO_SYNC": "1"})
    raw = git(sd.root, "cat-file", "commit", "HEAD")
    forged = subprocess.run(["git", "hash-object", "-t", "commit", "-w", "--stdin"],
                            cwd=sd.root, input=raw.replace("fine", "fake", 1).encode(),
                            capture_output=True, check=True).stdout.decode().strip()
    git(sd.root, "update-ref", "refs/heads/main", forged)
    code, err = push(sd, "main")
    assert code != 0 and remote_tip(bare) == before
    assert any("signature (I5)" in line for line in refusals(err))


def test_I6_force_push_dropping_a_commit_is_refused(pushed):
    """Forgery 3: a history rewritten with `git rebase --onto` (a close dropped) and
    force-pushed: refused by the hook even where the server allows non-fast-forwards."""
    sd, bare = pushed
    git(bare, "config", "receive.denyNonFastForwards", "false")     # the hook alone
    tid = sd.open("alice")
    sd.ok("alice", "assign", tid, "--group", "billing-app")
    sd.ok("carol", "accept", tid)
    sd.ok("carol", "resolve", tid, "--solution", "s", "--causation", "data-error")
    other = sd.open("alice")
    sd.ok("alice", "close", tid, "--code", "solved")
    closing = sd.head()
    sd.ok("alice", "note", other, "--text", "user called")
    before = remote_tip(bare)
    assert before == sd.head()
    git(sd.root, "-c", "gpg.format=ssh", "-c", f"user.signingkey={sd.keys['alice'].private}",
        "rebase", "-q", "-S", "--onto", closing + "~1", closing)
    code, err = push(sd, "-f", "main")
    assert code != 0 and remote_tip(bare) == before
    lines = refusals(err)
    assert any(line.startswith(f"itsmctl: refused: {closing[:10]}") and "rewrite (I6)" in line
               for line in lines), lines
    code, err = push(sd, "--delete", "main")
    assert code != 0 and any("rewrite (I6)" in line for line in refusals(err))
    git(bare, "config", "receive.denyNonFastForwards", "true")      # and the kit's setting
    code, err = push(sd, "-f", "main")
    assert code != 0 and remote_tip(bare) == before


def test_I5_clone_refuses_to_follow_a_rewritten_remote(pushed, tmp_path):
    """The other side of a force-push that got through (a remote without the hook):
    a clone that saw the dropped commits refuses to follow."""
    sd, bare = pushed
    (bare / "hooks" / "pre-receive").unlink()
    git(bare, "config", "receive.denyNonFastForwards", "false")
    tid = sd.open("alice")
    other = sd.open("alice")
    seen = sd.head()
    git(tmp_path, "clone", "-q", str(bare), str(tmp_path / "rogue"))
    git(tmp_path / "rogue", "reset", "-q", "--hard", "HEAD~1")         # drop `other`
    git(tmp_path / "rogue", "push", "-q", "-f", "origin", "main")
    r = sd.run("alice", "note", tid, "--text", "x")
    assert r.code == 1 and "[I5]" in r.err and "was rewritten" in r.err
    assert sd.head() == seen and other
    assert sd.run("alice", "note", tid, "--text", "x").code == 1    # and stays refused


def test_I6_pusher_must_be_who_made_the_commits(pushed):
    """gitolite authenticates the pusher (GL_USER): commits naming someone else are
    refused even when they are properly signed by that someone."""
    sd, bare = pushed
    tid = sd.open("alice")
    sd.ok("alice", "assign", tid, "--group", "billing-app", env={"ITSMCTL_NO_SYNC": "1"})
    code, err = push(sd, "main", env={"GL_USER": "carol"})
    assert code != 0 and any("pusher (I6)" in line and "pushed by carol" in line
                             for line in refusals(err))
    code, err = push(sd, "main", env={"GL_USER": "alice"})
    assert code == 0, err


@pytest.mark.slow
def test_I6_over_the_network_git_daemon(pushed, tmp_path):
    """The same refusal through git's own daemon (git://, receive-pack on the server)."""
    from tests.servers import git_daemon

    sd, bare = pushed
    tid = sd.open("alice")
    with git_daemon(tmp_path) as url:
        git(sd.root, "remote", "set-url", "origin", f"{url}remote.git")
        sd.ok("alice", "assign", tid, "--group", "billing-app")     # legal: pushed
        assert remote_tip(bare) == sd.head()
        before = remote_tip(bare)
        (sd.root / "README.md").write_text("hand edit\n")
        path = sd.root / git(sd.root, "ls-files", "tickets/*/*/*.yaml").split()[0]
        path.write_text(path.read_text().replace("status: assigned", "status: closed"))
        sd.commit("fix", author=("Alice 王丽", "alice@example.com"))
        code, err = push(sd, "main")
        assert code != 0 and remote_tip(bare) == before
        assert any("unsigned (I5)" in line for line in refusals(err))


def test_I5_sync_replays_offline_work_signed_and_the_hook_accepts_it(pushed, tmp_path):
    """A command made offline is replayed by `sync` on what arrived meanwhile: signed
    again by its actor's key, keeping its time (Itsmctl-Replay-Of), accepted by the hook
    and clean for audit."""
    sd, bare = pushed
    tid = sd.open("alice")
    b = tmp_path / "b"
    git(tmp_path, "clone", "-q", str(bare), str(b))
    git(b, "config", "itsmctl.remote", "origin")
    carol = {"ITSMCTL_SIGNING_KEY": str(sd.keys["carol"].private)}
    git(b, "remote", "set-url", "origin", str(tmp_path / "unreachable.git"))
    r = itsm(b, "note", tid, "--text", "made offline", actor=None, now=None, env=carol)
    assert r.code == 0 and "offline" in r.err
    offline = git(b, "rev-parse", "HEAD").strip()
    sd.ok("alice", "note", tid, "--text", "meanwhile")                  # pushed
    git(b, "remote", "set-url", "origin", str(bare))
    r = itsm(b, "sync", actor=None, now=None, env=carol)
    assert r.code == 0, r.err
    message = git(b, "log", "-1", "--format=%B")
    assert f"Itsmctl-Replay-Of: {offline}" in message and "note by carol" in message
    assert git(bare, "rev-parse", "main") == git(b, "rev-parse", "HEAD")
    r = itsm(b, "--json", "audit", actor="carol", now=None)
    assert r.code == 0 and r.json["findings"] == [], r.out
