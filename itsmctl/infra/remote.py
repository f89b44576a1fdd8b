"""The desk's remote (G4): fetch, push, move the branch, read what local commits recorded.

Plumbing only: deciding when to pull, push, retry or replay is the write path's job
(itsmctl/app/write.py and app/replay.py). Network calls have a timeout and never prompt.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Optional

from itsmctl.errors import GitError
from itsmctl.infra import git
from itsmctl.infra.store import Desk

NETWORK_TIMEOUT = float(os.environ.get("ITSMCTL_NETWORK_TIMEOUT", "20"))
_TRAILER = re.compile(r"^(Itsmctl-[A-Za-z-]+):\s*(.*?)\s*$")


@dataclass
class LocalCommit:
    """A commit made here and not yet on the remote, with what it recorded."""

    sha: str
    subject: str
    trailers: dict[str, str]


@dataclass
class Remote:
    """The desk's git remote, and what it said last."""

    desk: Desk
    name: str
    offline: bool = False
    refusal: str = ""               # what the remote said about the last push it refused

    @property
    def branch(self) -> str:
        return self.desk.branch_ref().removeprefix("refs/heads/")

    @property
    def tracking(self) -> str:
        return f"refs/remotes/{self.name}/{self.branch}"

    def fetch(self) -> Optional[str]:
        """The remote tip ('' for an empty remote), or None when unreachable (offline)."""
        res = git.call(self.desk.root, "fetch", "--quiet", "--no-tags", self.name,
                       f"+refs/heads/{self.branch}:{self.tracking}", timeout=NETWORK_TIMEOUT)
        if res.code != 0:
            if "couldn't find remote ref" in res.err.decode("utf-8", "replace"):
                return ""
            self.offline = True
            return None
        return self.desk.read_ref(self.tracking) or ""

    def push(self, commit: Optional[str] = None) -> str:
        """Push commit (HEAD by default): 'pushed', 'rejected' (the remote moved),
        'refused' (the remote's own check declined it: `refusal` says why) or 'offline'.
        The tracking ref follows what was pushed."""
        commit = commit or self.desk.head() or "HEAD"
        res = git.call(self.desk.root, "push", "--quiet", "--porcelain", self.name,
                       f"{commit}:refs/heads/{self.branch}", timeout=NETWORK_TIMEOUT)
        if res.code == 0:
            git.run(self.desk.root, "update-ref", self.tracking, commit, check=False)
            return "pushed"
        out = (res.out + res.err).decode("utf-8", "replace")
        if "hook declined" in out:        # pre-receive/update said no; not a lost race
            said = [line.removeprefix("remote:").strip() for line in out.splitlines()
                    if line.startswith("remote:") and line.removeprefix("remote:").strip()]
            self.refusal = said[0] if said else "the remote declined the push"
            return "refused"
        if any(word in out for word in ("rejected", "non-fast-forward", "fetch first")):
            return "rejected"
        return "offline"

    def set_tracking(self, commit: str) -> None:
        """Point the remote-tracking ref back at commit (a rewrite was refused, I5)."""
        git.run(self.desk.root, "update-ref", self.tracking, commit, check=False)

    def pushed(self) -> bool:
        """Has HEAD reached the remote (as far as this clone knows)?"""
        return not self.offline and self.desk.head() == self.desk.read_ref(self.tracking)

    def is_ancestor(self, a: Optional[str], b: Optional[str]) -> bool:
        if not a or not b:
            return False
        return git.call(self.desk.root, "merge-base", "--is-ancestor", a, b).code == 0

    def move_to(self, commit: str) -> None:
        """Point the branch, index and work tree at commit, keeping unrelated local edits."""
        res = git.call(self.desk.root, "reset", "--keep", "-q", commit)
        if res.code != 0:
            raise GitError(f"cannot move the desk to {commit[:12]}: {res.last_error()}; "
                           "commit or stash local edits to ticket files")

    def local_commits(self, tip: str) -> list[LocalCommit]:
        """Commits on HEAD and not on tip, oldest first, with their trailers."""
        out = git.run(self.desk.root, "log", "--reverse", "-z", "--format=%H%x00%B",
                      f"{tip}..HEAD" if tip else "HEAD").decode("utf-8", "replace")
        parts = out.split("\x00")
        commits = []
        for sha, body in zip(parts[0::2], parts[1::2]):
            sha = sha.strip()
            if not sha:
                continue
            trailers = {}
            for line in body.splitlines():
                m = _TRAILER.match(line)
                if m:
                    trailers[m.group(1)] = m.group(2)
            subject = body.strip().splitlines()[0] if body.strip() else ""
            commits.append(LocalCommit(sha, subject, trailers))
        return commits

    def cherry_pick(self, commit: str, sign: Optional[git.SignWith] = None) -> bool:
        """Apply a commit on top of HEAD (signed by git with `sign` on a signed desk);
        False (nothing changed) on a conflict."""
        signing = [*sign.options()] if sign else []
        if git.call(self.desk.root, *signing, "cherry-pick", *(["-S"] if sign else []),
                    "--allow-empty", "--keep-redundant-commits", commit).code == 0:
            return True
        git.call(self.desk.root, "cherry-pick", "--abort")
        return False

    def count_ahead(self, tip: str) -> int:
        rng = f"{tip}..HEAD" if tip else "HEAD"
        return int(git.run(self.desk.root, "rev-list", "--count", rng).strip() or 0)
