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
class BlobChange:
    """A ticket path a commit changed, with its blob before and after."""

    path: str
    old: Optional[str]            # blob sha, None when added
    new: Optional[str]            # blob sha, None when deleted
    combined: bool = False        # a merge's path that differs from every parent


@dataclass
class LogCommit:
    """A commit as read from `git log`."""

    sha: str
    parents: list[str]
    author_name: str
    author_email: str
    message: str
    entries: list[BlobChange] = field(default_factory=list)
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


def _entries(raw: str) -> Iterator[BlobChange]:
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
        yield BlobChange(path, None if old == _ZERO else old, None if new == _ZERO else new,
                    combined)


def policy_at(blobs: git.CatFile, rev: str) -> Optional["Policy"]:
    """The config in force at a commit; None when it does not load.

    Cached by the content of config/ at that commit (its tree) and the code of the
    models: parsing the config files with ruamel and validating them cost ~100 ms of
    every `audit --since` (issue 13), for a config that rarely changes."""
    from itsmctl.infra.config import by_tree

    tree = blobs.get(f"{rev}:config")
    if tree is None:
        return _policy_at(blobs, rev)
    return by_tree(blobs.root, tree, lambda: _policy_at(blobs, rev))


def _policy_at(blobs: git.CatFile, rev: str) -> Optional["Policy"]:
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


def cached_policy_at(root: Path, blobs: git.CatFile, rev: str,
                     tree: Optional[str]) -> Optional["Policy"]:
    """policy_at, kept per config tree id (a tree id names its files' content exactly),
    so an audit does not parse and validate the same config again and again."""
    import os
    import pickle

    from itsmctl.infra.config import code_stamp

    if tree is None:
        return policy_at(blobs, rev)
    folder = git_dir(root) / "itsmctl" / "policies"
    path = folder / f"{tree}.pickle"
    stamp = code_stamp()
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
    """The same folder as cached_policy_at's: one kept policy per config tree."""
    return git_dir(root) / "itsmctl" / "policies" / f"{tree}.pickle" if tree else None


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
    if path is None or not git_dir(root).is_dir():
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
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
