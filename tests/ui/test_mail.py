"""The mail gateway through the CLI (E1-E4, B2): `hook mail` with messages built as real
clients build them, on a real desk; one commit or none per message."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests import mailbuild as mb
from tests.helpers import NOW, commit_count, git, itsm, ok, show

LATER = "2026-11-25T10:00:00+08:00"


def mail(desk: Path, raw: bytes, now: str = NOW, env: Any = None) -> Any:
    return itsm(desk, "--json", "hook", "mail", actor=None, now=now, input=raw,  # type: ignore[arg-type]
                env=env)


def opened(desk: Path, raw: bytes, now: str = NOW) -> str:
    res = mail(desk, raw, now)
    assert res.code == 0, res.err
    doc = res.json
    assert doc["action"].startswith("opened"), doc
    return str(doc["ticket"])


def test_E1_outlook_mail_opens_an_unverified_email_ticket(desk: Path) -> None:
    raw = mb.outlook("计费系统无法登录，朱镕基路营业厅",
                     "您好：\n计费系统从今天早上开始无法登录。\n\n王五\n销售部")
    before = commit_count(desk)
    tid = opened(desk, raw)
    assert commit_count(desk) == before + 1
    t = show(desk, tid)
    assert t["source"] == "email" and t["verified"] is False and t["status"] == "new"
    assert t["title"] == "计费系统无法登录，朱镕基路营业厅"      # 镕 is GBK, not GB2312
    assert "计费系统从今天早上开始无法登录。" in t["description"]
    assert t["reporter"]["email"] == "wangwu@example.org" and t["reporter"]["name"] == "王五"
    assert t["opened_by"] == "mailgate"
    assert t["mail"]["origin"] == "<outlook-1@example.org>"
    message = git(desk, "log", "-1", "--format=%B")
    assert "Itsmctl-Via: mail" in message and "Itsmctl-Actor: mailgate" in message
    # E1: the acknowledgement (its own trigger) tells the sender the id, in the thread
    (ack,) = t["notifications"]
    assert ack["trigger"] == "acknowledge" and ack["recipients"] == ["reporter"]
    assert tid in ack["body"]
    assert ack["headers"]["In-Reply-To"] == "<outlook-1@example.org>"
    assert t["mail"]["message_id"] == ack["headers"]["Message-ID"]


def test_E1_html_only_foxmail_is_turned_into_text(desk: Path) -> None:
    tid = opened(desk, mb.foxmail("打印机卡纸", "三楼打印机卡纸\n<b>急</b>"))
    t = show(desk, tid)
    assert t["title"] == "打印机卡纸"
    assert "三楼打印机卡纸" in t["description"] and "<" not in t["description"]
    assert t["reporter"]["email"] == "zhaoliu@qq.com"


def test_E1_title_is_one_decoded_line_without_reply_prefixes(desk: Path) -> None:
    folded = (b"Subject: Fwd: =?utf-8?b?5Zue5aSNOiDmiqXooag=?=\n"
              b" =?utf-8?b?IOWvvOWHuuWksei0pQ==?=")          # 回复: 报表 / 导出失败
    raw = mb.gmail("X", "导出失败").replace(b"Subject: X", folded)
    assert show(desk, opened(desk, raw))["title"] == "报表 导出失败"


def test_E1_mbox_from_line_of_a_postfix_pipe_is_tolerated(desk: Path) -> None:
    raw = b"From li.si@gmail.com  Wed Nov 25 09:00:00 2026\n" + mb.gmail("VPN 连不上", "连不上")
    assert show(desk, opened(desk, raw))["title"] == "VPN 连不上"


def test_E1_B1_a_known_address_names_its_customer(desk: Path) -> None:
    (desk / "config" / "customers.yaml").write_text(
        "version: 1\ncustomers:\n  - {id: C001, name: 李四, phone: '13900000000', "
        "email: Li.Si@Gmail.com, kind: vip, department: 财务部, location: changsha}\n")
    git(desk, "add", "-A")
    git(desk, "commit", "-qm", "directory")
    t = show(desk, opened(desk, mb.gmail("报销系统打不开", "打不开")))
    assert t["reporter"]["id"] == "C001" and t["reporter"]["kind"] == "vip"
    assert t["urgency"] == "high"                 # P2: the directory's kind decides


def test_E2_reply_by_tag_adds_only_the_new_words(desk: Path) -> None:
    tid = opened(desk, mb.gmail("计费出错", "账单金额不对"))
    reply = mb.gmail(f"Re: [{tid}] 计费出错", "补充：是 11 月的账单。\n\n--\n李四\n财务部"
                     + mb.gmail_quote(tid), mid="<CAgmail-2@mail.gmail.com>")
    res = mail(desk, reply, LATER)
    assert res.code == 0 and res.json["action"] == "replied", res.err
    event = show(desk, tid, now=LATER)["history"][-1]
    assert event["action"] == "reply" and event["actor"] == "mailgate"
    assert event["note"] == "补充：是 11 月的账单。"


def test_E2_outlook_reply_found_by_in_reply_to_alone(desk: Path) -> None:
    tid = opened(desk, mb.outlook("计费出错", "账单金额不对"))
    root = show(desk, tid)["mail"]["message_id"]
    reply = mb.outlook("答复: 计费出错", "还是不行，账单仍然错误。" + mb.outlook_quote(tid),
                       mid="<outlook-2@example.org>", in_reply_to=root)
    assert mail(desk, reply, LATER).json["action"] == "replied"
    assert show(desk, tid, now=LATER)["history"][-1]["note"] == "还是不行，账单仍然错误。"


def resolve(desk: Path, tid: str) -> None:
    ok(itsm(desk, "classify", tid, "--category", "billing", "--subtype", "application",
            "--symptom", "billing-error", "--reason", "checked", "--verify"))
    ok(itsm(desk, "assign", tid, "--group", "billing-app"))
    ok(itsm(desk, "accept", tid, actor="carol"))
    ok(itsm(desk, "resolve", tid, "--solution", "rates fixed", "--causation", "data-error",
            actor="carol"))


def test_E2_reply_to_a_resolved_ticket_is_held_as_the_users_answer(desk: Path) -> None:
    tid = opened(desk, mb.gmail("计费出错", "账单金额不对"))
    resolve(desk, tid)
    res = mail(desk, mb.gmail(f"Re: [{tid}] 计费出错", "还是不对", mid="<g-3@mail>"), LATER)
    assert res.json["action"] == "answered"
    t = show(desk, tid, now=LATER)
    assert t["status"] == "resolved" and "还是不对" in t["history"][-1]["note"]


def test_E2_L9_reply_reopens_when_config_says_so(desk: Path) -> None:
    path = desk / "config" / "mail.yaml"
    path.write_text(path.read_text().replace("reply_to_resolved: hold",
                                             "reply_to_resolved: reopen"))
    git(desk, "commit", "-qam", "mail: replies reopen")
    tid = opened(desk, mb.gmail("计费出错", "账单金额不对"))
    resolve(desk, tid)
    res = mail(desk, mb.gmail(f"Re: [{tid}] 计费出错", "还是不对", mid="<g-4@mail>"), LATER)
    assert res.json["action"] == "reopened", res.err
    t = show(desk, tid, now=LATER)
    assert t["status"] == "assigned" and t["counters"]["reopens"] == 1
    assert t["group"] == "billing-app"


def test_E2_L12_reply_to_a_closed_ticket_opens_a_new_one_suggested_as_recurrence(
        desk: Path) -> None:
    tid = opened(desk, mb.gmail("计费出错", "账单金额不对"))
    resolve(desk, tid)
    ok(itsm(desk, "close", tid, "--code", "solved"))
    res = mail(desk, mb.gmail(f"Re: [{tid}] 计费出错", "又出错了" + mb.gmail_quote(tid),
                              mid="<g-5@mail>"), LATER)
    doc = res.json
    assert doc["action"] == "opened (reply to closed)" and doc["ticket"] != tid
    new = show(desk, doc["ticket"], now=LATER)
    assert new["description"] == "又出错了"
    assert "suggested as its recurrence" in new["history"][0]["note"] and tid in \
        new["history"][0]["note"]
    assert show(desk, tid, now=LATER)["status"] == "closed"


def test_E3_machine_mail_and_loops_change_nothing(desk: Path) -> None:
    tid = opened(desk, mb.gmail("计费出错", "账单金额不对"))
    before = commit_count(desk)
    ack = yaml.safe_load((desk / f"tickets/2026/11/{tid}.yaml").read_text())
    ours = ack["notifications"][0]["headers"]["Message-ID"]
    cases = [mb.auto_reply(), mb.auto_reply(header="Precedence", value="bulk"),
             mb.auto_reply(header="List-Id", value="<staff.example.org>"),
             mb.auto_reply(header="X-Loop", value="desk@example.com"), mb.bounce(),
             mb.gmail("Re: x", "x", mid=ours)]
    for raw in cases:
        res = mail(desk, raw, LATER)
        assert res.code == 0 and res.json["action"] == "ignored", (res.err, res.out)
    # the null envelope sender Postfix passes for bounces
    res = mail(desk, mb.gmail("hi", "hi", mid="<n@x>"), LATER, env={"SENDER": ""})
    assert res.json["action"] == "ignored"
    assert commit_count(desk) == before


def test_E3_the_same_message_id_twice_changes_nothing(desk: Path) -> None:
    raw = mb.gmail("计费出错", "账单金额不对")
    tid = opened(desk, raw)
    before = commit_count(desk)
    res = mail(desk, raw, LATER)
    assert res.code == 0 and res.json["action"] == "duplicate" and res.json["ticket"] == tid
    reply = mb.gmail(f"Re: [{tid}] x", "more", mid="<g-r@mail>")
    assert mail(desk, reply, LATER).json["action"] == "replied"
    assert mail(desk, reply, LATER).json["action"] == "duplicate"
    assert commit_count(desk) == before + 1


def test_E3_unreadable_mail_exits_4_and_is_quarantined_with_its_reason(desk: Path) -> None:
    before = commit_count(desk)
    res = itsm(desk, "hook", "mail", actor=None, input="this is not mail at all\n")
    assert res.code == 4 and "[E3]" in res.err and "quarantine" in res.err
    folder = desk / ".git" / "itsmctl" / "quarantine"
    (kept,) = folder.glob("*.eml")
    assert kept.read_bytes() == b"this is not mail at all\n"
    assert "no header" in kept.with_suffix(".reason").read_text()
    assert commit_count(desk) == before and git(desk, "status", "--porcelain") == ""


def test_E3_size_limit_from_config(desk: Path) -> None:
    path = desk / "config" / "mail.yaml"
    path.write_text(path.read_text().replace("max_message_size: 25MB",
                                             "max_message_size: 2k"))
    git(desk, "commit", "-qam", "mail: small limit")
    res = itsm(desk, "hook", "mail", actor=None,
               input=mb.gmail("big", "x" * 5000))  # type: ignore[arg-type]
    assert res.code == 4 and "over the limit" in res.err
    assert list((desk / ".git/itsmctl/quarantine").glob("*.eml"))


def test_E4_attachments_are_kept_listed_and_validated(desk: Path) -> None:
    png = bytes(range(256)) * 4
    raw = mb.outlook("截图", "见附件", attachments=(("报错截图.png", png),
                                                    ("../../etc/passwd", b"x")))
    tid = opened(desk, raw)
    t = show(desk, tid)
    names = [a["name"] for a in t["attachments"]]
    assert names == ["报错截图.png", "passwd"]
    kept = desk / "attachments" / tid / "报错截图.png"
    assert kept.read_bytes() == png
    assert t["attachments"][0]["size"] == len(png) and len(t["attachments"][0]["sha256"]) == 64
    assert git(desk, "status", "--porcelain") == ""
    human = ok(itsm(desk, "show", tid)).out
    assert f"attachments/{tid}/报错截图.png" in human
    ok(itsm(desk, "validate"))
    kept.write_bytes(b"changed")
    res = itsm(desk, "validate")
    assert res.code == 4 and "does not match" in res.out + res.err


def test_E4_an_attachment_over_the_limit_is_refused_and_the_sender_told(desk: Path) -> None:
    path = desk / "config" / "mail.yaml"
    path.write_text(path.read_text().replace("max_attachment_size: 10MB",
                                             "max_attachment_size: 1k"))
    git(desk, "commit", "-qam", "mail: small attachments")
    raw = mb.gmail("日志", "见附件", attachments=(("big.log", b"y" * 5000),
                                                ("small.txt", b"ok")))
    res = mail(desk, raw)
    assert res.json["refused"] and "big.log" in res.json["refused"][0]
    t = show(desk, res.json["ticket"])
    assert [a["name"] for a in t["attachments"]] == ["small.txt"]
    ack = t["notifications"][0]
    assert "big.log" in ack["body"]                     # the sender is told
    assert not (desk / "attachments" / t["id"] / "big.log").exists()


def test_E4_attach_from_the_shell(desk: Path, tmp_path: Path) -> None:
    tid = opened(desk, mb.gmail("计费出错", "账单金额不对"))
    f = tmp_path / "report.csv"
    f.write_text("a,b\n1,2\n")
    res = ok(itsm(desk, "attach", tid, str(f)))
    assert "attached report.csv" in res.out
    assert show(desk, tid)["attachments"][-1]["name"] == "report.csv"
    assert show(desk, tid)["history"][-1]["action"] == "attach"
    big = tmp_path / "big.bin"
    big.write_bytes(b"z" * (11 << 20))
    res = itsm(desk, "attach", tid, str(big))
    assert res.code == 1 and "[E4]" in res.err


def test_B2_verify_then_dispatch_and_qa_reports_dispatched_unverified(desk: Path) -> None:
    a = opened(desk, mb.gmail("计费出错", "账单金额不对", mid="<a@x>"))
    b = opened(desk, mb.gmail("计费又出错", "账单金额不对", mid="<b@x>"))
    resolve(desk, a)                                   # verified by classify --verify
    ok(itsm(desk, "classify", b, "--category", "billing", "--subtype", "application",
            "--symptom", "billing-error", "--reason", "classified"))
    assert show(desk, b)["verified"] is False
    ok(itsm(desk, "assign", b, "--group", "billing-app"))
    assert show(desk, b)["verified"] is True          # a dispatch marks it checked
    res = itsm(desk, "qa")
    assert res.code == 1 and f"{b}: verification" in res.out and f"{a}: verification" \
        not in res.out


def test_intake_account_may_only_take_in_what_users_submit(desk: Path) -> None:
    res = itsm(desk, "open", "--title", "x", "--reporter-name", "王五", "--reporter-phone",
               "1", actor="mailgate")
    assert res.code == 1 and "[B2]" in res.err


def test_E1_hook_mail_runs_as_a_process_reading_bytes(desk: Path) -> None:
    import os
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("ITSMCTL_")}
    proc = subprocess.run([sys.executable, "-m", "itsmctl", "--repo", str(desk), "--now", NOW,
                           "hook", "mail"], input=mb.outlook("网络中断", "三楼网络中断"),
                          capture_output=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode().startswith("opened INC-")


def test_G6_audit_and_validate_accept_what_the_gateway_did(desk: Path, tmp_path: Path) -> None:
    import json

    path = desk / "config" / "mail.yaml"
    path.write_text(path.read_text().replace("reply_to_resolved: hold",
                                             "reply_to_resolved: reopen"))
    git(desk, "commit", "-qam", "mail: replies reopen")
    tid = opened(desk, mb.gmail("计费出错", "账单金额不对", attachments=(("a.txt", b"a"),)))
    resolve(desk, tid)
    mail(desk, mb.gmail(f"Re: [{tid}] x", "还是不对", mid="<g-9@x>",
                        attachments=(("b.txt", b"b"),)), LATER)
    f = tmp_path / "c.txt"
    f.write_text("c")
    ok(itsm(desk, "attach", tid, str(f), now=LATER))
    directory = tmp_path / "people.csv"
    directory.write_text("id,name,email\nC1,李四,li.si@gmail.com\n")
    ok(itsm(desk, "customers", "import", str(directory), now=LATER))
    ok(itsm(desk, "audit", now=LATER))
    ok(itsm(desk, "validate", now=LATER))
    t = show(desk, tid, now=LATER)
    assert [a["name"] for a in t["attachments"]] == ["a.txt", "b.txt", "c.txt"]
    # every notice records the headers it was sent with, in the file outbox too
    ack = t["notifications"][0]
    out = json.loads((desk / ".git/itsmctl/outbox" / f"{ack['id']}.json").read_text())
    assert out["headers"]["Message-ID"] == ack["headers"]["Message-ID"]
    assert out["headers"]["Date"] and out["facts"]["status"] == "new"
