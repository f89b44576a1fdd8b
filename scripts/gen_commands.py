"""Write docs/commands.md, every command's --help, from the click commands themselves.

Usage: python scripts/gen_commands.py [--check]
--check exits 1 when docs/commands.md is not what the commands say (the tests run it).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "commands.md"
WIDTH = 100


def _english() -> None:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        os.environ.pop(name, None)
    os.environ["LANG"] = "C.UTF-8"


def walk() -> Iterator[tuple[str, object, object]]:
    """(path, command, context) of every command, groups before their subcommands."""
    import click

    from itsmctl.ui.main import cli

    Entry = tuple[str, object, object]

    def visit(cmd: click.Command, path: str, parent: object) -> Iterator[Entry]:
        settings = {**cmd.context_settings, "terminal_width": WIDTH, "max_content_width": WIDTH}
        ctx = click.Context(cmd, info_name=path.split(" ")[-1], parent=parent, **settings)
        yield path, cmd, ctx
        if isinstance(cmd, click.Group):
            for name in cmd.list_commands(ctx):
                sub = cmd.get_command(ctx, name)
                if sub is not None:
                    yield from visit(sub, f"{path} {name}", ctx)

    yield from visit(cli, "itsmctl", None)


def render() -> str:
    _english()
    from itsmctl.ui.main import SECTIONS

    entries = list(walk())
    lines = ["# Command reference", "",
             "Generated from the commands' own `--help` by `scripts/gen_commands.py`; do not",
             "edit by hand (a test checks it matches). Global options (`--repo`, `--actor`,",
             "`--now`, `--json`, `--debug`) go before or after the command.", "",
             "| section | commands |", "|---|---|"]
    for section, (_module, names) in SECTIONS.items():
        links = ", ".join(f"[`{n}`](#{_anchor('itsmctl ' + n)})" for n in names)
        lines.append(f"| {section} | {links} |")
    lines.append("")
    for path, cmd, ctx in entries:
        level = "#" * min(path.count(" ") + 2, 4) if path != "itsmctl" else "##"
        lines += [f"{level} {path}", "", "```text", cmd.get_help(ctx).rstrip(), "```", ""]
    return "\n".join(lines)


def _anchor(title: str) -> str:
    return title.lower().replace(" ", "-")


def main(argv: list[str]) -> int:
    from _generated import usage_brackets, write_or_check

    return write_or_check(OUT, render, argv, "gen_commands.py", normalize=usage_brackets)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main(sys.argv[1:]))
