"""Search words of a text in Chinese, English or both (K2, W1): other words (Latin,
accents dropped; any other script) lower-cased and lightly stemmed, and for Chinese
every character plus every pair of neighbouring characters (see core/kb.py for why
pairs rather than a dictionary). Kept apart from the
KB's models so that `search` loads no pydantic."""

from __future__ import annotations

import re
import unicodedata
from typing import Optional

# Chinese: U+3400-4DBF, U+4E00-9FFF, U+F900-FAFF. A token is a Chinese run, or a word of
# letters and digits in any other script (Müller, Ольга): the maximal runs of word
# characters (\w less _; the block U+F900-FAFF whole, unassigned code points included),
# cut where they change between Chinese and not. (A character class of the two wide
# ranges cost ~4 ms of CPU to compile, in every `open`: issue 13.)
_WORDS = re.compile(r"(?:[^\W_]|[\uf900-\ufaff])+")


def _cjk(c: str) -> bool:
    return "\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf" or "\uf900" <= c <= "\ufaff"


def _runs(text: str) -> list[str]:
    """The Chinese runs and the other words of a text, in order."""
    out = []
    for word in _WORDS.findall(text):
        start, chinese = 0, _cjk(word[0])
        for i in range(1, len(word)):
            if _cjk(word[i]) != chinese:
                out.append(word[start:i])
                start, chinese = i, not chinese
        out.append(word[start:])
    return out


# accents on Latin letters are dropped (Müller = Muller, réseau = reseau); marks on other
# scripts (Japanese dakuten) are kept
_LATIN_MARKED = re.compile(r"[\u00c0-\u024f\u1e00-\u1eff\u0300-\u036f]")
_LATIN_MARKS = re.compile(r"(?<=[A-Za-z])[\u0300-\u036f]+")
_STOP = frozenset("a after an and are as at be but by can cannot do for from has have in "
                  "is it its my no not of on or our so the to was we were will with you "
                  "your".split()) | \
    frozenset("的了是在我有和不也都就请把被吗呢啊吧")


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def fold(text: Optional[str]) -> str:
    """Text as words compare: NFKC, lower case, accents of Latin letters dropped."""
    text = text or ""
    if _LATIN_MARKED.search(text):
        text = unicodedata.normalize("NFC", _LATIN_MARKS.sub(
            "", unicodedata.normalize("NFKD", text)))
    return unicodedata.normalize("NFKC", text).lower()


def tokens(text: str) -> list[str]:
    """Search terms of a text in Chinese, English or both (see the module docstring)."""
    out: list[str] = []
    for run in _runs(fold(text)):
        if not _cjk(run[0]):
            if run not in _STOP:
                out.append(_stem(run))
            continue
        chars = [c for c in run]
        out.extend(c for c in chars if c not in _STOP)
        out.extend(a + b for a, b in zip(chars, chars[1:]))
    return out
