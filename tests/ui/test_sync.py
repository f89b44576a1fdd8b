"""G4: clones sharing one remote served by `git daemon` on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.helpers import BILLING, USER, git, itsm, itsm_process, make_desk, ok

pytestmark = pytest.mark.slow      # clones sharing a real remote


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Daemon:
    def __init__(self, base: Path) -> None:
        self.base, self.port, self.proc = base, free_port(), None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["git", "daemon", "--reuseaddr", "--export-all", "--enable=receive-pack",
             f"--base-path={self.base}", "--listen=127.0.0.1", f"--port={self.port}",
             str(self.base)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("git daemon did not start")

    def stop(self) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None

    @property
    def url(self) -> str:
        return f"git://127.0.0.1:{self.port}/remote.git"


@pytest.fixture
def shared(tmp_path):
    """A bare remote behind git daemon and a factory of configured clones."""
    seed = make_desk(tmp_path / "seed")
    remote = tmp_path / "served" / "remote.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(seed), str(remote)], check=True)
    daemon = Daemon(tmp_path / "served")
    daemon.start()

    def clone(name: str) -> Path:
        path = tmp_path / name
        subprocess.run(["git", "clone", "-q", daemon.url, str(path)], check=True)
        subprocess.run(["git", "config", "itsmctl.remote", "origin"], cwd=path, check=True)
        return path

    yield clone, daemon, remote
    daemon.stop()


def remote_log(remote: Path) -> list[str]:
    return subprocess.run(["git", "log", "--format=%s", "main"], cwd=remote, capture_output=True,
                          text=True, check=True).stdout.splitlines()


def test_G4_pull_before_and_push_after(shared):
    clone, _, remote = shared
    a, b = clone("a"), clone("b")
    tid = ok(itsm(a, "open", "--title", "计费出错", *USER, *BILLING)).out.strip()
    assert remote_log(remote)[0].startswith(f"{tid}: open")
    ok(itsm(b, "assign", tid, "--group", "billing-app"))       # b pulls the new ticket first
    ok(itsm(a, "accept", tid, actor="carol"))                    # a pulls b's dispatch
    log = remote_log(remote)
    assert [line.split(":")[1].split()[0] for line in log[:3]] == ["accept", "assign", "open"]
    assert git(a, "status", "--porcelain") == "" and git(b, "status", "--porcelain") == ""


def test_G4_rejected_push_reruns_and_rechecks_rules(shared):
    """b's push loses a race against a close made by a; b runs again and L14 refuses."""
    clone, _, remote = shared
    a, b = clone("a"), clone("b")
    tid = ok(itsm(a, "open", "--title", "x", *USER)).out.strip()
    ok(itsm(a, "resolve", tid, "--solution", "reset"))
    ok(itsm(b, "note", tid, "--text", "sync b"))
    # a pre-push hook in b lets a close the ticket just before b's push lands
    hook = b / ".git" / "hooks" / "pre-push"
    flag = b / ".git" / "raced"
    import sys
    hook.write_text(f"""#!/bin/sh
[ -e {flag} ] && exit 0
touch {flag}
{sys.executable} -m itsmctl --repo {a} --actor alice --now 2026-11-25T10:00:00+08:00 \\
    close {tid} --code solved >/dev/null 2>&1
exit 0
""")
    hook.chmod(0o755)
    r = itsm(b, "reopen", tid, "--reason", "user says no", now="2026-11-25T10:01:00+08:00")
    assert r.code == 1 and "[L14]" in r.err
    log = remote_log(remote)
    assert log[0].startswith(f"{tid}: close") and not any("reopen" in x for x in log)
    assert git(b, "rev-parse", "HEAD") == git(remote, "rev-parse", "main")
    assert git(b, "status", "--porcelain") == ""


def test_G4_offline_commits_locally_then_sync_replays(shared):
    clone, daemon, remote = shared
    a, b = clone("a"), clone("b")
    t1 = ok(itsm(a, "open", "--title", "one", *USER, *BILLING)).out.strip()
    t2 = ok(itsm(a, "open", "--title", "two", *USER, *BILLING)).out.strip()
    ok(itsm(b, "note", t1, "--text", "b is current"))
    daemon.stop()
    r = ok(itsm(b, "assign", t1, "--group", "billing-app"))
    assert "offline" in r.err and "itsmctl sync" in r.err
    t3 = ok(itsm(b, "open", "--title", "three, made offline", *USER)).out.strip()
    ok(itsm(b, "resolve", t2, "--solution", "fixed at first line"))
    daemon.start()
    # meanwhile a closes... no: a resolves t2 differently and closes it
    ok(itsm(a, "resolve", t2, "--solution", "a fixed it"))
    ok(itsm(a, "close", t2, "--code", "solved"))
    r = itsm(b, "sync")
    assert r.code == 1, r.err                  # one offline transition no longer applies
    assert "not applied" in r.err and t2 in r.err
    log = remote_log(remote)
    assert any(x.startswith(f"{t1}: assign") for x in log)
    assert any(x.startswith(f"{t3}: open") for x in log)        # same id after replay
    assert sum(x.startswith(f"{t2}: resolve") for x in log) == 1
    assert git(b, "rev-parse", "HEAD") == git(remote, "rev-parse", "main")


@pytest.mark.slow
def test_G4_many_clones_burst_every_transition_once(shared):
    """Three clones, each a burst of opens and notes at once: all land exactly once."""
    clone, _, remote = shared
    clones = [clone(f"c{i}") for i in range(3)]
    seed = ok(itsm(clones[0], "open", "--title", "shared", *USER)).out.strip()
    for c in clones[1:]:
        ok(itsm(c, "note", seed, "--text", "pull"))
    jobs = [(c, i) for i, c in enumerate(clones) for _ in range(4)]

    def work(job):
        c, i = job
        results = [itsm_process(c, "open", "--title", f"burst {i}", *USER, timeout=240),
                   itsm_process(c, "note", seed, "--text", f"from clone {i}", timeout=240)]
        return results

    with ThreadPoolExecutor(max_workers=6) as pool:
        done = [r for rs in pool.map(work, jobs) for r in rs]
    assert all(r.code == 0 for r in done), [r.err for r in done if r.code]
    log = remote_log(remote)
    opened = [r.out.strip() for r in done[::2]]
    assert len(opened) == 12 and len(set(opened)) == 12
    for tid in opened:
        assert sum(x.startswith(f"{tid}: open") for x in log) == 1
    notes = [x for x in log if x.startswith(f"{seed}: note")]
    assert len(notes) == 12 + 2


@pytest.mark.slow
def test_G4_sweeps_on_two_clones_at_once_escalate_once(shared):
    """Cron on two machines: both sweep the same breached tickets at the same moment;
    every breach is in the remote exactly once."""
    clone, _, remote = shared
    a, b = clone("a"), clone("b")
    tickets = [ok(itsm(a, "open", "--title", f"t{i}", *USER, *BILLING)).out.strip()
               for i in range(3)]
    ok(itsm(b, "note", tickets[0], "--text", "pull"))
    late = "2026-11-25T12:00:00+08:00"           # P4 respond (1h) breached on all three
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda c: itsm_process(c, "sweep", now=late, timeout=240),
                                [a, b]))
    assert all(r.code == 0 for r in results), [r.err for r in results]
    ok(itsm(a, "sweep", now=late))                # and once more, after both
    for tid in tickets:
        text = subprocess.run(["git", "show", f"main:tickets/2026/11/{tid}.yaml"], cwd=remote,
                              capture_output=True, text=True, check=True).stdout
        import yaml

        doc = yaml.safe_load(text)
        breaches = [e for e in doc["escalations"] if e["trigger"] == "breach"]
        assert [e["phase"] for e in breaches] == ["respond"], breaches
    assert git(a, "status", "--porcelain") == "" and git(b, "status", "--porcelain") == ""
