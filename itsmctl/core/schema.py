"""The ticket model's failures as pydantic had them: the values its lax mode took and
msgspec's does not (lax), and the errors as pydantic worded them, every one of them.

msgspec stops at the first error and words it its own way ("Expected `str`, got `int` -
at `$.history[0].at`"); validate and audit print 'file: a.b: message' with pydantic's
loc and wording, for every error of a ticket file. Only a document that failed comes
here: each field is checked on its own, in declaration order, then the extra keys."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Literal, Optional, Union, get_args, get_origin

import msgspec

from itsmctl.core.model import _ID_CHECK, ID_RE, Ticket
from itsmctl.core.part import TicketPart

Loc = tuple[Any, ...]


def errors(cls: type, doc: Any, text: str) -> list[tuple[Loc, str]]:
    """Every error of `doc` as a `cls`; msgspec's own (`text`) if the walk finds none."""
    return _walk(cls, doc, ()) or _translate(cls, text, ())


def lax(cls: type, doc: Any) -> Optional[Any]:
    """`doc` with the values pydantic's lax mode took and msgspec's refuses made into what
    pydantic made of them (a date or "2026-11-02" -> midnight, "2026-11-02T09:30" -> a
    time, True -> 1, "yes"/"off" -> a bool); None when there is none."""
    fixed = _lax(cls, doc)
    return None if fixed is doc else fixed


_BOOLS = {"1": True, "on": True, "t": True, "true": True, "y": True, "yes": True,
          "0": False, "off": False, "f": False, "false": False, "n": False, "no": False}
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MINUTE = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?:[Zz]|[+-]\d{2}:?\d{2})?$")


def _lax(declared: Any, value: Any) -> Any:
    """The value as pydantic would have taken it, or `value` itself (the same object)."""
    tp = _bare(declared)
    if isinstance(tp, type) and issubclass(tp, TicketPart) and isinstance(value, dict):
        names = {f.encode_name: f.type for f in msgspec.structs.fields(tp)}
        out = {k: _lax(names[k], v) if k in names else v for k, v in value.items()}
        return value if all(out[k] is value[k] for k in value) else out
    if get_origin(tp) in (list, dict) and isinstance(value, (list, dict)):
        item = get_args(tp)[-1]
        if isinstance(value, list):
            items = [_lax(item, v) for v in value]
            return value if all(a is b for a, b in zip(items, value)) else items
        pairs = {k: _lax(item, v) for k, v in value.items()}
        return value if all(pairs[k] is value[k] for k in value) else pairs
    if tp is datetime:
        if isinstance(value, date) and not isinstance(value, datetime):
            return datetime(value.year, value.month, value.day)
        if isinstance(value, str) and (_DAY.match(value) or _MINUTE.match(value)):
            return datetime.fromisoformat(value.replace("z", "Z"))
    if isinstance(value, bool) and (tp is int or tp == Union[int, str]):
        return int(value)
    if tp is bool and isinstance(value, str) and value.lower() in _BOOLS:
        return _BOOLS[value.lower()]
    return value


def _walk(declared: Any, value: Any, loc: Loc) -> list[tuple[Loc, str]]:
    tp = _bare(declared)
    if isinstance(tp, type) and issubclass(tp, TicketPart) and isinstance(value, dict):
        out: list[tuple[Loc, str]] = []
        fields = msgspec.structs.fields(tp)
        for f in fields:
            if f.encode_name not in value:
                if f.required:
                    out.append(((*loc, f.encode_name), "Field required"))
                continue
            out += _walk(f.type, value[f.encode_name], (*loc, f.encode_name))
            if tp is Ticket and f.name == "id" and isinstance(value["id"], str) \
                    and not ID_RE.match(value["id"]):
                out.append(((*loc, "id"), f"Value error, {_ID_CHECK}{value['id']!r}"))
        known = {f.encode_name for f in fields}
        out += [((*loc, k), "Extra inputs are not permitted") for k in value if k not in known]
        return out
    if get_origin(tp) is list and isinstance(value, list):
        item = get_args(tp)[0]
        if isinstance(_bare(item), type) and issubclass(_bare(item), TicketPart):
            return [e for i, v in enumerate(value) for e in _walk(item, v, (*loc, i))]
    if get_origin(tp) is dict and isinstance(value, dict) and get_args(tp)[1] is not Any:
        key, item = get_args(tp)
        return [e for k, v in value.items()
                for e in [*_walk(key, k, (*loc, k)), *_walk(item, v, (*loc, k))]]
    try:
        msgspec.convert(value, declared, strict=False)
    except msgspec.ValidationError as exc:
        return _translate(declared, str(exc), loc)
    return []


def _bare(tp: Any) -> Any:
    """Optional[X] as X."""
    args = [a for a in get_args(tp) if a is not type(None)]
    return args[0] if get_origin(tp) is Union and len(args) == 1 else tp


_AT = re.compile(r"^(.*?)(?: - at `\$(.*)`)?$", re.S)
_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]|\[\.\.\.\]")
_NAMED = re.compile(r"^Object (missing required|contains unknown) field `(.*)`$")
_EXPECTED = re.compile(r"^Expected `(.*?)`(?:, got `(.*)`)?$")
_KINDS = {"str": "a valid string", "int": "a valid integer", "bool": "a valid boolean",
          "datetime": "a valid datetime", "array": "a valid list", "float": "a valid number",
          "object": "a valid dictionary"}


def _translate(cls: Any, text: str, at: Loc) -> list[tuple[Loc, str]]:
    """msgspec's 'Expected `str`, got `int` - at `$.history[0].at`' as pydantic put it:
    (('history', 0, 'at'), 'Input should be a valid string'); `at` is where `cls` is."""
    m = _AT.match(text)
    msg, path = (m.group(1), m.group(2)) if m else (text, None)
    if path is None and msg.startswith(_ID_CHECK):
        return [((*at, "id"), f"Value error, {msg}")]
    loc: Loc = tuple(int(s.group(2)) if s.group(2) else s.group(1)
                     for s in _STEP.finditer(path or "") if s.group(1) or s.group(2))
    named = _NAMED.match(msg)
    if named:
        missing = named.group(1) == "missing required"
        return [((*at, *loc, named.group(2)),
                 "Field required" if missing else "Extra inputs are not permitted")]
    return [((*at, *sub), said) for sub, said in _worded(_type_at(cls, loc), msg, loc)]


def _worded(target: Any, msg: str, loc: Loc) -> list[tuple[Loc, str]]:
    choices = [a for a in get_args(target) if isinstance(a, str)]
    if get_origin(target) is Literal and choices and (
            msg.startswith("Invalid enum value") or msg.startswith("Expected `str")):
        listed = ", ".join(repr(c) for c in choices[:-1])
        return [(loc, f"Input should be {listed + ' or ' if listed else ''}{choices[-1]!r}")]
    if msg.startswith("Invalid RFC3339"):
        return [(loc, "Input should be a valid datetime")]
    expected = _EXPECTED.match(msg)
    if not expected:
        return [(loc, msg)]
    want = expected.group(1).removesuffix(" | null")
    got = expected.group(2)
    if want == "int | str":         # Level: pydantic tries each member and says both
        return [((*loc, "int"), "Input should be a valid integer"),
                ((*loc, "str"), "Input should be a valid string")]
    if want not in _KINDS:
        return [(loc, msg)]
    out = f"Input should be {_KINDS[want]}"
    if want == "int" and got in ("str", "float"):
        out += (", unable to parse string as an integer" if got == "str"
                else ", got a number with a fractional part")
    elif want == "bool" and got in ("str", "int"):
        out += ", unable to interpret input"
    elif want == "object" and isinstance(target, type) and issubclass(target, TicketPart):
        out += f" or instance of {target.__name__}"
    return [(loc, out)]


def _type_at(cls: Any, loc: Loc) -> Any:
    """The declared type at a path of field names (as on disk) and list indexes."""
    now = cls
    for step in (*loc, None):
        now = _bare(now)
        if step is None:
            return now
        if isinstance(step, int) and get_origin(now) is list:
            now = get_args(now)[0]
        elif isinstance(now, type) and issubclass(now, TicketPart):
            found = [f.type for f in msgspec.structs.fields(now) if f.encode_name == step]
            now = found[0] if found else None
        else:
            return None
    return now
