"""Defects of outgoing notices found by the review (issue 11, "Mail and notices"), each
proved against a real server on 127.0.0.1: aiosmtpd refusing a recipient with 550, a
webhook receiver that fails and then accepts, a real command channel."""

from __future__ import annotations

import json
import os
import sys
from email import message_from_bytes
from email.policy import default
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import yaml

from tests.helpers import dispatched, git, in_progress, itsm, ok, show
from tests.servers import smtp_sink, webhook_sink
from tests.ui.test_notify import LATER, MUCH_LATER, configure, retry_now


def smtp_channel(port: int) -> dict[str, Any]:
    return {"type": "smtp", "host": "127.0.0.1", "port": port, "from": "服务台 <desk@example.com>"}


def test_N3_recipient_refused_by_the_server_is_recorded_failed_never_sent(desk: Path) -> None:
    """E5/N3: the incident manager's 550 on a P1 major incident is recorded per recipient;
    the retry goes to the refused one only when the refusal is temporary, never again to
    those who got it."""
    with smtp_sink(refuse=["mike@example.com"]) as sink:
        configure(desk, {"mail": smtp_channel(sink.port)})
        tid = dispatched(desk, "--impact", "1", "--urgency", "high")   # P1 major: E M L
        sink.wait(1)
        retry_now(desk)
        n = show(desk, tid, now=LATER)["notifications"][-1]
        assert n["trigger"] == "dispatch"
        assert n["status"] == "refused", n
        assert "mike" in n["error"] and "550" in n["error"]
        outcomes = n["outcomes"]
        assert outcomes["carol"] == "sent" and outcomes["dave"] == "sent"
        assert outcomes["mike"].startswith("refused: 550")
        rcpts = [r for m in sink.messages for r in m.rcpt_tos]
        assert "mike@example.com" not in rcpts and rcpts.count("carol@example.com") == 1
        retry_now(desk, now=MUCH_LATER)            # a 5xx is final: nobody gets it twice
        assert [r for m in sink.messages for r in m.rcpt_tos].count("carol@example.com") == 1


def test_E5_mail_has_date_auto_submitted_and_one_thread_per_ticket(desk: Path) -> None:
    with smtp_sink() as sink:
        configure(desk, {"mail": smtp_channel(sink.port)})
        tid = in_progress(desk, "--reporter-email", "wangwu@example.org")
        ok(itsm(desk, "resolve", tid, "--solution", "fixed the rate table", "--causation",
                "data-error", actor="carol"))
        got = sink.wait(3)            # dispatch to staff; resolve: user apart from staff
    first, *rest = [message_from_bytes(m.content, policy=default) for m in got]
    ticket = show(desk, tid)
    root = ticket["mail"]["message_id"]
    assert first["Message-ID"] == root
    for m in [first, *rest]:
        assert m["Auto-Submitted"] == "auto-generated"
        assert parsedate_to_datetime(m["Date"]) is not None
        assert m["Subject"] == f"[{tid}] 计费出错"
        assert m["Reply-To"]
    for m in rest:
        assert m["In-Reply-To"] == root and root in m["References"]
    by_to = {m["To"]: m for m in rest}
    user = [m for to, m in by_to.items() if "wangwu@example.org" in to]
    assert len(user) == 1 and "@example.com" not in user[0]["To"]    # no shared To: line
    # every notice records the headers it was sent with
    for n in ticket["notifications"]:
        if n["channels"] == ["mail"]:
            assert n["headers"]["Message-ID"] and n["headers"]["Auto-Submitted"]


def test_N2_escalation_mail_never_promises_a_restoration_before_it_was_sent(desk: Path) -> None:
    """The priority raised mid-phase moves the restore deadline into the past (S3): the
    notice says the ticket is overdue instead of giving a time before it was sent."""
    tid = in_progress(desk, "--impact", "4", "--urgency", "low")          # P4: restore 3d
    later = "2026-11-27T10:00:00+08:00"                            # 2 days on
    ok(itsm(desk, "escalate", tid, "--reason", "用户投诉", now=later))  # urgency high: P3 2d
    n = show(desk, tid, now=later)["notifications"][-1]
    assert n["trigger"] == "escalate"
    line = next(x for x in n["body"].splitlines() if "Expected restoration" in x)
    assert "overdue" in line.lower() and "超时" in line, line


def test_N3_retried_webhook_notice_carries_the_facts_of_its_event(desk: Path) -> None:
    with webhook_sink() as hook:
        hook.status = 500
        configure(desk, {"hook": {"type": "webhook", "url": hook.url}})
        tid = dispatched(desk)
        hook.wait(1)
        ok(itsm(desk, "accept", tid, actor="carol"))
        ok(itsm(desk, "resolve", tid, "--solution", "fixed", "--causation", "data-error",
                actor="carol"))
        hook.status = 200
        hook.hits.clear()
        retry_now(desk)
        sent = {h.json()["trigger"]: h.json() for h in hook.hits}
    dispatch = sent["dispatch"]
    assert dispatch["status"] == "assigned" and dispatch["group"] == "billing-app"
    assert dispatch["assignee"] is None
    assert show(desk, tid)["status"] == "resolved"


def test_I8_command_channel_gets_a_minimal_environment_and_its_output_stays_out(
        desk: Path, tmp_path: Path) -> None:
    seen = tmp_path / "env.json"
    script = tmp_path / "notify.py"
    script.write_text(
        "import json, os, sys\n"
        f"json.dump(dict(os.environ), open({str(seen)!r}, 'w'))\n"
        "sys.stderr.write('login failed for password hunter2-from-stderr\\n')\n"
        "sys.exit(3)\n")
    configure(desk, {"sms": {"type": "command", "argv": [sys.executable, str(script)]}})
    os.environ["ITSMCTL_TEST_SECRET"] = "hunter2-in-env"
    try:
        tid = dispatched(desk)
    finally:
        del os.environ["ITSMCTL_TEST_SECRET"]
    env = json.loads(seen.read_text())
    assert "ITSMCTL_TEST_SECRET" not in env and "HOME" not in env
    assert env["ITSMCTL_TICKET"] == tid and "PATH" in env
    retry_now(desk)
    n = show(desk, tid, now=LATER)["notifications"][-1]
    assert n["status"] == "failed" and "exited 3" in n["error"]
    history = git(desk, "log", "-p", "--all")
    assert "hunter2" not in history
    assert "hunter2" not in yaml.safe_dump(show(desk, tid, now=LATER))

