"""G6 through the CLI: a desk built only by itsmctl audits clean; forged commits are found."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.helpers import (
    BILLING,
    USER,
    dispatched,
    git,
    in_progress,
    itsm,
    ok,
    open_ticket,
    resolved,
)


def path_of(desk: Path, tid: str) -> Path:
    return desk / "tickets/2026/11" / f"{tid}.yaml"


def forge(desk: Path, tid: str, old: str, new: str, who: str = "Alice 王丽",
          email: str = "alice@example.com", message: str = "fix ticket") -> str:
    """A hand edit committed with plain git, as a pull request might slip it in."""
    p = path_of(desk, tid)
    text = p.read_text()
    assert old in text, old
    p.write_text(text.replace(old, new, 1))
    env = dict(os.environ, GIT_AUTHOR_NAME=who, GIT_AUTHOR_EMAIL=email)
    subprocess.run(["git", "commit", "-qam", message], cwd=desk, check=True, env=env)
    return git(desk, "rev-parse", "HEAD").strip()


def audit(desk: Path, *args: str):
    return itsm(desk, "audit", *args)


def findings(desk: Path, *args: str) -> list[dict]:
    r = itsm(desk, "--json", "audit", *args)
    assert r.code == (1 if r.json["findings"] else 0)
    return r.json["findings"]


def test_G6_desk_built_through_the_cli_audits_clean(desk):
    a = resolved(desk)
    ok(itsm(desk, "reopen", a, "--reason", "still wrong"))
    ok(itsm(desk, "accept", a, actor="dave"))
    ok(itsm(desk, "resolve", a, "--solution", "really fixed", actor="dave"))
    ok(itsm(desk, "link", a, "--problem", "PRB-7", actor="dave"))
    ok(itsm(desk, "close", a, "--code", "workaround", "--satisfaction", "3"))
    ok(itsm(desk, "note", a, "--text", "user called back, happy"))
    b = in_progress(desk)
    ok(itsm(desk, "wait", b, "--code", "user-info", actor="carol"))
    ok(itsm(desk, "resume", b, actor="carol"))
    ok(itsm(desk, "assign", b, "--group", "dba", "--causation", "data-error", actor="carol"))
    ok(itsm(desk, "reject", b, "--reason", "not a db issue", actor="erin"))
    ok(itsm(desk, "classify", b, "--impact", "2", "--reason", "two branches"))
    ok(itsm(desk, "escalate", b, "--reason", "VIP", actor="mike"))
    c = dispatched(desk)
    ok(itsm(desk, "link-master", c, "--master", b))
    ok(itsm(desk, "assign", b, "--group", "billing-app"))
    ok(itsm(desk, "accept", b, actor="carol"))
    ok(itsm(desk, "resolve", b, "--solution", "s", "--causation", "data-error", actor="carol"))
    ok(itsm(desk, "close", b, "--code", "solved"))            # the slave closes with it
    ok(itsm(desk, "link", a, "--related", b))                  # closed tickets: related only
    ok(itsm(desk, "unlink", c))
    ok(itsm(desk, "open", "--title", "printer ink", "--out-of-scope", *USER))
    q = ok(itsm(desk, "open", "--title", "how do I", "--type", "consultation", *USER)).out
    ok(itsm(desk, "resolve", q.strip(), "--solution", "told them"))
    ok(itsm(desk, "open", "--title", "rude agent", "--type", "complaint", *USER))
    open_ticket(desk, "--recurrence-of", a)
    d = dispatched(desk)
    ok(itsm(desk, "link", d, "--change", "CHG-1"))
    r = audit(desk)
    assert r.code == 0, r.out
    assert r.out == "" and "0 finding(s)" in r.err


def test_G6_hand_edit_of_status(desk):
    tid = dispatched(desk)
    sha = forge(desk, tid, "status: assigned", "status: in_progress")
    found = findings(desk)
    assert {f["kind"] for f in found} == {"hand-edit", "status", "trailer"}
    assert all(f["commit"] == sha and f["path"].endswith(f"{tid}.yaml") for f in found)
    r = audit(desk)
    assert r.code == 1
    assert f"{sha[:10]} tickets/2026/11/{tid}.yaml: status: status is in_progress but the " \
           "last history event leads to assigned (edited by hand?)" in r.out.splitlines()


def test_G6_rewritten_history_entry(desk):
    tid = resolved(desk)
    sha = forge(desk, tid, "actor: carol\n  action: resolve", "actor: dave\n  action: resolve")
    found = findings(desk)
    assert [(f["commit"], f["kind"]) for f in found] == [(sha, "trailer"), (sha, "history")]
    assert "event 4 (resolve" in found[1]["message"]


def test_G6_forged_author(desk):
    tid = dispatched(desk)
    ok(itsm(desk, "accept", tid, actor="carol"))
    env = dict(os.environ, GIT_AUTHOR_NAME="Dave", GIT_AUTHOR_EMAIL="dave@example.com")
    subprocess.run(["git", "commit", "-q", "--amend", "--no-edit", "--reset-author"],
                   cwd=desk, check=True, env=env)
    found = findings(desk)
    assert [f["kind"] for f in found] == ["author"]
    assert "by carol was committed by Dave <dave@example.com>" in found[0]["message"]


def test_G6_edit_of_a_closed_ticket(desk):
    tid = resolved(desk)
    ok(itsm(desk, "close", tid, "--code", "solved"))
    text = path_of(desk, tid).read_text()
    event = ("- at: '2026-11-26T09:00:00+08:00'\n  actor: alice\n  action: reopen\n"
             "  from: closed\n  to: assigned\n  changes:\n    status: [closed, assigned]\n"
             "  note: user called\n  via: null\n")
    path_of(desk, tid).write_text(text.replace("status: closed", "status: assigned", 1) + event)
    env = dict(os.environ, GIT_AUTHOR_NAME="Alice", GIT_AUTHOR_EMAIL="alice@example.com")
    subprocess.run(["git", "commit", "-qam", "reopen"], cwd=desk, check=True, env=env)
    kinds = {f["kind"] for f in findings(desk)}
    assert "closed" in kinds


def test_G6_quiet_change_of_a_closed_ticket_field(desk):
    tid = resolved(desk)
    ok(itsm(desk, "close", tid, "--code", "solved"))
    forge(desk, tid, "close_code: solved", "close_code: workaround")
    assert [f["kind"] for f in findings(desk)] == ["trailer", "hand-edit"]


def test_G6_deleted_ticket_and_stray_file(desk):
    tid = dispatched(desk)
    path_of(desk, tid).unlink()
    (desk / "tickets" / "notes.txt").write_text("x")
    subprocess.run(["git", "add", "-A"], cwd=desk, check=True)
    subprocess.run(["git", "commit", "-qm", "tidy"], cwd=desk, check=True)
    assert sorted(f["kind"] for f in findings(desk)) == ["deleted", "invalid", "trailer"]


def test_G6_since_limits_the_range(desk):
    tid = dispatched(desk)
    forge(desk, tid, "status: assigned", "status: in_progress")
    base = git(desk, "rev-parse", "HEAD").strip()
    other = dispatched(desk)
    assert findings(desk, "--since", base) == []
    sha = forge(desk, other, "priority: P4", "priority: P1")
    assert {f["commit"] for f in findings(desk, "--since", base)} == {sha}
    r = audit(desk, "--since", "no-such-rev")
    assert r.code == 2 and "no-such-rev" in r.err


def test_G6_json_summary(desk):
    open_ticket(desk, *BILLING)
    r = ok(itsm(desk, "--json", "audit"))
    assert r.json == {"ok": True, "commits": 2, "findings": []}


@pytest.mark.slow
def test_G6_hundred_commits_are_fast_on_a_large_desk(desk):
    """Only the blobs of changed paths are read: 3,000 tickets in one bulk commit, then a
    100-commit range audited well under the 5 s budget."""
    lines = []
    doc = path_of(desk, open_ticket(desk)).read_text()
    tid = doc.split("\n", 1)[0].split(": ")[1]
    for i in range(3000):
        new_id = f"INC-2611-B{i:04d}"
        lines.append((f"tickets/2026/11/{new_id}.yaml", doc.replace(tid, new_id)))
    stream = ["commit refs/heads/main\ncommitter Alice <alice@example.com> 1795000000 +0800\n"
              "data 4\nbulk\nfrom HEAD^0\n"]
    head = git(desk, "rev-parse", "HEAD").strip()
    stream[0] = stream[0].replace("HEAD^0", head)
    for rel, text in lines:
        data = text.encode()
        stream.append(f"M 100644 inline {rel}\ndata {len(data)}\n")
        stream.append(data.decode() + "\n")
    subprocess.run(["git", "fast-import", "--quiet"], cwd=desk, check=True,
                   input="".join(stream).encode())
    subprocess.run(["git", "reset", "-q", "--hard"], cwd=desk, check=True)
    base = git(desk, "rev-parse", "HEAD").strip()
    ids = [open_ticket(desk) for _ in range(50)]
    for t in ids:
        ok(itsm(desk, "note", t, "--text", "called"))
    start = time.monotonic()
    r = ok(itsm(desk, "--json", "audit", "--since", base))
    elapsed = time.monotonic() - start
    assert r.json["commits"] == 100 and r.json["findings"] == []
    assert elapsed < 5, elapsed


def test_G6_sweep_hooks_tasks_and_visits_audit_clean(desk):
    """The actions other commands record (sweep as its pseudo-actor, the monitoring
    account's hook events, tasks, announcements, visits) are all legal steps."""
    hooks = Path(__file__).resolve().parents[1] / "resources" / "hooks"
    t0 = "2026-11-02T09:"
    a = open_ticket(desk, *BILLING, now=t0 + "00")
    ok(itsm(desk, "assign", a, "--group", "billing-app", now=t0 + "05"))
    ok(itsm(desk, "accept", a, actor="carol", now=t0 + "10"))
    ok(itsm(desk, "task", "add", a, "--title", "check db", "--group", "dba", actor="carol",
            now=t0 + "20"))
    ok(itsm(desk, "task", "done", a, "T1", "--result", "fine", actor="erin", now=t0 + "30"))
    ok(itsm(desk, "announce", a, "--kind", "outage", "--title", "t", "--body", "b",
            now=t0 + "31"))
    ok(itsm(desk, "resolve", a, "--solution", "s", "--causation", "data-error", actor="carol",
            now=t0 + "40"))
    open_ticket(desk, *BILLING, now=t0 + "50")
    ok(itsm(desk, "sweep", actor=None, now="2026-11-03T09:00:00+08:00"))      # breaches
    ok(itsm(desk, "sweep", actor=None, now="2026-12-10T09:00:00+08:00"))      # auto-close
    ok(itsm(desk, "visit", a, "--result", "happy", now="2026-12-11T09:00:00+08:00"))
    firing = (hooks / "alertmanager-firing.json").read_text()
    ok(itsm(desk, "hook", "alertmanager", actor="monitor", input=firing,
            now="2026-12-11T10:00:00+08:00"))
    ok(itsm(desk, "hook", "alertmanager", actor="monitor",
            input=firing.replace('"firing"', '"resolved"'), now="2026-12-11T11:00:00+08:00"))
    actions = git(desk, "log", "--format=%(trailers:key=Itsmctl-Action,valueonly)")
    assert "sweep" in actions and "visit" in actions
    r = audit(desk)
    assert r.code == 0, r.out
