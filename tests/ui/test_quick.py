"""`itsmctl list` without click (ui/quick.py): the same output, errors and exit codes as
through click's group, and a process that does not import what list does not need
(issue 13)."""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from itsmctl.ui import quick
from itsmctl.ui.queue import list_cmd
from tests.helpers import BILLING, NOW, dispatched, itsm, ok, open_ticket


def test_quick_reads_the_options_list_declares():
    """Its tables name every option of the click command, with its kind and default."""
    params = [p for p in list_cmd.params
              if isinstance(p, click.Option) and not getattr(p, "hidden", False)]
    declared = {}
    for p in params:
        (opt,) = [o for o in p.opts if o.startswith("--")]
        kind = "flag" if p.is_flag else "multiple" if p.multiple else "value"
        declared[opt] = (p.name, kind)
    read = {**{o: (n, "value") for o, n in quick.VALUES.items()},
            **{o: (n, "multiple") for o, n in quick.MULTIPLE.items()},
            **{o: (n, "flag") for o, n in quick.FLAGS.items()}}
    assert read == declared
    fmt = next(p for p in params if p.name == "fmt")
    assert tuple(fmt.type.choices) == quick.FORMATS and fmt.default == "table"
    from itsmctl.ui.main import cli

    kinds = {p.opts[0]: "flag" if p.is_flag else "value" for p in cli.params
             if isinstance(p, click.Option) and p.opts[0] != "--version"}
    assert kinds == {**{o: "value" for o in quick.GLOBAL_VALUES},
                     **{o: "flag" for o in quick.GLOBAL_FLAGS}, "--debug": "flag"}


@pytest.mark.parametrize("argv", [
    ["list", "list"], ["show", "X"], ["list", "--help"], ["list", "-h"], ["--version"],
    ["list", "--debug"], ["list", "--"], ["list", "--group"], ["list", "--group", "--mine"],
    ["list", "--mine=yes"], ["list", "--mine", "--mine"], ["list", "--group", "a",
                                                        "--group", "b"],
    ["list", "--format", "xml"], ["--mine", "list"], ["list", "--sort", "id"], [],
])
def test_quick_leaves_other_command_lines_to_click(argv):
    assert quick.parse(argv) is None


def test_quick_reads_options_as_click_does():
    state, kw = quick.parse(["--json", "--repo", "r", "list", "--status=new", "--status",
                             "waiting", "--group", "", "--all", "--actor", "x",
                             "--format", "csv", "--repo", "s"])
    assert (state.repo, state.actor, state.json, state.now) == ("s", "x", True, None)
    assert kw["status"] == ("new", "waiting") and kw["group"] == "" and kw["show_all"]
    assert kw["fmt"] == "csv" and kw["mine"] is False and kw["priority"] == ()


def _both(desk, argv: list[str]) -> tuple[tuple[int, str, str], tuple[int, str, str]]:
    """(quick, click): exit code, stdout and stderr of one command line, in-process."""
    from itsmctl.ui.main import main

    out = []
    for runner in ("quick", "click"):
        with CliRunner().isolation(env={"ITSMCTL_NOW": None, "ITSMCTL_ACTOR": None,
                                        "ITSMCTL_REPO": None}) as streams:
            if runner == "quick":
                code = quick.run(["--repo", str(desk), "--now", NOW, *argv])
                assert code is not None, argv
            else:
                try:
                    main(["--repo", str(desk), "--now", NOW, *argv])
                    code = 0
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else 1
            out.append((code, streams[0].getvalue().decode(),
                        streams[1].getvalue().decode()))
    return out[0], out[1]


def test_quick_prints_what_click_prints(desk):
    """Tables, CSV, JSON, filters and each kind of error, byte for byte."""
    first = open_ticket(desk, *BILLING, "--impact", "1", "--urgency", "high",
                        title="计费出错 \x1b[31m")
    dispatched(desk)
    ok(itsm(desk, "accept", dispatched(desk), actor="carol"))
    lines = [
        ["--actor", "alice", "list"], ["--actor", "carol", "list", "--mine"],
        ["--actor", "alice", "list", "--json"], ["--json", "--actor", "carol", "list"],
        ["--actor", "alice", "list", "--format", "csv"],
        ["--actor", "alice", "list", "--format=json", "--group", "billing-app"],
        ["--actor", "carol", "list", "--my-groups", "--unassigned"],
        ["--actor", "alice", "list", "--priority", "p1", "--priority", "P3"],
        ["--actor", "alice", "list", "--status", "NEW", "--all"],
        ["--actor", "alice", "list", "--breached", "--text", "second"],
        ["--actor", "alice", "list", "--since", "7d", "--until", "2030-01-01"],
        ["--actor", "alice", "list", "--master", first],
        ["--actor", "alice", "list", "--visits-due"],
        ["--actor", "alice", "list", "--announcements", "--all"],
        ["--actor", "alice", "list", "--group", "nosuch"],
        ["--actor", "alice", "list", "--status", "bogus", "--json"],
        ["--actor", "alice", "list", "--master", "INC-0000-NONE"],
        ["--actor", "alice", "list", "--view", "nosuch"],
        ["--actor", "nobody@example.com", "list", "--mine"],
        ["--actor", "alice", "list", "--since", "soon"],
    ]
    for argv in lines:
        fast, slow = _both(desk, argv)
        assert fast == slow, argv
    assert json.loads(_both(desk, lines[2])[0][1])[0]["id"] == first


def test_list_mine_imports_neither_click_nor_what_list_does_not_need(desk):
    """A fresh `itsmctl list --mine` process (the console script's entry)."""
    dispatched(desk)
    ok(itsm(desk, "list", actor="carol"))      # the caches of a desk in use
    code = ("import sys, atexit\n"
            "atexit.register(lambda: print(' '.join(sorted(sys.modules)), file=sys.stderr))\n"
            "sys.argv = ['itsmctl'] + sys.argv[1:]\n"
            "from itsmctl.ui.entry import main\nmain()\n")
    proc = subprocess.run([sys.executable, "-c", code, "--repo", str(desk), "--actor",
                           "carol", "--now", NOW, "list", "--mine"], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    loaded = set(proc.stderr.split())
    assert "itsmctl.ui.listing" in loaded
    needless = {"click", "pydantic", "yaml", "ruamel", "itsmctl.ui.main", "itsmctl.ui.queue",
                "itsmctl.ui.pager", "tabulate", "wcwidth", "uuid", "asyncio", "email",
                "itsmctl.infra.store", "itsmctl.infra.git", "subprocess", "inspect", "ast",
                "gettext"}
    assert needless & loaded == set()


def test_quick_names_skipped_files_and_exits_4_as_click_does(desk):
    """A committed ticket file the index cannot read: named on stderr, exit 4 (G5)."""
    from itsmctl.core.model import ticket_path
    from tests.helpers import git

    bad = open_ticket(desk, *BILLING, title="bad")
    open_ticket(desk, *BILLING, title="good")
    path = desk / ticket_path(bad)
    path.write_text(path.read_text(encoding="utf-8").replace("title: bad", "title: [x", 1),
                    encoding="utf-8")
    git(desk, "commit", "-qam", "hand edit")
    for argv in (["--actor", "alice", "list"], ["--actor", "alice", "list", "--json"],
                 ["--actor", "alice", "list", "--format", "csv", "--group", "nosuch"]):
        fast, slow = _both(desk, argv)
        assert fast == slow, argv
    assert fast[0] == 2 and _both(desk, ["--actor", "alice", "list"])[0][0] == 4
