"""Messages in English with gettext catalogs (zh_CN) chosen by LANGUAGE/LC_ALL/LC_MESSAGES/LANG.

Two kinds of text are translated, each in one place:

* Fixed words of the shell (help section titles and summaries, table headers, the
  error funnel's own words) are wrapped in `_()` where they are printed.
* Error and rule messages are written in plain English f-strings where they are
  raised (the core stays free of i18n and of the environment). The error funnel
  translates them with `message()`, by *templates*: a catalogue msgid holding
  `{name}` placeholders, such as ``{ticket} is {status}; {command} needs {wanted}``,
  matches an English message when each placeholder stands for some text; the
  translation is then filled with the captured parts. Adding a translation of a
  message is one entry in `locale/<lang>/LC_MESSAGES/itsmctl.po` and nothing in
  code. A message no template matches is shown in English, so a missing
  translation never hides what went wrong.

The catalogues ship as .po (edited) and .mo (read); `scripts/compile_catalogs.py`
writes the .mo and a test checks the two agree.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional

DOMAIN = "itsmctl"
# a path as text: pathlib (with urllib.parse and ipaddress) is ~1.5 ms `show` need not pay
LOCALEDIR = os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(__file__))), "locale")
_ENV = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
# compiled where a message is translated (re's own cache), not when the module loads
_FIELD = r"\{(\w+)\}"


def _env_key() -> tuple[Optional[str], ...]:
    return tuple(os.environ.get(name) or None for name in _ENV)


@lru_cache(maxsize=8)
def _translations(key: tuple[Optional[str], ...]) -> Any:
    if _english(key):
        return _English()
    import gettext

    languages = None
    for value in key:          # the first variable set wins, as in gettext itself
        if value:
            languages = [part for part in value.split(":") if part]
            break
    return gettext.translation(DOMAIN, str(LOCALEDIR), languages=languages, fallback=True)


class _English:
    """What gettext.translation answers for English or the C locale (NullTranslations:
    no catalogue), without importing gettext and locale and looking for catalogue files
    (~2 ms of `list --mine`, issue 13)."""

    _catalog: dict[str, str] = {}

    def gettext(self, message: str) -> str:
        return message

    def info(self) -> dict[str, str]:
        return {}


def _english(key: tuple[Optional[str], ...]) -> bool:
    """The first variable set (as gettext reads them) names only English or the C
    locale (en, en_US.UTF-8, C.UTF-8, POSIX), or none is set: no catalogue applies."""
    for value in key:
        if value:
            return all(part.split(".")[0].split("@")[0] in ("C", "POSIX")
                       or part.startswith("en") for part in value.split(":") if part)
    return True


def translations() -> Any:
    """The catalogue for the current environment (NullTranslations for English)."""
    return _translations(_env_key())


def _(text: str) -> str:
    """Translate a fixed message (an exact msgid)."""
    return translations().gettext(text) if text else text


def language() -> str:
    """The language in use: 'zh_CN' when a catalogue was found, else 'en'."""
    info = translations().info()
    return info.get("language", "en") if info else "en"


@lru_cache(maxsize=8)
def _templates(key: tuple[Optional[str], ...]) -> list[tuple[re.Pattern[str], str]]:
    catalog = getattr(_translations(key), "_catalog", {})
    found = [(msgid, msgstr) for msgid, msgstr in catalog.items()
             if isinstance(msgid, str) and re.search(_FIELD, msgid) and msgstr]
    # the longest fixed text first: the most specific template wins
    found.sort(key=lambda item: -len(re.sub(_FIELD, "", item[0])))
    return [(_pattern(msgid), msgstr) for msgid, msgstr in found]


def _pattern(template: str) -> re.Pattern[str]:
    parts, seen, last = [], set(), 0
    for m in re.finditer(_FIELD, template):
        parts.append(re.escape(template[last:m.start()]))
        name = m.group(1)
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
        seen.add(name)
        last = m.end()
    parts.append(re.escape(template[last:]))
    return re.compile("".join(parts), re.S)


def message(text: str, lang: Optional[str] = None) -> str:
    """Translate a whole English message: an exact msgid, else the first template;
    in `lang` ('zh_CN', 'en': a web page's language) instead of the environment's."""
    key = (lang, None, None, None) if lang else _env_key()
    exact = _translations(key).gettext(text) if text else text
    if exact != text:
        return exact
    for pattern, translated in _templates(key):
        m = pattern.fullmatch(text)
        if m:
            try:
                return translated.format(**m.groupdict())
            except (KeyError, IndexError, ValueError):
                return text
    return text
