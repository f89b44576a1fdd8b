"""Smoke tests of tests/servers.py: each real server does its job end to end on loopback."""

from __future__ import annotations

import smtplib
import socket
import subprocess
import sys
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from pathlib import Path

import pytest

from tests.servers import (
    alertmanager,
    chromium_page,
    free_port,
    git_daemon,
    http_files,
    mta_pipe,
    smart_http,
    smtp_sink,
    ssh_keypair,
    webhook_sink,
)


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "init.defaultBranch=main", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout.strip()


def clone_push_fetch(tmp_path: Path, url: str) -> None:
    """Push from one clone, fetch into another, both through `url`."""
    a, b = tmp_path / "a", tmp_path / "b"
    git(tmp_path, "clone", "-q", url, str(a))
    (a / "one.txt").write_text("one\n")
    git(a, "add", "one.txt")
    git(a, "commit", "-q", "-m", "one")
    git(a, "push", "-q", "origin", "HEAD:main")
    git(tmp_path, "clone", "-q", "-b", "main", url, str(b))
    assert (b / "one.txt").read_text() == "one\n"
    (a / "two.txt").write_text("two\n")
    git(a, "add", "two.txt")
    git(a, "commit", "-q", "-m", "two")
    git(a, "push", "-q", "origin", "HEAD:main")
    git(b, "pull", "-q", "--ff-only")
    assert (b / "two.txt").read_text() == "two\n"
    assert git(b, "rev-parse", "HEAD") == git(a, "rev-parse", "HEAD")


def bare_repo(tmp_path: Path) -> Path:
    base = tmp_path / "srv"
    git(tmp_path, "init", "-q", "--bare", str(base / "desk.git"))
    return base


def test_free_port_is_free() -> None:
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
        sock.listen()
        assert free_port() != port


def test_git_daemon_clone_push_fetch(tmp_path: Path) -> None:
    with git_daemon(bare_repo(tmp_path)) as url:
        assert url.startswith("git://127.0.0.1:")
        clone_push_fetch(tmp_path, url + "desk.git")


def test_smart_http_clone_push_fetch(tmp_path: Path) -> None:
    with smart_http(bare_repo(tmp_path)) as url:
        assert url.startswith("http://127.0.0.1:") and url.endswith("/git/")
        clone_push_fetch(tmp_path, url + "desk.git")


# The pipe command of the MTA tests: keeps each message in OUT/N.eml and exits with the
# status written in OUT/exit (0 when absent), printing a line postfix quotes in bounces.
PIPE = """\
import pathlib, sys
out = pathlib.Path(sys.argv[1])
n = len(list(out.glob("*.eml")))
(out / f"{n}.eml").write_bytes(sys.stdin.buffer.read())
status = int((out / "exit").read_text()) if (out / "exit").exists() else 0
print(f"pipe says {status}")
sys.exit(status)
"""


def message(subject: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "王五 <wang@example.com>"
    msg["To"] = "desk@localhost"
    msg["Subject"] = subject
    msg.set_content("打印机卡纸\nprinter jammed\n")
    return msg


@pytest.mark.slow
def test_mta_pipes_a_message_to_the_command(tmp_path: Path) -> None:
    with mta_pipe([sys.executable, "-c", PIPE, str(tmp_path)]) as mta:
        mta.send(message("打印机 broken"))
        [done] = mta.wait_delivered(1)
        assert done.status == "sent" and "delivered to command" in done.reason
        got = BytesParser(policy=default).parsebytes((tmp_path / "0.eml").read_bytes())
        assert got["Subject"] == "打印机 broken"
        assert got["Delivered-To"] == "desk@localhost"
        body = got.get_body()
        assert body is not None and "printer jammed" in body.get_content()
        with pytest.raises(smtplib.SMTPRecipientsRefused, match="550"):
            mta.send(message("x"), to=["stranger@localhost"])


@pytest.mark.slow
def test_mta_bounces_on_exit_1_and_defers_on_exit_75(tmp_path: Path) -> None:
    (tmp_path / "exit").write_text("1")
    with mta_pipe([sys.executable, "-c", PIPE, str(tmp_path)]) as mta:
        mta.send(message("bounce me"))
        [bounced] = mta.wait_for("bounced")
        assert "Command died with status 1" in bounced.reason
        assert "pipe says 1" in bounced.reason
        with pytest.raises(AssertionError, match="bounced: .*status 1"):
            mta.wait_delivered(1, timeout=1)
        [report] = mta.wait_bounces(1)
        assert "Undelivered Mail" in report["Subject"]

        (tmp_path / "exit").write_text("75")
        mta.send(message("later"))
        [deferred] = mta.wait_for("deferred")
        assert "pipe says 75" in deferred.reason
        (tmp_path / "exit").write_text("0")
        mta.flush()
        mta.wait_for("sent")
    assert len(list(tmp_path.glob("*.eml"))) == 3


@pytest.mark.slow
def test_mta_without_relay_runs_the_alias_command_unprivileged(tmp_path: Path) -> None:
    out = Path("/tmp") / f"mta-out-{tmp_path.name}-{free_port()}"
    out.mkdir(mode=0o777)
    out.chmod(0o777)
    try:
        with mta_pipe(["/bin/sh", "-c", f"id -un > {out}/who; cat > {out}/msg"],
                      relay=False) as mta:
            mta.send(message("direct"))
            mta.wait_delivered(1)
        assert (out / "who").read_text().strip() == "nobody"
        assert "Subject: direct" in (out / "msg").read_text()
    finally:
        subprocess.run(["rm", "-rf", str(out)], check=True)


def test_smtp_sink_receives_and_refuses(tmp_path: Path) -> None:
    with smtp_sink(refuse=["gone@example.com"]) as sink:
        with smtplib.SMTP(sink.host, sink.port, timeout=10) as smtp:
            refused = smtp.sendmail("desk@example.com", ["ok@example.com", "gone@example.com"],
                                    message("hello").as_bytes())
            assert refused["gone@example.com"][0] == 550
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                smtp.sendmail("desk@example.com", ["gone@example.com"], b"Subject: x\n\nx\n")
        [got] = sink.wait(1)
        assert got.rcpt_tos == ["ok@example.com"]
        assert got.message["Subject"] == "hello"


@pytest.mark.slow
def test_alertmanager_delivers_webhooks() -> None:
    with webhook_sink() as sink, alertmanager(sink.url) as am:
        am.fire("DiskFull", instance="db1")
        [fired] = sink.wait(1, timeout=15)
        payload = fired.json()
        assert payload["status"] == "firing"
        assert payload["alerts"][0]["labels"] == {"alertname": "DiskFull", "instance": "db1"}
        am.fire("DiskFull", resolved=True, instance="db1")
        resolved = sink.wait(2, timeout=15)[1].json()
        assert resolved["status"] == "resolved"


@pytest.mark.slow
def test_chromium_loads_a_loopback_page(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(
        "<!doctype html><meta charset=utf-8><title>desk</title>"
        "<h1 id=h>工单 list</h1><button onclick=\"h.textContent='clicked'\">go</button>",
        encoding="utf-8")
    with http_files(site) as base, chromium_page(tmp_path) as page:
        page.goto(f"{base}/index.html")
        assert page.title() == "desk"
        assert page.text_content("#h") == "工单 list"
        page.click("button")
        assert page.text_content("#h") == "clicked"
        shot = tmp_path / "page.png"
        page.screenshot(path=str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_ssh_key_signs_a_commit_git_verifies(tmp_path: Path) -> None:
    key = ssh_keypair(tmp_path, "signer")
    stranger = ssh_keypair(tmp_path, "stranger")
    assert key.line.startswith("ssh-ed25519 ") and key.private.exists()
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(key.allowed_signer("test@example.com") + "\n")
    repo = tmp_path / "repo"
    git(tmp_path, "init", "-q", str(repo))
    ssh = ["-c", "gpg.format=ssh", "-c", f"gpg.ssh.allowedSignersFile={allowed}"]
    for who in (key, stranger):
        git(repo, *ssh, "-c", f"user.signingkey={who.private}", "commit", "-q", "-S",
            "--allow-empty", "-m", f"signed by {who.private.name}")
    good = subprocess.run(["git", *ssh, "verify-commit", "HEAD~1"], cwd=repo,
                          capture_output=True, text=True, timeout=30)
    assert good.returncode == 0, good.stderr
    assert 'Good "git" signature for test@example.com' in good.stderr
    bad = subprocess.run(["git", *ssh, "verify-commit", "HEAD"], cwd=repo,
                         capture_output=True, text=True, timeout=30)
    assert bad.returncode != 0
