"""I4-I7 through the CLI on a signed desk with real ssh-keygen keys: every command signs
with the key of whoever acts, and every forgery of the outside review (issue 12) is
found by `audit`, naming commit, ticket and rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from itsmctl.core.model import ticket_path
from tests.helpers import USER, itsm, ok
from tests.signed import SignedDesk, git, make_signed, scratch_result


@pytest.fixture
def sd(tmp_path: Path) -> SignedDesk:
    return make_signed(tmp_path)


def kinds(found: list[dict]) -> set[tuple[str, str]]:
    return {(f["kind"], f["rule"]) for f in found}


def assigned(sd: SignedDesk) -> str:
    tid = sd.open()
    sd.ok("alice", "assign", tid, "--group", "billing-app")
    return tid


def test_I4_init_signed_anchor_signed_by_the_incident_manager(sd, tmp_path):
    allowed = sd.allowed_signers(tmp_path / "allowed")
    out = git(sd.root, "-c", f"gpg.ssh.allowedSignersFile={allowed}", "log",
              "--format=%G?%x00%GS%x00%B")
    status, signer, message = out.split("\x00", 2)
    assert (status, signer) == ("G", "mike")             # git's own verdict
    assert "Itsmctl-Actor: mike" in message
    assert "require_signed: true" in (sd.root / "config/desk.yaml").read_text()
    teams = (sd.root / "config/teams.yaml").read_text()
    assert sd.keys["mike"].line.split()[1] in teams and "sweep_keys" in teams
    assert sd.findings() == []


def test_I4_init_signed_refuses_someone_who_is_no_incident_manager(tmp_path):
    from tests.servers import ssh_keypair

    key = ssh_keypair(tmp_path, "alice")
    r = itsm(tmp_path, "init", str(tmp_path / "d"), "--signed", actor="alice", now=None,
             env={"ITSMCTL_SIGNING_KEY": str(key.private)})
    assert r.code == 6 and "[I4]" in r.err


def test_I4_every_command_is_signed_by_the_acting_persons_key(sd, tmp_path):
    tid = assigned(sd)
    sd.ok("carol", "accept", tid)
    sd.ok("carol", "resolve", tid, "--solution", "fixed", "--causation", "data-error")
    allowed = sd.allowed_signers(tmp_path / "allowed")
    out = git(sd.root, "-c", f"gpg.ssh.allowedSignersFile={allowed}", "log",
              "--format=%G? %GS %an", "-4").splitlines()
    assert out == ["G carol Carol 陈静", "G carol Carol 陈静", "G alice Alice 王丽",
                   "G alice Alice 王丽"]
    assert git(sd.root, "status", "--porcelain") == ""


def test_I4_actor_naming_anyone_else_than_the_key_is_refused(sd):
    """Forgery 1: alice ran `itsmctl --actor mike assign T --group dba`."""
    tid = assigned(sd)
    sd.ok("erin", "note", tid, "--text", "looking")      # (any key works for its owner)
    before = sd.head()
    r = sd.run("alice", "assign", tid, "--group", "dba", "--force", actor="mike")
    assert r.code == 6 and "[I4]" in r.err and "alice's" in r.err
    assert sd.head() == before and git(sd.root, "status", "--porcelain") == ""


def test_I4_no_key_refuses_writes_never_reads(sd):
    tid = assigned(sd)
    before = sd.head()
    r = sd.run(None, "note", tid, "--text", "x", actor="alice")
    assert r.code == 6 and "requires signed commits" in r.err and sd.head() == before
    for args in (["show", tid], ["list"], ["log", tid], ["sweep", "--dry-run"], ["qa"],
                 ["validate"], ["report", "--format", "json"]):
        assert sd.run(None, *args, actor="alice").code in (0, 1), args   # qa may find
    assert sd.run(None, "--now", "2030-01-01T00:00:00+08:00", "show", tid,
                  actor="alice").code == 0            # read-only: any --now
    assert sd.run(None, "--now", "2030-01-01T00:00:00+08:00", "sweep", "--dry-run",
                  actor="alice").code == 0


def test_I4_unlisted_key_is_refused(sd, tmp_path):
    from tests.servers import ssh_keypair

    stranger = ssh_keypair(tmp_path / "keys", "stranger")
    r = itsm(sd.root, "open", "--title", "x", *USER, actor="alice", now=None,
             env={"ITSMCTL_SIGNING_KEY": str(stranger.private)})
    assert r.code == 6 and "not listed in config/teams.yaml" in r.err


def test_I8_a_signing_key_inside_the_desk_is_refused(sd):
    inside = sd.root / ".git" / "alice_key"
    inside.write_bytes(sd.keys["alice"].private.read_bytes())
    inside.chmod(0o600)
    r = itsm(sd.root, "open", "--title", "x", *USER, actor=None, now=None,
             env={"ITSMCTL_SIGNING_KEY": str(inside)})
    assert r.code == 6 and "[I8]" in r.err


def test_I4_the_key_names_the_actor_when_nobody_is_named(sd):
    tid = sd.open("bob")
    assert git(sd.root, "log", "-1", "--format=%an").strip() == "Bob 李博"
    assert f"{tid}: open" in git(sd.root, "log", "-1", "--format=%s")


def test_I5_now_away_from_the_clock_is_refused_on_a_signed_desk(sd):
    """Forgery 5: --now backdated an accept before the ticket was opened; anyone could
    `--now 2027-06-01 sweep`."""
    tid = assigned(sd)
    before = sd.head()
    r = sd.run("carol", "accept", tid, now="2026-01-01T09:00:00+08:00")
    assert r.code == 6 and "[I5]" in r.err and "behind the clock" in r.err
    r = sd.run("sweep", "sweep", now="2027-06-01T09:00:00+08:00")
    assert r.code == 6 and "ahead of the clock" in r.err
    assert sd.head() == before


def test_I5_only_the_sweep_account_may_sweep(sd):
    assigned(sd)
    before = sd.head()
    r = sd.run("alice", "sweep")
    assert r.code == 6 and "sweep" in r.err and sd.head() == before
    sd.ok("sweep", "sweep")
    r = sd.run(None, "sweep", env={"ITSMCTL_SIGNING_KEY_SWEEP": str(sd.keys["sweep"].private)})
    assert r.code == 0, r.err              # the account's own variable, kept on the server


@pytest.mark.slow
def test_I5_desk_built_only_through_the_cli_audits_clean(sd):
    a = assigned(sd)
    sd.ok("carol", "accept", a)
    sd.ok("carol", "wait", a, "--code", "user-info")
    sd.ok("carol", "resume", a)
    sd.ok("carol", "assign", a, "--group", "dba", "--causation", "data-error")
    sd.ok("erin", "reject", a, "--reason", "not a db issue")
    sd.ok("alice", "classify", a, "--impact", "2", "--reason", "two branches")
    sd.ok("mike", "escalate", a, "--reason", "VIP")
    b = assigned(sd)
    sd.ok("alice", "link-master", b, "--master", a)
    sd.ok("alice", "assign", a, "--group", "billing-app")
    sd.ok("carol", "accept", a)
    sd.ok("carol", "task", "add", a, "--title", "check db", "--group", "dba")
    sd.ok("erin", "task", "done", a, "1", "--result", "ok")
    sd.ok("carol", "resolve", a, "--solution", "s", "--causation", "data-error")
    sd.ok("alice", "close", a, "--code", "solved", "--kb")
    sd.ok("alice", "note", b, "--text", "closed with its master")
    payload = json.dumps({"version": "4", "status": "firing", "alerts": [
        {"status": "firing", "labels": {"alertname": "DiskFull", "severity": "critical",
                                        "instance": "db01"},
         "annotations": {"summary": "disk full"}, "fingerprint": "f1",
         "startsAt": "2026-11-25T01:00:00Z"}]})
    sd.ok(None, "hook", "alertmanager", input=payload,
          env={"ITSMCTL_SIGNING_KEY_MONITOR": str(sd.keys["monitor"].private)})
    sd.ok("sweep", "sweep")
    assert sd.findings() == []
    assert sd.findings(env={"ITSMCTL_VERIFY": "git"}) == []     # git's own verdict agrees
    assert git(sd.root, "rev-parse", "refs/itsmctl/verified").strip() == sd.head()


def test_I5_forged_actor_signed_by_the_forger(sd, tmp_path):
    """Forgery 1 made by hand: the file `--actor mike assign` writes, committed with a
    copied message and signed with alice's own key."""
    tid = assigned(sd)
    sd.ok("carol", "accept", tid)
    message, path = scratch_result(sd, tmp_path, "assign", tid, "--group", "dba",
                                   "--causation", "data-error", "--force", actor="mike")
    sha = sd.commit(message, signer="alice", author=("Mike 郑明", "mike@example.com"))
    found = sd.findings()
    assert ("signer", "I4") in kinds(found)
    f = next(f for f in found if f["kind"] == "signer")
    assert f["commit"] == sha and f["path"] == path == ticket_path(tid)
    assert "name mike" in f["message"] and "alice's key" in f["message"]


def test_I5_forged_resolve_unsigned_with_copied_message(sd, tmp_path):
    """Forgery 2: a file produced by `--actor mike resolve` in a scratch clone, committed
    with `git -c user.email=mike@… commit` and a copied message."""
    tid = assigned(sd)
    sd.ok("carol", "accept", tid)
    message, path = scratch_result(sd, tmp_path, "resolve", tid, "--solution", "x",
                                   "--causation", "data-error", actor="mike")
    sha = sd.commit(message, author=("Mike 郑明", "mike@example.com"))
    found = sd.findings()
    assert [(f["commit"], f["path"], f["kind"], f["rule"]) for f in found
            if f["rule"] != "G6"] == [(sha, path, "unsigned", "I5")]


def test_I5_tampered_signed_commit(sd):
    """A signed commit changed after signing (its message edited, the signature kept)."""
    tid = assigned(sd)
    raw = git(sd.root, "cat-file", "commit", "HEAD")
    forged = raw.replace("by alice", "by mike", 1)
    sha = _hash_commit(sd.root, forged)
    git(sd.root, "update-ref", "HEAD", sha)
    found = sd.findings()
    assert kinds(found) == {("signature", "I5")}
    assert found[0]["commit"] == sha and found[0]["path"] == ticket_path(tid)
    assert sd.findings(env={"ITSMCTL_VERIFY": "git"})[0]["kind"] == "signature"


def _hash_commit(root: Path, text: str) -> str:
    import subprocess

    return subprocess.run(["git", "hash-object", "-t", "commit", "-w", "--stdin"], cwd=root,
                          input=text.encode(), capture_output=True,
                          check=True).stdout.decode().strip()


def test_I7_self_granted_role_is_found_even_when_reverted(sd):
    """Forgery 4: alice gave herself incident_manager in teams.yaml, transferred, reverted."""
    tid = assigned(sd)
    sd.ok("carol", "accept", tid)
    teams = sd.root / "config/teams.yaml"
    original = teams.read_text()
    teams.write_text(original.replace("roles: [service_desk]\n    groups: [service-desk]\n"
                                      "    keys:", "roles: [service_desk, incident_manager]\n"
                                      "    groups: [service-desk]\n    keys:", 1))
    grant = sd.commit("config: alice covers the incident manager", signer="alice")
    sd.ok("alice", "assign", tid, "--group", "dba", "--causation", "data-error")  # believed
    transfer = sd.head()
    teams.write_text(original)
    sd.commit("config: revert", signer="alice")
    found = sd.findings()
    by = {(f["commit"], f["kind"], f["rule"]) for f in found}
    assert (grant, "teams", "I7") in by
    assert (transfer, "actor", "G6") in by            # judged by the roles an IM granted
    teams_finding = next(f for f in found if f["kind"] == "teams")
    assert "+incident_manager" in teams_finding["message"]
    assert teams_finding["path"] == "config/teams.yaml"


def test_I7_keys_change_only_by_an_incident_managers_signed_commit(sd, tmp_path):
    from tests.servers import ssh_keypair

    second = ssh_keypair(tmp_path / "keys", "alice2")
    teams = sd.root / "config/teams.yaml"
    alice_key = sd.keys["alice"].line.split()[1]
    text = teams.read_text()
    teams.write_text(text.replace(alice_key, alice_key + "\n      - " + second.line, 1))
    grant = sd.commit("config: my laptop's key", signer="alice")
    r = itsm(sd.root, "note", sd.open("alice"), "--text", "from the laptop", actor=None,
             now=None, env={"ITSMCTL_SIGNING_KEY": str(second.private)})
    assert r.code == 0, r.err                 # the desk believed the key was listed...
    laptop = sd.head()
    found = sd.findings()
    by = {(f["commit"], f["kind"], f["rule"]) for f in found}
    assert (grant, "teams", "I7") in by
    assert (laptop, "signer", "I5") in by     # ...audit does not: not honoured


def test_I5_key_added_in_the_same_commit_does_not_count(sd, tmp_path):
    from tests.servers import ssh_keypair

    new = ssh_keypair(tmp_path / "keys", "mike2")
    teams = sd.root / "config/teams.yaml"
    mike_key = sd.keys["mike"].line.split()[1]
    teams.write_text(teams.read_text().replace(mike_key, mike_key + "\n      - " + new.line))
    sha = sd.commit("config: mike's new key", key=new.private,
                    author=("Mike 郑明", "mike@example.com"))
    found = sd.findings()
    assert [(f["commit"], f["kind"]) for f in found] == [(sha, "signer"), (sha, "teams")]
    assert "did not list at the parent" in found[0]["message"]
    # signed by mike's listed key instead, the same change is legal
    git(sd.root, "reset", "-q", "--hard", "HEAD~1")
    teams.write_text(teams.read_text().replace(mike_key, mike_key + "\n      - " + new.line))
    sd.commit("config: mike's new key", signer="mike", author=("Mike 郑明", "mike@example.com"))
    assert sd.findings() == []


def test_I5_backdated_accept_made_by_hand_is_found(sd, tmp_path):
    """Forgery 5 made by hand: an accept dated before the ticket was opened."""
    tid = assigned(sd)
    message, path = scratch_result(sd, tmp_path, "accept", tid, actor="carol",
                                   now="2026-01-01T09:00:00+08:00")
    sha = sd.commit(message, signer="carol", author=("Carol 陈静", "carol@example.com"))
    found = [f for f in sd.findings() if f["rule"] == "I5"]
    assert [(f["commit"], f["path"], f["kind"]) for f in found] == [(sha, path, "time")]
    assert "before the ticket's previous event" in found[0]["message"]


def test_I5_post_dated_sweep_made_by_hand_is_found(sd, tmp_path):
    """Forgery 5b: `--now 2027-06-01 sweep` in a scratch clone, signed with the sweep's
    key (a stolen cron key) or another's: post-dated either way."""
    tid = assigned(sd)
    message, path = scratch_result(sd, tmp_path, "sweep", actor="alice",
                                   now="2027-06-01T09:00:00+08:00")
    assert path == ticket_path(tid)
    sha = sd.commit(message, signer="sweep",
                    author=("itsmctl sweep", "sweep@itsmctl.invalid"))
    found = [f for f in sd.findings() if f["rule"] == "I5"]
    assert found and {(f["commit"], f["kind"]) for f in found} == {(sha, "time")}
    assert "post-dated" in found[0]["message"]


def test_I5_hand_made_commit_authored_as_the_sweep(sd, tmp_path):
    """Forgery 6: a hand-made commit authored as `itsmctl sweep`."""
    assigned(sd)
    later = "2026-12-31T09:00:00+08:00"                     # breaches to escalate
    message, path = scratch_result(sd, tmp_path, "sweep", actor="alice", now=later)
    unsigned = sd.commit(message, author=("itsmctl sweep", "sweep@itsmctl.invalid"))
    found = sd.findings()
    assert (unsigned, path, "unsigned") in {(f["commit"], f["path"], f["kind"]) for f in found}
    git(sd.root, "reset", "-q", "--hard", "HEAD~1")
    message, path = scratch_result(sd, tmp_path, "sweep", actor="alice", now=later)
    by_alice = sd.commit(message, signer="alice",
                         author=("itsmctl sweep", "sweep@itsmctl.invalid"))
    found = sd.findings()
    assert (by_alice, "signer", "I4") in {(f["commit"], f["kind"], f["rule"]) for f in found}
    assert "name sweep" in next(f["message"] for f in found if f["kind"] == "signer")


def test_I4_forged_anchor_on_an_unsigned_desk(desk, tmp_path):
    """Signing turned on by someone who is no incident manager: the anchor is reported."""
    from tests.servers import ssh_keypair

    key = ssh_keypair(tmp_path, "alice")
    teams = desk / "config/teams.yaml"
    teams.write_text(teams.read_text().replace(
        "roles: [service_desk], groups: [service-desk]}",
        f"roles: [service_desk], groups: [service-desk], keys: ['{key.line}']}}", 1))
    with (desk / "config/desk.yaml").open("a") as fh:
        fh.write("require_signed: true\n")
    git(desk, "-c", "gpg.format=ssh", "-c", f"user.signingkey={key.private}", "commit", "-qaS",
        "-m", "sign from now on")
    r = itsm(desk, "--json", "audit", now=None)
    found = r.json["findings"]
    assert [(f["kind"], f["rule"]) for f in found] == [("anchor", "I4")]
    assert "no incident manager" in found[0]["message"]


def test_I5_rewritten_history_is_found_by_the_next_audit(sd):
    """Forgery 3 (local side): a history rewritten with `git rebase --onto`, a close
    dropped: the tip the last audit verified is no longer in the history."""
    tid = assigned(sd)
    sd.ok("carol", "accept", tid)
    sd.ok("carol", "resolve", tid, "--solution", "s", "--causation", "data-error")
    other = sd.open("alice")
    sd.ok("alice", "close", tid, "--code", "solved")
    closing = sd.head()
    sd.ok("alice", "note", other, "--text", "user called")
    assert sd.findings() == []                      # records the verified tip
    git(sd.root, "rebase", "-q", "--onto", closing + "~1", closing)
    found = sd.findings()
    assert {(f["kind"], f["rule"]) for f in found} >= {("rewrite", "I5")}
    dropped = [f for f in found if f["kind"] == "rewrite"]
    assert {(f["commit"], f["path"]) for f in dropped} >= {(closing, ticket_path(tid))}
    assert "close (resolved -> closed) by alice" in next(
        f["message"] for f in dropped if f["commit"] == closing)


def test_I5_front_end_commits_are_signed_by_its_account(tmp_path):
    """Commits a front end makes for a person (Itsmctl-Via: web) are signed by the web
    account's key and name the person; signed by anyone else they are a finding."""
    from itsmctl.app.lifecycle import note
    from itsmctl.app.session import Session
    sd = make_signed(tmp_path, ("mike", "alice", "carol", "sweep", "web"))
    tid = sd.open("alice")

    def by_web(key: str) -> None:
        import os

        os.environ["ITSMCTL_SIGNING_KEY_WEB"] = str(sd.keys[key].private)
        try:
            session = Session(repo=str(sd.root), actor_given="alice").derive(via="web")
            note(session, tid, "from the web page")
        finally:
            del os.environ["ITSMCTL_SIGNING_KEY_WEB"]

    by_web("web")
    assert "Itsmctl-Via: web" in git(sd.root, "log", "-1", "--format=%B")
    assert sd.findings() == []
    with pytest.raises(Exception) as refused:
        by_web("carol")                      # a web service with the wrong key
    assert getattr(refused.value, "exit_code", None) == 6


@pytest.mark.slow
def test_I5_audit_of_a_100_commit_pull_request_takes_under_2s(sd, monkeypatch):
    """Signatures of a range are read in one process (not two ssh-keygen per commit)."""
    import subprocess
    import sys
    import time

    from itsmctl.app.lifecycle import assign, open_ticket
    from itsmctl.app.session import Session
    from itsmctl.core.intake import Intake

    base = sd.head()
    monkeypatch.setenv("ITSMCTL_SIGNING_KEY", str(sd.keys["alice"].private))
    for i in range(50):
        t = open_ticket(Session(repo=str(sd.root)), Intake(
            title=f"t{i}", reporter={"name": "王五", "phone": "1"}, category="billing",
            subtype="application", symptom="billing-error"))
        assign(Session(repo=str(sd.root)), t.id, "billing-app")
    monkeypatch.delenv("ITSMCTL_SIGNING_KEY")
    times = []
    for _ in range(2):                    # the first run also keeps the config's policy
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "itsmctl", "--repo", str(sd.root),
                               "--actor", "alice", "--json", "audit", "--since", base],
                              capture_output=True, text=True, timeout=120)
        times.append(time.perf_counter() - t0)
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout)["commits"] == 100
    assert min(times) < 2.0, times


def test_I4_a_desk_signing_with_openpgp_keys(tmp_path, monkeypatch):
    """GPG where a desk uses it: teams.yaml lists the fingerprint, git signs with gpg."""
    import shutil
    import subprocess

    if shutil.which("gpg") is None:
        pytest.skip("gpg is not installed (Debian package gnupg)")
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    monkeypatch.setenv("GNUPGHOME", str(home))
    try:
        _openpgp_desk(tmp_path)
    finally:                         # gpg started an agent for this home: stop it
        subprocess.run(["gpgconf", "--kill", "gpg-agent"], capture_output=True, timeout=20)


def _openpgp_desk(tmp_path):
    import subprocess

    subprocess.run(["gpg", "--batch", "--passphrase", "", "--quick-gen-key",
                    "Mike <mike@example.com>", "ed25519", "sign", "never"], check=True,
                   capture_output=True, timeout=60)
    listing = subprocess.run(["gpg", "--with-colons", "--fingerprint", "mike@example.com"],
                             capture_output=True, text=True, check=True).stdout
    fpr = next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:"))
    desk = tmp_path / "desk"
    as_mike = {"ITSMCTL_SIGNING_KEY": fpr}
    ok(itsm(tmp_path, "init", str(desk), "--signed", actor="mike", now=None, env=as_mike))
    assert fpr in (desk / "config/teams.yaml").read_text()
    tid = ok(itsm(desk, "open", "--title", "gpg", *USER, actor=None, now=None,
                  env=as_mike)).out.strip()
    assert git(desk, "log", "--format=%G? %GP", "-1").split() == ["G", fpr]
    r = itsm(desk, "--json", "audit", now=None)
    assert r.code == 0 and r.json["findings"] == [], r.out
    path = desk / ticket_path(tid)
    path.write_text(path.read_text().replace("title: gpg", "title: forged"))
    git(desk, "commit", "-qam", "forged")
    r = itsm(desk, "--json", "audit", now=None)
    assert ("unsigned", "I5") in kinds(r.json["findings"])


def test_I5_mail_gateway_commits_are_signed_by_the_mailgate_account(tmp_path):
    """`hook mail` acts with `Itsmctl-Via: mail`: signed by the mail gateway's own key
    (kept on the mail server, ITSMCTL_SIGNING_KEY_MAILGATE); another key is refused."""
    from tests import mailbuild as mb

    sd = make_signed(tmp_path, ("mike", "alice", "sweep", "mailgate"))
    before = sd.head()
    r = sd.run("alice", "hook", "mail", input=mb.gmail("打印机坏了", "三楼打印机卡纸"))
    assert r.code == 6 and sd.head() == before
    r = sd.run(None, "hook", "mail", input=mb.gmail("打印机坏了", "三楼打印机卡纸"),
               env={"ITSMCTL_SIGNING_KEY_MAILGATE": str(sd.keys["mailgate"].private)})
    assert r.code == 0, r.err
    assert "Itsmctl-Via: mail" in git(sd.root, "log", "-1", "--format=%B")
    assert sd.findings() == []
