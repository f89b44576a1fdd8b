"""U1: the web pages speak Chinese or English; every word of the templates is translated."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "itsmctl" / "locale" / "zh_CN" / "LC_MESSAGES" / "web.po"
TEMPLATES = ROOT / "itsmctl" / "ui" / "web" / "templates"


def catalog() -> dict[str, str]:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from compile_catalogs import parse_po
    finally:
        sys.path.pop(0)
    return parse_po(PO.read_text(encoding="utf-8"))


def test_U1_every_word_of_the_pages_has_a_chinese_translation():
    pytest.importorskip("jinja2", reason="the web extra is not installed")
    from itsmctl.ui.web.reporter import EVENT_WORDS, UNAVAILABLE
    from itsmctl.ui.web.words import WORDS

    entries = catalog()
    used = set(WORDS.values()) | set(EVENT_WORDS.values()) | {UNAVAILABLE}
    for page in TEMPLATES.glob("*.html"):
        used |= {m.replace('\\"', '"') for m in re.findall(r'_\("((?:[^"\\]|\\.)*)"\)',
                                                              page.read_text())}
    missing = sorted(w for w in used if not entries.get(w))
    assert not missing, f"no zh_CN translation in {PO}: {missing}"


@pytest.mark.parametrize("header, override, wanted", [
    ("zh-CN,zh;q=0.9,en;q=0.8", None, "zh_CN"), ("en-US,en;q=0.9,zh-CN;q=0.8", None, "en"),
    ("fr-FR, zh-TW;q=0.5", None, "zh_CN"), ("en;q=0.1, zh;q=0.5", None, "zh_CN"),
    ("", None, "en"), (None, None, "en"), ("de", None, "en"), ("zh", "en", "en"),
    ("en", "zh", "zh_CN"), ("zh;q=x", None, "zh_CN")])
def test_U1_the_language_by_accept_language(header, override, wanted):
    pytest.importorskip("jinja2", reason="the web extra is not installed")
    from itsmctl.ui.web.words import pick

    assert pick(header, override) == wanted
