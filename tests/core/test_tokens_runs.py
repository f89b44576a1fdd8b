"""core/tokens.py cuts words as its old pattern did: maximal runs of Chinese
(U+3400-4DBF, U+4E00-9FFF, U+F900-FAFF) and of other letters and digits (issue 13:
the pattern's wide classes cost ~4 ms to compile in every `open`)."""

from __future__ import annotations

import random
import re

from itsmctl.core.tokens import _cjk, _runs, fold, tokens

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
OLD_TOKEN = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
OLD_IS_CJK = re.compile(rf"[{_CJK}]")
STOP_CHARS = "的了是在我有和不也都就请把被吗呢啊吧"


def old_tokens(text: str) -> list[str]:
    from itsmctl.core.tokens import _STOP, _stem

    out: list[str] = []
    for run in OLD_TOKEN.findall(fold(text)):
        if not OLD_IS_CJK.match(run):
            if run not in _STOP:
                out.append(_stem(run))
            continue
        chars = [c for c in run]
        out.extend(c for c in chars if c not in _STOP)
        out.extend(a + b for a, b in zip(chars, chars[1:]))
    return out


EDGES = [0x33FF, 0x3400, 0x4DBF, 0x4DC0, 0x4DFF, 0x4E00, 0x9FFF, 0xA000, 0xF8FF, 0xF900,
         0xFA6D, 0xFA6E, 0xFA6F, 0xFA70, 0xFAD9, 0xFADA, 0xFAFF, 0xFB00, 0x20000, 0x3000]
ALPHABET = (list("abcXYZ09 _-.,:;!?\t\n'\"éüñßÀ") + [chr(c) for c in EDGES] +
            list("Ольга日本語カタカナ한국어ـعربي١٢٣") + ["\u0301", "\u0308", "\u3099", "\u00b2",
                                                    "\uff21", "\u2460"] +
            list(STOP_CHARS) + list("计费出错数据库"))


def test_runs_are_the_old_patterns_tokens() -> None:
    rng = random.Random(13)
    for _ in range(20000):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 14)))
        assert _runs(text) == OLD_TOKEN.findall(text), ascii(text)
        assert tokens(text) == old_tokens(text), ascii(text)


def test_every_chinese_code_point_is_chinese() -> None:
    for c in range(0x3300, 0xFB10):
        assert _cjk(chr(c)) == bool(OLD_IS_CJK.match(chr(c))), hex(c)
        assert _runs(chr(c) + "a" + chr(c)) == OLD_TOKEN.findall(chr(c) + "a" + chr(c)), hex(c)
