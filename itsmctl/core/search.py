"""W1: what a ticket is found by, and how a search is put to the index.

The words are the KB's (core/kb.py `tokens`: Latin words lightly stemmed, Chinese
characters and their neighbouring pairs), so `search` and `kb search` read Chinese
alike. A ticket is four weighted columns: its title; who reported it (name, phone,
e-mail, customer id, department); the things it names (CIs, location, alert id and
fingerprint, linked records); and its text (description, notes, solution, alert
message, tasks, announcement). Phones are indexed as their digits and their last four,
so a caller read out as `138-0000-0000` or just `0000` is found.

Pure: the index (infra/textindex.py) stores the columns and runs the query.
"""

from __future__ import annotations

from typing import Any, Iterable, Optional

from itsmctl.core.tokens import tokens

COLUMNS = ("title", "who", "things", "body")
WEIGHTS = (4.0, 3.0, 2.0, 1.0)          # bm25 weights of COLUMNS
PREFIX_DIGITS = 3                       # a number this long or longer matches as a prefix


def _d(doc: Any, key: str) -> dict[str, Any]:
    value = doc.get(key) if isinstance(doc, dict) else None
    return value if isinstance(value, dict) else {}


def digits(text: Any) -> str:
    return "".join(c for c in str(text or "") if c.isdigit())


def _words(parts: Iterable[Any]) -> str:
    out: list[str] = []
    for part in parts:
        if part not in (None, ""):
            out.extend(tokens(str(part)))
    return " ".join(out)


def phone_words(phone: Any) -> list[str]:
    number = digits(phone)
    return [number, number[-4:]] if len(number) > 4 else ([number] if number else [])


def document(doc: dict[str, Any], notes: Iterable[str] = ()) -> tuple[str, str, str, str]:
    """The four columns of a ticket's state (`doc`, as the index caches it) and notes."""
    reporter, alert, links = _d(doc, "reporter"), _d(doc, "alert"), _d(doc, "links")
    who = _words([reporter.get(k) for k in ("name", "email", "id", "department")])
    who = " ".join(filter(None, [who, *phone_words(reporter.get("phone"))]))
    labels: dict[str, Any] = alert["labels"] if isinstance(alert.get("labels"), dict) else {}
    things = _words([*(links.get("cis") or ()), doc.get("location"), reporter.get("location"),
                     alert.get("id"), alert.get("fingerprint"), alert.get("group"),
                     *labels.values(), links.get("problem"), links.get("change"),
                     links.get("requirement"), links.get("caused_by_change")])
    announcement = _d(doc, "announcement")
    tasks = [t for t in doc.get("tasks") or () if isinstance(t, dict)]
    body = _words([doc.get("description"), *notes, doc.get("solution"), alert.get("message"),
                   *(t.get("title") for t in tasks), *(t.get("result") for t in tasks),
                   announcement.get("title"), announcement.get("body")])
    return _words([doc.get("title")]), who, things, body


def terms(query: str) -> list[str]:
    """The query's distinct words, in order."""
    seen: dict[str, None] = {}
    for word in tokens(query):
        seen.setdefault(word, None)
    return list(seen)


def expression(query: str, any_term: bool = False) -> Optional[str]:
    """An FTS5 MATCH expression: every word (or any, for the fallback); numbers of three
    digits or more match as prefixes (the start of a phone number). None: no words."""
    parts = []
    for word in terms(query):
        quoted = '"' + word.replace('"', '""') + '"'
        parts.append(quoted + "*" if word.isdigit() and len(word) >= PREFIX_DIGITS else quoted)
    if not parts:
        return None
    return (" OR " if any_term else " AND ").join(parts)


def in_column(column: str, text: str) -> Optional[str]:
    """Every word of `text` as the start of a word of one column (`list --reporter`,
    `--ci`); a phone's digits as one word (`--phone`: the number, its start, or its last
    four digits). None: nothing to look for."""
    if column not in COLUMNS:
        raise ValueError(f"not a column: {column}")
    words = [digits(text)] if column == "who" and digits(text) == text.strip() else terms(text)
    words = [w for w in words if w]
    if not words:
        return None
    return f"{column} : (" + " AND ".join('"' + w.replace('"', '""') + '"*'
                                          for w in words) + ")"


def where_found(doc: dict[str, Any], query: str, width: int = 48) -> str:
    """Which part of a ticket a search matched, for people: `reporter: 王五 138…`."""
    wanted = set(terms(query))
    if not wanted:
        return ""
    reporter, alert, links = _d(doc, "reporter"), _d(doc, "alert"), _d(doc, "links")
    phone = reporter.get("phone")
    fields = [
        ("title", doc.get("title")),
        ("reporter", " ".join(str(reporter.get(k)) for k in ("name", "phone", "email")
                              if reporter.get(k))),
        ("ci", ", ".join(str(c) for c in links.get("cis") or ())),
        ("alert", " ".join(str(alert.get(k)) for k in ("id", "message") if alert.get(k))),
        ("location", doc.get("location")),
        ("description", doc.get("description")),
        ("solution", doc.get("solution")),
    ]
    best, best_score = "", 0
    for label, value in fields:
        if not value:
            continue
        found = set(tokens(str(value)))
        if label == "reporter":
            found.update(phone_words(phone))
        score = sum(1 for w in wanted if w in found or (
            w.isdigit() and any(f.startswith(w) for f in found)))
        if score > best_score:
            best, best_score = f"{label}: {_snippet(str(value), query, width)}", score
    return best or "notes"


def _snippet(text: str, query: str, width: int) -> str:
    """A line of `text` around the first word of the query found in it."""
    flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    low = flat.casefold()
    at = min((i for i in (low.find(w.casefold()) for w in query.split()) if i >= 0),
             default=0)
    start = max(0, min(at - width // 3, len(flat) - width))
    return ("…" if start else "") + flat[start:start + width] + (
        "…" if start + width < len(flat) else "")
