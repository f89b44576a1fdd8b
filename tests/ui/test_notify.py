"""Delivering notifications (N1, N3) through the CLI against real servers on 127.0.0.1.

SMTP is a real aiosmtpd server, the webhook a real http.server, the command a real
process; `retry` is what sweep calls, run here in a transaction of its own.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest
import yaml

from tests.helpers import (
    BILLING,
    NOW,
    commit_count,
    dispatched,
    git,
    in_progress,
    itsm,
    ok,
    open_ticket,
    show,
)

LATER = "2026-11-25T09:30:00+08:00"
MUCH_LATER = "2026-11-25T11:00:00+08:00"


# ---------------------------------------------------------------- servers
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Hook:
    """A webhook receiver: records every POST (headers, JSON body)."""

    def __init__(self, port: int, status: int = 200, delay: float = 0.0) -> None:
        self.port, self.calls = port, []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                data = self.rfile.read(int(self.headers["Content-Length"]))
                hook.calls.append((dict(self.headers), json.loads(data)))
                time.sleep(delay)
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook() -> Iterator[Hook]:
    hook = Hook(free_port())
    yield hook
    hook.close()


@pytest.fixture
def smtp() -> Iterator[Any]:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    class Box:
        def __init__(self) -> None:
            self.mails: list[Any] = []
            self.logins: list[tuple[bytes, bytes]] = []

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            self.mails.append(envelope)
            return "250 OK"

    box = Box()

    def auth(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        box.logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"s3cret")

    ctl = Controller(box, hostname="127.0.0.1", port=free_port(), authenticator=auth,
                     auth_require_tls=False)
    ctl.start()
    box.port = ctl.port
    yield box
    ctl.stop()


# ---------------------------------------------------------------- desk helpers
def configure(desk: Path, channels: dict[str, Any], routes: Optional[list[Any]] = None,
              **delivery: Any) -> None:
    """Replace the channels (and routes) of the desk's notify.yaml, committed like a PR."""
    path = desk / "config" / "notify.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["channels"] = channels
    doc["routes"] = routes or [{"channels": list(channels)}]
    doc["delivery"].update(delivery)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True))
    git(desk, "commit", "-qam", "notify: channels for the test")


def notices(desk: Path, tid: str, now: str = NOW) -> list[dict[str, Any]]:
    return show(desk, tid, now=now)["notifications"]


def ledger(desk: Path) -> list[dict[str, Any]]:
    path = desk / ".git" / "itsmctl" / "deliveries.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def retry_now(desk: Path, now: str = LATER) -> list[Any]:
    """What sweep does for N3: retry inside one transaction and commit, then after-commit."""
    from itsmctl.app.deliver import retry
    from itsmctl.app.session import Session
    from itsmctl.app.write import Tx, write

    session = Session(repo=str(desk), actor_given="alice", now_given=now)

    def decide(tx: Tx) -> list[Any]:
        tickets = [tx.load(p.stem) for p in session.desk.ticket_files()]
        for t in retry(session, tickets):
            tx.save(t)
        tx.message = "retry notifications\n"
        return list(tx.changed.values())

    return write(session, decide)     # its commit, then delivery, as after any transition


def webhook_channel(port: int, **extra: Any) -> dict[str, Any]:
    return {"type": "webhook", "url": f"http://127.0.0.1:{port}/itsm", **extra}


# ---------------------------------------------------------------- N1: recorded in the commit
def test_N1_dispatch_records_its_notifications_in_its_single_commit(desk: Path) -> None:
    tid = open_ticket(desk, *BILLING)
    before = commit_count(desk)
    ok(itsm(desk, "assign", tid, "--group", "billing-app"))
    assert commit_count(desk) == before + 1
    committed = yaml.safe_load(git(desk, "show", f"HEAD:tickets/2026/11/{tid}.yaml"))
    (n,) = committed["notifications"]
    assert n["id"] == f"{tid}-1-1" and n["event"] == 1 and n["trigger"] == "dispatch"
    assert n["recipients"] == ["carol", "dave"] and n["roles"] == ["E"]
    assert n["status"] == "pending" and n["channels"] == ["outbox"]
    assert "Expected restoration" in n["body"]
    # the default profile delivers to the file outbox, after the commit, without another
    out = json.loads((desk / ".git/itsmctl/outbox" / f"{n['id']}.json").read_text())
    assert out["ticket"] == tid and out["subject"] == n["subject"]
    assert [e["outcome"] for e in ledger(desk)] == ["sent"]
    assert git(desk, "status", "--porcelain") == ""


def test_N1_resolve_tells_user_recorder_and_manager_at_p1(desk: Path) -> None:
    tid = in_progress(desk, "--impact", "2", "--urgency", "high")
    ok(itsm(desk, "resolve", tid, "--solution", "重建索引", "--causation", "data-error",
            actor="carol"))
    last = notices(desk, tid)[-1]
    assert last["trigger"] == "resolve" and last["roles"] == ["U", "C", "M"]
    assert last["recipients"] == ["reporter", "alice", "mike"]


# ---------------------------------------------------------------- N3: channels
def test_N3_smtp_mail_carries_the_standard_content(desk: Path, smtp: Any,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ITSM_TEST_SMTP_PASSWORD", "s3cret")
    configure(desk, {"mail": {"type": "smtp", "host": "127.0.0.1", "port": smtp.port,
                              "user": "itsm", "password_env": "ITSM_TEST_SMTP_PASSWORD",
                              "from": "desk@example.com"}})
    tid = open_ticket(desk, *BILLING, "--description", "月租费用重复扣除")
    ok(itsm(desk, "assign", tid, "--group", "billing-app"))
    (mail,) = smtp.mails
    assert smtp.logins == [(b"itsm", b"s3cret")]
    assert sorted(mail.rcpt_tos) == ["carol@example.com", "dave@example.com"]
    from email import message_from_bytes
    from email import policy as email_policy

    msg = message_from_bytes(mail.content, policy=email_policy.default)
    assert msg["Message-ID"] == f"<{tid}-1-1@example.com>"
    assert msg["Subject"] == f"[{tid}] 计费出错"       # E5: one stable subject per ticket
    body = msg.get_content()
    for item in ("月租费用重复扣除", "计费系统 / 应用 (计费出错)",
                 "Expected restoration: 约 about 2026-11-28 11:00 +0800",
                 "Contact the desk: 服务台 Service desk: desk@example.com"):
        assert item in body
    assert notices(desk, tid)[0]["status"] == "pending"      # the commit said pending
    (t,) = retry_now(desk)
    assert [(n.status, n.attempts) for n in t.notifications] == [("sent", 1)]
    assert len(smtp.mails) == 1


def test_N3_smtp_password_only_from_the_environment(desk: Path, smtp: Any) -> None:
    configure(desk, {"mail": {"type": "smtp", "host": "127.0.0.1", "port": smtp.port,
                              "user": "itsm", "password_env": "ITSM_TEST_UNSET_PASSWORD"}})
    tid = open_ticket(desk, *BILLING)
    r = ok(itsm(desk, "assign", tid, "--group", "billing-app"))
    assert "ITSM_TEST_UNSET_PASSWORD is not set" in r.err
    assert smtp.mails == [] and smtp.logins == []


def test_N3_secrets_written_into_notify_yaml_are_refused(desk: Path) -> None:
    path = desk / "config" / "notify.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["channels"]["mail"] = {"type": "smtp", "host": "mx", "user": "u", "password": "pw"}
    path.write_text(yaml.safe_dump(doc, allow_unicode=True))
    r = itsm(desk, "validate")
    assert r.code == 4
    assert "channels.mail" in r.err and "password_env" in r.err


def test_N3_webhook_posts_json_with_the_token_from_the_environment(
        desk: Path, webhook: Hook, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ITSM_TEST_TOKEN", "tok-123")
    configure(desk, {"chat": webhook_channel(webhook.port, token_env="ITSM_TEST_TOKEN")})
    tid = dispatched(desk, "--impact", "2", "--urgency", "high")
    ((headers, body),) = webhook.calls
    assert headers["Authorization"] == "Bearer tok-123"
    assert headers["Idempotency-Key"] == body["id"] == f"{tid}-1-1"
    assert body["trigger"] == "dispatch" and body["priority"] == "P1"
    assert {r["id"] for r in body["recipients"]} == {"carol", "dave", "mike"}
    assert "Affected service" in body["body"]


def test_N3_command_channel_gets_json_on_stdin(desk: Path, tmp_path: Path) -> None:
    script = tmp_path / "sms.py"
    got = tmp_path / "got.jsonl"
    script.write_text("import sys\nopen(sys.argv[1], 'a').write(sys.stdin.read().replace("
                      "'\\n', ' ') + '\\n')\n")
    configure(desk, {"sms": {"type": "command", "argv": [sys.executable, str(script),
                                                         str(got)]}})
    tid = dispatched(desk)
    (line,) = got.read_text().splitlines()
    doc = json.loads(line)
    assert doc["id"] == f"{tid}-1-1" and doc["ticket"] == tid
    assert [r["email"] for r in doc["recipients"]] == ["carol@example.com", "dave@example.com"]


# ---------------------------------------------------------------- N3: never lost, never twice
def test_N3_failing_channel_does_not_fail_the_transition(desk: Path) -> None:
    configure(desk, {"chat": webhook_channel(free_port())})       # nothing listens there
    tid = open_ticket(desk, *BILLING)
    before = commit_count(desk)
    r = itsm(desk, "assign", tid, "--group", "billing-app")
    assert r.code == 0 and r.out.startswith(f"{tid}: assigned")
    assert commit_count(desk) == before + 1
    assert "not delivered" in r.err and "sweep retries" in r.err
    assert notices(desk, tid)[0]["status"] == "pending"
    assert [(e["outcome"], e["attempt"]) for e in ledger(desk)] == [("failed", 1)]


def test_N3_slow_webhook_does_not_hold_the_transition(desk: Path) -> None:
    hook = Hook(free_port(), delay=3.0)
    try:
        configure(desk, {"chat": webhook_channel(hook.port, timeout="0.5s")})
        tid = open_ticket(desk, *BILLING)
        started = time.monotonic()
        r = itsm(desk, "assign", tid, "--group", "billing-app")
        assert r.code == 0 and time.monotonic() - started < 2.5
        assert "timed out" in ledger(desk)[0]["error"]
    finally:
        hook.close()


def test_N3_server_down_at_the_transition_up_at_retry_gets_it_exactly_once(desk: Path) -> None:
    port = free_port()
    configure(desk, {"chat": webhook_channel(port)})
    tid = dispatched(desk)                                          # webhook is down
    assert notices(desk, tid)[0]["status"] == "pending"
    hook = Hook(port)                                               # and now it is up
    try:
        before = commit_count(desk)
        (t,) = retry_now(desk)
        assert commit_count(desk) == before + 1
        (n,) = t.notifications
        assert (n.status, n.attempts, n.error) == ("sent", 2, None)
        assert n.sent_at.isoformat() == LATER
        assert [b["id"] for _, b in hook.calls] == [f"{tid}-1-1"]
        assert notices(desk, tid, LATER)[0]["status"] == "sent"     # recorded on the ticket
        assert retry_now(desk, MUCH_LATER) == []                    # a second retry: nothing
        assert len(hook.calls) == 1 and commit_count(desk) == before + 1
    finally:
        hook.close()


def test_N3_retry_records_failures_and_keeps_trying(desk: Path) -> None:
    port = free_port()
    configure(desk, {"chat": webhook_channel(port)})
    tid = dispatched(desk)
    (t,) = retry_now(desk)                                          # still down
    (n,) = t.notifications
    assert (n.status, n.attempts) == ("failed", 2) and "chat:" in n.error
    hook = Hook(port)
    try:
        (t,) = retry_now(desk, MUCH_LATER)
        assert [(n.status, n.attempts) for n in t.notifications] == [("sent", 3)]
        assert len(hook.calls) == 1
        assert notices(desk, tid, MUCH_LATER)[0]["status"] == "sent"
    finally:
        hook.close()


def test_N3_killed_before_delivery_is_delivered_by_retry_once(
        desk: Path, webhook: Hook, monkeypatch: pytest.MonkeyPatch) -> None:
    from itsmctl.app import deliver as deliver_module

    configure(desk, {"chat": webhook_channel(webhook.port)})
    tid = open_ticket(desk, *BILLING)
    # the process dies right after its commit: no after-commit work at all
    monkeypatch.setattr(deliver_module, "deliver", lambda session, tickets: None)
    ok(itsm(desk, "assign", tid, "--group", "billing-app"))
    assert webhook.calls == [] and ledger(desk) == []
    monkeypatch.undo()
    retry_now(desk)
    retry_now(desk, MUCH_LATER)
    assert [b["id"] for _, b in webhook.calls] == [f"{tid}-1-1"]
    assert notices(desk, tid, MUCH_LATER)[0]["status"] == "sent"


def test_N3_a_later_transition_does_not_resend(desk: Path, webhook: Hook) -> None:
    configure(desk, {"chat": webhook_channel(webhook.port)})
    tid = in_progress(desk)
    ok(itsm(desk, "note", tid, "--text", "查日志"))
    retry_now(desk)
    ok(itsm(desk, "note", tid, "--text", "还在查", now=MUCH_LATER))
    assert [b["trigger"] for _, b in webhook.calls] == ["dispatch"]


def test_N3_another_clone_takes_over_only_after_the_grace_period(
        desk: Path, tmp_path: Path, webhook: Hook, monkeypatch: pytest.MonkeyPatch) -> None:
    from itsmctl.app import deliver as deliver_module

    configure(desk, {"chat": webhook_channel(webhook.port)}, takeover_after="1h")
    tid = open_ticket(desk, *BILLING)
    # clone A never delivers
    monkeypatch.setattr(deliver_module, "deliver", lambda session, tickets: None)
    ok(itsm(desk, "assign", tid, "--group", "billing-app"))
    monkeypatch.undo()
    other = tmp_path / "clone-b"
    git(tmp_path, "clone", "-q", str(desk), str(other))
    git(other, "config", "user.email", "test@example.com")
    assert retry_now(other, LATER) == []                     # A may still be sending it
    assert webhook.calls == []
    (t,) = retry_now(other, MUCH_LATER)                      # 2h later: B claims it ...
    from itsmctl.infra.ledger import clone_id

    assert t.notifications[0].origin == clone_id(other)
    assert [b["id"] for _, b in webhook.calls] == [f"{tid}-1-1"]    # ... and sends it once
    (t,) = retry_now(other, MUCH_LATER)                      # B folds its own outcome
    assert t.notifications[0].status == "sent"
    assert retry_now(other, MUCH_LATER) == [] and len(webhook.calls) == 1


def test_N3_a_deferring_clone_leaves_delivery_to_sweep(desk: Path, webhook: Hook) -> None:
    configure(desk, {"chat": webhook_channel(webhook.port)})
    git(desk, "config", "itsmctl.delivery", "sweep")
    tid = dispatched(desk)
    assert webhook.calls == [] and notices(desk, tid)[0]["origin"] is None
    retry_now(desk)                                           # claims, then sends after commit
    assert len(webhook.calls) == 1
    retry_now(desk, MUCH_LATER)
    assert len(webhook.calls) == 1 and notices(desk, tid, MUCH_LATER)[0]["status"] == "sent"


def test_N3_ledger_survives_a_torn_line(desk: Path, webhook: Hook) -> None:
    from itsmctl.infra.ledger import append_ledger, read_ledger

    configure(desk, {"chat": webhook_channel(webhook.port)})
    dispatched(desk)
    path = desk / ".git/itsmctl/deliveries.jsonl"
    with open(path, "ab") as fh:
        fh.write(b'{"id": "INC-2611-XXXXX-1-1", "outc')          # a writer killed mid-line
    append_ledger(desk, {"id": "INC-2611-YYYYY-1-1", "outcome": "sent"})
    entries = read_ledger(desk)
    assert "INC-2611-YYYYY-1-1" in entries and "INC-2611-XXXXX-1-1" not in entries
    assert len(entries) == 2


# ---------------------------------------------------------------- through `itsmctl sweep`
def _has_sweep() -> bool:
    import importlib.util

    return importlib.util.find_spec("itsmctl.app.sweep") is not None


needs_sweep = pytest.mark.skipif(not _has_sweep(), reason="sweep is not built yet")


@needs_sweep
def test_N3_sweep_retries_a_down_webhook_exactly_once(desk: Path) -> None:
    port = free_port()
    configure(desk, {"chat": webhook_channel(port)})
    tid = dispatched(desk)
    hook = Hook(port)
    try:
        before = commit_count(desk)
        ok(itsm(desk, "sweep", now=LATER))
        assert commit_count(desk) == before + 1 and len(hook.calls) == 1
        assert notices(desk, tid, LATER)[0]["status"] == "sent"
        ok(itsm(desk, "sweep", now=MUCH_LATER))
        assert commit_count(desk) == before + 1 and len(hook.calls) == 1
    finally:
        hook.close()


@needs_sweep
def test_N1_sweep_breach_escalation_tells_c_e_m_in_the_sweep_commit(
        desk: Path, webhook: Hook) -> None:
    configure(desk, {"chat": webhook_channel(webhook.port)})
    tid = dispatched(desk)                                  # P4: accept within 2h
    before = commit_count(desk)
    ok(itsm(desk, "sweep", now="2026-11-25T11:30:00+08:00"))
    assert commit_count(desk) == before + 1
    committed = yaml.safe_load(git(desk, "show", f"HEAD:tickets/2026/11/{tid}.yaml"))
    esc = [n for n in committed["notifications"] if n["trigger"] == "escalate"]
    assert len(esc) == 1 and esc[0]["roles"] == ["C", "E", "M"]
    assert esc[0]["status"] == "sent"      # a lone desk sends inside the sweep (S4)
    assert set(esc[0]["recipients"]) == {"alice", "carol", "dave", "mike"}
    assert [b["trigger"] for _, b in webhook.calls] == ["dispatch", "escalate"]


@pytest.mark.slow
def test_N3_clones_sharing_a_remote_send_once(tmp_path: Path, webhook: Hook,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A commits and dies before delivering; B takes over after the grace period through
    a pushed claim; A, seeing B's claim after its pull, sends nothing (G4 + N3)."""
    from itsmctl.app import deliver as deliver_module
    from tests.helpers import make_desk

    a = make_desk(tmp_path / "a")
    configure(a, {"chat": webhook_channel(webhook.port)}, takeover_after="1h")
    remote = tmp_path / "remote.git"
    git(tmp_path, "clone", "-q", "--bare", str(a), str(remote))
    git(a, "remote", "add", "origin", str(remote))
    b = tmp_path / "b"
    git(tmp_path, "clone", "-q", str(remote), str(b))
    for clone in (a, b):
        git(clone, "config", "itsmctl.remote", "origin")
    tid = open_ticket(a, *BILLING)
    # A dies after its push
    monkeypatch.setattr(deliver_module, "deliver", lambda session, tickets: None)
    ok(itsm(a, "assign", tid, "--group", "billing-app"))
    monkeypatch.undo()
    assert git(remote, "log", "-1", "--format=%s").startswith(f"{tid}: assign")
    assert retry_now(b, LATER) == [] and webhook.calls == []       # grace not over
    (t,) = retry_now(b, MUCH_LATER)                                # B claims, pushes, sends
    assert [b_["id"] for _, b_ in webhook.calls] == [f"{tid}-1-1"]
    retry_now(a, MUCH_LATER)                                       # A pulls B's claim
    assert len(webhook.calls) == 1
    (t,) = retry_now(b, MUCH_LATER)                                # B records the delivery
    assert t.notifications[0].status == "sent"
    retry_now(a, MUCH_LATER)
    assert notices(a, tid, MUCH_LATER)[0]["status"] == "sent" and len(webhook.calls) == 1


def test_N3_unpushed_commits_notify_no_one_until_they_reach_the_remote(
        desk: Path, tmp_path: Path, webhook: Hook) -> None:
    configure(desk, {"chat": webhook_channel(webhook.port)})
    remote = tmp_path / "later" / "remote.git"                     # not there yet: offline
    git(desk, "remote", "add", "origin", str(remote))
    git(desk, "config", "itsmctl.remote", "origin")
    tid = open_ticket(desk, *BILLING)
    r = ok(itsm(desk, "assign", tid, "--group", "billing-app"))
    assert "not pushed yet" in r.err
    retry_now(desk)
    assert webhook.calls == []
    git(tmp_path, "clone", "-q", "--bare", str(desk), str(remote))  # the network is back
    retry_now(desk, MUCH_LATER)
    assert [b["id"] for _, b in webhook.calls] == [f"{tid}-1-1"]


def test_N3_ledger_compaction_keeps_recent_outcomes(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The delivery ledger does not grow for ever: old outcomes go, recent ones stay."""
    import json as _json
    from datetime import datetime, timedelta, timezone

    from itsmctl.infra import ledger

    (tmp_path / ".git").mkdir()
    now = datetime(2026, 11, 25, tzinfo=timezone.utc)
    for days in (90, 60, 5, 1):
        ledger.append_ledger(tmp_path, {"id": f"n{days}", "outcome": "sent",
                                        "at": (now - timedelta(days=days)).isoformat()})
    monkeypatch.setattr(ledger, "COMPACT_ABOVE", 10)
    assert ledger.compact_ledger(tmp_path, now) == 2
    assert sorted(ledger.read_ledger(tmp_path)) == ["n1", "n5"]
    monkeypatch.setattr(ledger, "COMPACT_ABOVE", 1 << 30)
    assert ledger.compact_ledger(tmp_path, now + timedelta(days=400)) == 0
    assert _json.loads((ledger.state_dir(tmp_path) / ledger.LEDGER).read_text()
                       .splitlines()[0])["id"] == "n5"
