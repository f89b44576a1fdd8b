"""`itsmctl list` without click (ui/quick.py): the same output, errors and exit codes as
through click's group, and a process that does not import what list does not need
(issue 13)."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from itsmctl.ui import quick
from tests.helpers import BILLING, NOW, USER, dispatched, itsm, ok, open_ticket


def _click_command(path: tuple[str, ...]) -> click.Command:
    from itsmctl.ui.main import cli

    ctx = click.Context(cli)
    command = cli.get_command(ctx, path[0])
    for name in path[1:]:
        command = command.get_command(ctx, name)
    return command


def _declared(command: click.Command) -> quick.Command:
    """The table ui/quick.py should hold for this click command."""
    from itsmctl.ui.texts import Text

    options, required, defaults, args = {}, [], [], ""
    for p in command.params:
        if isinstance(p, click.Argument):
            args = "tickets" if p.nargs == -1 else "ticket" if p.nargs == 1 else "?"
            continue
        if p.opts[0] in (*quick.GLOBAL_VALUES, *quick.GLOBAL_FLAGS, "--debug"):
            assert p.hidden and not p.expose_value
            continue
        (opt,) = [o for o in p.opts if o.startswith("--")]
        if p.is_flag:
            kind = "flag"
        elif p.multiple:
            kind = "multiple"
        elif isinstance(p.type, click.Choice):
            kind = ("choice", tuple(p.type.choices))
        elif isinstance(p.type, click.IntRange):
            assert p.type.max is None and not p.type.min_open
            kind = ("min", p.type.min)
        elif isinstance(p.type, Text):
            kind = "text"
        elif p.name.endswith("_file") or p.name == "from_":
            kind = "file"
        else:
            assert p.type is click.STRING, p
            kind = "value"
        options[opt] = (p.name, kind)
        if p.required:
            required.append(p.name)
        unset = p.default is None or type(p.default).__name__ == "Sentinel"  # click 8.2+
        if not unset and p.default is not False and not p.multiple:
            defaults.append((p.name, p.default))
    return quick.Command("", options, args, tuple(required), tuple(defaults),
                         tuple(getattr(command.callback, "long_texts", ())))


@pytest.mark.parametrize("path", sorted(quick.COMMANDS), ids=" ".join)
def test_each_table_is_its_click_commands_params(path):
    """Names, kinds (flag, repeatable, value, text, file, choices, minimum), arguments,
    required options, defaults and long texts: as the click command declares them."""
    table = quick.COMMANDS[path]
    assert table.declared() == _declared(_click_command(path)).declared()
    module, function = table.body.split(":")
    assert callable(getattr(importlib.import_module(module), function))


def test_the_global_options_and_the_entrys_names():
    from itsmctl.ui.entry import QUICK
    from itsmctl.ui.main import cli

    kinds = {p.opts[0]: "flag" if p.is_flag else "value" for p in cli.params
             if isinstance(p, click.Option) and p.opts[0] != "--version"}
    assert kinds == {**{o: "value" for o in quick.GLOBAL_VALUES},
                     **{o: "flag" for o in quick.GLOBAL_FLAGS}, "--debug": "flag"}
    assert QUICK == quick.NAMES


@pytest.mark.parametrize("argv", [
    ["note", "X", "--text", "a b", "--template", "t"], ["note", "--text=", "X", "Y"],
    ["note", "X", "--text-file", "f.md", "--from", "ids.txt"],
    ["assign", "X", "--group", "g", "--force", "--person", "p", "--causation", "c"],
    ["open", "--title", "计费", "--type", "complaint", "--source", "web", "--ci", "a",
     "--ci", "b", "--affected-users", "12", "--out-of-scope", "--description", "d"],
    ["open", "--affected-users", "0", "--reporter-name", "N", "--duplicate-of", "X"],
    ["show", "X", "--no-pager"], ["show", "--json", "X"], ["hook", "alertmanager"],
    ["hook", "grafana", "--json"], ["list", "--status", "new", "--mine"],
])
def test_quick_reads_a_command_line_as_click_does(argv):
    """The options by name: what click's own parser hands the command's callback."""
    from itsmctl.ui.main import State

    parsed = quick.parse(["--actor", "a", *argv])
    assert parsed is not None, argv
    table, _state, kw, _now = parsed
    path = next(p for p in quick.COMMANDS if tuple(argv[:len(p)]) == p
                and quick.COMMANDS[p] is table)
    ctx = _click_command(path).make_context(path[-1], argv[len(path):], obj=State())
    assert kw == ctx.params


@pytest.mark.parametrize("argv", [
    ["list", "list"], ["show"], ["show", "X", "Y"], ["show", "-"], ["list", "--help"],
    ["list", "-h"], ["--version"],
    ["list", "--debug"], ["list", "--"], ["list", "--group"], ["list", "--group", "--mine"],
    ["list", "--mine=yes"], ["list", "--mine", "--mine"], ["list", "--group", "a",
                                                        "--group", "b"],
    ["list", "--format", "xml"], ["--mine", "list"], ["list", "--sort", "id"], [],
    ["note", "X", "--text", "-"], ["note", "X", "--text-file", "-"], ["note", "X", "-"],
    ["note", "X", "--from", "-"], ["note", "X", "--text", "--json"], ["note", "--", "X"],
    ["note", "X", "-t", "a"], ["note", "X", "--text", "a", "--text", "b"],
    ["assign", "X"], ["assign", "X", "--group"], ["assign", "X", "--group", "g", "--force=1"],
    ["open", "--type", "bug"], ["open", "--affected-users", "-1"],
    ["open", "--affected-users", "many"], ["open", "--alert-message", "-"],
    ["open", "--title", "a", "--title", "b"], ["hook"], ["hook", "mail"],
    ["hook", "--json", "alertmanager"], ["hook", "alertmanager", "x"],
    ["hook", "alertmanager", "--help"], ["note", "X", "--debug"], ["show", "X", "--pager"],
])
def test_quick_leaves_other_command_lines_to_click(argv):
    assert quick.parse(argv) is None


def test_quick_reads_options_as_click_does():
    _table, state, kw, _now = quick.parse([
        "--json", "--repo", "r", "list", "--status=new", "--status", "waiting", "--group", "",
        "--all", "--actor", "x", "--format", "csv", "--repo", "s"])
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


def _processes(desk, work, argv: list[str], stdin: bytes = b"") -> list[tuple[object, ...]]:
    """(entry, click): exit code, stdout, stderr, commit tree and message, whether click
    was imported; each way in a fresh process on a fresh copy of `desk` at `work`."""
    import os

    from bench.quick_variants import CLICK, ENTRY, fresh, outcome

    env = {k: v for k, v in os.environ.items() if not k.startswith("ITSMCTL_")}
    env["QV_MARK"] = str(work.parent / "mark")
    # no background pack roll: one still writing into the copy's .git when the next
    # `fresh` removes it made rmtree fail ("Directory not empty"), now and then
    env["ITSMCTL_UPKEEP"] = "off"
    out = []
    for code in (ENTRY, CLICK):
        fresh(desk, work)
        out.append(outcome([sys.executable, "-c", code, "--repo", str(work), "--now", NOW,
                            *argv], work, stdin, env, work.parent / "mark"))
    return out


def test_quick_writes_and_prints_what_click_does_in_real_processes(desk, tmp_path):
    """note, assign, open, show and the hook through the console script's entry (without
    click) and through click's group: the same output, exit code and commit."""
    new = open_ticket(desk, *BILLING, title="计费出错")
    closed = open_ticket(desk, "--out-of-scope", title="not ours")
    itsm(desk, "list")                          # the caches of a desk in use
    alert = json.dumps({"version": "4", "status": "firing", "alerts": [
        {"status": "firing", "labels": {"alertname": "DiskFull", "instance": "db1"},
         "annotations": {"summary": "disk full"}, "startsAt": NOW,
         "fingerprint": "abc123"}]}).encode()
    lines: list[tuple[list[str], bytes]] = [
        (["--actor", "alice", "note", new, "--text", "called back 已回电"], b""),
        (["--actor", "alice", "--json", "note", closed, new, "--text", "two"], b""),
        (["--actor", "carol", "note", "INC-0000-NONE0", "--text", "x"], b""),
        (["--actor", "alice", "assign", new, "--group", "billing-app", "--force"], b""),
        (["--actor", "carol", "assign", new, "--group", "billing-app"], b""),
        (["--actor", "alice", "assign", closed, "--group", "nosuch"], b""),
        (["--actor", "alice", "open", "--title", "计费出错", *USER, *BILLING], b""),
        (["--actor", "alice", "--json", "open", "--title", "again", *USER,
          "--affected-users", "30", "--ci", "db01", "--type", "complaint"], b""),
        (["--actor", "alice", "open", "--title", "no reporter"], b""),
        (["--actor", "alice", "show", new], b""), (["--json", "show", closed], b""),
        (["--actor", "monitor", "hook", "alertmanager"], alert),
        (["--actor", "monitor", "hook", "alertmanager", "--json"], b'{"alerts": ['),
    ]
    for argv, stdin in lines:
        fast, slow = _processes(desk, tmp_path / "copy", argv, stdin)
        assert fast[:4] == slow[:4], argv
        assert fast[4] == "False" and slow[4] == "True", argv   # the entry had no click
    assert fast[0] == 4 and "commit" not in fast[1]
