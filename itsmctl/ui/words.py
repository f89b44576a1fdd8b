"""History in words (W8): `group: billing-app (计费应用组) → dba`, lists and nested values
written out, labels as configured, wrapped to the terminal (wide characters counted
as two columns). Used by `log`, `show` and `inbox`."""

from __future__ import annotations

from itsmctl.ui.output import short_time, width

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional

    from itsmctl.core.model import Event, Ticket
    from itsmctl.core.policy import Policy

ARROW = "→"
NONE = "–"
INDENT = "    "
_TIME_KEYS = ("_at", ".at", ".since", ".until", ".due", "deadline")


def cols(text: str) -> int:
    """Columns `text` takes (as wcwidth counts them; ui/output.width imports wcwidth
    only for characters beyond ASCII and common CJK, ~14 ms of `show` otherwise)."""
    n = width(text)
    return n if n >= 0 else len(text)


_WIDE: dict[str, bool] = {}


def _wide(ch: str) -> bool:
    """Whether ch takes two columns (remembered: Chinese text repeats its characters)."""
    found = _WIDE.get(ch)
    if found is None:
        found = _WIDE[ch] = not ch.isascii() and width(ch) == 2
    return found


def wrap(text: str, width: int, indent: str = INDENT, hang: str = "") -> list[str]:
    """Lines of at most `width` columns; the first starts with `indent`, the others with
    `indent + hang`. Breaks at spaces, or anywhere in a run of wide characters."""
    out: list[str] = []
    for para in text.splitlines() or [""]:
        line, room = indent, width - cols(indent)
        for word in _pieces(para):
            w = cols(word)
            if w > room and line.strip():
                out.append(line.rstrip())
                line = indent + hang
                room = width - cols(line)
                word = word.lstrip()
                w = cols(word)
            line += word
            room -= w
        out.append(line.rstrip())
        indent = indent + hang if hang else indent
    return out


def _pieces(text: str) -> list[str]:
    """Pieces a line may break between: before a space, and between two wide characters
    (Chinese has no spaces; punctuation stays with its neighbour)."""
    pieces: list[str] = []
    start = 0
    # each character's width once (ASCII text has none wide)
    wide = [False] * len(text) if text.isascii() else [_wide(ch) for ch in text]
    for i in range(1, len(text)):
        if text[i] == " " and text[i - 1] != " " or wide[i] and wide[i - 1]:
            pieces.append(text[start:i])
            start = i
    if text:
        pieces.append(text[start:])
    return pieces


class Words:
    """How a ticket's values read for people, with the desk's labels."""

    def __init__(self, policy: "Policy", ticket: Optional["Ticket"] = None) -> None:
        self.policy = policy
        self.ticket = ticket

    # ---- labels
    def label(self, key: str, value: Any) -> str:
        p = self.policy
        text = self.scalar(key, value)
        if value is None or not isinstance(value, (str, int)):
            return text
        found = ""
        base = key.split(".")[-1]
        if base in ("group", "suggest", "resolved_group"):
            g = p.teams.groups.get(str(value))
            found = g.label if g is not None else ""
        elif base in ("assignee", "actor", "opened_by", "by", "done_by", "triggered_by"):
            person = p.teams.people.get(str(value))
            found = person.name if person is not None else ""
        elif key == "wait.code":
            found = p.codes.wait.get(str(value), "")
        elif base == "close_code":
            found = p.codes.close.get(str(value), "")
        elif base == "impact":
            found = p.matrix.impact_labels.get(value, "") or \
                p.matrix.impact_labels.get(str(value), "")  # type: ignore[call-overload]
        elif key.startswith("classification."):
            found = self._class_label(base, str(value))
        return f"{text} ({found})" if found and found != text else text

    def _class_label(self, part: str, value: str) -> str:
        cats = self.policy.categories.categories
        if part == "category":
            cat = cats.get(value)
            return cat.label if cat is not None else ""
        for cat in cats.values():
            for name, sub in cat.subtypes.items():
                if part == "subtype" and name == value:
                    return sub.label
                if part == "symptom" and value in sub.symptoms:
                    return sub.symptoms[value]
                if part == "causation" and value in sub.causations:
                    return sub.causations[value]
        return ""

    # ---- values
    def scalar(self, key: str, value: Any) -> str:
        if value is None or value == "":
            return NONE
        if value is True:
            return "yes"
        if value is False:
            return "no"
        if isinstance(value, str) and any(key.endswith(k) for k in _TIME_KEYS) \
                and len(value) >= 16 and value[4:5] == "-":
            return short_time(value)
        if isinstance(value, dict):
            return self.mapping(key, value)
        if isinstance(value, list):
            return ", ".join(self.item(key, v) for v in value) if value else "(none)"
        return " ".join(str(value).split()) if "\n" in str(value) else str(value)

    def item(self, key: str, value: Any) -> str:
        return self.mapping(key, value) if isinstance(value, dict) else self.label(key, value)

    def mapping(self, key: str, d: dict[str, Any]) -> str:
        """One nested value in words: an escalation, a task, a reporter, a wait…"""
        base = key.split(".")[-1]
        if base == "escalations":
            what = str(d.get("trigger"))
            if d.get("phase"):
                what += f" of {d['phase']}"
            acts = ", ".join(d.get("actions") or ())
            return f"{what}, level {d.get('level')}" + (f" ({acts})" if acts else "")
        if base == "tasks":
            text = f"{d.get('id')} {d.get('title')}"
            if d.get("group"):
                text += f" for {self.label('group', d['group'])}"
            text += f": {d.get('status')}"
            return text + (f", {d['result']}" if d.get("result") else "")
        parts = []
        for k, v in d.items():
            if v in (None, "", [], {}) or k in ("body",) and len(str(v)) > 60:
                continue
            parts.append(f"{k} {self.scalar(f'{key}.{k}', v)}")
        return ", ".join(parts) or NONE

    def change(self, key: str, old: Any, new: Any) -> str:
        """`key: old → new`, or `key: + added` / `- removed` for lists."""
        name = field_name(key)
        if isinstance(old, list) or isinstance(new, list):
            before, after = list(old or []), list(new or [])
            added = [v for v in after if v not in before]
            gone = [v for v in before if v not in after]
            if before and (added or gone) and len(after) + len(before) > 2 or \
                    any(isinstance(v, dict) for v in before + after):
                marks = [f"+ {self.item(key, v)}" for v in added]
                marks += [f"- {self.item(key, v)}" for v in gone]
                return f"{name}: " + "; ".join(marks) if marks else f"{name}: (reordered)"
        return f"{name}: {self.label(key, old)} {ARROW} {self.label(key, new)}"

    # ---- events
    def header(self, e: "Event") -> str:
        move = f"  {e.from_ or NONE} {ARROW} {e.to}" if e.from_ != e.to else ""
        via = f" (via {e.via})" if e.via else ""
        return f"{short_time(e.at.isoformat())}  {e.actor}  {e.action}{via}{move}"

    def event(self, e: "Event", width: int) -> list[str]:
        """One event's lines; its text escaped (`printable`: it may come from users)."""
        from itsmctl.ui.output import printable

        lines = wrap(printable(self.header(e)), width, indent="", hang=INDENT)
        if e.note:
            lines += wrap(printable(e.note), width, indent=INDENT)
        for key, value in e.changes.items():
            text = self.recorded(key, value)
            if text:
                lines += wrap(printable(text), width, indent=INDENT, hang="  ")
        return lines

    def recorded(self, key: str, value: Any) -> str:
        """One entry of an event's `changes` in words: `[old, new]`, or the ids added or
        removed (a master's slaves: `slaves: + ID`); '' for status and anything else."""
        if key == "status":
            return ""
        if isinstance(value, list) and len(value) == 2:
            return self.change(key, value[0], value[1])
        if isinstance(value, dict) and value and set(value) <= {"added", "removed"}:
            marks = [f"+ {self.item(key, v)}" for v in value.get("added") or ()]
            marks += [f"- {self.item(key, v)}" for v in value.get("removed") or ()]
            return f"{field_name(key)}: " + "; ".join(marks) if marks else ""
        return ""

    def history(self, events: list["Event"], width: int) -> str:
        return "\n".join(line for e in events for line in self.event(e, width))


def field_name(key: str) -> str:
    """A field's name in the reader's language, part by part (`reporter.phone`)."""
    from itsmctl.ui.i18n import _

    return ".".join(_(part) for part in key.split("."))


def changes_text(policy: "Policy", e: "Event") -> str:
    """The changes of an event on one line (for CSV and tables)."""
    words = Words(policy)
    return "; ".join(x for x in (words.recorded(k, v) for k, v in e.changes.items()) if x)
