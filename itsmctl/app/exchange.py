"""Moving a desk in and out (W7): `export` every ticket with every field, `import` a file
of another tool (through a column mapping) or of this desk's own export, validated row
by row, as ONE commit through the write path."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Optional

from itsmctl.app.session import Session
from itsmctl.app.write import Tx, written
from itsmctl.errors import InvalidFile, UsageError

if TYPE_CHECKING:
    from itsmctl.core.exchange import Mapping
    from itsmctl.core.model import Ticket

OWN = "itsmctl"                 # this desk's own export: tickets restored as they were
PACKAGED = Path(__file__).resolve().parent.parent / "profiles" / "mappings"


# ---------------------------------------------------------------- export
def export_docs(session: Session, status: tuple[str, ...] = ()) -> Iterator[dict[str, Any]]:
    """Every ticket as stored (the file's keys, history included), oldest id first."""
    from itsmctl.app.queue import index_docs, read_tickets

    ids = sorted(d["id"] for d in index_docs(session, list(status) if status else None))
    skipped: list[str] = []
    with session.progress("exporting tickets") as progress:
        for start in range(0, len(ids), 500):
            for ticket in read_tickets(session, ids[start:start + 500], skipped):
                yield ticket.to_doc()
            progress(min(start + 500, len(ids)), len(ids))
    for line in skipped:
        session.say(f"itsmctl: skipped: {line}")


def csv_columns() -> list[str]:
    """The CSV export's columns: every ticket field, nested parts as `part.key`."""
    from itsmctl.core.exchange import NESTED
    from itsmctl.core.model import Ticket

    out = []
    for name, info in Ticket.model_fields.items():
        alias = info.alias or name
        if alias in NESTED:
            from itsmctl.core.exchange import _inner

            inner = _inner(info.annotation)
            out += [f"{alias}.{sub}" for sub in getattr(inner, "model_fields", {})]
        else:
            out.append(alias)
    return out


# ---------------------------------------------------------------- import
@dataclass
class Imported:
    """What an import made (or would make): tickets, or the problems that stopped it."""

    tickets: list["Ticket"] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    commit: Optional[str] = None
    mapping: str = OWN


def mapping_names(session: Session) -> dict[str, Path]:
    """Mappings by name: the desk's config/mappings/ first, then those shipped."""
    out: dict[str, Path] = {}
    for folder in (session.root / "config" / "mappings", PACKAGED):
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
            out.setdefault(path.stem, path)
    return out


def load_mapping(session: Session, given: str) -> "Mapping":
    from pydantic import ValidationError

    from itsmctl.core.exchange import Mapping
    from itsmctl.infra.yaml import load_config, plain

    path = Path(given)
    if not path.is_file():
        found = mapping_names(session).get(given)
        if found is None:
            known = ", ".join([OWN, *mapping_names(session)])
            raise UsageError(f"unknown mapping {given!r}: not a file, nor one of {known}",
                             rule="W7")
        path = found
    doc = plain(load_config(path.read_text(encoding="utf-8"), str(path)))
    try:
        return Mapping.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InvalidFile(f"{path}: {'.'.join(str(x) for x in err['loc'])}: {err['msg']}",
                          rule="W7") from None


def _rows(path: Path, mapping: Optional["Mapping"]) -> tuple[list[str], list[tuple[int, Any]]]:
    from itsmctl.infra.tabular import read_csv, read_json, read_xlsx

    suffix = path.suffix.lower()
    fmt = "xlsx" if suffix in (".xlsx", ".xlsm") else (mapping.format if mapping else None) \
        or ("json" if suffix == ".json" else "csv")
    encoding = mapping.encodings if mapping else ["utf-8-sig"]
    if fmt == "xlsx":
        return read_xlsx(path)
    if fmt == "json":
        rows = read_json(path, encoding)
        header = sorted({k for _, r in rows if isinstance(r, dict) for k in r})
        return header, rows
    return read_csv(path, encoding, mapping.delimiter if mapping else None)


def _own(header: list[str]) -> bool:
    return {"id", "title", "history"} <= set(header)


def import_file(session: Session, file: str, mapping: Optional[str] = None,
                dry_run: bool = False) -> Imported:
    """W7: every row checked first; then all tickets in one commit, or none."""
    from itsmctl.core.exchange import check_import

    path = Path(file)
    chosen = load_mapping(session, mapping) if mapping and mapping != OWN else None
    header, rows = _rows(path, chosen)
    if chosen is None and not _own(header):
        known = ", ".join([OWN, *mapping_names(session)])
        raise UsageError(f"{file} is not an itsmctl export; give --mapping (one of: {known}, "
                         "or a mapping file)", rule="W7")
    check_import(session.ctx)
    if dry_run:
        root = session.root
        from itsmctl.core.model import ticket_path

        return _build(session, path, header, rows, chosen,
                      lambda tid: not (root / ticket_path(tid)).exists())

    def decide(tx: Tx) -> Imported:
        # one listing of HEAD's tickets rather than a lookup per row (10,000 rows)
        from itsmctl.core.model import ticket_path
        from itsmctl.infra.tabular import ticket_ids

        there = ticket_ids(session.root, tx.parent)
        root = session.root
        got = _build(session, path, header, rows, chosen, lambda tid: tid not in there and
                     not (root / ticket_path(tid)).exists())
        if got.problems:
            return got
        with session.progress("importing tickets") as progress:
            for n, ticket in enumerate(got.tickets, 1):
                tx.save(ticket)
                if n % 200 == 0 or n == len(got.tickets):
                    progress(n, len(got.tickets))
        from itsmctl.app.write import commit_message

        note = f"{len(got.tickets)} tickets from {path.name} ({got.mapping})"
        tx.describe("import", note=note)
        if got.tickets:
            text = commit_message("import", got.tickets, session.actor, note)
            tx.message = f"import of {note} by {session.actor}\n" + text.split("\n", 1)[1]
        return got

    result, sha = written(session, decide)
    result.commit = sha
    return result


def _build(session: Session, path: Path, header: list[str], rows: list[tuple[int, Any]],
           mapping: Optional["Mapping"], free: Any) -> Imported:
    from itsmctl.core.exchange import Reader, RowError, restored, unflat
    from itsmctl.infra.store import new_id

    ctx = session.ctx
    out = Imported(mapping=mapping.name if mapping else OWN)
    seen: set[str] = set()

    def unused(tid: str) -> bool:
        return tid not in seen and free(tid)

    def fresh(opened: Any) -> str:
        for _ in range(50):
            tid = new_id(session.policy.desk.id_prefix, opened)
            if unused(tid):
                return tid
        raise RowError("could not find a free ticket id in 50 tries")

    reader = None
    where: dict[str, str] = {}
    if mapping is not None:
        try:
            reader = Reader(mapping, ctx, session.tz, path.name)
            where = reader.columns(header)
        except RowError as exc:
            raise InvalidFile(f"{path}:1: {exc.message}", rule="W7") from None
    with session.progress("checking the rows") as progress:
        for n, (line, row) in enumerate(rows, 1):
            try:
                if reader is None:
                    doc = row if isinstance(row.get("history"), list) else unflat(row)
                    ticket = restored(doc, ctx, path.name, unused)
                else:
                    if not isinstance(row, dict):
                        raise RowError("expected an object with the export's fields")
                    ticket = reader.ticket(row, where, unused, fresh)
            except RowError as exc:
                out.problems.append(f"{path}:{line}: {exc.message}")
                continue
            except ValueError as exc:       # an id the model refuses
                out.problems.append(f"{path}:{line}: {exc}")
                continue
            seen.add(ticket.id)
            out.tickets.append(ticket)
            if n % 200 == 0:
                progress(n, len(rows))
        progress(len(rows), len(rows))
    return out
