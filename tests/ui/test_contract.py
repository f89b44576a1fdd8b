"""SPEC 13: names, exit codes, one-line errors, JSON errors, no tracebacks."""

import json
import subprocess
import sys

import pytest

from tests.helpers import BILLING, NOW, dispatched, git, itsm, itsm_process, ok, open_ticket, show

SHOW_KEYS = {"id", "title", "type", "source", "status", "impact", "urgency", "priority", "major",
             "group", "assignee", "opened_by", "master", "slaves", "related", "counters", "wait",
             "solution", "close_code", "escalations", "tasks", "history", "sla"}


def test_show_json_keys_scripts_rely_on(desk):
    t = show(desk, dispatched(desk))
    assert SHOW_KEYS <= set(t)
    assert set(t["counters"]) >= {"dispatches", "transfers", "returns", "reopens"}
    for phase in ("respond", "accept", "restore", "close"):
        assert {"deadline", "paused_seconds", "breached"} <= set(t["sla"][phase])
    assert {"at", "actor", "action"} <= set(t["history"][0])
    assert t["history"][0]["at"].endswith("+08:00")


def test_list_json_has_the_same_keys(desk):
    dispatched(desk)
    rows = ok(itsm(desk, "list", "--json")).json
    assert len(rows) == 1 and SHOW_KEYS <= set(rows[0])


def test_open_json_prints_the_ticket(desk):
    r = ok(itsm(desk, "--json", "open", "--title", "x", "--reporter-name", "n",
                "--reporter-phone", "1"))
    assert r.json["status"] == "new" and r.json["id"].startswith("INC-")


def test_global_options_after_the_command(desk):
    tid = open_ticket(desk)
    r = ok(itsm(desk, "show", tid, "--json"))
    assert r.json["id"] == tid


@pytest.mark.parametrize("args,code", [
    (["show", "INC-2611-ZZZZZ"], 3),                     # not found
    (["assign", "INC-2611-ZZZZZ", "--group", "dba"], 3),
    (["open", "--title", "x", "--reporter-name", "n", "--reporter-phone", "1",
      "--impact", "nine"], 2),                            # usage
    (["open", "--bogus"], 2),
    (["open", "--title", "x"], 1),                        # rule L1
])
def test_exit_codes(desk, args, code):
    r = itsm(desk, *args)
    assert r.code == code, r.err
    assert len(r.err.strip().splitlines()) == 1 and "Traceback" not in r.err


def test_malformed_now_is_usage_error(desk):
    r = itsm(desk, "open", "--title", "x", now="yesterday-ish")
    assert r.code == 2 and "ISO 8601" in r.err


def test_json_error_object(desk):
    tid = dispatched(desk)
    r = itsm(desk, "--json", "reject", tid, actor="carol")
    err = r.err_json
    assert r.code == 1 and err["rule"] == "L5" and err["error"] == "RuleViolation"
    assert "reason" in err["message"]


def test_unknown_actor_exit_6_json(desk):
    r = itsm(desk, "--json", "open", "--title", "x", actor="nobody")
    assert r.code == 6 and r.err_json["rule"] == "I1"


def test_corrupt_ticket_yaml_is_exit_4_naming_file_and_line(desk):
    tid = open_ticket(desk)
    path = desk / "tickets/2026/11" / f"{tid}.yaml"
    path.write_text("id: [unclosed\ntitle: x\n")
    subprocess.run(["git", "commit", "-qam", "corrupt"], cwd=desk, check=True)
    r = itsm(desk, "show", tid)
    assert r.code == 4 and f"tickets/2026/11/{tid}.yaml:" in r.err and "Traceback" not in r.err
    r = itsm(desk, "note", tid, "--text", "x")
    assert r.code == 4


def test_schema_error_in_ticket_names_field(desk):
    tid = open_ticket(desk)
    path = desk / "tickets/2026/11" / f"{tid}.yaml"
    path.write_text(path.read_text().replace("status: new", "status: limbo"))
    r = itsm(desk, "show", tid)
    assert r.code == 4 and "status" in r.err


def test_config_error_names_file_line_and_key(desk):
    sla = desk / "config" / "sla.yaml"
    sla.write_text(sla.read_text().replace("respond: 10m", "respond: soon"))
    r = itsm(desk, "list")
    assert r.code == 4
    assert "config/sla.yaml:" in r.err and "targets.P1.respond" in r.err


def test_config_version_checked_first(desk):
    cfg = desk / "config" / "codes.yaml"
    cfg.write_text(cfg.read_text().replace("version: 1", "version: 9"))
    r = itsm(desk, "list")
    assert r.code == 4 and "config/codes.yaml:2: version: expected 1" in r.err


def test_not_a_desk_is_exit_3(tmp_path):
    r = itsm(tmp_path, "list")
    assert r.code == 3 and "itsmctl init" in r.err


def test_help_does_not_import_heavy_libraries():
    code = ("import sys; from itsmctl.ui.main import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "bad = [m for m in ('pydantic', 'yaml', 'ruamel', 'git', 'tabulate')"
            " if m in sys.modules]\nprint(bad, file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stderr.strip() == "[]"
    assert "Lifecycle" in proc.stdout and "Queue" in proc.stdout


def test_every_command_has_help_text():
    import click

    from itsmctl.ui.main import cli

    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):
        cmd = cli.get_command(ctx, name)
        assert cmd.help and cmd.help.strip(), name
        for p in cmd.params:
            if isinstance(p, click.Option):
                assert p.help, f"{name} {p.name}"


def test_version_and_module_entry(desk):
    proc = subprocess.run([sys.executable, "-m", "itsmctl", "--version"], capture_output=True,
                          text=True)
    assert proc.returncode == 0 and "itsmctl" in proc.stdout


@pytest.mark.slow
def test_process_round_trip(desk):
    r = itsm_process(desk, "open", "--title", "进程", "--reporter-name", "n",
                     "--reporter-phone", "1")
    assert r.code == 0
    tid = r.out.strip()
    t = json.loads(itsm_process(desk, "show", tid, "--json").out)
    assert t["title"] == "进程" and t["history"][0]["at"] == NOW
    assert "进程" in (desk / "tickets/2026/11" / f"{tid}.yaml").read_text(encoding="utf-8")
    assert git(desk, "status", "--porcelain") == ""


def test_open_with_unknown_classification_is_not_found(desk):
    r = itsm(desk, "open", "--title", "x", "--reporter-name", "n", "--reporter-phone", "1",
             "--category", "billing", "--subtype", "application", "--symptom", "nope")
    assert r.code == 3 and "symptom" in r.err


def test_list_filters_and_table(desk):
    a = dispatched(desk)
    b = open_ticket(desk, *BILLING, "--impact", "1", "--urgency", "high")
    out = ok(itsm(desk, "list")).out
    assert a in out and b in out and "MAJOR" in out
    out = ok(itsm(desk, "list", "--group", "billing-app")).out
    assert a in out and b not in out
    assert ok(itsm(desk, "list", "--priority", "P1", "--json")).json[0]["id"] == b
    csv = ok(itsm(desk, "list", "--format", "csv")).out
    assert csv.splitlines()[0].startswith("id,priority,status")


def test_log_shows_history(desk):
    tid = dispatched(desk)
    out = ok(itsm(desk, "log", tid)).out
    assert "open" in out and "dispatch" in out and "alice" in out


def test_every_transition_row_names_a_command_of_the_cli():
    from itsmctl.core.transitions import TABLE
    from itsmctl.ui.main import MODULE_OF

    for action, row in TABLE.items():
        assert row.command in MODULE_OF or row.command == "sweep", action


def test_help_summaries_are_the_commands_own_first_lines():
    """`itsmctl --help` reads SUMMARIES without importing the commands: they must agree."""
    import click

    from itsmctl.ui.main import SUMMARIES, cli

    ctx = click.Context(cli)
    for name, summary in SUMMARIES.items():
        cmd = cli.get_command(ctx, name)
        assert cmd is not None and cmd.get_short_help_str(200) == summary, name


def test_global_options_after_the_command_and_values_that_look_like_options(desk):
    tid = open_ticket(desk, *BILLING)
    r = itsm(desk, "note", tid, "--text", "--json", actor=None, now=None,
             env={"ITSMCTL_ACTOR": "alice"})
    assert r.code == 0, r.err
    assert show(desk, tid)["history"][-1]["note"] == "--json"
    r = ok(itsm(desk, "show", tid, "--json", "--now", "2026-11-25T10:00:00+08:00"))
    assert r.json["id"] == tid
