"""ui/output.printable: terminal controls in ticket text escaped, everything else as it
is (issue 13: decided with str.isprintable, without compiling a pattern)."""

from __future__ import annotations

import random
import re

from itsmctl.ui import output


def reference(text: str, lines: bool = True) -> str:
    """printable as it was: search for any character it maps, translate when found."""
    found = re.search("[" + "".join(re.escape(chr(c)) for c in output._UNSHOWN) + "]", text)
    if found is None:
        return text
    return text.translate(output._UNSHOWN_LINES if lines else output._UNSHOWN)


def test_every_escaped_character_is_one_isprintable_refuses():
    assert all(not chr(c).isprintable() for c in output._UNSHOWN)


def test_printable_is_what_it_was_on_every_kind_of_text():
    pieces = ["a", "计费", " ", "\n", "\xa0", "\u3000", "\u200b", "\xad", "\r", "\t", "\x1b",
              "\x07", "\x7f", "\x85", "\u202e", "\u2066", "\u2028", "\u2029", "→", "–",
              "é", "😀", "\ufeff", "\u0301"]
    rng = random.Random(13)
    texts = ["", "plain", "两行\n文字", "\n", "a\n\rb"] + [
        "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 12))) for _ in range(3000)]
    for text in texts:
        for lines in (True, False):
            assert output.printable(text, lines) == reference(text, lines), repr(text)
    assert output.printable(12) == "12"


def test_show_text_compiles_no_pattern_for_printable():
    before = dict(output._COMPILED)
    output._COMPILED.clear()
    try:
        assert output.printable("计费出错\n第二行 → done") == "计费出错\n第二行 → done"
        assert output.printable("bell\x07") == "bell\\x07"
        assert output._COMPILED == {}
    finally:
        output._COMPILED.update(before)
