"""JSON for the write path without importing `json` (issue 13).

msgspec, which the write path has loaded already (its structs), encodes and decodes
JSON; importing `json` cost a transition ~1 ms, with five patterns compiled. `dumps`
writes what `json.dumps(value, ensure_ascii=False, separators=(",", ":"),
sort_keys=sort_keys, default=str)` writes, character for character (tests/infra/
test_jsontext.py): plain values (text, whole numbers, booleans, null, lists and
mappings of them) through msgspec, anything else (a float, a set, a date) through
json itself. `loads` raises ValueError for what is not JSON, as json.loads does.
"""

from __future__ import annotations

from typing import Any


def dumps(value: Any, sort_keys: bool = False) -> str:
    """Compact JSON text, not ASCII-escaped."""
    if _plain(value):
        import msgspec

        try:
            return msgspec.json.encode(value, order="sorted" if sort_keys else None).decode()
        except UnicodeEncodeError:      # a lone surrogate (undecodable argv): as json does
            pass
    import json

    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys,
                      default=str)


def loads(data: str | bytes) -> Any:
    """The value of a JSON text (msgspec.DecodeError is a ValueError)."""
    import msgspec

    return msgspec.json.decode(data)


def _plain(value: Any) -> bool:
    if value is None or type(value) in (str, int, bool):
        return True
    if type(value) is list:
        return all(_plain(v) for v in value)
    if type(value) is dict:
        return all(type(k) is str and _plain(v) for k, v in value.items())
    return False
