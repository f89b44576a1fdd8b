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
