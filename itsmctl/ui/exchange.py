"""Click commands moving a desk in and out (W7): export, import."""

from __future__ import annotations

from typing import IO, Optional

import click

from itsmctl.errors import Findings
from itsmctl.ui.main import State, emit, pass_state


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json",
              show_default=True, help="json: one object per ticket, exactly as stored "
              "(imports back unchanged); csv: one row per ticket, nested parts as "
              "part.key columns, lists as JSON.")
@click.option("--status", multiple=True, help="Only these statuses (repeatable; default: "
              "every ticket).")
@click.option("--out", metavar="FILE", help="Write to FILE instead of standard output.")
@pass_state
def export_cmd(state: State, fmt: str, status: tuple[str, ...], out: Optional[str]) -> None:
    """Every ticket with every field, as JSON or CSV (W7).

    \b
    Examples:
      itsmctl export > desk.json
      itsmctl export --format csv --out desk.csv
      itsmctl export --status closed | jq length
      itsmctl --repo new-desk import desk.json     # the same tickets, ids kept
    """
    from itsmctl.app.exchange import export_docs
    from itsmctl.core.filters import Filters, check

    session = state.session
    status = check(Filters.of(status=status), session.policy, None).status
    docs = export_docs(session, status)
    stream: IO[str] = open(out, "w", encoding="utf-8", newline="") if out else \
        click.get_text_stream("stdout")
    try:
        if fmt == "csv":
            _csv(stream, docs)
        else:
            _json(stream, docs)
    finally:
        if out:
            stream.close()
    for message in session.messages:            # what was skipped, on stderr
        click.echo(message, err=True)


def _json(stream: IO[str], docs: object) -> None:
    import json

    stream.write("[")
    first = True
    for doc in docs:  # type: ignore[attr-defined]
        stream.write("\n" if first else ",\n")
        stream.write(json.dumps(doc, ensure_ascii=False))
        first = False
    stream.write("\n]\n" if not first else "]\n")


def _csv(stream: IO[str], docs: object) -> None:
    import csv

    from itsmctl.app.exchange import csv_columns
    from itsmctl.core.exchange import flat

    writer = csv.DictWriter(stream, fieldnames=csv_columns(), extrasaction="ignore")
    writer.writeheader()
    for doc in docs:  # type: ignore[attr-defined]
        writer.writerow(flat(doc))


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--mapping", metavar="NAME|FILE", help="The columns of another tool's export: "
              "glpi, itop, otrs, or spreadsheet (a sheet saved as CSV, English or Chinese "
              "column names); the desk's config/mappings/NAME.yaml; or a mapping file. "
              "Not needed for itsmctl's own export.")
@click.option("--dry-run", is_flag=True, help="Check every row and print what would be "
              "created; commit nothing.")
@pass_state
def import_cmd(state: State, file: str, mapping: Optional[str], dry_run: bool) -> None:
    """Bring tickets in from a CSV or JSON export, in one commit (W7).

    An Excel workbook (.xlsx) is read too: its first sheet, the first row naming
    the columns (needs openpyxl). Every row is checked first; any problem is
    printed as FILE:LINE: message (exit 4) and nothing is imported. Ids are kept
    when the file gives them (this desk's own ids, or a numeric id of the other
    tool, which gives the same ticket id every time). Each ticket's history
    records where it came from.

    \b
    Examples:
      itsmctl import glpi-tickets.csv --mapping glpi --dry-run
      itsmctl import glpi-tickets.csv --mapping glpi
      itsmctl import itop-requests.csv --mapping itop
      itsmctl import 工单台账.csv --mapping spreadsheet
      itsmctl import 工单台账.xlsx --mapping spreadsheet  # first sheet; needs openpyxl
      itsmctl import desk.json                     # an itsmctl export: ids and history kept
    """
    from itsmctl.app.exchange import import_file
    from itsmctl.ui.output import short_time, table

    result = import_file(state.session, file, mapping, dry_run)
    if result.problems:
        if state.json:
            emit(state, "", {"ok": False, "problems": result.problems})
        else:
            for line in result.problems:
                click.echo(line, err=True)
        raise Findings(f"{len(result.problems)} problem(s)", exit_code=4, rule="W7")
    docs = [{"id": t.id, "status": t.status, "priority": t.priority,
             "opened_at": t.opened_at.isoformat(), "title": t.title} for t in result.tickets]
    if state.json:
        emit(state, "", {"ok": True, "dry_run": dry_run, "mapping": result.mapping,
                         "commit": result.commit, "tickets": docs})
        return
    verb = "would import" if dry_run else "imported"
    summary = f"{verb} {len(docs)} ticket(s) from {file} ({result.mapping})"
    if result.commit:
        summary += f" in commit {result.commit[:10]}"
    if dry_run:
        rows = [[d["id"], d["status"], d["priority"], short_time(d["opened_at"]), d["title"]]
                for d in docs]
        summary = table(rows, ("id", "status", "priority", "opened", "title")) + "\n" + summary
    emit(state, summary)


COMMANDS = {"export": export_cmd, "import": import_cmd}
