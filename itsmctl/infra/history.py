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

    def meta(self) -> "Commit":
        from itsmctl.core.audit import Commit

        trailers = {}
        for line in self.message.splitlines():
            m = _TRAILER.match(line)
            if m:
                trailers[m.group(1)] = m.group(2)
        subject = self.message.splitlines()[0] if self.message else ""
        return Commit(self.sha, self.author_name, self.author_email, trailers, subject)


def log(root: Path, since: Optional[str], head: str = "HEAD",
        paths: tuple[str, ...] = ("tickets/", "config/")) -> Iterator[LogCommit]:
    """Commits touching `paths` after `since` up to head, oldest first, with their raw
    changes (one `git log --raw`); a bad revision is a UsageError naming it."""
    rng = f"{since}..{head}" if since else head
    res = git.call(root, "log", "--reverse", "--raw", "-z", "--no-renames", "--no-abbrev",
                   "-c", "--full-history",
                   "--format=%x01%H%x02%P%x02%an%x02%ae%x02%B%x03", rng, "--", *paths)
    if res.code != 0:
        raise UsageError(f"--since {since}: {res.last_error()}", rule="G6")
    for chunk in res.out.decode("utf-8", "replace").split("\x01")[1:]:
        head, _, raw = chunk.partition("\x03")
        sha, parents, name, email, message = head.split("\x02", 4)
        commit = LogCommit(sha, parents.split(), name, email, message.strip())
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


@dataclass
class Summary:
    """A commit's metadata and, when asked for, the paths it changed."""

    sha: str
    parents: list[str]
    at: int                       # author time, Unix seconds
    offset: str                   # author time zone, +0800
    email: str
    message: str
    paths: list[str] = field(default_factory=list)


def summaries(root: Path, revs: list[str], paths: tuple[str, ...] = (),
              merges: bool = True, names: bool = False) -> list[Summary]:
    """Commits of `revs` (oldest first, parents before children) with their messages;
    with `names`, the paths each changed (merges then excluded). A bad revision is a
    UsageError naming it."""
    args = ["log", "--reverse", "--topo-order", "-z",
            "--format=%x01%H%x02%P%x02%at%x02%ai%x02%ae%x02%B%x03"]
    if not merges or names:
        args.append("--no-merges")
    if names:
        args.append("--name-only")
    res = git.call(root, *args, *revs, "--", *paths)
    if res.code != 0:
        raise UsageError(f"--since {' '.join(revs)}: {res.last_error()}", rule="C1")
    out = []
    for chunk in res.out.decode("utf-8", "replace").split("\x01")[1:]:
        head, _, rest = chunk.partition("\x03")
        sha, parents, at, iso, email, message = head.split("\x02", 5)
        changed = [p for p in rest.strip("\x00\n").split("\x00") if p.strip()] if names else []
        out.append(Summary(sha, parents.split(), int(at), iso.rsplit(" ", 1)[-1], email,
                           message.strip(), [p.strip("\n") for p in changed]))
    return out


def policy_before(root: Path, rev: str) -> Optional["Policy"]:
    """The config in force at a revision (policy_at with its own blob reader)."""
    with git.CatFile(root) as blobs:
        return policy_at(blobs, rev)


def config_at(root: Path, rev: str) -> "Policy":
    """The config of a revision as a Policy; a bad revision is a UsageError, a config
    that does not load an InvalidFile naming the file (C2)."""
    res = git.call(root, "rev-parse", "--verify", "-q", f"{rev}^{{commit}}")
    if res.code != 0:
        raise UsageError(f"{rev!r} is not a revision of this desk", rule="C2")
    sha = res.out.decode().strip()
    tree = git.call(root, "rev-parse", "-q", f"{sha}:config").out.decode().strip()
    cached = _cached_policy(root, tree)
    if cached is not None:
        return cached
    policy = _parse_at(root, rev, sha)
    _cache_policy(root, tree, policy)
    return policy


def _cache_file(root: Path, tree: str) -> Optional[Path]:
    return root / ".git" / "itsmctl" / f"policy-{tree}.pickle" if tree else None


def _cached_policy(root: Path, tree: str) -> Optional["Policy"]:
    """A config tree validated before (its id names its content): not parsed again."""
    import pickle

    from itsmctl.infra.config import code_stamp

    path = _cache_file(root, tree)
    try:
        with open(path, "rb") as fh:              # type: ignore[arg-type]
            stamp, policy = pickle.load(fh)
    except Exception:  # noqa: BLE001 - no cache, or a stale one: parse the files
        return None
    return policy if stamp == code_stamp() else None


def _cache_policy(root: Path, tree: str, policy: "Policy") -> None:
    import os
    import pickle

    from itsmctl.infra.config import code_stamp

    path = _cache_file(root, tree)
    if path is None or not path.parent.is_dir():
        return
    try:
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump((code_stamp(), policy), fh)
        os.replace(tmp, path)
    except OSError:
        pass


def _parse_at(root: Path, rev: str, sha: str) -> "Policy":
    from itsmctl.core.policy import Policy
    from itsmctl.errors import InvalidFile
    from itsmctl.infra.config import FILES, OPTIONAL, validate_doc
    from itsmctl.infra.yaml import load_config

    parts = {}
    with git.CatFile(root) as blobs:
        for key, name in FILES.items():
            data = blobs.get(f"{sha}:config/{name}")
            if data is None:
                if key in OPTIONAL:
                    continue
                raise InvalidFile(f"{rev}: config/{name}: missing", rule="C2")
            doc = load_config(data.decode("utf-8", "replace"), f"{rev}:config/{name}")
            parts[key] = validate_doc(key, f"{rev}:config/{name}", doc)
    try:
        policy = Policy(**parts)
    except ValueError as exc:
        raise InvalidFile(f"{rev}: config: {exc}", rule="C2") from None
    problems = policy.problems()
    if problems:
        name, at, msg = problems[0]
        raise InvalidFile(f"{rev}: config/{name}: {at}: {msg}", rule="C2")
    return policy


def changed_config(root: Path, base: str, head: Optional[str]) -> list[str]:
    """Config files that differ between two revisions (head None: the work tree)."""
    res = git.call(root, "diff", "--name-only", "--no-renames", base, *([head] if head else []),
                   "--", "config/")
    return res.out.decode().split() if res.code == 0 else []
