"""Reading mail as clients send it (E1-E3): infra/mailin.py and core/mailin.py."""

from __future__ import annotations

from itsmctl.core.mailin import machine_mail, title_of
from itsmctl.infra.mailin import html_to_text, new_words, parse, strip_envelope
from tests import mailbuild as mb

TID = "INC-2611-7KQ3X"


def test_E1_gbk_labelled_gb2312_reads_as_gb18030() -> None:
    mail = parse(mb.outlook("朱镕基路营业厅网络中断", "镕"))
    assert mail.subject == "朱镕基路营业厅网络中断" and mail.sender_name == "王五"
    assert mail.text == "镕"


def test_E1_mbox_envelope_line() -> None:
    body, sender = strip_envelope(b"From MAILER-DAEMON  Wed Nov 25 09:00:00 2026\nSubject: x\n")
    assert sender == "" and body == b"Subject: x\n"
    assert parse(b"From a@b.c  Wed\n" + mb.gmail("x", "y")).envelope == "a@b.c"


def test_E1_html_keeps_chinese_runs_and_lists() -> None:
    text = html_to_text("<p>计费<b>无法</b>登录</p><ul><li>账号</li><li>时间</li></ul>")
    assert "计费无法登录" in text and "* 账号" in text


def test_E2_new_words_of_gmail_outlook_foxmail_and_signatures() -> None:
    assert new_words("好了，谢谢。" + mb.gmail_quote(TID)) == "好了，谢谢。"
    assert new_words("还是不行。" + mb.outlook_quote(TID)) == "还是不行。"
    fox = ("收到\n\n------------------ 原始邮件 ------------------\n发件人: \"服务台\"<d@x>;\n"
           "发送时间: 2026年11月25日(星期三) 上午9:05\n主题: [INC]\n\n事件\n")
    assert new_words(fox) == "收到"
    assert new_words("Still broken.\n\nOn Wed, Nov 25, 2026 at 9:05 AM Desk <d@x> wrote:\n"
                     "> old\n") == "Still broken."
    assert new_words("It works now.\n\n-- \nWang Wu\nSales\n") == "It works now."
    assert new_words("first\n> quoted\n> more\n") == "first"


def test_E1_title_drops_reply_prefixes() -> None:
    prefixes = ["re", "fw", "fwd", "回复", "答复", "转发"]
    assert title_of("RE: 回复：  转发: 计费出错", prefixes) == "计费出错"
    assert title_of("  ", prefixes) == "(无主题 no subject)"
    assert title_of("Re[2]: x", prefixes) == "x"


def test_E3_machine_mail_headers() -> None:
    assert machine_mail({"auto-submitted": ["auto-replied"]}, "text/plain")
    assert machine_mail({"auto-submitted": ["no"]}, "text/plain") is None
    assert machine_mail({"precedence": ["junk"]}, "text/plain")
    assert machine_mail({"list-unsubscribe": ["<mailto:x>"]}, "text/plain")
    assert machine_mail({}, "multipart/report")
    assert machine_mail({}, "text/plain") is None


def test_E3_no_message_id_gets_a_stable_stand_in() -> None:
    raw = b"From: a@example.org\nSubject: x\n\nbody\n"
    assert parse(raw).message_id == parse(raw).message_id
    assert parse(raw).message_id.endswith("@no-message-id.invalid>")
