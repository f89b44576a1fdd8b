"""Run many `itsmctl list` command lines two ways and compare stdout, stderr and exit codes.

    python bench/list_variants.py DESK [--before SRC] [--actor ivan]

Each command line runs (a) through the console script's entry (`python -m itsmctl`,
which takes `list` without click) and (b) either through click's group directly
(`itsmctl.ui.main.main`), or, with --before SRC, through `python -m itsmctl` of another
source tree (a checkout of the commit before a change). Prints one line per command
line and exits 1 when any output differs. The desk is only read (its ticket index,
under .git, may be built).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

NOW = "2026-11-25T12:00:00+08:00"
CLICK = ("import sys; sys.argv[0] = 'itsmctl'; from itsmctl.ui.main import main; main()")


def variants(actor: str) -> list[list[str]]:
    """Command lines after `--repo DESK`: filters, formats, views, errors, fall-backs."""
    base = ["--actor", actor, "--now", NOW]
    lines = [
        ["list"], ["list", "--mine"], ["list", "--json"], ["--json", "list", "--mine"],
        ["list", "--format", "csv"], ["list", "--format", "json", "--mine"],
        ["list", "--format=csv", "--my-groups"], ["list", "--assignee", actor],
        ["list", "--assignee", "@me", "--format", "csv"], ["list", "--group", "dba"],
        ["list", "--group", "数据库组"], ["list", "--group=DBA", "--unassigned"],
        ["list", "--priority", "P1", "--priority", "p2"], ["list", "--status", "resolved"],
        ["list", "--status", "NEW", "--status", "waiting"], ["list", "--my-groups"],
        ["list", "--unassigned"], ["list", "--unverified"], ["list", "--major"],
        ["list", "--breached"], ["list", "--breached", "--json", "--group", "ops"],
        ["list", "--text", "billing"], ["list", "--text", "计费", "--all"],
        ["list", "--reporter", "王"], ["list", "--all", "--phone", "138"],
        ["list", "--ci", "db01"], ["list", "--since", "30d"],
        ["list", "--until", "2025-01-01", "--group", "ops"],
        ["list", "--since", "2026-01-01", "--until", "2026-06-01", "--all"],
        ["list", "--view", "inbox"], ["list", "--visits-due"],
        ["list", "--visits-due", "--json"], ["list", "--announcements"],
        ["list", "--announcements", "--all", "--format", "csv"],
        ["list", "--master", "INC-0000-00000"],
        ["list", "--all", "--status", "closed", "--group", "crm-app"],
        ["list", "--group", "nosuch"], ["list", "--status", "bogus", "--json"],
        ["list", "--assignee", "nobody"], ["list", "--priority", "P9"],
        ["list", "--since", "garbage"], ["list", "--format", "xml"],
        ["list", "--sort", "priority"], ["list", "extra"], ["list", "--group"],
        ["list", "--mine", "--mine"], ["list", "--mine=1"], ["list", "--group", "--mine"],
        ["list", "--help"], ["list", "--debug", "--mine"], ["list", "--", "--mine"],
        ["--now", "yesterday", "list"], ["list", "--now", "2026-13-01T00:00:00"],
        ["--actor", "nobody@example.com", "list", "--mine"],
        ["list", "--mine", "--json", "--actor", actor, "--repo", "."],
    ]
    return [base + line for line in lines]


def run(cmd: list[str], desk: Path, env: dict[str, str]) -> tuple[int, str, str]:
    proc = subprocess.run(cmd, cwd=desk, capture_output=True, env=env, timeout=600)
    return (proc.returncode, proc.stdout.decode(errors="replace"),
            proc.stderr.decode(errors="replace"))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("desk", type=Path)
    parser.add_argument("--before", type=Path, help="source tree to compare against")
    parser.add_argument("--actor", default="ivan")
    args = parser.parse_args()
    desk = args.desk.resolve()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ITSMCTL_")}
    env["COLUMNS"] = "100"
    other = dict(env)
    if args.before is not None:
        other["PYTHONPATH"] = str(args.before.resolve())
        second = [sys.executable, "-m", "itsmctl"]
    else:
        second = [sys.executable, "-c", CLICK]
    differ = 0
    lines = variants(args.actor)
    for line in lines:
        a = run([sys.executable, "-m", "itsmctl", "--repo", str(desk), *line], desk, env)
        b = run([*second, "--repo", str(desk), *line], desk, other)
        same = a == b
        differ += not same
        print(f"{'same' if same else 'DIFFERS'}  exit {a[0]}/{b[0]}  {len(a[1]):>8} bytes out "
              f"{len(a[2]):>5} err  {' '.join(line[4:])}", flush=True)
        if not same:
            for label, x, y in (("stdout", a[1], b[1]), ("stderr", a[2], b[2])):
                if x != y:
                    print(f"    {label}: {x[:300]!r}\n    vs      {y[:300]!r}")
    print(f"{len(lines) - differ} of {len(lines)} command lines print the same")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
