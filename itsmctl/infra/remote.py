"""Sharing one remote (G4): pull before a write, push after, re-run on a rejected push.

With a remote configured (config/desk.yaml `remote:` or `git config itsmctl.remote`),
every write command, under the desk lock, fetches and fast-forwards, makes its one
commit, and pushes. A push rejected because someone else pushed first resets the
branch to the fresh remote tip and raises PushRejected; the CLI then runs the whole
command again on the fresh state, so its rules are checked again (a ticket closed
meanwhile is not resolved again). Without network the commit stays local and the
command says so; `itsmctl sync` later pushes, replaying local commits on top of what
arrived meanwhile by re-running the commands recorded in their trailers.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from itsmctl.errors import ConcurrencyError
from itsmctl.infra.store import Desk, GitError, git

COMMAND_TRAILER = "Itsmctl-Command"
NETWORK_TIMEOUT = float(os.environ.get("ITSMCTL_NETWORK_TIMEOUT", "20"))
_suspended = False      # replays run nested commands that must not sync themselves


class PushRejected(ConcurrencyError):
    """The remote moved while we committed; the command is run again (exit 5 at last)."""

    exit_code = 5


def remote_name(desk: Desk, configured: Optional[str]) -> Optional[str]:
    if _suspended or os.environ.get("ITSMCTL_NO_SYNC"):
        return None
    if configured:
        return configured
    try:        # the desk's own git config names it; skip a git process when it cannot
        if b"itsmctl" not in (desk.root / ".git" / "config").read_bytes():
            return None
    except OSError:
        pass
    out = git(desk.root, "config", "--get", "itsmctl.remote", check=False).strip().decode()
    return out or None


def _git(desk: Desk, *args: str, timeout: Optional[float] = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0")
    try:
        return subprocess.run(["git", *args], cwd=desk.root, capture_output=True,
                              timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(args, 124, b"", b"timed out")


@dataclass
class Sync:
    desk: Desk
    remote: str
    say: Callable[[str], None]
    offline: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def branch(self) -> str:
        return self.desk.branch_ref().removeprefix("refs/heads/")

    @property
    def tracking(self) -> str:
        return f"refs/remotes/{self.remote}/{self.branch}"

    def fetch(self) -> Optional[str]:
        """The remote tip, or None when the remote is unreachable (offline)."""
        proc = _git(self.desk, "fetch", "--quiet", "--no-tags", self.remote,
                    f"+refs/heads/{self.branch}:{self.tracking}", timeout=NETWORK_TIMEOUT)
        if proc.returncode != 0:
            err = proc.stderr.decode("utf-8", "replace")
            if "couldn't find remote ref" in err:
                return ""       # an empty remote: nothing to pull
            self.offline = True
            return None
        return self.desk.read_ref(self.tracking) or ""

    def before(self) -> None:
        """Pull: fast-forward to the remote; replay local-only commits if both moved."""
        tip = self.fetch()
        if not tip:
            return
        head = self.desk.head()
        if head == tip or _is_ancestor(self.desk, tip, head):
            return                      # up to date, or local work still to push
        if head is None or _is_ancestor(self.desk, head, tip):
            _move_to(self.desk, tip)
            return
        replay_onto(self.desk, tip, self.say)

    def after(self, parent: Optional[str]) -> None:
        """Push the new commit; on rejection drop it, take the fresh tip, ask for a re-run."""
        if self.offline:
            self.say(f"offline: {self.remote} unreachable; committed locally, "
                     "run `itsmctl sync` to push")
            return
        proc = _git(self.desk, "push", "--quiet", "--porcelain", self.remote,
                    f"HEAD:refs/heads/{self.branch}", timeout=NETWORK_TIMEOUT)
        if proc.returncode == 0:
            git(self.desk.root, "update-ref", self.tracking, "HEAD", check=False)
            return
        out = (proc.stdout + proc.stderr).decode("utf-8", "replace")
        if "rejected" not in out and "non-fast-forward" not in out and "fetch first" not in out:
            self.say(f"offline: push to {self.remote} failed; committed locally, "
                     "run `itsmctl sync` to push")
            return
        tip = self.fetch()
        if parent is not None:
            _move_to(self.desk, parent)
        if tip:
            self.before()
        raise PushRejected(f"{self.remote} moved while we committed (G4); "
                           "the command was not applied", rule="G4")


def _is_ancestor(desk: Desk, a: Optional[str], b: Optional[str]) -> bool:
    if not a or not b:
        return False
    return _git(desk, "merge-base", "--is-ancestor", a, b).returncode == 0


def _move_to(desk: Desk, commit: str) -> None:
    """Point the branch, index and work tree at commit, keeping unrelated local edits."""
    proc = _git(desk, "reset", "--keep", "-q", commit)
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"cannot move the desk to {commit[:12]}: {err[-1] if err else ''}; "
                       "commit or stash local edits to ticket files")


def local_commits(desk: Desk, tip: str) -> list[str]:
    out = git(desk.root, "rev-list", "--reverse", f"{tip}..HEAD").decode().split()
    return out


def recorded_command(desk: Desk, commit: str) -> Optional[list[str]]:
    body = git(desk.root, "log", "-1", "--format=%(trailers:key=" + COMMAND_TRAILER +
               ",valueonly,unfold)", commit).decode().strip()
    if not body:
        return None
    try:
        argv = json.loads(body.splitlines()[0])
    except ValueError:
        return None
    return argv if isinstance(argv, list) and all(isinstance(a, str) for a in argv) else None


def replay_onto(desk: Desk, tip: str, say: Callable[[str], None]) -> list[str]:
    """Rebuild local-only commits on top of tip: each recorded command is run again
    (its rules checked on the new state); others are cherry-picked. Returns what was
    dropped, one line each."""
    global _suspended
    commits = local_commits(desk, tip)
    _move_to(desk, tip)
    dropped = []
    _suspended = True
    try:
        for commit in commits:
            subject = git(desk.root, "log", "-1", "--format=%s", commit).decode().strip()
            argv = recorded_command(desk, commit)
            word = _command_word(argv)
            if argv and word not in ("hook", None):
                ticket = git(desk.root, "log", "-1", "--format=%(trailers:key=Itsmctl-Ticket,"
                             "valueonly,unfold)", commit).decode().strip()
                error = _rerun(desk, argv, ticket if word == "open" else None)
            else:
                error = _pick(desk, commit)
            if error:
                dropped.append(f"{subject}: {error}")
                say(f"sync: not applied: {subject}: {error}")
            else:
                say(f"sync: replayed {subject}")
    finally:
        _suspended = False
    return dropped


def _command_word(argv: Optional[list[str]]) -> Optional[str]:
    i = 0
    while argv and i < len(argv):
        if argv[i] in ("--actor", "--now", "--repo"):
            i += 2
        elif argv[i].startswith("--"):
            i += 1
        else:
            return argv[i]
    return None


def _rerun(desk: Desk, argv: list[str], ticket_id: Optional[str]) -> Optional[str]:
    """Run a recorded command again in this process; None when it was applied."""
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from itsmctl.ui.main import main

    out, err = io.StringIO(), io.StringIO()
    if ticket_id:
        os.environ["ITSMCTL_REPLAY_ID"] = ticket_id      # an opened ticket keeps its id
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main(["--repo", str(desk.root), *argv])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        finally:
            os.environ.pop("ITSMCTL_REPLAY_ID", None)
    return None if code == 0 else (err.getvalue().strip().splitlines() or ["failed"])[-1]


def _pick(desk: Desk, commit: str) -> Optional[str]:
    proc = _git(desk, "cherry-pick", "--allow-empty", "--keep-redundant-commits", commit)
    if proc.returncode == 0:
        return None
    _git(desk, "cherry-pick", "--abort")
    return "conflicts with changes made meanwhile"


def sync_now(desk: Desk, remote: str, say: Callable[[str], None]) -> dict[str, Any]:
    """`itsmctl sync`: pull (replaying local work if both sides moved) and push."""
    s = Sync(desk, remote, say)
    before = desk.head()
    s.before()
    if s.offline:
        raise ConcurrencyError(f"{remote} is unreachable; nothing was pushed", rule="G4")
    tip = desk.read_ref(s.tracking) or ""
    ahead = len(local_commits(desk, tip)) if tip else len(
        git(desk.root, "rev-list", "HEAD").split())
    if ahead:
        s.after(None)
    return {"remote": remote, "pushed": ahead, "moved": before != desk.head()}
