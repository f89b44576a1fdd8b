"""`json.dumps(value, ensure_ascii=False, indent=2, default=...)`, the same text, faster.

With `indent`, the standard library encodes in Python, value by value: a month's report
at 100,000 tickets (5 MB, mostly lists of ticket ids, Q6) took ~100 ms of it. Here a
list of strings is one join over the C string encoder, and the rest is the same walk
with fewer calls. Anything this does not know (a key that is not a string, a number
or None; a value for `default`) is handed to the standard encoder, so the text is
always what json.dumps makes (tests/ui/test_jsontext.py compares them).
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring  # type: ignore[attr-defined]

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Optional

_INF = float("inf")


class _Other(Exception):
    """A value only the standard encoder handles."""


def dumps(value: Any, default: Optional[Callable[[Any], Any]] = None) -> str:
    """json.dumps(value, ensure_ascii=False, indent=2, default=default)."""
    try:
        out: list[str] = []
        _value(value, "\n", out)
        return "".join(out)
    except (_Other, RecursionError):
        return json.dumps(value, ensure_ascii=False, indent=2, default=default)


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == _INF:
        return "Infinity"
    if value == -_INF:
        return "-Infinity"
    return float.__repr__(value)


def _scalar(value: Any) -> Optional[str]:
    if isinstance(value, str):
        return encode_basestring(value)       # type: ignore[no-any-return]
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _float(value)
    return None


def _key(key: Any) -> str:
    if isinstance(key, str):
        return encode_basestring(key)         # type: ignore[no-any-return]
    if key is None or isinstance(key, (int, float)):     # as json: 1 -> "1", None -> "null"
        return encode_basestring(_scalar(key) or "")  # type: ignore[no-any-return]
    raise _Other


def _value(value: Any, newline: str, out: list[str]) -> None:
    """Append the text of `value`, whose own line starts after `newline` (the line
    break and indent of the level it sits at)."""
    text = _scalar(value)
    if text is not None:
        out.append(text)
        return
    inner = newline + "  "
    if isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        out.append("{")
        first = True
        for key, item in value.items():
            out.append(inner if first else "," + inner)
            first = False
            out.append(_key(key))
            out.append(": ")
            _value(item, inner, out)
        out.append(newline)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        if type(value[0]) is str:
            try:                                # the C encoder takes strings only
                out.append("[" + inner + ("," + inner).join(map(encode_basestring, value))
                           + newline + "]")
                return
            except TypeError:
                pass
        out.append("[")
        first = True
        for item in value:
            out.append(inner if first else "," + inner)
            first = False
            _value(item, inner, out)
        out.append(newline)
        out.append("]")
    else:
        raise _Other
