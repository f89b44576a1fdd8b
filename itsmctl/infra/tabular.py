"""Reading another tool's export (W7): CSV with its delimiter guessed, JSON (a list,
or a list under `tickets`/`data`/`items`/`objects`, iTop's REST shape included), or an
Excel workbook's first sheet (.xlsx, through openpyxl when installed), each row with
the line (or sheet row) it starts on, so every problem can be named `file:line`."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any, Optional, Sequence, Union

from itsmctl.errors import InvalidFile

Rows = list[tuple[int, dict[str, Any]]]
DELIMITERS = (",", ";", "\t", "|")
csv.field_size_limit(2 ** 31 - 1)


def read_text(path: Path, encoding: Union[str, Sequence[str]]) -> str:
    """The file's text in the first of the encodings that reads it whole."""
    names = [encoding] if isinstance(encoding, str) else list(encoding)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InvalidFile(f"{path}: no such file", rule="W7") from None
    except OSError as exc:
        raise InvalidFile(f"{path}: unreadable: {exc.strerror or exc}", rule="W7") from None
    for name in names:
        try:
            return data.decode(name)
        except UnicodeDecodeError as exc:
            error = exc
    line = 1 + data.count(b"\n", 0, error.start)
    raise InvalidFile(f"{path}:{line}: not {' nor '.join(names)} ({error.reason} at byte "
                      f"{error.start}); set `encoding:` in the mapping", rule="W7")


def read_csv(path: Path, encoding: Union[str, Sequence[str]],
             delimiter: Optional[str]) -> tuple[list[str], Rows]:
    """(header, rows with the line each starts on)."""
    text = read_text(path, encoding)
    first = text.split("\n", 1)[0]
    if delimiter is None:
        delimiter = max(DELIMITERS, key=first.count)
    reader = csv.reader(text.splitlines(keepends=True), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InvalidFile(f"{path}: empty file", rule="W7") from None
    except csv.Error as exc:
        raise InvalidFile(f"{path}:1: {exc}", rule="W7") from None
    rows: Rows = []
    line = reader.line_num
    while True:
        start = line + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise InvalidFile(f"{path}:{start}: {exc}", rule="W7") from None
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(header):
            raise InvalidFile(f"{path}:{start}: {len(values)} fields but the header has "
                              f"{len(header)}", rule="W7")
        rows.append((start, dict(zip(header, values))))
    return header, rows


def read_xlsx(path: Path) -> tuple[list[str], Rows]:
    """(header, rows with their sheet row) of a workbook's first sheet: the first
    non-empty row names the columns. Cells come back as the text a CSV would hold:
    dates as ISO 8601, whole numbers without `.0` (phone numbers, ids)."""
    try:
        import openpyxl  # maintained reader of Excel 2010+ files; optional ([xlsx] extra)
    except ImportError:
        from itsmctl.errors import UsageError

        raise UsageError(f"{path}: reading .xlsx needs openpyxl (pip install openpyxl, or "
                         "the itsmctl[xlsx] extra); or save the sheet as CSV",
                         rule="W7") from None
    import zipfile

    if not path.is_file():
        raise InvalidFile(f"{path}: no such file", rule="W7")
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise InvalidFile(f"{path}: not an Excel workbook (.xlsx): {exc}", rule="W7") from None
    try:
        sheet = book.worksheets[0]
        header: list[str] = []
        rows: Rows = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            if not any(c.strip() for c in cells):
                continue
            if not header:
                header = [c.strip() for c in cells]
                while header and not header[-1]:
                    header.pop()
                continue
            if any(c.strip() for c in cells[len(header):]):
                raise InvalidFile(f"{path}:{number}: a value right of the last named column "
                                  f"({len(header)} columns)", rule="W7")
            rows.append((number, dict(zip(header, cells))))
    finally:
        book.close()
    if not header:
        raise InvalidFile(f"{path}: empty sheet", rule="W7")
    return header, rows


def _cell_text(value: Any) -> str:
    from datetime import date, datetime, time

    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


def read_json(path: Path, encoding: Union[str, Sequence[str]]) -> Rows:
    """The objects of a JSON export with the line each starts on."""
    text = read_text(path, encoding)
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise InvalidFile(f"{path}: not JSON: {exc}", rule="W7") from None
    items: Any = doc
    if isinstance(doc, dict):
        for key in ("tickets", "data", "items", "objects"):
            if key in doc:
                items = doc[key]
                break
        else:
            items = [doc]
    if isinstance(items, dict):
        items = list(items.values())
    if not isinstance(items, list):
        raise InvalidFile(f"{path}: expected a list of tickets", rule="W7")
    lines = _item_lines(text) if isinstance(doc, list) else [1] * len(items)
    out: Rows = []
    for n, item in enumerate(items):
        if isinstance(item, dict) and isinstance(item.get("fields"), dict):
            item = {**item["fields"], **{k: v for k, v in item.items() if k != "fields"}}
        out.append((lines[n] if n < len(lines) else 1, item))
    return out


def _item_lines(text: str) -> list[int]:
    """The line where each item of a top-level JSON array starts."""
    decoder = json.JSONDecoder()
    at = text.index("[") + 1
    lines: list[int] = []
    line, seen = 1 + text.count("\n", 0, at), at
    while True:
        while at < len(text) and text[at] in " \t\r\n,":
            at += 1
        if at >= len(text) or text[at] == "]":
            return lines
        line += text.count("\n", seen, at)
        seen = at
        lines.append(line)
        _, at = decoder.raw_decode(text, at)


def ticket_ids(root: Path, commit: Optional[str]) -> set[str]:
    """The ids of the ticket files a commit holds (one `git ls-tree`)."""
    if not commit:
        return set()
    from itsmctl.infra import git

    out = git.run(root, "ls-tree", "-r", "--name-only", "-z", commit, "--", "tickets")
    return {Path(p.decode()).stem for p in out.split(b"\0") if p.endswith(b".yaml")}
