"""SPEC 13: every command, read or write, answers --json with JSON on stdout (and a JSON
error on stderr when it fails); tables are --format table|json|csv where they are printed."""

import json
from pathlib import Path

import click

from tests.helpers import BILLING, git, itsm, ok, open_ticket

HOOKS = Path(__file__).resolve().parents[1] / "resources" / "hooks"


def leaf_commands() -> set[str]:
    from itsmctl.ui.main import cli

    out: set[str] = set()

    def walk(group: click.Group, prefix: str) -> None:
        ctx = click.Context(group)
        for name in group.list_commands(ctx):
            cmd = group.get_command(ctx, name)
            if isinstance(cmd, click.Group):
                walk(cmd, f"{prefix}{name} ")
            else:
                out.add(prefix + name)

    walk(cli, "")
    return out


def test_every_command_answers_json(desk, tmp_path):
    seen: dict[str, object] = {}

    def run(path: str, *args: str, actor: str = "alice", code: int = 0, **kw) -> object:
        r = itsm(desk, "--json", *path.split(), *args, actor=actor, **kw)
        assert r.code == code, f"{path}: exit {r.code}: {r.err}"
        data = json.loads(r.out) if code == 0 else r.err_json
        seen[path] = data
        return data

    run("init", str(tmp_path / "new-desk"))
    run("demo", str(tmp_path / "demo-desk"))
    tid = run("open", "--title", "计费出错", "--reporter-name", "王五", "--reporter-phone",
              "1", *BILLING, "--impact", "3")["id"]
    dup = open_ticket(desk, *BILLING, title="dup")
    run("classify", tid, "--urgency", "high", "--reason", "VIP")
    run("assign", tid, "--group", "billing-app")
    run("accept", tid, actor="carol")
    run("reject", tid, "--reason", "not ours", actor="carol")
    run("assign", tid, "--group", "billing-app")
    run("accept", tid, actor="carol")
    run("note", tid, "--text", "called back")
    run("escalate", tid, "--reason", "VIP called twice")
    run("link-master", dup, "--master", tid)
    run("unlink", dup)
    run("link", tid, "--related", dup)
    run("task add", tid, "--title", "restore rates", "--group", "dba", actor="carol")
    run("task done", tid, "T1", "--result", "restored", actor="erin")
    run("announce", tid, "--kind", "outage", "--title", "计费故障", "--body", "恢复中",
        actor="carol")
    run("edit", tid, "--reporter-email", "wang.wu@example.com", "--reason", "asked")
    run("wait", tid, "--code", "user-info", actor="carol")
    run("resume", tid, actor="carol")
    run("resolve", tid, "--solution", "fixed", "--causation", "data-error", actor="carol")
    run("reopen", tid, "--reason", "still wrong")
    run("resolve", tid, "--solution", "fixed again", "--causation", "data-error", actor="carol")
    run("close", tid, "--code", "solved", "--satisfaction", "5")
    run("visit", tid, "--result", "all good")
    assert run("show", tid)["id"] == tid
    assert isinstance(run("list", "--all"), list)
    assert isinstance(run("log", tid), list)
    kb = run("kb add", "--title", "Printer stuck", "--body", "Restart the spooler.")["id"]
    run("kb publish", kb, actor="mike")
    run("kb show", kb)
    run("kb search", "printer")
    payload = (HOOKS / "alertmanager-firing.json").read_text()
    run("hook alertmanager", actor="monitor", input=payload)
    run("hook grafana", actor="monitor", input=(HOOKS / "grafana-firing.json").read_text())
    from tests import mailbuild

    mailed = run("hook mail", actor=None, input=mailbuild.gmail("VPN 连不上", "连不上"))
    attachment = tmp_path / "note.txt"
    attachment.write_text("详情")
    run("attach", mailed["ticket"], str(attachment))
    directory = tmp_path / "customers.csv"
    directory.write_text("id,name,phone\nC001,王五,13800000000\n")
    run("customers import", str(directory))
    run("customers show", "C001")
    run("sweep", "--dry-run", actor=None)
    run("report", "--month", "2026-11")
    run("qa")
    run("validate")
    run("audit")
    run("completion", "bash")
    assert run("contrib", "cron")["file"] == "cron/itsmctl-sweep.cron"
    assert run("serve", "--hash-password", input="s3cret\n")["hash"].startswith("scrypt$")
    assert run("oncall", "billing-app", "--at", "2026-11-25T23:00")["oncall"][0]["active"]
    run("diary add", "--text", "drill at 22:00", "--kind", "note")
    assert run("handover")["counts"]["diary"] == 1
    assert run("what-if", "HEAD~1", "HEAD")["open_tickets"] >= 1
    assert run("sync", code=2)["rule"] == "G4"      # no remote: a JSON error
    assert run("search", "计费")[0]["id"] == tid
    assert run("watch", dup, actor="mike")["watchers"] == ["mike"]
    assert run("unwatch", dup, actor="mike")["watchers"] == []
    assert isinstance(run("inbox", actor="carol")["changes"], list)
    assert isinstance(run("export"), list)
    (tmp_path / "one.csv").write_text('"ID";"Title";"Status"\n"7";"x";"New"\n')
    assert run("import", str(tmp_path / "one.csv"), "--mapping", "glpi")["ok"] is True
    missing = leaf_commands() - set(seen)
    assert not missing, f"commands without a --json check here: {sorted(missing)}"


def test_format_where_tables_are_printed(desk):
    tid = open_ticket(desk)
    for args in (["list"], ["log", tid], ["kb", "search", "printer"], ["list", "--visits-due"],
                 ["list", "--announcements"]):
        table = ok(itsm(desk, *args)).out
        as_json = json.loads(ok(itsm(desk, *args, "--format", "json")).out)
        csv = ok(itsm(desk, *args, "--format", "csv")).out
        assert isinstance(as_json, list), args
        assert csv.splitlines()[0].startswith("id,") or csv.splitlines()[0].startswith("at,")
        assert table and "," not in table.splitlines()[0], args
    report = ok(itsm(desk, "report", "--month", "2026-11", "--format", "csv")).out
    assert report.startswith("section,")
    assert git(desk, "status", "--porcelain") == ""
