"""Run many `show`, `note`, `assign`, `open` and `hook alertmanager` command lines two
ways and compare what they print and what they commit.

    python bench/quick_variants.py DESK [--work DIR] [--before SRC] [--only WORD]

Each command line (and a few whose global options come from ITSMCTL_ACTOR, ITSMCTL_NOW
or ITSMCTL_DEBUG) runs (a) through the console script's entry (`itsmctl.ui.entry`,
which takes these commands without click, ui/quick.py) and (b) through click's group
(`itsmctl.ui.main.main`), or, with --before SRC, through the entry of another source
tree (a checkout of the commit before a change). Reads run on a copy of DESK; a command
line that writes runs on a fresh copy of that for each way, made at the same path
(--work, default a temporary directory), with the same --now and the same seeded ticket
ids, so that both ways should make the same commit. Compared: exit code, stdout, stderr,
and after the run the commit tree (`git rev-parse HEAD^{tree}`) and message (the
commit's id, which holds the clock's commit time, reads <HEAD> in the output). Also
counted: how many lines (a) ran without importing click. Prints one line per command
line; exits 1 when any differs. DESK itself is never written (bench/generate.py makes
one: --tickets 1000).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Optional

NOW = "2026-11-25T12:00:00+08:00"
# ids from a seeded generator (infra/store.new_id draws them from random.SystemRandom);
# the marker file says whether the run imported click
WRAP = """
import atexit, os, random, sys
_seeded = random.Random(13)
random.SystemRandom = lambda *a, **k: _seeded
sys.argv[0] = "itsmctl"
mark = os.environ.get("QV_MARK")
if mark:
    atexit.register(lambda: open(mark, "w").write(str("click" in sys.modules)))
from {module} import main
main()
"""
ENTRY = WRAP.format(module="itsmctl.ui.entry")
CLICK = WRAP.format(module="itsmctl.ui.main")


def pick(desk: Path) -> dict[str, str]:
    """Ticket ids of each kind the lines need, read from the desk's files at HEAD."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ITSMCTL_")}
    out = subprocess.run([sys.executable, "-m", "itsmctl", "--repo", str(desk), "--actor",
                          "mike", "--now", NOW, "list", "--all", "--json"], cwd=desk,
                         capture_output=True, env=env, check=True).stdout
    found: dict[str, str] = {}
    for doc in json.loads(out):
        for status in ("new", "assigned", "in_progress", "waiting", "resolved", "closed"):
            if doc["status"] == status:
                found.setdefault(status, doc["id"])
                if status == "new" and found["new"] != doc["id"]:
                    found.setdefault("new2", doc["id"])
    return found


def variants(ids: dict[str, str], notes: Path) -> list[tuple[list[str], Optional[bytes]]]:
    """(command line after `--repo DESK`, stdin) for each line."""
    new, new2 = ids["new"], ids.get("new2", ids["new"])
    busy = ids.get("in_progress", ids["assigned"])
    closed = ids["closed"]
    alice, mike, carol, monitor = (["--actor", who, "--now", NOW]
                                   for who in ("alice", "mike", "carol", "monitor"))
    user = ["--reporter-name", "王五", "--reporter-phone", "13800000000"]
    billing = ["--category", "billing", "--subtype", "application", "--symptom",
               "billing-error"]
    lines: list[tuple[list[str], Optional[bytes]]] = [(line, None) for line in [
        # show: reads
        [*alice, "show", new], [*alice, "show", closed], [*alice, "--json", "show", busy],
        [*alice, "show", busy.lower()], [*alice, "show", busy[:-2]],
        [*alice, "show", "INC-0000-NONE0"], [*alice, "show", "INC-0000-NONE0", "--json"],
        [*alice, "show", new, "--no-pager"], [*carol, "show", ids["resolved"]],
        ["--actor", "nobody@example.com", "--now", NOW, "show", new],
        ["--actor", "alice", "--now", "yesterday", "show", new], [*alice, "show"],
        [*alice, "show", new, "extra"], [*alice, "show", new, "--help"],
        [*alice, "show", new, "--debug"], [*alice, "show", "--now", "2026-11-26T08:00", new],
        # note
        [*alice, "note", busy, "--text", "called the user back"],
        [*alice, "note", closed, "--text", "已联系厂商，等待补丁 ✓"],
        [*alice, "--json", "note", busy, "--text", "json note"],
        [*alice, "note", new, new2, "--text", "both of them"],
        [*alice, "note", new, "INC-0000-NONE0", "--text", "one unknown"],
        [*alice, "note", "INC-0000-NONE0", "--text", "unknown"],
        [*alice, "note", busy], [*alice, "note", busy, "--text", ""],
        [*alice, "note", busy, "--text-file", str(notes)],
        [*alice, "note", busy, "--text-file", "/nonexistent/note.md"],
        [*alice, "note", busy, "--text", "x", "--text-file", str(notes)],
        [*alice, "note", busy, "--template", "nosuch"],
        [*alice, "note", "--from", str(notes.with_suffix(".ids")), "--text", "from a file"],
        [*alice, "note", busy, "--text", "--json"], [*alice, "note", busy, "--txt", "x"],
        ["--actor", "nobody@example.com", "--now", NOW, "note", busy, "--text", "who?"],
        ["--actor", "alice", "--now", "2026-02-30T00:00", "note", busy, "--text", "bad now"],
        [*alice, "note", busy, "--text", "later", "--now", "2026-11-26T09:30:00+08:00"],
        # assign
        [*alice, "assign", new, "--group", "billing-app", "--force"],
        [*alice, "assign", new, "--group", "billing-app"],
        [*alice, "--json", "assign", new, "--group", "dba", "--force"],
        [*alice, "assign", new, "--group", "数据库组", "--force"],
        [*alice, "assign", new, "--group", "nosuch", "--force"],
        [*carol, "assign", new, "--group", "billing-app", "--force"],
        [*mike, "assign", busy, "--group", "dba", "--causation", "data-error"],
        [*mike, "assign", busy, "--group", "dba"],
        [*alice, "assign", closed, "--group", "billing-app", "--force"],
        [*alice, "assign", new, "--group", "billing-app", "--person", "carol", "--force"],
        [*alice, "assign", new, new2, "--group", "billing-app", "--force"],
        [*alice, "assign", new], [*alice, "assign", new, "--group", "ops", "--force=yes"],
        # open
        [*alice, "open", "--title", "计费出错 again", *user, *billing],
        [*alice, "--json", "open", "--title", "bill wrong", *user, *billing],
        [*alice, "open", "--title", "no reporter", *billing],
        [*alice, "open", "--title", "complaint", "--type", "complaint", *user],
        [*alice, "open", "--title", "many users", *user, "--affected-users", "120",
         "--ci", "db01", "--ci", "app02", "--urgency", "high"],
        [*alice, "open", "--title", "scope", *user, "--out-of-scope"],
        [*alice, "open", "--title", "dup", *user, "--duplicate-of", busy],
        [*alice, "open", "--recurrence-of", closed, *user],
        [*alice, "open", "--title", "with text", *user, "--description-file", str(notes)],
        [*alice, "open", "--title", "t", *user, "--description", "d", "--template", "x"],
        [*monitor, "open", "--source", "monitoring", "--title", "db01 down", "--alert-id",
         "zbx-1", "--alert-severity", "disaster", "--alert-message", "db01 unreachable"],
        [*alice, "open", "--title", "bad type", "--type", "bug", *user],
        [*alice, "open", "--title", "bad count", "--affected-users", "-3", *user],
        [*alice, "open", "--title", "bad impact", "--impact", "9", *user],
        [*alice, "open", "--title", "bad category", "--category", "nosuch", *user],
        [*carol, "open", "--title", "support opens", *user],
        [*alice, "open", "--title", "a", "--title", "b", *user],
    ]]
    payload = alerts(3, 5)
    lines += [
        ([*monitor, "hook", "alertmanager"], payload),
        ([*monitor, "--json", "hook", "alertmanager"], payload),
        ([*monitor, "hook", "grafana", "--json"], alerts(2, 9)),
        ([*monitor, "hook", "alertmanager"], alerts(3, 5, status="resolved")),
        ([*monitor, "hook", "alertmanager"], b'{"alerts": [ {"status": "firing"'),
        ([*monitor, "hook", "alertmanager"], b"\xff\xfe not utf-8"),
        ([*monitor, "hook", "alertmanager"], b""),
        ([*monitor, "hook", "alertmanager"], b'{"version": "4", "alerts": "no"}'),
        ([*alice, "hook", "alertmanager"], payload),
        ([*monitor, "hook", "alertmanager", "--help"], None),
        ([*monitor, "hook", "--json", "alertmanager"], payload),
    ]
    return lines


def env_variants(ids: dict[str, str]) -> list[tuple[list[str], dict[str, str]]]:
    """Command lines whose global options come from the environment (ITSMCTL_ACTOR,
    ITSMCTL_NOW, ITSMCTL_DEBUG), each with what it sets."""
    busy = ids.get("in_progress", ids["assigned"])
    now = {"ITSMCTL_NOW": NOW}
    return [
        (["note", busy, "--text", "actor from the environment"],
         {**now, "ITSMCTL_ACTOR": "alice"}),
        (["show", busy], {**now, "ITSMCTL_ACTOR": "alice"}),
        (["--actor", "alice", "--now", NOW, "show", busy], {"ITSMCTL_NOW": "garbage"}),
        (["--actor", "alice", "show", busy, "--now", NOW], {"ITSMCTL_NOW": "garbage"}),
        (["--actor", "alice", "note", busy, "--text", "x"], {"ITSMCTL_NOW": "garbage"}),
        (["--actor", "alice", "--now", NOW, "note", busy, "--text", "debug"],
         {"ITSMCTL_DEBUG": "1"}),
        (["--now", NOW, "assign", ids["new"], "--group", "billing-app", "--force"],
         {"ITSMCTL_ACTOR": "mike"}),
    ]


def alerts(n: int, seed: int, status: str = "firing") -> bytes:
    """An Alertmanager webhook (version 4) of n alerts."""
    docs = [{"status": status,
             "labels": {"alertname": "DiskFull", "instance": f"qv-{seed}-{i}:9100",
                        "severity": "critical"},
             "annotations": {"summary": f"qv-{seed}-{i} 磁盘满"},
             "startsAt": "2026-11-25T03:00:00Z",
             "endsAt": "2026-11-25T03:30:00Z" if status == "resolved" else
             "0001-01-01T00:00:00Z",
             "fingerprint": f"qv{seed:04x}{i:06x}"} for i in range(n)]
    return json.dumps({"receiver": "itsmctl", "status": status, "alerts": docs,
                       "version": "4", "groupKey": f"qv-{seed}"}).encode()


def writes(line: list[str]) -> bool:
    return any(word in line for word in ("note", "assign", "open", "hook"))


def fresh(desk: Path, work: Path) -> None:
    """A copy of DESK at `work`: git objects hard-linked (git never rewrites one in
    place), everything else copied."""
    if work.exists():
        shutil.rmtree(work)

    def copy(src: str, dst: str) -> None:
        if f"{os.sep}.git{os.sep}objects{os.sep}" in src:
            os.link(src, dst)
        else:
            shutil.copy2(src, dst)

    shutil.copytree(desk, work, symlinks=True, copy_function=copy)


def outcome(cmd: list[str], desk: Path, stdin: Optional[bytes], env: dict[str, str],
            mark: Path) -> tuple[int, str, str, str, str]:
    mark.unlink(missing_ok=True)
    proc = subprocess.run(cmd, cwd=desk, input=stdin or b"", capture_output=True, env=env,
                          timeout=600)
    sha, _, head = subprocess.run(["git", "log", "-1", "--format=%H%n%T%n%B"], cwd=desk,
                                  capture_output=True, text=True).stdout.partition("\n")
    clicked = mark.read_text() if mark.exists() else "?"
    # the commit's own id holds the wall clock's commit time: named, not compared
    out, err = (text.decode(errors="replace").replace(sha, "<HEAD>")
                for text in (proc.stdout, proc.stderr))
    return proc.returncode, out, err, head, clicked


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("desk", type=Path)
    parser.add_argument("--work", type=Path, help="where the copies are made")
    parser.add_argument("--before", type=Path, help="source tree to compare against")
    parser.add_argument("--only", help="only the lines naming this word")
    args = parser.parse_args()
    desk = args.desk.resolve()
    scratch = Path(tempfile.mkdtemp(prefix="quick-variants-"))
    work = (args.work or scratch / "desk").resolve()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ITSMCTL_")}
    env.update(COLUMNS="100", ITSMCTL_UPKEEP="off", QV_MARK=str(scratch / "mark"))
    other = dict(env)
    second = [sys.executable, "-c", CLICK]
    if args.before is not None:
        other["PYTHONPATH"] = str(args.before.resolve())
        second = [sys.executable, "-c", ENTRY]
    base = scratch / "base"             # reads run here; writes on copies of it
    fresh(desk, base)
    ids = pick(base)
    notes = scratch / "note.md"
    notes.write_text("a note from a file\n多行\n", encoding="utf-8")
    notes.with_suffix(".ids").write_text(f"{ids['new']}\n# a comment\n{ids['closed']}\n")
    lines: list[tuple[list[str], Optional[bytes], dict[str, str]]] = [
        (line, stdin, {}) for line, stdin in variants(ids, notes)]
    lines += [(line, None, extra) for line, extra in env_variants(ids)]
    lines = [x for x in lines if args.only is None or args.only in x[0]]
    differ = quick = 0
    try:
        for line, stdin, extra in lines:
            results = []
            for cmd, e in (([sys.executable, "-c", ENTRY], env), (second, other)):
                run_in = base
                if writes(line):
                    fresh(base, work)
                    run_in = work
                results.append(outcome([*cmd, "--repo", str(run_in), *line], run_in, stdin,
                                       {**e, **extra}, scratch / "mark"))
            a, b = results
            same = a[:4] == b[:4]
            differ += not same
            quick += a[4] == "False"
            print(f"{'same' if same else 'DIFFERS'}  exit {a[0]}/{b[0]}  "
                  f"{'quick' if a[4] == 'False' else 'click'}  "
                  f"{len(a[1]):>6} out {len(a[2]):>5} err  "
                  f"{' '.join([*(f'{k}={v}' for k, v in extra.items()), *line])[-90:]}",
                  flush=True)
            if not same:
                for label, x, y in zip(("stdout", "stderr", "commit"), a[1:4], b[1:4]):
                    if x != y:
                        print(f"    {label}: {x[:400]!r}\n    vs      {y[:400]!r}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{len(lines) - differ} of {len(lines)} command lines print and commit the same; "
          f"{quick} ran without click")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
