"""Fuzzed mail at the gateway (E3): truncated MIME, wrong charsets, 10,000-line headers,
nested multiparts, flipped bytes. Whatever arrives: no traceback, nothing half-written,
and the message is either taken in (or knowingly ignored) or kept in quarantine."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from itsmctl.app.mail import receive
from itsmctl.errors import InvalidFile
from tests import mailbuild as mb
from tests.app.helpers import session

BASES = [
    mb.outlook("计费出错", "账单金额不对\n王五", attachments=(("截图.png", bytes(500)),)),
    mb.foxmail("打印机卡纸", "三楼打印机卡纸"),
    mb.gmail("Re: [INC-2611-AAAAA] x", "补充" + mb.gmail_quote("INC-2611-AAAAA"),
             attachments=(("a.txt", b"hello"),)),
    mb.bounce(),
]
CHARSETS = [b"utf-8", b"gb2312", b"GBK", b"x-unknown-charset", b"utf-16", b"iso-2022-jp", b""]


def many_headers(raw: bytes, n: int = 10000) -> bytes:
    return b"".join(b"X-Filler-%d: %s\n" % (i, b"x" * 20) for i in range(n)) + raw


def nested(depth: int) -> bytes:
    head = b"From: a@example.org\nSubject: deep\nMessage-ID: <deep-%d@x>\n" % depth
    body = b"text at the bottom\n"
    for i in range(depth):
        boundary = b"b%d" % i
        body = (b"Content-Type: multipart/mixed; boundary=\"" + boundary + b"\"\n\n--"
                + boundary + b"\n" + body + b"\n--" + boundary + b"--\n")
    return head + body


def mutate(raw: bytes, how: str, at: int, charset: bytes) -> bytes:
    cut = at % max(1, len(raw))
    if how == "truncate":
        return raw[:cut]
    if how == "charset":
        return raw.replace(b"utf-8", charset).replace(b"gb2312", charset).replace(
            b"GBK", charset)
    if how == "flip":
        return raw[:cut] + bytes([raw[cut] ^ 0xFF]) + raw[cut + 1:] if raw else raw
    if how == "no-separator":
        return raw.replace(b"\n\n", b"\n", 1)
    if how == "boundary":
        return raw.replace(b"boundary=", b"boundary=broken", 1)
    return raw


def clean(desk: Path) -> bool:
    return subprocess.run(["git", "status", "--porcelain"], cwd=desk, capture_output=True,
                          text=True, check=True).stdout == ""


def check_one(desk: Path, raw: bytes) -> str:
    folder = desk / ".git" / "itsmctl" / "quarantine"
    before = set(folder.glob("*.eml")) if folder.exists() else set()
    try:
        out: Any = receive(session(desk, actor="mailgate"), raw)
        result = out.action
    except InvalidFile as exc:
        assert exc.rule == "E3" and "quarantine" in exc.message
        kept = set(folder.glob("*.eml")) - before
        assert any(k.read_bytes() == raw for k in kept) or any(
            k.read_bytes() == raw for k in folder.glob("*.eml"))
        result = "quarantined"
    assert clean(desk), "a file was left half-written"
    return result


def test_E3_ten_thousand_header_lines(desk: Path) -> None:
    assert check_one(desk, many_headers(BASES[1])) in ("opened", "quarantined")


def test_E3_multiparts_nested_past_any_sense(desk: Path) -> None:
    for depth in (3, 30, 300):
        assert check_one(desk, nested(depth)) in ("opened", "quarantined", "duplicate")


def test_E3_wrong_and_unknown_charsets_still_open_the_ticket(desk: Path) -> None:
    for charset in CHARSETS:
        raw = mutate(BASES[0], "charset", 0, charset).replace(
            b"<outlook-1@example.org>", b"<cs-" + charset + b"@x>")
        assert check_one(desk, raw) == "opened"


@pytest.mark.slow
@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(base=st.sampled_from(range(len(BASES))),
       how=st.sampled_from(["truncate", "charset", "flip", "no-separator", "boundary", "as-is"]),
       at=st.integers(min_value=0, max_value=1 << 16),
       charset=st.sampled_from(CHARSETS), headers=st.booleans())
@example(base=0, how="truncate", at=40, charset=b"", headers=False)
@example(base=2, how="flip", at=0, charset=b"", headers=True)
def test_E3_fuzzed_mail_is_taken_in_or_quarantined_never_a_traceback(
        tmp_path_factory: pytest.TempPathFactory, base: int, how: str, at: int,
        charset: bytes, headers: bool) -> None:
    desk = _desk(tmp_path_factory)
    raw = mutate(BASES[base], how, at, charset)
    if headers:
        raw = many_headers(raw, 2000)
    assert check_one(desk, raw) in ("opened", "opened (reply to closed)", "replied",
                                    "ignored", "duplicate", "quarantined")


_DESKS: dict[str, Path] = {}


def _desk(factory: pytest.TempPathFactory) -> Path:
    if "fuzz" not in _DESKS:
        from tests.helpers import make_desk

        _DESKS["fuzz"] = make_desk(factory.mktemp("fuzz") / "desk")
    return _DESKS["fuzz"]
