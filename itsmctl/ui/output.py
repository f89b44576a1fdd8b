"""Output for people (tables) and scripts (JSON, CSV)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Iterable, Sequence


def _default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", by_alias=True)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, default=_default)


# What a terminal acts on rather than shows: C0 and C1 controls (a carriage return
# rewrites the line, ESC starts a sequence that clears the screen or retitles the
# window), DEL, and the bidirectional overrides that reorder what follows.
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_UNSHOWN = {c: f"\\x{c:02x}" for c in [*range(0x20), *range(0x7f, 0xa0)]}
_UNSHOWN.update({ord("\r"): "\\r", ord("\t"): "\\t", ord("\x1b"): "\\e"})
_UNSHOWN.update({ord(c): f"\\u{ord(c):04x}" for c in _BIDI + "\u2028\u2029"})
_UNSHOWN_LINES = {k: v for k, v in _UNSHOWN.items() if k != ord("\n")}


def printable(text: Any, lines: bool = True) -> str:
    """Ticket text as a terminal should show it: every control character escaped
    (`\\r`, `\\e`, `\\x07`, `\\u202e`); line breaks kept when `lines`. Ticket text comes
    from users, mail and alerts, so it must not move the cursor or recolour the screen."""
    return str(text).translate(_UNSHOWN_LINES if lines else _UNSHOWN)


def table(rows: Iterable[Sequence[Any]], headers: Sequence[str],
          priorities: Sequence[str] = ()) -> str:
    """An aligned table for people: headers in their language (i18n), priority and
    status coloured on a terminal (term), wide characters measured by wcwidth; cell
    text escaped (`printable`) before the colours are added."""
    from tabulate import tabulate

    from itsmctl.ui.i18n import _
    from itsmctl.ui.term import paint_rows

    rows = paint_rows([[printable(c) if isinstance(c, str) else c for c in r] for r in rows],
                      headers, priorities)
    if not rows:
        return _("(none)")
    return tabulate(rows, headers=[_(h) for h in headers], tablefmt="simple",
                    disable_numparse=True)


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
