"""Messages built the way real mail clients build them, for the mail gateway's tests.

Outlook and Foxmail on Chinese Windows label GBK bytes `gb2312`/`GBK` and encode the
subject in RFC 2047 with that charset; Gmail sends UTF-8 multipart/alternative and
quotes with `在 … 写道：`; Outlook's replies put a `发件人:` block under a line of
underscores; Foxmail's a `------------------ 原始邮件 ------------------` line.
"""

from __future__ import annotations

import base64
from email.message import EmailMessage
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from typing import Optional

DESK = "desk@localhost"
DATE = "Wed, 25 Nov 2026 09:00:00 +0800"


def _gbk_text(text: str, subtype: str, label: str) -> MIMEBase:
    """GBK (GB18030) bytes under the label the client puts on them, base64."""
    part = MIMEBase("text", subtype, charset=label)
    part.set_payload(base64.encodebytes(text.encode("gb18030")).decode())
    part["Content-Transfer-Encoding"] = "base64"
    return part


def encoded_word(text: str, label: str) -> str:
    """RFC 2047 as these clients write it: GBK bytes under the `gb2312` or `GBK` label."""
    return f"=?{label}?B?{base64.b64encode(text.encode('gb18030')).decode()}?="


def outlook(subject: str, body: str, sender: str = "wangwu@example.org",
            name: str = "王五", mid: str = "<outlook-1@example.org>",
            in_reply_to: Optional[str] = None, attachments: tuple[tuple[str, bytes], ...] = (),
            to: str = DESK) -> bytes:
    """Outlook 2016 zh-CN: GBK bytes labelled gb2312, multipart/alternative (+ mixed)."""
    alt = MIMEMultipart("alternative")
    alt.attach(_gbk_text(body, "plain", "gb2312"))
    html = "".join(f"<p class=MsoNormal>{line or '&nbsp;'}<o:p></o:p></p>"
                   for line in body.splitlines())
    alt.attach(_gbk_text(f"<html><body lang=ZH-CN>{html}</body></html>", "html", "gb2312"))
    msg: MIMEMultipart = alt
    if attachments:
        msg = MIMEMultipart("mixed")
        msg.attach(alt)
        for fname, data in attachments:
            part = MIMEApplication(data, "octet-stream")
            part.add_header("Content-Disposition", "attachment",
                            filename=("gb18030", "", fname))
            msg.attach(part)
    msg["From"] = f"{encoded_word(name, 'gb2312')} <{sender}>"
    msg["To"] = to
    msg["Subject"] = encoded_word(subject, "gb2312")
    msg["Date"] = DATE
    msg["Message-ID"] = mid
    msg["X-Mailer"] = "Microsoft Outlook 16.0"
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    return msg.as_bytes()


def foxmail(subject: str, body: str, sender: str = "zhaoliu@qq.com", name: str = "赵六",
            mid: str = "<tencent_1@qq.com>") -> bytes:
    """Foxmail 7: GBK, base64, HTML-only (no text/plain part)."""
    html = "<html><body><div>" + "<br>".join(body.splitlines()) + "</div></body></html>"
    msg = MIMEMultipart("alternative")
    msg.attach(_gbk_text(html, "html", "GBK"))
    msg["From"] = f'"{encoded_word(name, "GBK")}" <{sender}>'
    msg["To"] = f'"desk" <{DESK}>'
    msg["Subject"] = encoded_word(subject, "GBK")
    msg["Message-ID"] = mid
    msg["X-Mailer"] = "Foxmail 7.2.25.228[cn]"
    msg["Date"] = DATE
    return msg.as_bytes()


def gmail(subject: str, body: str, sender: str = "li.si@gmail.com", name: str = "李四",
          mid: str = "<CAgmail-1@mail.gmail.com>", in_reply_to: Optional[str] = None,
          references: Optional[str] = None,
          attachments: tuple[tuple[str, bytes], ...] = ()) -> bytes:
    """Gmail: UTF-8 multipart/alternative; attachments make it multipart/mixed."""
    msg = EmailMessage()
    msg["From"] = f"{name} <{sender}>"
    msg["To"] = DESK
    msg["Subject"] = subject
    msg["Date"] = DATE
    msg["Message-ID"] = mid
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = references or in_reply_to
    msg.set_content(body)
    html = "<div dir=\"ltr\">" + "<br>".join(body.splitlines()) + "</div>"
    msg.add_alternative(html, subtype="html")
    for fname, data in attachments:
        msg.add_attachment(data, maintype="application", subtype="octet-stream",
                           filename=fname)
    return msg.as_bytes()


def gmail_quote(tid: str) -> str:
    return ("\n\n在 2026年11月25日周三 09:05，服务台 <desk@localhost> 写道：\n"
            f"> 您的来信已受理，事件单号 {tid}。\n> 事件 Incident: {tid}\n")


def outlook_quote(tid: str) -> str:
    return ("\n\n________________________________\n发件人: 服务台 <desk@localhost>\n"
            "发送时间: 2026年11月25日 9:05\n收件人: 王五 <wangwu@example.org>\n"
            f"主题: [{tid}] 计费出错\n\n您的来信已受理，事件单号 {tid}。\n")


def auto_reply(subject: str = "自动回复: 计费出错", header: str = "Auto-Submitted",
               value: str = "auto-replied") -> bytes:
    msg = EmailMessage()
    msg["From"] = "王五 <wangwu@example.org>"
    msg["To"] = DESK
    msg["Subject"] = subject
    msg["Message-ID"] = "<oof-1@example.org>"
    msg[header] = value
    msg.set_content("我正在休假，12月1日回来。I am out of the office.")
    return msg.as_bytes()


def bounce() -> bytes:
    """A delivery status notification as Postfix sends it (null envelope sender)."""
    msg = MIMEMultipart("report", report_type="delivery-status")
    msg["From"] = "MAILER-DAEMON@example.org (Mail Delivery System)"
    msg["To"] = DESK
    msg["Subject"] = "Undelivered Mail Returned to Sender"
    msg["Message-ID"] = "<bounce-1@example.org>"
    msg.attach(MIMEText("I'm sorry to have to inform you that your message could not be "
                        "delivered."))
    return msg.as_bytes()
