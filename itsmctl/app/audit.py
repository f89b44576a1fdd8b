"""`itsmctl audit [--since REV]` (G6): replay the git history of tickets/ through core/audit.

One `git log --raw` over the range lists the commits and the blobs they changed;
one `git cat-file --batch` process reads just those blobs, so the cost follows the
number of changed files, not the size of the desk. The config in force at each
commit (teams, roles) is re-read whenever a commit of the range changes config/.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterator, Optional

from itsmctl.app.session import App
from itsmctl.errors import ItsmError, UsageError

_TICKET = re.compile(r"^tickets/\d{4}/\d{2}/[A-Z]{2,5}-\d{4}-[0-9A-Z]{5}\.yaml$")
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

    def meta(self) -> Any:
        from itsmctl.core.audit import Commit

        trailers = {}
        for line in self.message.splitlines():
            m = _TRAILER.match(line)
            if m:
                trailers[m.group(1)] = m.group(2)
        subject = self.message.splitlines()[0] if self.message else ""
        return Commit(self.sha, self.author_name, self.author_email, trailers, subject)


def log(app: App, since: Optional[str]) -> Iterator[LogCommit]:
    """Commits touching tickets/ or config/, oldest first, with their raw changes."""
    import subprocess

    rng = f"{since}..HEAD" if since else "HEAD"
    if app.desk.head() is None:
        return
    cmd = ["git", "log", "--reverse", "--raw", "-z", "--no-renames", "--no-abbrev", "-c",
           "--full-history", "--format=%x01%H%x02%P%x02%an%x02%ae%x02%B%x03", rng, "--",
           "tickets/", "config/"]
    proc = subprocess.run(cmd, cwd=app.root, capture_output=True)
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"--since {since}: {err[-1] if err else 'git log failed'}", rule="G6")
    for chunk in proc.stdout.decode("utf-8", "replace").split("\x01")[1:]:
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


def _policy_at(app: App, blobs: Any, rev: str) -> Any:
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


def _doc(blobs: Any, sha: Optional[str], path: str) -> Any:
    from itsmctl.infra.yaml import load_ticket

    if sha is None:
        return None
    data = blobs.get(sha)
    if data is None:
        return None
    return load_ticket(data, path)


def run(app: App, since: Optional[str] = None) -> tuple[int, list[Any]]:
    """(commits replayed, findings), oldest first."""
    from itsmctl.core.audit import Finding, check
    from itsmctl.infra.store import Blobs

    if since and set(since) == {"0"}:
        since = None                  # a new branch: git's all-zero "nothing before"
    blobs = Blobs(app.root)
    findings: list[Any] = []
    count = 0
    try:
        policy = _policy_at(app, blobs, since) if since else None
        for commit in log(app, since):
            count += 1
            if policy is None or any(e.path.startswith("config/") for e in commit.entries):
                policy = _policy_at(app, blobs, commit.sha) or policy or app.policy
            findings.extend(_commit(commit, policy, blobs, check, Finding))
    finally:
        blobs.close()
    return count, findings


def _commit(commit: LogCommit, policy: Any, blobs: Any, check: Any, finding: Any) -> list[Any]:
    meta = commit.meta()
    entries = [e for e in commit.entries if e.path.startswith("tickets/")]
    ids = frozenset(e.path.rsplit("/", 1)[-1][:-5] for e in entries
                    if _TICKET.match(e.path))
    out = []
    for e in entries:
        if not _TICKET.match(e.path):
            if not e.path.endswith(".gitkeep"):
                out.append(finding(commit.sha, e.path, "invalid",
                                   "not a ticket file (tickets/YYYY/MM/<ID>.yaml)"))
            continue
        if e.combined:
            out.append(finding(commit.sha, e.path, "merge", "a merge commit changed this "
                               "ticket differently from every parent (resolved by hand?)"))
            continue
        try:
            old = _doc(blobs, e.old, e.path)
            new = _doc(blobs, e.new, e.path)
        except ItsmError as exc:
            out.append(finding(commit.sha, e.path, "invalid", exc.message))
            continue
        out.extend(check(e.path, old, new, meta, policy, ids - {_id(e.path)}))
    return out


def _id(path: str) -> str:
    return path.rsplit("/", 1)[-1][:-5]
