"""Reading the desk's git history: commits with the blobs they changed, config at a commit.

One `git log --raw` over a range lists the commits and the blobs they changed; the
caller reads just those blobs through one `cat-file --batch`, so the cost follows
the size of the range, not of the desk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Optional

from itsmctl.errors import ItsmError, UsageError
from itsmctl.infra import git

if TYPE_CHECKING:
    from itsmctl.core.audit import Commit
    from itsmctl.core.policy import Policy

_ZERO = "0" * 40
_TRAILER = re.compile(r"^(Itsmctl-[A-Za-z-]+):\s*(.*?)\s*$")


@dataclass
class Entry:
    path: str
    old: Optional[str]            # blob sha, None when added
    new: Optional[str]            # blob sha, None when deleted
    combined: bool = False        # a merge's path that differs from every parent


@dataclass
class LogCommit:
    sha: str
    parents: list[str]
    author_name: str
    author_email: str
    message: str
    entries: list[Entry] = field(default_factory=list)
    committed: int = 0            # committer time, seconds since the epoch

    def meta(self) -> "Commit":
        from itsmctl.core.audit import Commit

        trailers = {}
        for line in self.message.splitlines():
            m = _TRAILER.match(line)
            if m:
                trailers[m.group(1)] = m.group(2)
        subject = self.message.splitlines()[0] if self.message else ""
        return Commit(self.sha, self.author_name, self.author_email, trailers, subject)


AUDITED = ("tickets/", "config/", "kb/", "attachments/")


def log(root: Path, since: Optional[str], head: str = "HEAD",
        paths: tuple[str, ...] = AUDITED,
        revs: Optional[list[str]] = None) -> Iterator[LogCommit]:
    """Commits touching `paths` after `since` up to head (or those `revs` name, e.g.
    `NEW --not --all`), parents first, with their raw changes (one `git log --raw`); a
    bad revision is a UsageError naming it."""
    rng = revs or [f"{since}..{head}" if since else head]
    res = git.call(root, "log", "--reverse", "--topo-order", "--raw", "-z", "--no-renames",
                   "--no-abbrev", "-c", "--full-history",
                   "--format=%x01%H%x02%P%x02%an%x02%ae%x02%ct%x02%B%x03", *rng, "--", *paths)
    if res.code != 0:
        raise UsageError(f"--since {since}: {res.last_error()}", rule="G6")
    for chunk in res.out.decode("utf-8", "replace").split("\x01")[1:]:
        head, _, raw = chunk.partition("\x03")
        sha, parents, name, email, stamp, message = head.split("\x02", 5)
        commit = LogCommit(sha, parents.split(), name, email, message.strip(),
                           committed=int(stamp or 0))
        commit.entries = list(_entries(raw))
        yield commit


def _entries(raw: str) -> Iterator[Entry]:
    parts = raw.strip("\x00\n").split("\x00")
    i = 0
    while i + 1 < len(parts):
        meta, path = parts[i].strip(), parts[i + 1]
        i += 2
        if not meta.startswith(":"):
            continue
        fields = meta.lstrip(":").split()[:-1]          # modes, then shas; status dropped
        shas = fields[len(fields) // 2:]
        old, new, combined = shas[0], shas[-1], meta.startswith("::")
        yield Entry(path, None if old == _ZERO else old, None if new == _ZERO else new,
                    combined)


def policy_at(blobs: git.CatFile, rev: str) -> Optional["Policy"]:
    """The config in force at a commit; None when it does not load."""
    from itsmctl.core.policy import Policy
    from itsmctl.infra.config import FILES, validate_doc
    from itsmctl.infra.yaml import load_config

    parts = {}
    try:
        for key, name in FILES.items():
            data = blobs.get(f"{rev}:config/{name}")
            if data is not None:
                parts[key] = validate_doc(key, f"config/{name}",
                                          load_config(data.decode("utf-8"), name))
        return Policy(**parts)
    except (ItsmError, ValueError, TypeError, UnicodeDecodeError):
        return None


VERIFIED = "refs/itsmctl/verified"


def commit_time(raw: bytes) -> Optional[int]:
    """The committer time of a raw commit object (seconds since the epoch)."""
    for line in raw.split(b"\n\n", 1)[0].split(b"\n"):
        if line.startswith(b"committer "):
            try:
                return int(line.rsplit(b" ", 2)[-2])
            except (ValueError, IndexError):
                return None
    return None


def verified_tip(root: Path) -> Optional[str]:
    """The tip the last clean audit verified (I5), if any."""
    out = git.run(root, "rev-parse", "--verify", "-q", VERIFIED + "^{commit}", check=False)
    return out.decode().strip() or None


def record_verified(root: Path, sha: str) -> None:
    git.run(root, "update-ref", "-m", "itsmctl audit: verified", VERIFIED, sha, check=False)


def is_ancestor(root: Path, a: str, b: str) -> bool:
    return git.call(root, "merge-base", "--is-ancestor", a, b).code == 0


def rev(root: Path, spec: str) -> Optional[str]:
    out = git.run(root, "rev-parse", "--verify", "-q", spec + "^{commit}", check=False)
    return out.decode().strip() or None


def new_commits(root: Path, new: str) -> list[str]:
    """The commits a push brings: reachable from new and from no ref yet (pre-receive)."""
    out = git.run(root, "rev-list", new, "--not", "--all", check=False)
    return out.decode().split()


def head_branch(root: Path) -> Optional[str]:
    """The branch HEAD names (a bare remote's default branch)."""
    out = git.run(root, "symbolic-ref", "-q", "HEAD", check=False)
    return out.decode().strip() or None
