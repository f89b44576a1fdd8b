"""A fast writer of ticket files: the bytes infra/yaml.dump_ticket writes, or None.

dump_ticket is PyYAML's representer (pure Python) feeding libyaml's emitter: ~2-4 ms
for a ticket with a long history, paid by every write (`open`, each transition, a
hook's tickets, sweep, import). Ticket documents have a small, regular shape: block
mappings with text keys, lists (short lists of plain words in flow style, `[a, b]`,
the others as blocks), text, int, bool, None and float. This module writes that
shape directly and returns None for anything it is not sure of, so dump_ticket then
asks PyYAML, and both always agree (tests/infra/test_fastdump.py checks it on
generated documents with hostile text and on real ticket files).

The one hard part is the style of each scalar. It is decided as libyaml 0.2.5 does
(the emitter PyYAML's C dumper uses; src/emitter.c): yaml_emitter_analyze_scalar
gives what a text allows (plain in flow or block context, single quotes, a literal
block), yaml_emitter_select_scalar_style picks from what the representer asked for
(a literal block for text with a line feed, plain otherwise) in the context (block
value, sequence item, simple key, flow item), and plain text is only kept plain when
the YAML 1.1 implicit resolvers of PyYAML (copied below; a test compares them) read
it back as text. Declined: keys that are not short one-line text, containers given
twice (PyYAML writes anchors), types other than the exact dict/list/str/int/bool/
None/float, and the line breaks U+2028/U+2029 outside double quotes.
"""

from __future__ import annotations

import re
from typing import Any, Optional


class _Decline(Exception):
    pass


# --- YAML 1.1 implicit resolvers: PyYAML's yaml/resolver.py, first characters and all.
_STR = "tag:yaml.org,2002:str"
# (tag, pattern, flags) by first character, compiled on first use: compiling them all
# would cost every process that writes a ticket a millisecond or more
_RULES: dict[str, list[tuple[str, str, int]]] = {}
_IMPLICIT: dict[str, list[tuple[str, re.Pattern[str]]]] = {}


def _pattern(pattern: str, flags: int = 0) -> tuple[str, int]:
    return pattern, flags


def _resolver(tag: str, regexp: tuple[str, int], first: list[str]) -> None:
    for ch in first:
        _RULES.setdefault(ch, []).append((tag, *regexp))


def _rules(first: str) -> list[tuple[str, re.Pattern[str]]]:
    found = _IMPLICIT.get(first)
    if found is None:
        found = _IMPLICIT[first] = [(tag, re.compile(pattern, flags))
                                    for tag, pattern, flags in _RULES.get(first, ())]
    return found


_resolver("tag:yaml.org,2002:bool", _pattern(r'''^(?:yes|Yes|YES|no|No|NO
                    |true|True|TRUE|false|False|FALSE
                    |on|On|ON|off|Off|OFF)$''', re.X), list("yYnNtTfFoO"))
_resolver("tag:yaml.org,2002:float", _pattern(
    r'''^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
                    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
                    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
                    |[-+]?\.(?:inf|Inf|INF)
                    |\.(?:nan|NaN|NAN))$''', re.X), list("-+0123456789."))
_resolver("tag:yaml.org,2002:int", _pattern(r'''^(?:[-+]?0b[0-1_]+
                    |[-+]?0[0-7_]+
                    |[-+]?(?:0|[1-9][0-9_]*)
                    |[-+]?0x[0-9a-fA-F_]+
                    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$''', re.X), list("-+0123456789"))
_resolver("tag:yaml.org,2002:merge", _pattern(r'^(?:<<)$'), ["<"])
_resolver("tag:yaml.org,2002:null", _pattern(r'''^(?: ~
                    |null|Null|NULL
                    | )$''', re.X), ["~", "n", "N", ""])
_resolver("tag:yaml.org,2002:timestamp", _pattern(
    r'''^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
                    |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
                     (?:[Tt]|[ \t]+)[0-9][0-9]?
                     :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
                     (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$''', re.X),
          list("0123456789"))
_resolver("tag:yaml.org,2002:value", _pattern(r'^(?:=)$'), ["="])
_resolver("tag:yaml.org,2002:yaml", _pattern(r'^(?:!|&|\*)$'), list("!&*"))


def _reads_as_text(s: str) -> bool:
    """Resolver.resolve(ScalarNode, s, (True, False)) is the str tag."""
    for tag, regexp in _rules(s[0] if s else ""):
        if regexp.match(s):
            return tag == _STR
    return True


# --- libyaml's character classes (src/yaml_private.h), on code points
_BREAKS = "\r\n\x85\u2028\u2029"
# IS_BLANKZ: space, tab, a break, NUL (also what follows the last character)
_BLANKZ = frozenset(" \t\0" + _BREAKS)
# not IS_PRINTABLE: outside \n, 0x20-0x7E, 0xA0-0xD7FF, 0xE000-0xFFFD less 0xFEFF (written
# as the ranges outside: a negated class of wide ranges costs ~5 ms to compile)
_NOT_PRINTABLE = ("\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufeff\ufffe\uffff"
                  "\U00010000-\U0010ffff")
_SPECIAL: list[re.Pattern[str]] = []      # compiled by the first text that needs it


def _has_special(s: str) -> bool:
    """Whether a character is outside libyaml's printable set. Text that Python calls
    printable with no character beyond U+FFFF has none (everything _NOT_PRINTABLE
    names is a control, surrogate, format or unassigned character, or astral), and
    needs no pattern: compiling it was ~0.5 ms of every transition (issue 13)."""
    if s.isprintable() and (s.isascii() or max(s) < "\U00010000"):
        return False
    if not _SPECIAL:
        _SPECIAL.append(re.compile(f"[{_NOT_PRINTABLE}]"))
    return _SPECIAL[0].search(s) is not None
_FIRST_BOTH = frozenset("#,[]{}&*!|>'\"%@`")
_FLOW_LATER = frozenset(",?[]{}:")
# the rest are searched only when the text holds the character they are about, through
# re's own cache: compiled by the first text that needs them
_COLON_BLANKZ = ":(?:[ \t\0\r\n\x85\u2028\u2029]|\\Z)"
_BLANKZ_HASH = "[ \t\0\r\n\x85\u2028\u2029]#"
_SURROGATE = "[\ud800-\udfff]"

PLAIN, SINGLE, DOUBLE, LITERAL = "plain", "single", "double", "literal"


def style(s: str, literal: bool, flow: bool, key: bool) -> str:
    """The style libyaml writes text in: yaml_emitter_analyze_scalar, then
    yaml_emitter_select_scalar_style for a str node (quoted_implicit always holds).
    `literal`: the representer asked for `|`; `flow`: an item of `[...]`;
    `key`: a simple key of a block mapping."""
    if not s:
        # analyze: flow plain no, block plain yes, single yes, block no, one line;
        # select: plain is refused in flow and key context, and '' resolves as null
        return SINGLE
    if s.startswith(("---", "...")):
        flow_ind = block_ind = True
    else:
        flow_ind = block_ind = False
    first = s[0]
    followed = len(s) == 1 or s[1] in _BLANKZ
    if first in _FIRST_BOTH:
        flow_ind = block_ind = True
    elif first in "?:":
        flow_ind = True
        if followed:
            block_ind = True
    elif first == "-" and followed:
        flow_ind = block_ind = True
    if not flow_ind and not _FLOW_LATER.isdisjoint(s[1:]):
        flow_ind = True
    if not block_ind and (":" in s and re.search(_COLON_BLANKZ, s[1:])
                          or "#" in s and re.search(_BLANKZ_HASH, s)):
        flow_ind = block_ind = True
    special = _has_special(s)
    line_breaks = "\n" in s or "\r" in s or "\x85" in s or "\u2028" in s or "\u2029" in s
    last = s[-1]
    trailing_space = last == " "
    edges = first == " " or trailing_space or first in _BREAKS or last in _BREAKS
    break_space = space_break = False
    if line_breaks:
        for br in _BREAKS:
            if br in s:
                break_space = break_space or br + " " in s
                space_break = space_break or " " + br in s

    flow_plain = block_plain = single_ok = block_ok = True
    if edges:
        flow_plain = block_plain = False
    if trailing_space:
        block_ok = False
    if break_space:
        flow_plain = block_plain = single_ok = False
    if space_break or special:
        flow_plain = block_plain = single_ok = block_ok = False
    if line_breaks:
        flow_plain = block_plain = False
    if flow_ind:
        flow_plain = False
    if block_ind:
        block_plain = False

    chosen = LITERAL if literal else PLAIN
    if key and line_breaks:
        chosen = DOUBLE
    if chosen == PLAIN:
        if not (flow_plain if flow else block_plain) or not _reads_as_text(s):
            chosen = SINGLE
    if chosen == SINGLE and not single_ok:
        chosen = DOUBLE
    if chosen == LITERAL and (not block_ok or flow or key):
        chosen = DOUBLE
    return chosen


_ESCAPES = {"\0": "\\0", "\x07": "\\a", "\x08": "\\b", "\t": "\\t", "\n": "\\n",
            "\x0b": "\\v", "\x0c": "\\f", "\r": "\\r", "\x1b": "\\e", '"': '\\"',
            "\\": "\\\\", "\x85": "\\N", "\xa0": "\\_", "\u2028": "\\L", "\u2029": "\\P"}
# yaml_emitter_write_double_quoted_scalar escapes what is not printable, the BOM, breaks,
# the double quote and the backslash
_TO_ESCAPE = f'[{_NOT_PRINTABLE}\n"\\\\\u2028\u2029]'


def _escape(m: re.Match[str]) -> str:
    ch = m.group()
    found = _ESCAPES.get(ch)
    if found is not None:
        return found
    code = ord(ch)
    if code <= 0xFF:
        return "\\x%02X" % code
    if code <= 0xFFFF:
        return "\\u%04X" % code
    return "\\U%08X" % code


def _quoted(s: str, chosen: str) -> str:
    """A one-line rendering (the line width is 2**30: libyaml never folds)."""
    if chosen == PLAIN:
        if "\u2028" in s or "\u2029" in s:
            raise _Decline
        return s
    if chosen == SINGLE:
        if "\u2028" in s or "\u2029" in s:
            raise _Decline              # written as a break plus indentation
        return "'" + s.replace("'", "''") + "'"
    if re.search(_SURROGATE, s):
        raise _Decline                  # not UTF-8: PyYAML raises
    return '"' + re.sub(_TO_ESCAPE, _escape, s) + '"'


# renderings of text already seen, per context (bounded: cleared when full)
_LIMIT = 20000
_KEYS: dict[str, str] = {}           # "key:"
_BLOCK: dict[str, str] = {}          # a one-line value in block context
_FLOW: dict[str, str] = {}           # an item of a flow sequence


# a word of ASCII letters, digits and `_.-/+@=`, not starting with `.-/+@=`: no indicator
# in any context, so plain unless a resolver reads it as something else (yes, 1_000)
_WORD = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-/+@=]*\Z")


def _word(s: str) -> str:
    return s if _reads_as_text(s) else "'" + s + "'"


def _key(k: str) -> str:
    found = _KEYS.get(k)
    if found is not None:
        return found
    if len(k) <= 128 and _WORD.match(k):
        text = _word(k) + ":"
        if len(_KEYS) >= _LIMIT:
            _KEYS.clear()
        _KEYS[k] = text
        return text
    if any(br in k for br in _BREAKS) or len(k.encode("utf-8", "surrogatepass")) > 128:
        raise _Decline                  # not a simple key: PyYAML writes `? key`
    text = _quoted(k, style(k, False, False, True)) + ":"
    if len(_KEYS) >= _LIMIT:
        _KEYS.clear()
    _KEYS[k] = text
    return text


def _one_line(s: str) -> str:
    """Text without a line feed as a block value or block sequence item."""
    found = _BLOCK.get(s)
    if found is not None:
        return found
    text = _word(s) if _WORD.match(s) else _quoted(s, style(s, False, False, False))
    if len(s) <= 200:
        if len(_BLOCK) >= _LIMIT:
            _BLOCK.clear()
        _BLOCK[s] = text
    return text


def _flow_item(item: Any) -> str:
    t = type(item)
    if t is str:
        found = _FLOW.get(item)
        if found is None:
            found = _word(item) if _WORD.match(item) else \
                _quoted(item, style(item, False, True, False))
            if len(_FLOW) >= _LIMIT:
                _FLOW.clear()
            _FLOW[item] = found
        return found
    if item is None:
        return "null"
    if t is bool:
        return "true" if item else "false"
    if t is int:
        return str(item)
    raise _Decline


_FLOWY = frozenset(",[]{}#:'\"\n\\&*!|>%@`?")


def _flow(value: list[Any]) -> bool:
    """infra/libyaml._list: short lists of plain words inline."""
    if len(value) > 8:
        return False
    for item in value:
        t = type(item)
        if t is str:
            if len(item) > 40 or not _FLOWY.isdisjoint(item):
                return False
        elif not (item is None or t is bool or t is int):
            return False
    return True


_INF = float("inf")


def _float(value: float) -> str:
    """SafeRepresenter.represent_float, kept only when it reads back as a float."""
    if value != value:
        text = ".nan"
    elif value == _INF:
        text = ".inf"
    elif value == -_INF:
        text = "-.inf"
    else:
        text = repr(value).lower()
        if "." not in text and "e" in text:
            text = text.replace("e", ".0e", 1)
    for tag, regexp in _rules(text[0]):
        if regexp.match(text):
            if tag == "tag:yaml.org,2002:float":
                return text
            break
    raise _Decline


class _Writer:
    def __init__(self) -> None:
        self.out: list[str] = []
        self.seen: set[int] = set()
        self.open_ended = False

    def container(self, value: Any) -> None:
        """A list or dict given twice is written once with an anchor: not here."""
        ident = id(value)
        if ident in self.seen:
            raise _Decline
        self.seen.add(ident)

    def literal(self, s: str, indent: int) -> str:
        """`|` and its hints (yaml_emitter_write_block_scalar_hints), then the lines."""
        head = "|2" if s[0] in " \n" else "|"
        if s[-1] != "\n":
            head += "-"
            self.open_ended = False
        elif len(s) == 1 or s[-2] == "\n":
            head += "+"
            self.open_ended = True      # libyaml ends the stream with `...`
        else:
            self.open_ended = False
        pad = " " * indent
        body = "\n".join([pad + line if line else "" for line in s.split("\n")])
        return head + "\n" + body + ("" if s[-1] == "\n" else "\n")

    def scalar(self, value: Any, indent: int) -> str:
        """A scalar after `key:` or `-` (with its leading space), through its line end;
        `indent`: the indentation of a literal block's lines."""
        t = type(value)
        if t is str:
            if "\n" not in value:
                return " " + _one_line(value) + "\n"
            chosen = style(value, True, False, False)
            if chosen == LITERAL:
                if "\u2028" in value or "\u2029" in value:
                    raise _Decline
                return " " + self.literal(value, indent)
            return " " + _quoted(value, chosen) + "\n"
        if value is None:
            return " null\n"
        if t is bool:
            return " true\n" if value else " false\n"
        if t is int:
            return " " + str(value) + "\n"
        if t is float:
            return " " + _float(value) + "\n"
        raise _Decline

    def mapping(self, value: dict[Any, Any], indent: int, inline: bool) -> None:
        """A non-empty block mapping; `inline`: its first key follows `- `."""
        seen = self.seen
        if id(value) in seen:
            raise _Decline
        seen.add(id(value))
        out, keys, block = self.out, _KEYS, _BLOCK
        pad = " " * indent
        first = "" if inline else pad
        for k, v in value.items():
            if type(k) is not str:
                raise _Decline
            head = keys.get(k)
            if head is None:
                head = _key(k)
            head = first + head
            first = pad
            t = type(v)
            if t is str:
                text = block.get(v)
                if text is None and "\n" not in v:
                    text = _one_line(v)
                if text is not None:
                    out.append(f"{head} {text}\n")
                else:
                    out.append(head + self.scalar(v, indent + 2))
            elif v is None:
                out.append(head + " null\n")
            elif t is dict:
                if v:
                    out.append(head + "\n")
                    self.mapping(v, indent + 2, False)
                else:
                    self.container(v)
                    out.append(head + " {}\n")
            elif t is list:
                self.container(v)
                if _flow(v):
                    out.append(f"{head} [{', '.join([_flow_item(x) for x in v])}]\n")
                else:
                    out.append(head + "\n")
                    self.sequence(v, indent, False)     # indentless in a mapping
            else:
                out.append(head + self.scalar(v, indent + 2))

    def sequence(self, value: list[Any], indent: int, inline: bool) -> None:
        """A non-empty block sequence; `inline`: its first `-` follows `- `."""
        out = self.out
        lead = " " * indent + "-"
        for v in value:
            out.append("-" if inline else lead)
            inline = False
            t = type(v)
            if t is dict:
                if v:
                    out.append(" ")
                    self.mapping(v, indent + 2, True)
                else:
                    self.container(v)
                    out.append(" {}\n")
            elif t is list:
                self.container(v)
                if _flow(v):
                    out.append(f" [{', '.join([_flow_item(x) for x in v])}]\n")
                else:
                    out.append(" ")
                    self.sequence(v, indent + 2, True)
            else:
                out.append(self.scalar(v, indent + 2))


def dump(doc: Any) -> Optional[bytes]:
    """dump_ticket(doc) when sure to write the same bytes, else None."""
    if type(doc) is not dict or not doc:
        return None
    writer = _Writer()
    try:
        writer.mapping(doc, 0, False)
        text = "".join(writer.out)
        if writer.open_ended:
            text += "...\n"
        return text.encode("utf-8")
    except (_Decline, RecursionError, ValueError, UnicodeEncodeError):
        return None
