"""Several tickets per write command (W5): `TICKETS...` and `--from FILE` ('-': stdin).

`note A B C --text …` or `list --json … | jq -r '.[].id' | close --from - --code solved`:
one commit for the batch (app/batch.py), a summary line per ticket, `--json` a list.
One ticket named on the command line prints as before (one line, one JSON object).
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def tickets_argument(fn: F) -> F:
    """TICKETS... and --from FILE on a write command."""
    fn = click.option("--from", "from_", metavar="FILE",
                      help="Also the ticket ids in FILE, one per line ('-': stdin), e.g. "
                           "from `list --json | jq -r '.[].id'`; all in one commit.")(fn)
    return click.argument("tickets", nargs=-1)(fn)
