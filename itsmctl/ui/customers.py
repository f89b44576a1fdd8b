"""Click commands of the customer directory (B1): `customers import`, `customers show`."""

from __future__ import annotations

from typing import Optional

import click

from itsmctl.ui.main import State, emit, pass_state


@click.group("customers")
def customers_group() -> None:
    """The customer directory: import, show (B1).

    The directory (config/customers.yaml, or customers.csv for tens of thousands) lets
    `open --reporter-id ID` fill the reporter's name, phone, e-mail, kind, department
    and location, and lets mail from a known address name its customer (E1).

    \b
    Examples:
      itsmctl customers import hr-export.csv
      itsmctl customers import people.ldif --dry-run
      itsmctl customers show C10023
    """


@customers_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--keep", is_flag=True, help="Keep customers the file does not list (default: "
              "the file is the whole directory; the others are removed).")
@click.option("--format", "fmt", type=click.Choice(["yaml", "csv"]), help="The directory's "
              "file format (default: as it is; a new one is YAML up to 1,000 customers).")
@click.option("--dry-run", is_flag=True, help="Say what would change; write nothing.")
@pass_state
def import_cmd(state: State, file: str, keep: bool, fmt: Optional[str], dry_run: bool) -> None:
    """Write the directory from a CSV or LDIF file in one commit; prints what changed.

    CSV: a header row with id, name, phone, email, kind, department, location, in_scope
    (Chinese headers such as 工号, 姓名, 电话, 邮箱, 部门 are understood; UTF-8 or GB18030).
    LDIF: an LDAP export (uid, cn/displayName, mail, telephoneNumber, ou, l...).

    \b
    Examples:
      itsmctl customers import hr-export.csv
      ldapsearch -x -LLL '(objectClass=inetOrgPerson)' | itsmctl customers import -
      itsmctl customers import people.ldif --keep --dry-run
    """
    import sys

    from itsmctl.app.customers import import_file
    from itsmctl.errors import NotFound

    if file == "-":
        data, name = sys.stdin.buffer.read(), "stdin"
    else:
        try:
            with open(file, "rb") as fh:
                data, name = fh.read(), file
        except FileNotFoundError:
            raise NotFound(f"{file}: no such file", rule="B1") from None
        except OSError as exc:
            raise NotFound(f"{file}: {exc.strerror}", rule="B1") from None
    result = import_file(state.session, name, data, keep=keep, fmt=fmt, dry_run=dry_run)
    emit(state, result.line(), result.doc())


@customers_group.command("show")
@click.argument("customer")
@pass_state
def show_cmd(state: State, customer: str) -> None:
    """One customer of the directory, by id or e-mail.

    \b
    Examples:
      itsmctl customers show C10023
      itsmctl --json customers show wangwu@example.org
    """
    from itsmctl.app.customers import show

    found = show(state.session, customer)
    doc = found.model_dump()
    width = max(len(k) for k in doc)
    human = "\n".join(f"{k:<{width}}  {'' if v is None else v}" for k, v in doc.items())
    emit(state, human, doc)


COMMANDS = {"customers": customers_group}
