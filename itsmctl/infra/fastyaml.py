"""A fast reader for the YAML that infra/yaml.dump_ticket writes, falling back to libyaml.

libyaml through PyYAML costs ~0.6 ms for a 3 KB ticket (its constructors are Python), so
reading 100,000 tickets takes over a minute. Ticket files are written by one dumper
with a small, regular shape: block mappings, block sequences, flow lists of scalars,
single-quoted and plain scalars, literal blocks. This reader handles exactly that shape
and resolves plain scalars with PyYAML's own YAML 1.1 rules; anything else (double
quotes, anchors, tags, flow mappings, ...) returns None and the caller uses libyaml, so
both readers always agree (tests/infra/test_fastyaml.py checks it on generated tickets).
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional

_KEY = re.compile(r"^( *)([A-Za-z_][A-Za-z0-9_.\-]*):(?: (.*))?$")
# plain scalars that YAML 1.1 reads as something other than a string or a simple int
_SPECIAL = (
    r"""^(?:[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+][0-9]+)?
       |[-+]?0b[01_]+|[-+]?0x[0-9a-fA-F_]+|[-+]?0[0-7_]+
       |[-+]?[0-9]*\.[0-9.]*(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?
       |[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?.*|<<|=|~)$""", re.X)
# the first characters _SPECIAL can match (besides its whole "<<", "=" and "~"): most
# plain scalars (incident, P3, billing-app, <message-id@host>) start otherwise, and are
# resolved without compiling it (~0.5 ms, a tenth of a `show`'s own work; issue 13)
_SPECIAL_START = frozenset("-+.0123456789")
_SPECIAL_WHOLE = frozenset({"<<", "=", "~"})
_COMPILED: dict[Any, Any] = {}
_BOOL = {"yes": True, "Yes": True, "YES": True, "no": False, "No": False, "NO": False,
         "true": True, "True": True, "TRUE": True, "false": False, "False": False,
         "FALSE": False, "on": True, "On": True, "ON": True, "off": False, "Off": False,
         "OFF": False}
_NULL = {"null": None, "Null": None, "NULL": None, "~": None, "": None}
_UNSAFE_START = set("&*!|>%@`\"{")
# line breaks of YAML other than \n: libyaml folds them (U+2028 in a quoted scalar is
# written as a break plus indentation), so text holding one is left to libyaml
_OTHER_BREAKS = ("\r", "\x85", "\u2028", "\u2029")
# YAML's white space is the space and the tab, never U+3000 or NBSP: str.strip() would
# take those too, so every strip here names its characters
_WHITE = " \t"


class _Unsupported(Exception):
    pass


_SEEN: dict[str, Any] = {}         # plain scalars resolved before (null, 0, [], P3, ...)


def _scalar(text: str) -> Any:
    """One inline scalar: single-quoted, or plain resolved as YAML 1.1 does."""
    found = _SEEN.get(text, _SEEN)
    if found is not _SEEN:
        return found
    value = _resolve(text)
    if len(_SEEN) < 4096 and not text.startswith("'"):
        _SEEN[text] = value
    return value


def _resolve(text: str) -> Any:
    if text.startswith("'"):
        if len(text) < 2 or not text.endswith("'"):
            raise _Unsupported
        inner = text[1:-1]
        if "'" in inner.replace("''", ""):
            raise _Unsupported
        return inner.replace("''", "'")
    if text != text.strip(_WHITE):
        raise _Unsupported                  # libyaml trims a plain scalar's edges
    if text in _NULL:
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _is_int(text):
        return int(text)
    if _digits_not_octal(text):
        return text
    # a plain scalar never starts with a flow indicator or a comment, nor with - ? :
    # followed by a space (or alone): libyaml reads (or refuses) those otherwise
    if (text[0] in _UNSAFE_START or text[0] in "[]},#"
            or text[0] in "?:-" and (len(text) == 1 or text[1] == " ")
            or " #" in text or ": " in text or text.endswith(":")
            or text in _SPECIAL_WHOLE
            or text[0] in _SPECIAL_START and _compiled(*_SPECIAL).match(text)):
        raise _Unsupported
    return text


def _is_int(text: str) -> bool:
    """What YAML 1.1 reads as a plain decimal int: ^[-+]?(?:0|[1-9][0-9]*)$, without
    compiling the pattern."""
    digits = text[1:] if text[0] in "-+" else text
    return digits.isascii() and digits.isdigit() and (digits[0] != "0" or digits == "0")


def _digits_not_octal(text: str) -> bool:
    """ASCII digits after a leading 0, an 8 or 9 among them ("0013880000000001", an
    Alertmanager fingerprint that happens to hold no letter): no YAML 1.1 int (octal
    takes 0-7 only, decimal no leading 0), float (a dot or colon), or timestamp (a
    dash), so text. _SPECIAL would send the whole file to libyaml for it (~15 ms for
    a storm master, in every hook that reads it; issue 13)."""
    return len(text) > 1 and text[0] == "0" and text.isascii() and text.isdigit() \
        and ("8" in text or "9" in text)


def _compiled(pattern: str, flags: int = 0) -> Any:
    """The pattern compiled, once a process."""
    found = _COMPILED.get(pattern)
    if found is None:
        found = _COMPILED[pattern] = re.compile(pattern, flags)
    return found


def _flow_list(text: str) -> list[Any]:
    inner = text[1:-1].strip(_WHITE)
    if not inner:
        return []
    if any(c in inner for c in "[]{}'\""):
        raise _Unsupported
    return [_scalar(part) for part in inner.split(", ")]


# keys the mapping loop hands to libyaml: YAML 1.1 reads them as booleans or null
_ODD_KEYS = frozenset({*_BOOL, *_NULL})
# Each line is cut at its first ": " (str.partition, for all lines at once in C) into
# (head, sep, rest); it is a `key: rest` line when its head is spaces and a key, and a
# `key:` line when it has no ": " and is spaces, a key and a colon. What a head is comes
# from _HEADS: the same few dozen heads (`  deadline`, `sla:`, ...) begin most lines of
# every ticket, so each is matched once, not once per line as a pattern over the whole
# text did (issue 13: 35 of a ticket state's ~85 us). A head's reading is (its depth,
# the key, the sep it needs: ": " for `key: rest`, "" for `key:`), None for no key.
_HEAD = re.compile(r"( *)([A-Za-z_][A-Za-z0-9_.\-]*)(:?)")
_HEADS: dict[str, Optional[tuple[int, str, str]]] = {}
_HEADS_MAX = 4096
_UNREAD: Any = object()


def _head(head: str) -> Optional[tuple[int, str, str]]:
    """What a line's head is (see _HEADS), remembered."""
    found = _HEAD.fullmatch(head)
    reading = None if found is None else (
        len(found.group(1)), found.group(2), "" if found.group(3) else ": ")
    if len(_HEADS) >= _HEADS_MAX:
        _HEADS.clear()
    _HEADS[head] = reading
    return reading


class _Reader:
    def __init__(self, lines: list[str], marks: list[tuple[str, str, str]]) -> None:
        self.lines = lines
        self.marks = marks              # each line cut at its first ": " (see _HEADS)
        self.i = 0

    def block(self, indent: int) -> Any:
        """A mapping or a sequence whose lines start at `indent`."""
        line = self.lines[self.i]
        if line.startswith(" " * indent + "- ") or line == " " * indent + "-":
            return self.sequence(indent)
        return self.mapping(indent)

    def mapping(self, indent: int, first: Optional[str] = None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        lines, marks, count = self.lines, self.marks, len(self.lines)
        if first is not None:
            self._entry(out, _KEY.match(first), indent)
        heads = _HEADS
        while self.i < count:
            head, sep, rest = marks[self.i]
            reading = heads.get(head, _UNREAD)
            if reading is _UNREAD:
                reading = _head(head)
            if reading is not None and reading[0] == indent and reading[2] == sep:
                key = reading[1]
                self.i += 1
                if key in out or key in _ODD_KEYS:
                    raise _Unsupported
                if rest and rest[0] not in "|[{":
                    # most lines: `key: scalar` (what value() would do, without the call)
                    if rest[0] == "'" and rest[-1] == "'" and len(rest) > 1:
                        inner = rest[1:-1]
                        if "'" not in inner:    # a quoted time, mostly: _resolve's answer
                            out[key] = inner
                            continue
                    found = _SEEN.get(rest, _SEEN)
                    out[key] = _scalar(rest) if found is _SEEN else found
                else:
                    out[key] = self.value(rest, indent)
                continue
            # not a key of this mapping: the end of it, or something we do not read
            line = lines[self.i]
            depth = len(line) - len(line.lstrip(" "))
            if line.strip(_WHITE) and depth > indent:
                raise _Unsupported
            if depth == indent and not line.startswith("-", indent):
                raise _Unsupported
            break
        return out

    def _entry(self, out: dict[str, Any], m: Optional[re.Match[str]], indent: int) -> None:
        if m is None or len(m.group(1)) != indent:
            raise _Unsupported
        key = m.group(2)
        if key in out or key in _BOOL or key in _NULL:
            raise _Unsupported
        out[key] = self.value(m.group(3), indent)

    def value(self, rest: Optional[str], indent: int) -> Any:
        if rest is None or rest == "":
            if self.i < len(self.lines):
                nxt = self.lines[self.i]
                depth = len(nxt) - len(nxt.lstrip(" "))
                if depth > indent or (depth == indent and nxt[depth:depth + 2] == "- "):
                    return self.block(depth)
            return None
        if rest in ("|", "|-", "|+"):
            return self.literal(rest, indent)
        if rest.startswith("[") and rest.endswith("]"):
            return _flow_list(rest)
        if rest == "{}":
            return {}
        return _scalar(rest)

    def literal(self, style: str, indent: int) -> str:
        body: list[str] = []
        pad: Optional[int] = None
        while self.i < len(self.lines):
            line = self.lines[self.i]
            if line.strip(" ") == "":
                body.append("")
                self.i += 1
                continue
            depth = len(line) - len(line.lstrip(" "))
            if depth <= indent:
                break
            if pad is None:
                pad = depth
            if depth < pad:
                raise _Unsupported
            body.append(line[pad:])
            self.i += 1
        if pad is None:
            raise _Unsupported
        trailing = 0
        while body and body[-1] == "":
            body.pop()
            trailing += 1
        # give the blank lines back: they may belong to what follows
        self.i -= trailing
        text = "\n".join(body)
        if style == "|":
            return text + "\n"
        if style == "|-":
            return text
        raise _Unsupported

    def sequence(self, indent: int) -> list[Any]:
        out: list[Any] = []
        prefix = " " * indent + "-"
        while self.i < len(self.lines):
            line = self.lines[self.i]
            if not line.startswith(prefix) or line[indent + 1:indent + 2] not in (" ", ""):
                break
            self.i += 1
            rest = line[indent + 2:]
            if _KEY.match(" " * (indent + 2) + rest):
                out.append(self.mapping(indent + 2, first=" " * (indent + 2) + rest))
            elif rest.startswith("- ") or rest == "-":
                # a sequence as an item (a history event's `tasks: [old, new]` when
                # the lists hold mappings): read it as if it began on its own line
                self.i -= 1
                self.lines[self.i] = " " * (indent + 2) + rest
                self.marks[self.i] = self.lines[self.i].partition(": ")
                out.append(self.sequence(indent + 2))
            else:
                out.append(self.value(rest, indent))
        return out


def parse(text: str) -> Optional[dict[str, Any]]:
    """The document as loaded by libyaml, or None when unsure."""
    if any(c in text for c in _OTHER_BREAKS):
        return None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or lines[0].startswith(("---", "%")):
        return None
    reader = _Reader(lines, [line.partition(": ") for line in lines])
    try:
        doc = reader.mapping(0)
    except (_Unsupported, IndexError):
        return None
    if reader.i != len(lines):
        return None
    return doc


def head(text: str) -> Optional[dict[str, Any]]:
    """Everything above `history:` (the current state), parsed fast."""
    cut = text.find("\nhistory:")
    return parse(text if cut < 0 else text[:cut + 1])
