"""G3/G4 against real servers on 127.0.0.1 (`git daemon`, smart HTTP through lighttpd and
`git http-backend`): commands of one clone share pushes, a hook storm pushes at the
remote's pace, sweeps under contention never give up and record each breach once."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
import yaml

from tests.helpers import BILLING, USER, git, itsm_process, make_desk, ok
from tests.servers import git_daemon, smart_http, wait_until

POST_RECEIVE = '#!/bin/sh\nwhile read old new ref; do echo "$old $new" >> "{log}"; done\n'


class Served:
    """A bare remote of a fresh desk behind a real server, logging every accepted push."""

    def __init__(self, tmp: Path, url: str, bare: Path) -> None:
        self.tmp, self.url, self.bare = tmp, url, bare

    def clone(self, name: str) -> Path:
        path = self.tmp / name
        subprocess.run(["git", "clone", "-q", self.url, str(path)], check=True, timeout=60)
        git(path, "config", "itsmctl.remote", "origin")
        return path

    def pushes(self) -> list[tuple[str, str]]:
        log = self.bare / "pushes.log"
        return [tuple(line.split()) for line in log.read_text().splitlines()] \
            if log.exists() else []

    def commits(self, old: str, new: str) -> int:
        rng = new if set(old) == {"0"} else f"{old}..{new}"
        return int(git(self.bare, "rev-list", "--count", rng))

    def log(self) -> list[str]:
        return git(self.bare, "log", "--format=%s", "main").splitlines()


@pytest.fixture(params=["daemon", "http"])
def served(request, tmp_path) -> Iterator[Served]:
    base = tmp_path / "served"
    base.mkdir()
    bare = base / "desk.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(make_desk(tmp_path / "seed")),
                    str(bare)], check=True)
    git(bare, "config", "http.receivepack", "true")
    hook = bare / "hooks" / "post-receive"
    hook.write_text(POST_RECEIVE.format(log=bare / "pushes.log"))
    hook.chmod(0o755)
    server = git_daemon if request.param == "daemon" else smart_http
    with server(base) as url:
        yield Served(tmp_path, url + "desk.git", bare)


@contextmanager
def push_in_flight(clone: Path) -> Iterator[None]:
    """Hold the clone's network lock, as a command pushing right now does; its fetch
    counts as recent meanwhile, so other commands decide on what the clone has."""
    state = clone / ".git" / "itsmctl"
    state.mkdir(parents=True, exist_ok=True)
    fd = os.open(state / "net.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def start(clone: Path, *args: str, actor: str = "alice") -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ITSMCTL_")}
    return subprocess.Popen([sys.executable, "-m", "itsmctl", "--repo", str(clone), "--actor",
                             actor, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def finish(proc: subprocess.Popen) -> tuple[int, str]:
    _, err = proc.communicate(timeout=180)
    return proc.returncode, err


@pytest.mark.slow
def test_G3_G4_commands_that_commit_while_a_push_is_in_flight_share_the_next_push(served):
    clone = served.clone("c")
    tickets = [ok(itsm_process(clone, "open", "--title", f"t{i}", *USER, *BILLING)).out.strip()
               for i in range(4)]
    before = len(served.pushes())
    fetched = clone / ".git" / "itsmctl" / "fetched"
    with push_in_flight(clone):
        procs = [start(clone, "note", tid, "--text", f"while a push is in flight {i}")
                 for i, tid in enumerate(tickets)]

        def all_committed() -> bool:
            fetched.touch()
            return int(git(clone, "rev-list", "--count", "origin/main..HEAD")) == 4
        wait_until(all_committed, 120, "four commands committed locally")
        assert len(served.pushes()) == before           # nothing pushed yet
    results = [finish(p) for p in procs]
    assert all(code == 0 for code, _ in results), results
    pushes = served.pushes()[before:]
    assert len(pushes) == 1 and served.commits(*pushes[0]) == 4      # one push, four commits
    assert git(clone, "rev-parse", "HEAD") == git(served.bare, "rev-parse", "main")
    assert git(clone, "status", "--porcelain") == ""


def alert(i: int) -> str:
    return json.dumps({"version": "4", "status": "firing", "receiver": "itsmctl",
                       "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
                       "externalURL": "http://am.example.com", "alerts": [{
                           "status": "firing", "fingerprint": f"{i:016x}",
                           "labels": {"alertname": f"Storm{i}", "instance": f"h{i}:9100",
                                      "severity": "critical"},
                           "annotations": {"summary": f"h{i} down"},
                           "startsAt": "2026-11-25T00:58:30Z",
                           "endsAt": "0001-01-01T00:00:00Z"}]})


@pytest.mark.slow
def test_G3_G4_a_hook_storm_on_one_clone_pushes_at_most_once_a_second(served):
    clone = served.clone("c")
    ok(itsm_process(clone, "list"))                     # the clone's index, built once
    before = len(served.pushes())
    n = 12
    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=n) as pool:
        results = list(pool.map(lambda i: itsm_process(
            clone, "hook", "alertmanager", actor=None, input=alert(i), timeout=240), range(n)))
    seconds = time.monotonic() - t0
    assert all(r.code == 0 for r in results), [r.err for r in results if r.code]
    pushes = served.pushes()[before:]
    assert sum(served.commits(*p) for p in pushes) == n       # one commit per payload
    assert len(pushes) < n and len(pushes) <= 1 + seconds     # shared, paced (push_interval 1s)
    tickets = [yaml.safe_load(git(served.bare, "show", f"main:{path}"))
               for path in git(served.bare, "ls-tree", "-r", "--name-only", "main",
                               "tickets").splitlines() if path.endswith(".yaml")]
    fps = sorted(t["alert"]["fingerprint"] for t in tickets if t.get("alert"))
    assert fps == [f"{i:016x}" for i in range(n)]                  # each alert once


@pytest.mark.slow
def test_S4_G4_sweeps_under_contention_never_give_up_and_record_each_breach_once(served):
    """Two clones, each with writers noting on their own tickets, sweep at the same
    breach time while the writers push: every sweep exits 0, each breach lands once."""
    a, b = served.clone("a"), served.clone("b")
    tickets = [ok(itsm_process(a, "open", "--title", f"t{i}", *USER, *BILLING)).out.strip()
               for i in range(6)]
    ok(itsm_process(b, "note", tickets[0], "--text", "pull"))
    late = "2026-11-25T12:00:00+08:00"             # every P4 respond target (1h) breached
    jobs = [(c, t, k) for k in range(3) for c, t in ((a, tickets[1]), (b, tickets[2]),
                                                     (a, tickets[3]), (b, tickets[4]))]

    def note(job):
        c, tid, k = job
        return itsm_process(c, "note", tid, "--text", f"busy {k}", now=late, timeout=240)

    def sweep(c):
        return itsm_process(c, "--json", "sweep", actor=None, now=late, timeout=240)

    with ThreadPoolExecutor(max_workers=8) as pool:
        noted = pool.map(note, jobs)
        swept = [pool.submit(sweep, c) for c in (a, b, a, b)]
        results = list(noted) + [s.result() for s in swept]
    assert all(r.code == 0 for r in results), [r.err for r in results if r.code]
    for tid in tickets:
        doc = yaml.safe_load(git(served.bare, "show", f"main:tickets/2026/11/{tid}.yaml"))
        breaches = [e for e in doc["escalations"] if e["trigger"] == "breach"]
        assert [e["phase"] for e in breaches] == ["respond"], (tid, breaches)
    assert sum(line.startswith("sweep:") for line in served.log()) >= 1
