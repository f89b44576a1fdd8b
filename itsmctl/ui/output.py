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


def table(rows: Iterable[Sequence[Any]], headers: Sequence[str],
          priorities: Sequence[str] = ()) -> str:
    """An aligned table for people: headers in their language (i18n), priority and
    status coloured on a terminal (term), wide characters measured by wcwidth."""
    from tabulate import tabulate

    from itsmctl.ui.i18n import _
    from itsmctl.ui.term import paint_rows

    rows = paint_rows([list(r) for r in rows], headers, priorities)
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
