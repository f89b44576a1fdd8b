"""The values a ticket has for each key a duplicates.yaml condition may name (M6, L16),
and the same as one text the ticket index keeps beside each row, so that a search for
candidates asks SQLite for the tickets sharing a value instead of reading every state
of the window (issue 13). Pure and import-free: the index builds a row of every
ticket it reads."""

from __future__ import annotations

from typing import Any

Doc = dict[str, Any]
SEP = "\x1e"            # between entries of match_text; never part of a key


def keys(doc: Doc) -> dict[str, set[str]]:
    """The values a ticket has for each key a condition may name."""
    cls, rep, alert, links = (_mapping(doc.get(k))
                              for k in ("classification", "reporter", "alert", "links"))

    def some(*values: Any) -> set[str]:
        return {str(v).strip().lower() for v in values if v not in (None, "")}

    return {"category": some(cls.get("category")), "subtype": some(
                f"{cls.get('category')}/{cls.get('subtype')}" if cls.get("subtype") else None),
            "symptom": some(f"{cls.get('category')}/{cls.get('subtype')}/{cls.get('symptom')}"
                            if cls.get("symptom") else None),
            "ci": some(*(links.get("cis") or ())),
            "location": some(doc.get("location") or rep.get("location")),
            "reporter": some(rep.get("id"), rep.get("phone"), rep.get("email")),
            "department": some(rep.get("department")),
            "alert_group": some(alert.get("group")),
            "fingerprint": some(alert.get("fingerprint"))}


def entry(key: str, value: str) -> str:
    """What match_text holds for one value of a key, separators included: a ticket
    has the value when its text contains this."""
    return f"{SEP}{key}={value}{SEP}"


def match_text(doc: Doc) -> str:
    """Every value of every key, each between separators (entry), in one text."""
    found = keys(doc)
    return SEP + "".join(f"{k}={v}{SEP}" for k in sorted(found) for v in sorted(found[k]))


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
