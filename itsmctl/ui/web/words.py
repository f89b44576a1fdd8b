"""The pages' language: Chinese or English by Accept-Language (U1), from the `web` gettext
catalogue beside the command line's (itsmctl/locale/zh_CN/LC_MESSAGES/web.po)."""

from __future__ import annotations

import gettext
from functools import lru_cache
from typing import Callable, Optional

# project internals used here (re-point after a move):
from itsmctl.ui.i18n import LOCALEDIR

DOMAIN = "web"
Tr = Callable[[str], str]


def pick(accept_language: Optional[str], override: Optional[str] = None) -> str:
    """'zh_CN' or 'en': `?lang=` when given, else the first of the browser's languages
    (by q-value) that is Chinese or English; English otherwise."""
    if override:
        return "zh_CN" if override.lower().startswith("zh") else "en"
    ranked = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        ranked.append((-q, i, tag.strip().lower()))
    for _q, _i, tag in sorted(ranked):
        if tag.startswith("zh"):
            return "zh_CN"
        if tag.startswith("en"):
            return "en"
    return "en"


@lru_cache(maxsize=4)
def translator(lang: str) -> Tr:
    if lang != "zh_CN":
        return lambda text: text
    return gettext.translation(DOMAIN, str(LOCALEDIR), languages=["zh_CN"],
                               fallback=True).gettext


# the desk's own keys (statuses, types, phases) in English words, translated by web.po
WORDS = {"new": "new", "assigned": "assigned", "in_progress": "in progress",
         "waiting": "waiting", "resolved": "resolved", "closed": "closed",
         "incident": "something is broken (incident)",
         "service_request": "I need something (service request)",
         "consultation": "a question (consultation)", "complaint": "a complaint",
         "respond": "respond", "accept": "accept", "restore": "restore", "close": "close"}


def html_lang(lang: str) -> str:
    return "zh-CN" if lang == "zh_CN" else "en"
