"""The customer directory (B1): look a customer up, show one, import the directory.

`lookup(session, key)` is the one way front ends find a customer (by id, or by e-mail,
case-insensitive): `open --reporter-id`, the mail gateway (E1), the web form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from itsmctl.app.session import Session
from itsmctl.app.write import Tx, written
from itsmctl.errors import NotFound, UsageError

if TYPE_CHECKING:
    from itsmctl.core.intake import Intake
    from itsmctl.core.policy.customers import Customer


def lookup(session: Session, key: str) -> Optional["Customer"]:
    """The customer with this id, or with this e-mail address; None when unknown."""
    from itsmctl.infra.customers import open_directory

    key = (key or "").strip()
    if not key:
        return None
    directory = open_directory(session.root)
    if directory is None:
        return None
    try:
        found = directory.get(key)
        if found is None and "@" in key:
            found = directory.by_email(key)
        return found
    finally:
        directory.close()


def show(session: Session, customer_id: str) -> "Customer":
    found = lookup(session, customer_id)
    if found is None:
        raise NotFound(f"no customer {customer_id!r} in the directory "
                       "(config/customers.yaml or .csv)", rule="B1")
    return found


def complete(session: Session, prefix: str, limit: int = 50) -> list[tuple[str, str]]:
    """(id, name) of customers whose id or name starts with prefix (shell completion)."""
    from itsmctl.infra.customers import open_directory

    directory = open_directory(session.root)
    if directory is None:
        return []
    try:
        return directory.complete(prefix, limit)
    finally:
        directory.close()


def fill_reporter(session: Session, intake: "Intake") -> None:
    """B1: `--reporter-id` fills the reporter from the directory (what was typed wins).

    Alone it must name a customer; with the reporter's name typed too it is recorded as
    given (a customer not in the directory yet). A customer out of scope makes `open`
    suggest --out-of-scope (L2)."""
    rid = (intake.reporter.get("id") or "").strip()
    if not rid:
        return
    customer = lookup(session, rid)
    if customer is None:
        if intake.reporter.get("name"):
            return
        raise NotFound(f"unknown customer id {rid!r} (config/customers.yaml or .csv); give "
                       "--reporter-name too to record a reporter not in the directory",
                       rule="B1")
    typed = {k: v for k, v in intake.reporter.items() if v}
    intake.reporter = {**customer.reporter(), **typed, "id": customer.id}
    if intake.location is None and customer.location:
        intake.location = customer.location
    if not customer.in_scope and not intake.out_of_scope:
        session.say(f"itsmctl: [B1] {customer.id} {customer.name} is outside the desk's "
                    "scope: open --out-of-scope records it and tells them (L2)")


@dataclass
class ImportResult:
    """What `customers import` did: the counts and the ids of each kind of change."""

    file: str
    total: int
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    commit: Optional[str] = None
    dry_run: bool = False

    def line(self) -> str:
        verb = "would write" if self.dry_run else "wrote"
        return (f"{verb} {self.file}: {self.total} customers; {len(self.added)} added, "
                f"{len(self.changed)} changed, {len(self.removed)} removed")

    def doc(self) -> dict[str, Any]:
        return {"file": self.file, "total": self.total, "added": self.added,
                "changed": self.changed, "removed": self.removed, "commit": self.commit,
                "dry_run": self.dry_run}


def import_file(session: Session, source: str, data: bytes, keep: bool = False,
                fmt: Optional[str] = None, dry_run: bool = False) -> ImportResult:
    """B1: the directory from a CSV or LDIF file, in one commit, with what changed.

    The file is the whole directory (an export from HR or LDAP): customers missing from
    it are removed, unless `keep`. The directory keeps its format; a new one is YAML up
    to 1,000 customers and CSV beyond (or as `fmt` says)."""
    from itsmctl.core.permissions import require
    from itsmctl.core.policy.customers import changes
    from itsmctl.infra.customers import FILES, directory_file, dump, parse

    require(session.policy, session.actor, "customers-import")
    incoming = parse(data, source)
    existing = directory_file(session.root)
    if fmt is None:
        fmt = (existing.suffix.lstrip(".") if existing is not None
               else ("yaml" if len(incoming) <= 1000 else "csv"))
    if fmt not in ("yaml", "csv"):
        raise UsageError(f"--format {fmt}: yaml or csv", rule="B1")
    target = f"config/customers.{fmt}"

    def decide(tx: Tx) -> ImportResult:
        old: dict[str, Any] = {}
        for rel in FILES:
            found = tx.read(rel)
            if found is not None:
                old.update(parse(found, rel))
        new = dict(incoming)
        if keep:
            new = {**old, **incoming}
        added, changed, removed = changes(old, new)
        result = ImportResult(target, len(new), added, changed, removed, dry_run=dry_run)
        if dry_run or not (added or changed or removed or existing is None
                           or existing.name != Path(target).name):
            return result
        for rel in FILES:
            if rel != target and tx.read(rel) is not None:
                tx.write(rel, None)            # the directory changes format: one file
        tx.write(target, dump(new.values(), fmt))
        tx.message = _message(session, result, Path(source).name)
        return result

    result, sha = written(session, decide)
    result.commit = sha
    return result


def _message(session: Session, result: ImportResult, source: str) -> str:
    def some(ids: list[str]) -> str:
        return ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")

    lines = [f"customers: import {source}: {len(result.added)} added, {len(result.changed)} "
             f"changed, {len(result.removed)} removed by {session.actor}", ""]
    for word, ids in (("added", result.added), ("changed", result.changed),
                      ("removed", result.removed)):
        if ids:
            lines.append(f"{word}: {some(ids)}")
    lines += ["", "Itsmctl-Action: customers-import", f"Itsmctl-Actor: {session.actor}"]
    return "\n".join(lines) + "\n"
