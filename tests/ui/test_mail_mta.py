"""The mail gateway behind a real MTA (E1-E5): Postfix on 127.0.0.1 delivers through a
pipe alias to `itsmctl hook mail`; the desk's own mail goes to aiosmtpd; the test
answers the desk's mail through Postfix again, as a user's client would."""

from __future__ import annotations

import os
import sys
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests import mailbuild as mb
from tests.helpers import commit_count, git, show
from tests.servers import mta_pipe, smtp_sink

pytestmark = pytest.mark.slow
T0 = "2026-11-25T09:00:00+08:00"


def mail_desk(desk: Path, port: int) -> None:
    notify = desk / "config" / "notify.yaml"
    doc = yaml.safe_load(notify.read_text())
    doc["channels"] = {"mail": {"type": "smtp", "host": "127.0.0.1", "port": port,
                                "from": "服务台 <desk@localhost>"}}
    doc["routes"] = [{"channels": ["mail"]}]
    notify.write_text(yaml.safe_dump(doc, allow_unicode=True))
    conf = desk / "config" / "mail.yaml"
    conf.write_text(conf.read_text().replace("address: desk@example.com",
                                             "address: desk@localhost"))
    git(desk, "commit", "-qam", "mail through the loopback servers")


def at(monkeypatch: pytest.MonkeyPatch, when: str) -> None:
    monkeypatch.setenv("ITSMCTL_NOW", when)     # the relay runs the pipe with our env


def test_E1_E2_E5_round_trip_through_postfix(desk: Path, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    argv = [sys.executable, "-m", "itsmctl", "--repo", str(desk), "hook", "mail"]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(sys.path))
    with smtp_sink() as sink, mta_pipe(argv) as mta:
        mail_desk(desk, sink.port)
        at(monkeypatch, T0)
        mta.send(mb.outlook("计费系统无法登录", "您好：\n计费系统从今天早上开始无法登录。",
                            attachments=(("截图.png", b"\x89PNG" + bytes(300)),)),
                 sender="wangwu@example.org")
        (first,) = mta.wait_delivered(1)
        (ack_in,) = sink.wait(1)
        ack = message_from_bytes(ack_in.content, policy=default)
        tid = ack["X-Itsmctl-Ticket"]
        assert ack_in.rcpt_tos == ["wangwu@example.org"]
        assert ack["Subject"] == f"[{tid}] 计费系统无法登录"
        assert ack["In-Reply-To"] == "<outlook-1@example.org>"
        assert ack["Auto-Submitted"] == "auto-generated" and ack["Reply-To"] == "desk@localhost"
        t = show(desk, tid)
        assert t["source"] == "email" and not t["verified"]
        assert t["attachments"][0]["name"] == "截图.png"
        assert t["mail"]["message_id"] == ack["Message-ID"]

        # the user answers the acknowledgement from Outlook: In-Reply-To, quoted history
        at(monkeypatch, "2026-11-25T09:20:00+08:00")
        mta.send(mb.outlook(f"答复: {ack['Subject']}", "补充：账号是 wangwu。"
                            + mb.outlook_quote(tid), mid="<outlook-2@example.org>",
                            in_reply_to=ack["Message-ID"]), sender="wangwu@example.org")
        mta.wait_delivered(2)
        last = show(desk, tid)["history"][-1]
        assert last["action"] == "reply" and last["note"] == "补充：账号是 wangwu。"

        # an out-of-office answer and the same message again change nothing
        before = commit_count(desk)
        mta.send(mb.auto_reply(), sender="wangwu@example.org")
        mta.send(mb.outlook("计费系统无法登录", "again"), sender="wangwu@example.org")
        mta.wait_delivered(4)
        assert commit_count(desk) == before

        # Postfix completes even a headerless message (From, Date, Message-ID), so what
        # it hands over always parses; over the size limit it bounces (exit 4), and is kept
        conf = desk / "config" / "mail.yaml"
        conf.write_text(conf.read_text().replace("max_message_size: 25MB",
                                                 "max_message_size: 4k"))
        git(desk, "commit", "-qam", "mail: a small limit")
        mta.send(mb.gmail("大日志", "x" * 8000, mid="<big@x>"), sender="tester@localhost")
        bounced = mta.wait_for("bounced", 1)
        assert "status 4" in bounced[0].reason
        assert list((desk / ".git/itsmctl/quarantine").glob("*.eml"))
        statuses = [d.status for d in mta.deliveries()]
    assert statuses.count("sent") == 4 and statuses.count("bounced") == 1
    assert git(desk, "status", "--porcelain") == ""


def test_E5_desk_mail_answered_by_gmail_is_threaded_to_the_ticket(
        desk: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A dispatch notice to the user is answered by Gmail's References alone (the user
    cut the tag from the subject): the reply still lands on its ticket."""
    argv = [sys.executable, "-m", "itsmctl", "--repo", str(desk), "hook", "mail"]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(sys.path))
    with smtp_sink() as sink, mta_pipe(argv) as mta:
        mail_desk(desk, sink.port)
        at(monkeypatch, T0)
        mta.send(mb.gmail("报表导出失败", "导出 Excel 时报错"), sender="li.si@gmail.com")
        mta.wait_delivered(1)
        (ack_in,) = sink.wait(1)
        ack: Any = message_from_bytes(ack_in.content, policy=default)
        tid = ack["X-Itsmctl-Ticket"]
        at(monkeypatch, "2026-11-25T09:30:00+08:00")
        mta.send(mb.gmail("Re: 报表", "截图见附件" + mb.gmail_quote(tid),
                          mid="<CAgmail-2@mail.gmail.com>",
                          references=f"<CAgmail-1@mail.gmail.com> {ack['Message-ID']}",
                          in_reply_to=ack["Message-ID"],
                          attachments=(("error.png", b"png" * 100),)),
                 sender="li.si@gmail.com")
        mta.wait_delivered(2)
    t = show(desk, tid, now="2026-11-25T09:30:00+08:00")
    assert t["history"][-1]["note"] == "截图见附件"
    assert [a["name"] for a in t["attachments"]] == ["error.png"]
