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


def git_dir(root: Path) -> Path:
    """root/.git, or root itself for a bare repository (a remote running the hook)."""
    return root / ".git" if (root / ".git").is_dir() else root


def _code_stamp() -> tuple[object, ...]:
    from itsmctl import __version__

    here = Path(__file__).resolve().parent.parent / "core" / "policy"
    return (__version__, *((m.name, m.stat().st_mtime_ns, m.stat().st_size)
                           for m in sorted(here.glob("*.py"))))


def cached_policy_at(root: Path, blobs: git.CatFile, rev: str,
                     tree: Optional[str]) -> Optional["Policy"]:
    """policy_at, kept per config tree id (a tree id names its files' content exactly),
    so an audit does not parse and validate the same config again and again."""
    import os
    import pickle

    if tree is None:
        return policy_at(blobs, rev)
    folder = git_dir(root) / "itsmctl" / "policies"
    path = folder / f"{tree}.pickle"
    stamp = _code_stamp()
    try:
        with path.open("rb") as fh:
            cached_stamp, policy = pickle.load(fh)
        if cached_stamp == stamp:
            return policy  # type: ignore[no-any-return]
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, AttributeError,
            ImportError, TypeError):
        pass
    policy = policy_at(blobs, rev)
    if policy is not None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            kept = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime)
            for old in kept[:-63]:
                old.unlink(missing_ok=True)
            tmp = folder / f".{tree}.{os.getpid()}.tmp"
            with tmp.open("wb") as fh:
                pickle.dump((stamp, policy), fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError:
            pass                          # a read-only repository: just not kept
    return policy


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
