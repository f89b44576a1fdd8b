"""The customer directory on disk (B1): config/customers.yaml or .csv, read through an index.

A desk of 50,000 customers must not parse and validate 50,000 records on every `open`.
The directory is validated whole once, when the file changes (its stat is the key), into
.git/itsmctl/customers.sqlite; a command then looks one customer up by id or e-mail. The
index is a cache of the file, never a second truth: delete it and it is rebuilt.
Imports (CSV from a spreadsheet or an HR system, LDIF from an LDAP export) are parsed
here too; `app/customers.py` writes the result in one commit.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Optional

from itsmctl.errors import InvalidFile
from itsmctl.infra import lifetime

if TYPE_CHECKING:
    from itsmctl.core.policy.customers import Customer

FILES = ("config/customers.yaml", "config/customers.csv")
FORMAT = "2"
# spreadsheet headers (as Chinese desks export them) -> our columns
ALIASES = {
    "id": "id", "customer_id": "id", "工号": "id", "编号": "id", "客户编号": "id",
    "name": "name", "姓名": "name", "名称": "name",
    "phone": "phone", "telephone": "phone", "mobile": "phone", "电话": "phone", "手机": "phone",
    "email": "email", "e-mail": "email", "mail": "email", "邮箱": "email", "电子邮件": "email",
    "kind": "kind", "类型": "kind", "级别": "kind",
    "department": "department", "dept": "department", "部门": "department",
    "location": "location", "site": "location", "地点": "location", "位置": "location",
    "in_scope": "in_scope", "scope": "in_scope", "服务范围": "in_scope",
}
# LDAP attributes (inetOrgPerson and Active Directory) -> our columns, first found wins
LDAP = {
    "id": ("uid", "employeeNumber", "sAMAccountName", "cn"),
    "name": ("displayName", "cn", "name"),
    "phone": ("telephoneNumber", "mobile"),
    "email": ("mail",),
    "kind": ("employeeType",),
    "department": ("departmentNumber", "department", "ou"),
    "location": ("l", "physicalDeliveryOfficeName"),
}


def directory_file(root: Path) -> Optional[Path]:
    """The desk's directory file, or None when it keeps none."""
    for rel in FILES:
        path = root / rel
        if path.is_file():
            return path
    return None


# ---------------------------------------------------------------- reading files
def decode(data: bytes, where: str) -> str:
    """UTF-8 (with or without BOM); a spreadsheet saved in China is often GB18030."""
    for codec in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    raise InvalidFile(f"{where}: neither UTF-8 nor GB18030 text")


def csv_records(text: str, where: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line, record) of a CSV file with a header row; unknown columns are an error."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise InvalidFile(f"{where}:1: empty: expected a header row ({', '.join(ALIASES)})")
    columns = []
    for name in header:
        key = ALIASES.get(name.strip().lower()) or ALIASES.get(name.strip())
        if key is None:
            raise InvalidFile(f"{where}:1: unknown column {name!r}; columns: id, name, "
                              "phone, email, kind, department, location, in_scope")
        columns.append(key)
    if "id" not in columns or "name" not in columns:
        raise InvalidFile(f"{where}:1: the columns id and name are required")
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        yield reader.line_num, dict(zip(columns, row))


def yaml_records(text: str, where: str) -> Iterator[tuple[int, dict[str, Any]]]:
    import yaml

    from itsmctl.infra.libyaml import _Loader

    try:
        doc = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise InvalidFile(f"{where}{line}: not valid YAML") from None
    if not isinstance(doc, dict) or doc.get("version") != 1:
        raise InvalidFile(f"{where}: expected a mapping with version: 1 and customers:")
    unknown = set(doc) - {"version", "customers"}
    if unknown:
        raise InvalidFile(f"{where}: unknown key {sorted(unknown)[0]!r}")
    items = doc.get("customers") or []
    if not isinstance(items, list):
        raise InvalidFile(f"{where}: customers: expected a list")
    lines = _item_lines(text)
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise InvalidFile(f"{where}: customers.{i}: expected a mapping")
        yield (lines[i] if i < len(lines) else 0), item


def _item_lines(text: str) -> list[int]:
    """Line numbers of the top-level list items under `customers:` (for messages)."""
    out, inside = [], False
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith("customers:"):
            inside = True
        elif inside and line.lstrip().startswith("- ") and len(line) - len(line.lstrip()) <= 2:
            out.append(n)
    return out


def ldif_records(data: bytes, where: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Entries of an LDAP export (RFC 2849) mapped to our columns (LDAP above); entries
    without an id or a name (organisational units, groups) are skipped. URL values
    (`attr:< file://…`) are never followed."""
    from ldif import LDIFParser

    parser = LDIFParser(io.BytesIO(data), strict=False)
    try:
        for dn, entry in parser.parse():
            if not dn:
                continue
            attrs = {k.lower(): v for k, v in entry.items()}
            rec: dict[str, Any] = {}
            for column, names in LDAP.items():
                for name in names:
                    values = attrs.get(name.lower())
                    if values:
                        rec[column] = str(values[0])
                        break
            if rec.get("id") and rec.get("name"):
                yield parser.line_counter, rec
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidFile(f"{where}:{parser.line_counter}: not valid LDIF: {exc}") from None


def records(data: bytes, where: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Records of a directory or import file, by its name: .yaml/.yml, .csv, .ldif/.ldf."""
    low = where.lower()
    head = data.lstrip()[:200].lower()
    named = low.endswith((".yaml", ".yml", ".csv", ".txt"))
    if low.endswith((".ldif", ".ldf")) or (not named and head.startswith((b"dn:", b"dn::"))) \
            or (not named and re.match(rb"version:\s*1\s*\n+\s*dn::?", head)):
        return ldif_records(data, where)
    text = decode(data, where)
    if low.endswith((".yaml", ".yml")):
        return yaml_records(text, where)
    return csv_records(text, where)


def parse(data: bytes, where: str) -> dict[str, "Customer"]:
    """Every record validated; duplicate ids and bad values name their line."""
    from pydantic import ValidationError

    from itsmctl.core.policy.customers import Customer

    out: dict[str, Customer] = {}
    for line, rec in records(data, where):
        try:
            customer = Customer.model_validate(rec)
        except ValidationError as exc:
            err = exc.errors()[0]
            at = ".".join(str(x) for x in err["loc"]) or "(record)"
            raise InvalidFile(f"{where}:{line}: {at}: "
                              f"{err['msg'].removeprefix('Value error, ')}") from None
        if customer.id in out:
            raise InvalidFile(f"{where}:{line}: id {customer.id!r} appears twice")
        out[customer.id] = customer
    return out


# ---------------------------------------------------------------- writing files
def dump(customers: Iterable["Customer"], fmt: str) -> bytes:
    """A directory file: CSV with a header, or YAML with one flow mapping per customer."""
    from itsmctl.core.policy.customers import COLUMNS

    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(c.row() for c in customers)
        return buf.getvalue().encode()
    import yaml

    lines = ["# Customer directory (B1): open --reporter-id fills the reporter from it.",
             "# Written by `itsmctl customers import`; for tens of thousands use "
             "customers.csv.", "version: 1", "customers:"]
    for c in customers:
        doc = {k: v for k, v in c.model_dump().items() if v is not None}
        lines.append("  - " + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False,
                                             default_flow_style=True, width=1 << 20).strip())
    if lines[-1] == "customers:":
        lines[-1] = "customers: []"
    return ("\n".join(lines) + "\n").encode()


# ---------------------------------------------------------------- the index
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS customers (
    n INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, email TEXT, name TEXT, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS customers_email ON customers(email);
CREATE INDEX IF NOT EXISTS customers_name ON customers(name);
"""


def _stamp(path: Path) -> str:
    st = path.stat()
    return f"{FORMAT}:{path.name}:{st.st_mtime_ns}:{st.st_size}:{st.st_ino}"


class Directory:
    """The directory's index, caught up with its file."""

    def __init__(self, root: Path, path: Path) -> None:
        self.root, self.file = root, path
        cache = root / ".git" / "itsmctl" / "customers.sqlite"
        cache.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(cache, timeout=60, isolation_level=None)
        lifetime.opened(self.db)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(_SCHEMA)
        self._refresh()

    def close(self) -> None:
        lifetime.close(self.db)       # (a command line process keeps it: infra/lifetime.py)

    def _meta(self) -> Optional[str]:
        row = self.db.execute("SELECT value FROM meta WHERE key='stamp'").fetchone()
        return row[0] if row else None

    def _refresh(self) -> None:
        stamp = _stamp(self.file)
        if self._meta() == stamp:
            return
        where = self.file.relative_to(self.root).as_posix()
        customers = parse(self.file.read_bytes(), where)       # invalid: exit 4, no cache
        self.db.execute("BEGIN IMMEDIATE")
        try:
            if self._meta() != stamp:
                self.db.execute("DELETE FROM customers")
                self.db.executemany(
                    "INSERT INTO customers (id, email, name, doc) VALUES (?, ?, ?, ?)",
                    ((c.id, (c.email or "").lower() or None, c.name,
                      json.dumps(c.model_dump(), ensure_ascii=False))
                     for c in customers.values()))
                self.db.execute("INSERT OR REPLACE INTO meta VALUES ('stamp', ?)", (stamp,))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def _one(self, sql: str, args: tuple[Any, ...]) -> Optional["Customer"]:
        """The record as stored: validated when the directory was indexed, so its plain
        twin (no pydantic to import, issue 13) unless its fields are not the model's."""
        from itsmctl.core.policy.plain import CUSTOMER_FIELDS, PlainCustomer

        row = self.db.execute(sql, args).fetchone()
        if row is None:
            return None
        doc = json.loads(row[0])
        if tuple(doc) == CUSTOMER_FIELDS:
            return PlainCustomer(**doc)  # type: ignore[return-value]
        from itsmctl.core.policy.customers import Customer

        return Customer.model_validate(doc)

    def get(self, customer_id: str) -> Optional["Customer"]:
        return self._one("SELECT doc FROM customers WHERE id = ?", (customer_id,))

    def by_email(self, email: str) -> Optional["Customer"]:
        return self._one("SELECT doc FROM customers WHERE email = ? ORDER BY n LIMIT 1",
                         (email.strip().lower(),))

    def complete(self, prefix: str, limit: int = 50) -> list[tuple[str, str]]:
        """(id, name) of customers whose id or name starts with prefix."""
        like = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return list(self.db.execute(
            "SELECT id, name FROM customers WHERE id LIKE ? ESCAPE '\\' "
            "OR name LIKE ? ESCAPE '\\' ORDER BY n LIMIT ?", (like, like, limit)))

    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM customers").fetchone()[0])


def open_directory(root: Path) -> Optional[Directory]:
    """The desk's directory index, or None when the desk keeps no directory."""
    path = directory_file(root)
    return Directory(root, path) if path is not None else None

