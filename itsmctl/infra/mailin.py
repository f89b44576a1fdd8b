"""One RFC 5322 message as bytes -> core.mailin.Mail: headers decoded, the text part found
(HTML turned to text), attachments taken out, the reply's new words separated (E1-E3).

Mail as clients really send it: the mbox `From ` line a Postfix pipe puts first,
RFC 2047 subjects, GB2312/GBK labels on GB18030 bytes (Outlook, Foxmail), wrong or
missing charsets, HTML-only messages, nested multiparts, forwarded messages. Anything
that cannot be made sense of raises Unreadable with the reason (the gateway keeps the
message in quarantine, E3).

Libraries, chosen by measurement (see the commit that added them):
- HTML -> text: inscriptis (Apache-2.0, maintained): keeps lists, tables and paragraphs,
  and does not put spaces into Chinese around inline tags as html-text does.
- Quoted history and signatures: mail-parser-reply (MIT, maintained, no dependencies)
  knows Outlook's, Gmail's and Foxmail's reply headers in Chinese and English; what it
  misses (Gmail's Chinese `在 … 写道：`, `-- ` signatures, trailing `>` quotes) is cut
  after it by `_tidy`.
"""

from __future__ import annotations

import hashlib
import re
import textwrap
from email import message_from_bytes
from email.message import Message
from email.policy import default as default_policy
from email.utils import getaddresses, parseaddr
from typing import Any, Optional

from itsmctl.core.mailin import TEXT_LIMIT, Mail, Part, clip, machine_mail

MAX_DEPTH = 20              # multipart nesting followed; deeper parts are not read
MAX_PARTS = 500
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029\u202a-\u202e]")
# labels mail clients put on bytes of a wider charset: read them as the superset
_WIDER = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030",
          "euc-cn": "gb18030", "ks_c_5601-1987": "cp949", "euc-kr": "cp949",
          "big5": "big5hkscs", "shift_jis": "cp932", "iso-8859-1": "cp1252",
          "us-ascii": "utf-8", "ascii": "utf-8", "unicode-1-1-utf-7": "utf-7"}
_WROTE = re.compile(r"^\s*(?:>\s*)?(?:在.{0,120}写道[：:]|On .{0,200}wrote:|"
                    r"于\s*\d{4}.{0,80}写道[：:])\s*$", re.M)
_SEPARATOR = re.compile(r"^\s*(?:-{3,}.*-{3,}|_{10,}|-{5,}\s*Original Message\s*-{5,}|"
                        r"-+\s*原始邮件\s*-+|-+\s*Forwarded message\s*-+)\s*$", re.I)
_SIGNATURE = re.compile(r"^-- ?$")


class Unreadable(Exception):
    """The message cannot be read as mail; the reason goes with it to quarantine."""


def strip_envelope(raw: bytes) -> tuple[bytes, Optional[str]]:
    """The message without the mbox `From sender date` line, and that sender."""
    if raw.startswith(b"From "):
        line, _, rest = raw.partition(b"\n")
        parts = line.split()
        sender = parts[1].decode("utf-8", "replace") if len(parts) > 1 else None
        if sender == "MAILER-DAEMON":
            sender = ""
        return rest, sender
    return raw, None


def parse(raw: bytes, envelope: Optional[str] = None,
          languages: tuple[str, ...] = ("zh", "en")) -> Mail:
    """Read one message; Unreadable when it is not mail one can act on."""
    body, mbox_sender = strip_envelope(raw)
    if not body.strip():
        raise Unreadable("empty message")
    head = body[:body.find(b"\n\n") if b"\n\n" in body else len(body)]
    if not re.match(rb"^[\x21-\x39\x3b-\x7e]+:", head.lstrip(b"\r\n")):
        raise Unreadable("no header at the top: not an RFC 5322 message")
    try:
        msg = message_from_bytes(body, policy=default_policy)
        return _read(msg, envelope if envelope is not None else mbox_sender, languages, body)
    except Unreadable:
        raise
    except RecursionError:
        raise Unreadable("multiparts nested too deep to read") from None
    except Exception as exc:  # noqa: BLE001 - any failure of the email package on bad input
        raise Unreadable(f"{type(exc).__name__}: {exc}".splitlines()[0][:300]) from None


def _header(msg: Message, name: str) -> str:
    """A header decoded to one line. RFC 2047 words are decoded here, not by the email
    package, so GBK bytes labelled gb2312 (Outlook, Foxmail) read as GB18030 and a wrong
    label never loses the header."""
    raw = None
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            raw = value
            break
    if raw is None:
        return ""
    return _CONTROL.sub(" ", " ".join(decode_words(str(raw)).split()))


def decode_words(raw: str) -> str:
    """RFC 2047 encoded words (and raw 8-bit bytes) to text, never an exception."""
    from email.header import decode_header

    raw = re.sub(r"\r?\n[ \t]", " ", raw)
    if any("\udc80" <= c <= "\udcff" for c in raw):         # 8-bit bytes in the header
        return _decode_bytes(raw.encode("utf-8", "surrogateescape"), None)
    try:
        chunks = decode_header(raw)
    except Exception:  # noqa: BLE001 - a malformed encoded word: keep the text as it is
        return raw
    out = []
    for chunk, charset in chunks:
        out.append(chunk if isinstance(chunk, str) else _decode_bytes(chunk, charset))
    return "".join(out)


def _decode_bytes(data: bytes, declared: Optional[str]) -> str:
    label = (declared or "").lower()
    tried = [_WIDER.get(label, label)] if label else []
    for codec in [*tried, "utf-8", "gb18030"]:
        try:
            return data.decode(codec)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("latin-1")


def _all(msg: Message, name: str) -> list[str]:
    try:
        values = [v for k, v in msg.raw_items() if k.lower() == name.lower()]
    except Exception:  # noqa: BLE001
        values = []
    return [_CONTROL.sub(" ", " ".join(decode_words(str(v)).split())) for v in values]


def _ids(text: str) -> list[str]:
    return re.findall(r"<[^<>\s]+>", text)


def _read(msg: Message, envelope: Optional[str], languages: tuple[str, ...],
          body: bytes) -> Mail:
    if not msg.keys():
        raise Unreadable("no headers")
    name, sender = parseaddr(_header(msg, "From") or _header(msg, "Sender"))
    sender = sender.strip().lower()
    if "@" not in sender:
        sender = ""
    if envelope is None:
        path = _header(msg, "Return-Path")
        if path.replace(" ", "") == "<>":
            envelope = ""
    headers: dict[str, list[str]] = {}
    for key, value in msg.raw_items():
        headers.setdefault(key.lower(), []).append(" ".join(str(value).split())[:500])
    auto = machine_mail(headers, msg.get_content_type())
    if not sender and not auto and envelope != "":
        raise Unreadable("no sender address in From")
    found = _Walk()
    found.walk(msg, 0)
    text = _tidy_text(found.text())
    found_ids = _ids(_header(msg, "Message-ID"))
    mid = found_ids[0] if found_ids else None
    if mid is None:
        # a stable stand-in, so a redelivery is still recognised (E3)
        digest = hashlib.sha256(b"\0".join(
            [_header(msg, k).encode() for k in ("From", "Date", "Subject", "To")]
            + [text.encode()])).hexdigest()[:32]
        mid = f"<{digest}@no-message-id.invalid>"
    refs = _ids(_header(msg, "In-Reply-To")) + _ids(_header(msg, "References"))[::-1]
    rcpts = [a.lower() for _, a in getaddresses(
        _all(msg, "To") + _all(msg, "Cc") + _all(msg, "Delivered-To")
        + _all(msg, "X-Original-To")) if a]
    return Mail(message_id=mid, sender=sender or None, sender_name=clip(name.strip(), 100)
                or None, envelope=envelope, subject=_header(msg, "Subject"), text=text,
                new_words=new_words(text, languages), refs=list(dict.fromkeys(refs)),
                recipients=rcpts, auto=auto, loop=_all(msg, "X-Loop"),
                ours=bool(msg.get("X-Itsmctl-Notification")), attachments=found.parts)


class _Walk:
    """The body's text (first text/plain, else the first HTML turned to text) and the
    attachments, depth-first, never deeper than MAX_DEPTH."""

    def __init__(self) -> None:
        self.plain: Optional[str] = None
        self.html: Optional[str] = None
        self.parts: list[Part] = []
        self.count = 0

    def walk(self, part: Message, depth: int) -> None:
        self.count += 1
        if depth > MAX_DEPTH or self.count > MAX_PARTS:
            return
        ctype = part.get_content_type()
        if part.is_multipart():
            payload = part.get_payload()
            if ctype == "message/rfc822" or not isinstance(payload, list):
                inner = payload[0] if isinstance(payload, list) and payload else part
                self._attach(part, _filename(part) or "forwarded.eml",
                             inner.as_bytes() if isinstance(inner, Message) else b"")
                return
            for sub in payload:
                if isinstance(sub, Message):
                    self.walk(sub, depth + 1)
            return
        disposition = (part.get_content_disposition() or "").lower()
        filename = _filename(part)
        if disposition == "attachment" or (filename and ctype not in ("text/plain",
                                                                      "text/html")):
            data = part.get_payload(decode=True)
            self._attach(part, filename or f"attachment-{len(self.parts) + 1}",
                         data if isinstance(data, bytes) else b"")
            return
        if ctype == "text/plain" and self.plain is None:
            self.plain = decode_text(part)
        elif ctype == "text/html" and self.html is None:
            self.html = decode_text(part)
        elif ctype.startswith(("image/", "application/", "audio/", "video/")):
            data = part.get_payload(decode=True)
            self._attach(part, filename or f"attachment-{len(self.parts) + 1}",
                         data if isinstance(data, bytes) else b"")

    def _attach(self, part: Message, name: str, data: bytes) -> None:
        self.parts.append(Part(name=name, data=data))

    def text(self) -> str:
        if self.plain is not None and self.plain.strip():
            return self.plain
        if self.html is not None:
            return html_to_text(self.html)
        return self.plain or ""


def _filename(part: Message) -> Optional[str]:
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001 - a malformed RFC 2231 parameter
        name = None
    return str(name) if name else None


def decode_text(part: Message) -> str:
    """A text part's characters: its charset (read as the wider one clients mean), else
    UTF-8, else GB18030, else Latin-1 - never an exception."""
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        payload = part.get_payload()
        return payload if isinstance(payload, str) else ""
    return _decode_bytes(data, part.get_content_charset())


def html_to_text(html: str) -> str:
    """HTML as a reader sees it: paragraphs, lists and tables kept (inscriptis)."""
    from inscriptis import get_text

    try:
        text = get_text(html)
    except Exception:  # noqa: BLE001 - lxml on broken markup: keep the tag-stripped text
        text = re.sub(r"<[^>]*>", " ", html)
    return textwrap.dedent("\n".join(line.rstrip() for line in text.splitlines()))


def _tidy_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(_CONTROL.sub("", line).rstrip() for line in text.split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", text).strip("\n")
    return clip(text, TEXT_LIMIT)


def new_words(text: str, languages: tuple[str, ...] = ("zh", "en")) -> str:
    """E2: the reply without the quoted history and the signature."""
    from mailparser_reply import EmailReplyParser

    try:
        words = EmailReplyParser(languages=list(languages)).parse_reply(text) or ""
    except Exception:  # noqa: BLE001 - the parser's regexes on odd input: keep our own cut
        words = text
    return _tidy(words)


def _tidy(text: str) -> str:
    lines = text.replace("\r\n", "\n").split("\n")
    cut = len(lines)
    for i, line in enumerate(lines):
        if _WROTE.match(line) or _SIGNATURE.match(line) or _SEPARATOR.match(line):
            cut = i
            break
        if line.startswith(">") and all(not x.strip() or x.startswith(">")
                                        for x in lines[i:]):
            cut = i
            break
    return "\n".join(lines[:cut]).strip()


def sniff(raw: bytes) -> dict[str, Any]:
    """For messages: the sender and subject of a message that may not parse at all."""
    out: dict[str, Any] = {}
    for key in (b"from", b"subject", b"message-id"):
        m = re.search(rb"(?im)^" + key + rb":[ \t]*(.{0,200})$", raw[:65536])
        if m:
            out[key.decode()] = m.group(1).decode("utf-8", "replace").strip()
    return out
