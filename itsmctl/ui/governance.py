"""Click command of config governance: `what-if` (C2), as a table, markdown for a
pull-request comment, or JSON."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Optional

import click

from itsmctl.ui.main import State, emit, pass_state

SHOWN = 50          # rows of each section in a table or comment; --json has them all
# section -> (title, columns: (header, key))
SECTIONS: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("priority", "Priority changes", [("ticket", "id"), ("before", "before"),
                                      ("after", "after"), ("title", "title")]),
    ("breach_at_once", "In breach at once", [("ticket", "id"), ("phase", "phase"),
                                             ("deadline", "deadline"), ("title", "title")]),
    ("deadlines", "SLA deadlines moved", [("ticket", "id"), ("phase", "phase"),
                                          ("before", "before"), ("after", "after"),
                                          ("moved", "moved")]),
    ("routing", "Routing changes", [("ticket", "id"), ("status", "status"),
                                    ("group", "group"), ("before", "before"),
                                    ("after", "after"), ("still routed", "still")]),
    ("recipients", "Notification recipients change", [("ticket", "id"),
                                                       ("trigger", "trigger"),
                                                       ("added", "added"),
                                                       ("removed", "removed")]),
    ("invalid", "Cannot be evaluated under HEAD", [("ticket", "id"), ("problem", "problem"),
                                                   ("title", "title")]),
]


def _moved(seconds: int) -> str:
    from itsmctl.core.policy import format_duration

    return ("+" if seconds > 0 else "") + format_duration(timedelta(seconds=seconds))


def _value(row: dict[str, Any], key: str) -> str:
    from itsmctl.ui.output import short_time

    if key == "moved":
        return _moved(row["moved_seconds"])
    if key == "still":
        value = row.get("group_still_routed")
        return "" if value is None else ("yes" if value else "NO")
    value = row.get(key)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "-"
    if key in ("before", "after", "deadline") and isinstance(value, str) and "T" in value:
        return short_time(value)
    return "" if value is None else str(value)


def _head(data: dict[str, Any]) -> list[str]:
    files = ", ".join(data["files"]) or "none"
    s = data["summary"]
    return [f"what-if {data['base']} -> {data['head']}: config changed: {files}",
            f"{data['open_tickets']} open tickets: {s['priority']} priority changes, "
            f"{s['deadlines']} with deadlines moved, {s['breach_at_once']} in breach at once, "
            f"{s['routing']} routing changes, {s['recipients']} with other recipients, "
            f"{s['invalid']} cannot be evaluated"]


def as_table(data: dict[str, Any]) -> str:
    from itsmctl.ui.output import table

    lines = _head(data)
    if not data["exact"]:
        lines.append("(the business calendar changed: paused time is kept as counted)")
    for key, title, columns in SECTIONS:
        rows = data[key]
        if not rows:
            continue
        lines += ["", f"{title} ({len(rows)})",
                  table([[_value(r, k) for _, k in columns] for r in rows[:SHOWN]],
                        [h for h, _ in columns])]
        if len(rows) > SHOWN:
            lines.append(f"… and {len(rows) - SHOWN} more (--format json lists all)")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def as_markdown(data: dict[str, Any]) -> str:
    """A pull-request comment: the counts, then each section folded."""
    s = data["summary"]
    files = ", ".join(f"`{f}`" for f in data["files"]) or "none"
    out = [f"### itsmctl what-if: `{data['base']}` → `{data['head']}`", "",
           f"Config files changed: {files}. **{data['open_tickets']}** open tickets "
           f"evaluated at {data['now'][:16].replace('T', ' ')}.", "",
           "| what changes | tickets |", "|---|---:|"]
    out += [f"| {title} | {s[key]} |" for key, title, _ in SECTIONS]
    if not data["exact"]:
        out += ["", "_The business calendar changed: paused time is kept as counted._"]
    for key, title, columns in SECTIONS:
        rows = data[key]
        if not rows:
            continue
        out += ["", f"<details><summary>{title} ({len(rows)})</summary>", "",
                "| " + " | ".join(h for h, _ in columns) + " |",
                "|" + "---|" * len(columns)]
        out += ["| " + " | ".join(_cell(_value(r, k)) for _, k in columns) + " |"
                for r in rows[:SHOWN]]
        if len(rows) > SHOWN:
            out += ["", f"… and {len(rows) - SHOWN} more (`itsmctl what-if --format json`)."]
        out += ["", "</details>"]
    return "\n".join(out)


@click.command("what-if")
@click.argument("base", metavar="BASE")
@click.argument("head", required=False, metavar="[HEAD]")
@click.option("--format", "fmt", type=click.Choice(["table", "markdown", "json"]),
              default="table", show_default=True, help="markdown for a pull-request comment.")
@pass_state
def what_if_cmd(state: State, base: str, head: Optional[str], fmt: str) -> None:
    """What a config change does to the open tickets (C2).

    Every open ticket is evaluated under the config of BASE and of HEAD (default: the
    config in the work tree): priority changes, each SLA deadline that moves and by how
    much, tickets in breach at once, routing that changes, notification recipients that
    change, tickets HEAD cannot evaluate. Changes nothing.

    \b
    Examples:
      itsmctl what-if origin/main
      itsmctl what-if origin/main HEAD --format markdown > what-if.md
      itsmctl what-if HEAD~1 HEAD --json | jq .summary
    """
    from itsmctl.app.governance import what_if

    data = what_if(state.session, base, head)
    if state.json or fmt == "json":
        import json

        # compact: ten thousand tickets make megabytes, which indenting would slow
        state.json = False
        emit(state, json.dumps(data, ensure_ascii=False, separators=(",", ":")))
    else:
        emit(state, as_markdown(data) if fmt == "markdown" else as_table(data))


COMMANDS = {"what-if": what_if_cmd}
