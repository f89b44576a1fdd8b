"""ui/words.py counts columns as wcwidth does, without importing it for common text
(W8: `log` and `show` wrap to the terminal; issue 13: ~14 ms of `show` was that import)."""

from __future__ import annotations

import subprocess
import sys

from wcwidth import wcswidth, wcwidth

from itsmctl.ui import words

SAMPLES = ["", "plain ascii", "计费系统无法登录", "账单 wrong amount，请尽快处理。",
           "ｆｕｌｌ　ｗｉｄｔｈ", "café", "e\u0301", "zero\u200bwidth", "emoji 🎉 party",
           "tab\there", "bell\x07", "混合\x07控制", "한국어 텍스트", "ﾊﾝｶｸ", "\x1b[1mbold\x1b[0m"]


def test_W8_columns_are_counted_as_wcwidth_counts_them():
    for text in SAMPLES:
        if "\x1b" in text:
            continue                    # colour codes take no columns (output.width)
        n = wcswidth(text)
        assert words.cols(text) == (n if n >= 0 else len(text)), text


def test_W8_wide_characters_are_those_wcwidth_calls_wide():
    for code in list(range(0x20, 0x3400)) + list(range(0x4e00, 0x4f00)) + \
            list(range(0xac00, 0xac80)) + list(range(0xfe00, 0x10000)) + \
            list(range(0x1f300, 0x1f700)):
        ch = chr(code)
        if 0xd800 <= code < 0xe000:
            continue
        assert words._wide(ch) == (wcwidth(ch) == 2), hex(code)


def test_W8_wrapping_chinese_breaks_between_wide_characters():
    lines = words.wrap("计费系统无法登录，用户反映账单金额错误", 14, indent="")
    assert all(words.cols(line) <= 14 for line in lines) and len(lines) > 1
    assert "".join(lines) == "计费系统无法登录，用户反映账单金额错误"


def test_words_module_does_not_import_wcwidth():
    code = ("import sys; import itsmctl.ui.words as w; w.wrap('计费 系统', 4); "
            "print('wcwidth' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"


def test_W8_columns_known_without_wcwidth_are_wcwidths():
    """Every character output.width counts itself (show's own → and –, Latin, Greek,
    Cyrillic, general punctuation, arrows, box drawing; CJK) has wcwidth's columns,
    alone and in strings; any other goes to wcwidth."""
    from itsmctl.ui import output

    known = [chr(c) for c in range(0x20, 0x10000)
             if not 0xd800 <= c < 0xe000 and output._only(output._COMMON, chr(c))]
    assert len(known) > 25000 and "→" in known and "–" in known, output._COMMON
    for ch in known:
        assert output.width(ch) == wcwidth(ch), hex(ord(ch))
    for text in ("状态: new → assigned", "group: billing-app (计费应用组) → dba",
                 "– “quoted” — …", "Ελληνικά кириллица café", "├── ①②③ ℃"):
        assert output.width(text) == wcswidth(text), text


def test_show_arrow_and_dash_need_no_wcwidth():
    code = ("import sys; from itsmctl.ui import words, output; "
            "output.width('new → assigned – (计费应用组) “x” …'); "
            "print('wcwidth' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"


def test_an_ascii_list_compiles_no_cjk_class():
    """The CJK character classes take ~0.9 ms each to compile: only text that needs
    one compiles it."""
    code = ("from itsmctl.ui import output; output.width('plain'); "
            "output.width('计费 → x'); a = sorted(output._COMPILED); "
            "output.width('计费系统出账页面响应很慢 → 已解决 x'); "
            "print(a == [] and sorted(output._COMPILED) == [output._COMMON])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "True"


def test_short_texts_are_checked_as_the_class_checks_them(monkeypatch):
    """Up to _SHORT characters (the pieces show and log wrap at) width checks each
    character against _COMMON's ranges instead of compiling the class: the same answer
    for every code point and for strings of them."""
    import random

    from itsmctl.ui import output

    monkeypatch.setattr(output, "_BUDGET", 0)        # restored after the test

    def common(text: str) -> bool:
        output._BUDGET = 1
        return output._common(text)

    assert all(common(chr(c)) == output._only(output._COMMON, chr(c))
               for c in range(0x110000) if not 0xd800 <= c < 0xe000)
    rng = random.Random(13)
    pool = "a 计→–é\u0301\u3000\u00ad😀ⅫЖ\uff01\uffe6\ufffd\u2028"
    for _ in range(3000):
        text = "".join(rng.choice(pool) for _ in range(rng.randrange(0, 40)))
        assert common(text) == output._only(output._COMMON, text), repr(text)
    output._BUDGET = 0
    assert output._common("计") and not output._common("\u3000")     # the class's answers
