"""W7: moving a desk in and out. Pure: rows in, tickets (or row errors) out; tickets in,
flat rows out.

Import reads two kinds of rows:

- this desk's own export (`export --format json`, or the CSV of `export`): each
  ticket comes back as it was, ids kept, with one `import` event appended that says
  where it came from (audit accepts the history before an import event as the source
  desk's record, vouched for by whoever imported it);
- another tool's export through a column mapping (`Mapping`: GLPI, iTop, OTRS and
  spreadsheets ship with itsmctl): each row becomes a ticket whose history is one `import` event, at
  the time the source says the ticket was opened, leading to the mapped status.

Every row is checked; a problem is a `RowError` the app reports as `file:line`.
"""

from __future__ import annotations

import codecs
import json
import re
from datetime import datetime, timedelta, tzinfo
from typing import Any, Callable, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, field_validator

from itsmctl.core import priority as prio
from itsmctl.core.classification import validate_classification
from itsmctl.core.events import Ctx, record
from itsmctl.core.model import ID_RE, STATUSES, TYPES, Classification, Event, Ticket
from itsmctl.core.permissions import require
from itsmctl.errors import ItsmError

FIELDS = ("id", "external_id", "title", "description", "type", "source", "status", "impact",
          "urgency", "opened_at", "resolved_at", "closed_at", "group", "assignee",
          "reporter_id", "reporter_name", "reporter_phone", "reporter_email",
          "reporter_kind", "reporter_department", "location", "cis", "classification",
          "category", "subtype", "symptom", "causation", "solution", "close_code",
          "wait_code", "notes")
SOURCES = ("phone", "email", "web", "monitoring", "staff", "transfer")
ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class RowError(Exception):
    """One row cannot be imported; `message` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Mapping(BaseModel):
    """A column mapping: how another tool's export reads as tickets (W7)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = 1
    name: str  # the tool, as the import note names it
    # default: from the file's suffix; an .xlsx workbook is always read as one
    format: Optional[Literal["csv", "json", "xlsx"]] = None
    delimiter: Optional[str] = None  # CSV: the separator (default: guessed from the header)
    # the file's encoding, or several tried in turn (utf-8-sig also reads plain UTF-8;
    # a spreadsheet saved as CSV on a Chinese Windows is GB18030)
    encoding: Union[str, list[str]] = "utf-8-sig"
    # times without an offset are in the desk's time zone; ISO 8601 is always accepted
    date_formats: list[str] = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"]
    # ticket field -> the export's column names, any of them (case and spaces ignored)
    columns: dict[str, list[str]]
    # field -> the export's value -> this desk's (case ignored); `#1` is the first
    # configured level of impact or urgency, `#last` the last
    values: dict[str, dict[str, Optional[str]]] = {}
    defaults: dict[str, str] = {}  # field -> value when the column is missing or empty
    split: dict[str, str] = {}  # field -> separator: cis (a list), classification (a path)
    # fields whose unknown values are kept as text in the description instead of refused
    # (group, assignee, classification, close_code); a ticket that loses its group goes
    # back to `new` for the desk to dispatch
    lenient: list[str] = []
    id_from_number: bool = True  # a numeric source id gives a stable ticket id

    @field_validator("encoding")
    @classmethod
    def _known_encodings(cls, value: Union[str, list[str]]) -> Union[str, list[str]]:
        for name in [value] if isinstance(value, str) else value:
            try:
                codecs.lookup(name)
            except LookupError:
                raise ValueError(f"unknown encoding {name!r}") from None
        if not value:
            raise ValueError("give at least one encoding")
        return value

    @property
    def encodings(self) -> list[str]:
        return [self.encoding] if isinstance(self.encoding, str) else list(self.encoding)


def ticket_id_for(prefix: str, opened: datetime, number: str) -> Optional[str]:
    """A stable id for a numeric source id: the same row always gets the same id."""
    number = re.sub(r"[\s,.\u00a0\u202f]", "", number)    # 1 234, 1,234: grouped digits
    if not number.isdigit() or int(number) >= 32 ** 5:
        return None
    n, out = int(number), ""
    for _ in range(5):
        n, r = divmod(n, 32)
        out = ID_ALPHABET[r] + out
    return f"{prefix}-{opened:%y%m}-{out}"


def _norm(text: str) -> str:
    return re.sub(r"[\s_]+", " ", text.strip().casefold())


class Reader:
    """One mapping applied to rows of one file, against one desk's policy."""

    def __init__(self, mapping: Mapping, ctx: Ctx, tz: tzinfo, source: str) -> None:
        unknown = set(mapping.columns) - set(FIELDS)
        if unknown:
            raise RowError(f"mapping {mapping.name}: unknown fields "
                           f"{', '.join(sorted(unknown))}; known: {', '.join(FIELDS)}")
        self.mapping, self.ctx, self.tz, self.source = mapping, ctx, tz, source
        self.policy = ctx.policy
        self.values = {f: {_norm(k): v for k, v in m.items()} for f, m in mapping.values.items()}
        self.lenient = set(mapping.lenient)
        self.dropped: list[str] = []

    def _unknown(self, name: str, raw: str, message: str) -> None:
        """A value the desk does not know: kept as text (lenient), else refused."""
        if name in self.lenient:
            self.dropped.append(f"{name}: {raw}")
            return
        raise RowError(message)

    def columns(self, header: list[str]) -> dict[str, str]:
        """Field -> the header's column that holds it."""
        have = {_norm(h): h for h in header}
        out = {}
        for fieldname, names in self.mapping.columns.items():
            for name in names:
                if _norm(name) in have:
                    out[fieldname] = have[_norm(name)]
                    break
        if "title" not in out and "description" not in out:
            wanted = ", ".join(self.mapping.columns.get("title", ["title"]))
            raise RowError(f"no title column (looked for {wanted}) in the header: "
                           f"{', '.join(header)}")
        return out

    # ---- one row
    def ticket(self, row: dict[str, Any], where: dict[str, str],
               free: Callable[[str], bool], new: Callable[[datetime], str]) -> Ticket:
        """The ticket of one row; `free` says whether an id is unused, `new` makes a
        fresh id in the month a ticket was opened."""
        def cell(name: str) -> Optional[str]:
            raw = row.get(where[name]) if name in where else None
            text = "" if raw is None else str(raw).strip()
            return text or self.mapping.defaults.get(name) or None

        policy, matrix = self.policy, self.policy.matrix
        self.dropped = []
        title = cell("title") or _first_line(cell("description") or "")
        if not title:
            raise RowError("no title (and no description to take one from)")
        opened = self.time(cell("opened_at"), "opened_at") or self.ctx.now
        status = self.value("status", cell("status"), STATUSES) or "new"
        kind = self.value("type", cell("type"), TYPES) or "incident"
        source = self.value("source", cell("source"), SOURCES) or "phone"
        impact = self.level("impact", cell("impact"), matrix.impact_levels)
        if impact is None:
            impact = matrix.impact_levels[-1]
        urgency = self.level("urgency", cell("urgency"), matrix.urgency_levels)
        if urgency is None:
            urgency = prio.default_urgency(matrix, cell("reporter_kind"), kind)
        priority = prio.compute(matrix, impact, str(urgency))
        group = self.group(cell("group"))
        assignee = self.person(cell("assignee"), "assignee")
        cls = self.classification(cell)
        ticket_id = self.ticket_id(cell("id"), opened, free) or new(opened)
        resolved = self.time(cell("resolved_at"), "resolved_at")
        closed = self.time(cell("closed_at"), "closed_at")
        fields: dict[str, Any] = {}
        if status in ("resolved", "closed"):
            resolved = resolved or closed or opened
            fields.update(resolved_at=resolved, resolved_group=group or
                          policy.teams.desk_group,
                          solution=cell("solution") or "imported without a solution")
        if status == "closed":
            code = self.value("close_code", cell("close_code"), list(policy.codes.close)) \
                or "solved"
            fields.update(closed_at=closed or resolved, close_code=code)
        if status == "waiting":
            wait_code = self.value("wait_code", cell("wait_code"), list(policy.codes.wait))
            if wait_code is None:
                raise RowError(f"a waiting ticket needs a wait code: map wait_code or give "
                               f"defaults.wait_code (one of: {', '.join(policy.codes.wait)})")
            fields["wait"] = {"code": wait_code, "since": opened,
                              "resume_to": "in_progress" if assignee else "assigned"}
        if status in ("assigned", "in_progress", "waiting") and group is None:
            if "group" not in self.lenient:
                raise RowError(f"a {status} ticket needs a group: map the group column")
            self.dropped.append(f"status: {cell('status')} (back to new: no group here)")
            status, assignee, fields = "new", None, {}
        reporter = {k: cell(f"reporter_{k}") for k in
                    ("id", "name", "phone", "email", "kind", "department")}
        cis = self.split_list(cell("cis"))
        ref = cell("external_id") or cell("id")
        note = f"imported from {self.source}" + (f" ({self.mapping.name} #{ref})" if ref
                                                  else f" ({self.mapping.name})")
        notes = cell("notes")
        description = cell("description") or ""
        if notes:
            description = (description + "\n\n" + notes).strip()
        if self.dropped:
            description = (description + f"\n\n{self.mapping.name}: " + "; ".join(
                self.dropped)).strip()
        doc = {
            "id": ticket_id, "title": " ".join(title.split())[:200], "type": kind,
            "source": source, "status": status, "impact": impact, "urgency": urgency,
            "priority": priority, "major": prio.is_major(matrix, impact, priority),
            "group": group, "assignee": assignee if status != "new" else None,
            "opened_by": self.ctx.actor, "opened_at": opened, "updated_at": self.ctx.now,
            "description": description,
            "reporter": {k: v for k, v in reporter.items() if v} or None,
            "location": cell("location"), "classification": cls.model_dump(),
            "links": {"cis": cis}, **fields,
            "history": [Event(at=opened, actor=self.ctx.actor, action="import", to=status,
                              changes={"priority": [None, priority]},
                              note=f"{note} on {self.ctx.now.isoformat()}").model_dump(
                by_alias=True)]}
        try:
            return Ticket.model_validate(doc)
        except ValueError as exc:
            raise RowError(_first_error(exc)) from None

    def ticket_id(self, given: Optional[str], opened: datetime,
                  free: Callable[[str], bool]) -> Optional[str]:
        """The row's id when it is ours or a number (`id_from_number`); None: a new one."""
        wanted = None
        if given and ID_RE.match(given.upper()):
            wanted = given.upper()
        elif given and self.mapping.id_from_number:
            wanted = ticket_id_for(self.policy.desk.id_prefix, opened, given)
        if wanted is not None and not free(wanted):
            raise RowError(f"ticket {wanted} already exists (id {given})")
        return wanted

    def _mapped(self, name: str, raw: str) -> Any:
        """The mapping's value for a raw cell of column `name` (the raw text if unmapped)."""
        table = self.values.get(name, {})
        return table.get(_norm(raw), raw) if table else raw

    def value(self, name: str, raw: Optional[str], known: Any) -> Optional[str]:
        if raw is None:
            return None
        value = self._mapped(name, raw)
        if value is None:
            return None
        if value not in known:
            listed = ", ".join(sorted(self.mapping.values.get(name, {}))) or \
                ", ".join(str(k) for k in known)
            self._unknown(name, raw, f"{name} {raw!r} is not known; the mapping knows: "
                                     f"{listed}")
            return None
        return value

    def level(self, name: str, raw: Optional[str], levels: list[Any]) -> Any:
        if raw is None:
            return None
        value = self._mapped(name, raw)
        if value is None:
            return None
        if value.startswith("#"):
            rank = len(levels) if value == "#last" else int(value[1:] or 0)
            return levels[max(1, min(rank, len(levels))) - 1]
        for level in levels:
            if str(level) == str(value):
                return level
        raise RowError(f"{name} {raw!r} is not known; one of: "
                       f"{', '.join(str(x) for x in levels)} or a mapping in values.{name}")

    def time(self, raw: Optional[str], name: str) -> Optional[datetime]:
        if raw is None:
            return None
        text = raw.strip()
        for fmt in self.mapping.date_formats:
            try:
                value = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            try:
                value = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise RowError(f"{name} {raw!r} is not a time in "
                               f"{' or '.join(self.mapping.date_formats)}") from None
        if value.tzinfo is None:
            value = value.replace(tzinfo=self.tz)
        if value > self.ctx.now + timedelta(minutes=5):
            raise RowError(f"{name} {raw!r} is in the future")
        return value

    def group(self, raw: Optional[str]) -> Optional[str]:
        if raw is None:
            return None
        table = self.values.get("group", {})
        value = table.get(_norm(raw), raw) if table else raw
        if value is None:
            return None
        groups = self.policy.teams.groups
        if value in groups:
            return value
        for gid, g in groups.items():
            if g.label and _norm(g.label) == _norm(value):
                return gid
        self._unknown("group", raw, f"group {raw!r} is not a group of teams.yaml "
                                    f"({', '.join(groups)}); map it in values.group")
        return None

    def person(self, raw: Optional[str], name: str) -> Optional[str]:
        if raw is None:
            return None
        value = self._mapped(name, raw)
        if value is None:
            return None
        teams = self.policy.teams
        found = teams.find(value)
        if found is None:
            found = next((pid for pid, p in teams.people.items()
                          if _norm(value) in (_norm(pid), _norm(p.name))), None)
        if found is None:
            self._unknown(name, raw, f"{name} {raw!r} is not a person of teams.yaml (by id, "
                                     f"e-mail or name); map it in values.{name}")
        return found

    def classification(self, cell: Callable[[str], Optional[str]]) -> Classification:
        parts: dict[str, Optional[str]] = {k: cell(k) for k in
                                           ("category", "subtype", "symptom", "causation")}
        path = cell("classification")
        if path is not None:
            table = self.values.get("classification", {})
            mapped = table.get(_norm(path), path) if table else path
            if mapped is not None:
                sep = self.mapping.split.get("classification", "/")
                pieces = [p.strip() for p in re.split(r"\s*(?:/|>)\s*", mapped)] \
                    if sep == "/" else [p.strip() for p in mapped.split(sep)]
                for key, piece in zip(("category", "subtype", "symptom"), pieces):
                    parts[key] = parts[key] or piece or None
        cls = Classification(**self._known_classes(parts))
        try:
            validate_classification(self.policy, cls, "W7")
        except ItsmError as exc:
            shown = path or "/".join(v for v in parts.values() if v)
            self._unknown("classification", shown, exc.message)
            return Classification()
        return cls

    def _known_classes(self, parts: dict[str, Optional[str]]) -> dict[str, Optional[str]]:
        """Category, subtype, symptom and causation by id or label, case ignored."""
        def pick(value: Optional[str], options: dict[str, str]) -> Optional[str]:
            if value is None:
                return None
            want = _norm(value)
            return next((k for k, label in options.items()
                         if want in (_norm(k), _norm(label))), value)

        cats = self.policy.categories.categories
        out = dict(parts)
        out["category"] = pick(parts["category"], {k: c.label for k, c in cats.items()})
        cat = cats.get(out["category"] or "")
        if cat is not None:
            out["subtype"] = pick(parts["subtype"], {k: v.label for k, v in cat.subtypes.items()})
            sub = cat.subtypes.get(out["subtype"] or "")
            if sub is not None:
                out["symptom"] = pick(parts["symptom"], dict(sub.symptoms))
                out["causation"] = pick(parts["causation"], dict(sub.causations))
        return out

    def split_list(self, raw: Optional[str]) -> list[str]:
        if raw is None:
            return []
        sep = self.mapping.split.get("cis")
        pieces = raw.split(sep) if sep else re.split(r"[,;\n]", raw)
        out: list[str] = []
        for piece in (p.strip() for p in pieces):
            if piece and piece not in out:
                out.append(piece)
        return out


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _first_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        err = errors()[0]
        return f"{'.'.join(str(x) for x in err['loc'])}: {err['msg']}"
    return str(exc)


# ---------------------------------------------------------------- this desk's own export
def restored(doc: Any, ctx: Ctx, source: str, free: Callable[[str], bool]) -> Ticket:
    """A ticket of this desk's export as it was, with an `import` event appended."""
    if not isinstance(doc, dict):
        raise RowError("expected a ticket (a JSON object)")
    doc = {k: v for k, v in doc.items() if k != "sla"}       # live clocks: recomputed
    try:
        before = Ticket.model_validate(doc)
    except ValueError as exc:
        raise RowError(_first_error(exc)) from None
    if not free(before.id):
        raise RowError(f"ticket {before.id} already exists")
    after = before.evolve(updated_at=ctx.now)
    return record(before.to_doc(), after, ctx, "import",
                  note=f"imported from {source} on {ctx.now.isoformat()}")


def check_import(ctx: Ctx) -> None:
    """I2: who may import (the transition table's `import` row)."""
    require(ctx.policy, ctx.actor, "import")


# ---------------------------------------------------------------- flat rows for CSV
NESTED = ("reporter", "alert", "classification", "counters", "wait", "links", "announcement",
          "visit")


def flat(doc: dict[str, Any]) -> dict[str, str]:
    """A ticket as one CSV row: nested parts as `part.key`, lists and maps as JSON."""
    out: dict[str, str] = {}
    for key, value in doc.items():
        if key in NESTED and isinstance(value, dict):
            for sub, v in value.items():
                out[f"{key}.{sub}"] = _cell(v)
        elif key in NESTED:
            out[f"{key}"] = _cell(value)
        else:
            out[key] = _cell(value)
    return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def unflat(row: dict[str, str]) -> dict[str, Any]:
    """The inverse of `flat`, typed by the ticket model's fields."""
    doc: dict[str, Any] = {}
    for key, text in row.items():
        if key is None:
            continue
        top, _, sub = key.partition(".")
        model = Ticket.model_fields.get(top)
        if model is None:
            doc[key] = text
            continue
        if sub:
            part_type = _inner(model.annotation)
            field = getattr(part_type, "model_fields", {}).get(sub)
            if text != "":
                value = _typed(text, field.annotation if field is not None else str)
                doc.setdefault(top, {})[sub] = value
        else:
            doc[top] = _typed(text, model.annotation)
    return doc


def _inner(annotation: Any) -> Any:
    for arg in getattr(annotation, "__args__", ()) or ():
        if isinstance(arg, type) and hasattr(arg, "model_fields"):   # a ticket part
            return arg
    return annotation


def _typed(text: str, annotation: Any) -> Any:
    if text == "":
        return "" if annotation is str else None
    if annotation is str or _is_text(annotation):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def _is_text(annotation: Any) -> bool:
    """str, Optional[str], a Literal of strings, a datetime: kept as the text it is."""
    args = [a for a in getattr(annotation, "__args__", ()) or () if a is not type(None)]
    if annotation is datetime or datetime in args:
        return True
    if getattr(annotation, "__origin__", None) is Literal:
        return all(isinstance(a, str) for a in args)
    if getattr(annotation, "__origin__", None) is Union:
        return bool(args) and all(a is str or _is_text(a) for a in args)
    return False
