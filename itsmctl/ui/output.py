"""Output for people (tables) and scripts (JSON, CSV)."""

from __future__ import annotations

from datetime import date, datetime

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable, Optional, Sequence


def _default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", by_alias=True)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def to_json(value: Any) -> str:
    from itsmctl.ui.jsontext import dumps  # json.dumps's text, faster (issue 13)

    return dumps(value, default=_default)


# What a terminal acts on rather than shows: C0 and C1 controls (a carriage return
# rewrites the line, ESC starts a sequence that clears the screen or retitles the
# window), DEL, and the bidirectional overrides that reorder what follows.
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_UNSHOWN = {c: f"\\x{c:02x}" for c in [*range(0x20), *range(0x7f, 0xa0)]}
_UNSHOWN.update({ord("\r"): "\\r", ord("\t"): "\\t", ord("\x1b"): "\\e"})
_UNSHOWN.update({ord(c): f"\\u{ord(c):04x}" for c in _BIDI + "\u2028\u2029"})
_UNSHOWN_LINES = {k: v for k, v in _UNSHOWN.items() if k != ord("\n")}


# any character _UNSHOWN maps: searching a long text for one costs a tenth of
# translating every character, and almost no cell has one (`list` of 10,000 tickets:
# 73,000 cells). Compiled when first asked (~0.7 ms): `show` need not (issue 13).
_ANY_UNSHOWN = "[" + "".join(f"\\u{c:04x}" for c in sorted(_UNSHOWN)) + "]"


def printable(text: Any, lines: bool = True) -> str:
    """Ticket text as a terminal should show it: every control character escaped
    (`\\r`, `\\e`, `\\x07`, `\\u202e`); line breaks kept when `lines`. Ticket text comes
    from users, mail and alerts, so it must not move the cursor or recolour the screen."""
    text = str(text)
    # every character _UNSHOWN maps is one str.isprintable refuses (C0, DEL, C1, the
    # line and paragraph separators, the bidi controls: tests/ui/test_printable.py):
    # a printable text has none, and translating any other changes only those
    if text.isprintable() or (lines and "\n" in text
                              and text.replace("\n", "").isprintable()):
        return text
    return text.translate(_UNSHOWN_LINES if lines else _UNSHOWN)


def table(rows: Iterable[Sequence[Any]], headers: Sequence[str],
          priorities: Sequence[str] = ()) -> str:
    """An aligned table for people: headers in their language (i18n), priority and
    status coloured on a terminal (term), wide characters counted twice; cell text
    escaped (`printable`) before the colours are added.

    Cells of text, whole numbers and None are laid out here exactly as tabulate's
    "simple" format does: importing tabulate and wcwidth cost ~100 ms of CPU and
    measuring 10,000 rows with them ~1 s, most of `list` (issue 13). Anything else
    (floats, cells of several lines) still goes to tabulate."""
    from itsmctl.ui.i18n import _
    from itsmctl.ui.term import colour, paint_rows

    given = list(rows)
    columns = _printable_columns(given)
    shown: list[list[Any]] = []
    if columns is None:
        shown = paint_rows([[printable(c) if isinstance(c, str) else c for c in r]
                            for r in given], headers, priorities)
        if not shown:
            return _("(none)")
    elif colour():
        shown = paint_rows(list(map(list, zip(*columns))), headers, priorities)
        columns = list(zip(*shown))
    names = [_(h) for h in headers]
    if columns is not None:
        laid = _text_table(columns, names)
        if laid is not None:
            return laid
        shown = list(map(list, zip(*columns)))
    rows = shown
    cells = _plain_cells(rows)
    if cells is None:
        from tabulate import tabulate

        return tabulate(rows, headers=names, tablefmt="simple", disable_numparse=True)
    widths = [width(h) + 2 for h in names]
    for row in cells:
        for i, cell in enumerate(row):
            w = cell[1]
            if w > widths[i]:
                widths[i] = w
    lines = ["  ".join(h + " " * (widths[i] - width(h)) for i, h in enumerate(names)).rstrip(),
             "  ".join("-" * w for w in widths)]
    for row in cells:
        lines.append("  ".join(text + " " * (widths[i] - w)
                               for i, (text, w) in enumerate(row)).rstrip())
    return "\n".join(lines)


# What a table of 10,000 tickets costs is mostly per cell (70,000 of them): the two
# functions below do it a column at a time, with one test of a column's joined text
# deciding for all its cells (issue 13: 2x fewer instructions than a cell at a time).
_ASCII_SHOWN = bytes(range(0x20, 0x7f))


def _printable_columns(rows: list[Any]) -> Optional[list[Sequence[Any]]]:
    """The rows' columns with every text cell `printable`; None when the rows are not
    all of one length (or there are none)."""
    if not rows or len(set(map(len, rows))) != 1:
        return None
    columns: list[Sequence[Any]] = []
    for column in zip(*rows):
        try:
            joined = "".join(column)
        except TypeError:           # not all text
            joined = None
        if joined is None or not _shown_as_is(joined):
            column = tuple(printable(c) if isinstance(c, str) else c for c in column)
        columns.append(column)
    return columns


def _shown_as_is(text: str) -> bool:
    """Whether `printable` leaves this text alone (no character it escapes)."""
    if text.isascii():
        return not text.encode("ascii").translate(None, _ASCII_SHOWN)
    return text.isprintable() or _pattern(_ANY_UNSHOWN).search(text) is None


def _text_table(columns: list[Sequence[Any]], names: list[str]) -> Optional[str]:
    """The table laid out as the loop of `table` lays it out, byte for byte, when every
    cell is one line of text; None otherwise."""
    if len(columns) != len(names):
        return None
    formats: list[str] = []
    shown: list[Sequence[str]] = []
    widths: list[int] = []
    for i, (name, column) in enumerate(zip(names, columns)):
        try:
            "".join(column)
        except TypeError:                   # not all text: the general way
            return None
        texts = list(map(str.strip, column))        # tabulate trims cells (not headers)
        joined = "".join(texts)
        if "\n" in joined:
            return None
        ascii_only = joined.isascii() and "\x1b" not in joined
        if ascii_only:
            sizes = list(map(len, texts))
        elif _only(_COMMON_WIDE, joined):    # ASCII and common CJK only: as width()
            sizes = [len(t) + ((len(t.encode("utf-8")) - len(t)) >> 1) for t in texts]
        else:
            sizes = [len(t) if t.isascii() and "\x1b" not in t else width(t) for t in texts]
        w = max(width(name) + 2, max(sizes))
        widths.append(w)
        if i == len(names) - 1:
            # a trimmed cell ends in no space: only a line whose last cell is empty
            # has padding for rstrip to take away (below)
            formats.append("%s")
            shown.append(texts)
        elif ascii_only:
            formats.append(f"%-{w}s")
            shown.append(texts)
        else:
            formats.append("%s")
            shown.append([t + " " * (w - n) for t, n in zip(texts, sizes)])
    line = "  ".join(formats)
    lines = ["  ".join(h + " " * (widths[i] - width(h)) for i, h in enumerate(names)).rstrip(),
             "  ".join("-" * w for w in widths)]
    if all(shown[-1]):
        lines.extend(map(line.__mod__, zip(*shown)))
    else:
        lines.extend(line % r if r[-1] else (line % r).rstrip() for r in zip(*shown))
    return "\n".join(lines)


def _plain_cells(rows: list[list[Any]]) -> "list[list[tuple[str, int]]] | None":
    """(text, display width) of every cell; None when a cell needs tabulate."""
    out = []
    ncols = len(rows[0])
    for row in rows:
        if len(row) != ncols:
            return None
        cells = []
        for value in row:
            if value is None:
                text = ""
            elif isinstance(value, str):
                text = value.strip()        # tabulate trims cells (not headers)
            elif isinstance(value, int):        # bool too: str() as tabulate prints it
                text = str(value)
            else:
                return None
            if "\n" in text:
                return None
            cells.append((text, len(text) if text.isascii() and "\x1b" not in text
                          else width(text)))
        out.append(cells)
    return out


# ASCII and the CJK ranges only: there a character's UTF-8 length says its columns
# (one byte: one column, three: two), which a long table counts fastest
_COMMON_WIDE = (
    "[\x20-\x7e\u3001-\u3029\u3030-\u303e\u3041-\u3096\u30a1-\u30fa\u3400-\u4dbf\u4e00-\u9fff"
    "\uff01-\uff60\uffe0-\uffe6]*")
# characters whose columns are known without wcwidth: below U+3000 one column each
# (ASCII, Latin, Greek, Cyrillic letters; dashes, quotes, arrows like show's own →
# and –; letterlike symbols, circled numbers, box drawing), from U+3000 two (CJK
# ideographs, kana, punctuation, full-width forms); tests/ui/test_words_width.py
# checks every one against wcwidth
_COMMON_RANGES = (
    (0x20, 0x7e), (0xa0, 0xac), (0xae, 0x24f), (0x370, 0x3ff), (0x400, 0x482),
    (0x2010, 0x2027), (0x2030, 0x205e), (0x2100, 0x214f), (0x2190, 0x21ff), (0x2460, 0x24ff),
    (0x2500, 0x257f), (0x3001, 0x3029), (0x3030, 0x303e), (0x3041, 0x3096), (0x30a1, 0x30fa),
    (0x3400, 0x4dbf), (0x4e00, 0x9fff), (0xff01, 0xff60), (0xffe0, 0xffe6))
_COMMON = "[" + "".join(f"\\u{lo:04x}-\\u{hi:04x}" for lo, hi in _COMMON_RANGES) + "]*"
_COMMON_FIRST = tuple(chr(lo) for lo, _ in _COMMON_RANGES)
_COMMON_LAST = tuple(chr(hi) for _, hi in _COMMON_RANGES)
# the class above takes ~1.2 ms to compile (issue 13), more than `show` and `log` spend
# checking the pieces they wrap at (one to a few CJK characters, a few hundred of them)
# character by character: texts up to _SHORT long are checked so, until _BUDGET of
# them have been (a `list` of many short titles then uses the compiled class)
_SHORT = 16
_BUDGET = 512
_COMPILED: dict[str, Any] = {}


def _common(text: str) -> bool:
    """Whether every character of text is one of _COMMON's (as _only(_COMMON, text))."""
    global _BUDGET
    if len(text) > _SHORT or _BUDGET <= 0:
        return _only(_COMMON, text)
    _BUDGET -= 1
    from bisect import bisect_right

    for ch in text:
        i = bisect_right(_COMMON_FIRST, ch) - 1
        if i < 0 or ch > _COMMON_LAST[i]:
            return False
    return True


def _only(chars: str, text: str) -> bool:
    """Whether text is made of these characters (a class like _COMMON). Compiled when
    first asked: a class with the CJK ranges takes ~0.9 ms to compile, which a `list`
    of ASCII titles or a `show` without a table need not pay."""
    return _pattern(chars).fullmatch(text) is not None


def _pattern(chars: str) -> Any:
    """The compiled pattern, compiled once a process."""
    pattern = _COMPILED.get(chars)
    if pattern is None:
        import re

        pattern = _COMPILED[chars] = re.compile(chars)
    return pattern


def width(text: str) -> int:
    """Columns a string takes on a terminal: ANSI colour codes none, East Asian wide
    characters two, combining marks and format characters none."""
    if text.isascii():
        if "\x1b" in text:
            import re

            text = re.sub(r"\x1b\[[0-9;]*m", "", text)
        return len(text)
    if "\x1b" in text:
        import re

        text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    if _common(text):
        return len(text) + sum(ch > "\u2fff" for ch in text)
    try:        # anything rarer: wcwidth, as tabulate measures it (~60 ms to import)
        from wcwidth import wcswidth
    except ImportError:
        pass
    else:
        return int(wcswidth(text))
    import unicodedata

    n = 0
    for ch in text:
        if ch.isascii():
            n += 1
        elif unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        elif unicodedata.east_asian_width(ch) in ("W", "F"):
            n += 2
        else:
            n += 1
    return n


def csv_text(rows: Iterable[Sequence[Any]], headers: Sequence[str]) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue()


def short_time(value: Any) -> str:
    if not value:
        return ""
    text = value if isinstance(value, str) else value.isoformat()
    return text[:16].replace("T", " ")
