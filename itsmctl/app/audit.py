"""`itsmctl audit [--since REV]` (G6): replay the git history of tickets/ through core/audit.

infra/history.py lists the commits of the range and the blobs they changed, and reads
just those, so the cost follows the range, not the size of the desk. The config in
force at each commit (teams, roles) is re-read whenever a commit changes config/.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Optional

from itsmctl.app.session import Session
from itsmctl.errors import ItsmError

if TYPE_CHECKING:
    from itsmctl.core.audit import Finding
    from itsmctl.core.policy import Policy
    from itsmctl.infra.git import CatFile
    from itsmctl.infra.history import LogCommit

_TICKET = re.compile(r"^tickets/\d{4}/\d{2}/[A-Z]{2,5}-\d{4}-[0-9A-Z]{5}\.yaml$")


def _doc(blobs: "CatFile", sha: Optional[str], path: str) -> Any:
    from itsmctl.infra.yaml import load_ticket

    if sha is None:
        return None
    data = blobs.get(sha)
    if data is None:
        return None
    return load_ticket(data, path)


def audit(session: Session, since: Optional[str] = None) -> tuple[int, list["Finding"]]:
    """(commits replayed, findings), oldest first."""
    from itsmctl.infra.git import CatFile
    from itsmctl.infra.history import log, policy_at

    if since and set(since) == {"0"}:
        since = None                  # a new branch: git's all-zero "nothing before"
    findings: list[Finding] = []
    count = 0
    if session.desk.head() is None:
        return count, findings
    commits = list(log(session.root, since))
    total = sum(len(c.entries) for c in commits)
    done = 0
    with CatFile(session.root) as blobs, session.progress("auditing the history") as progress:
        policy = policy_at(blobs, since) if since else None
        for commit in commits:
            count += 1
            if policy is None or any(e.path.startswith("config/") for e in commit.entries):
                policy = policy_at(blobs, commit.sha) or policy or session.policy
            findings.extend(_commit(commit, policy, blobs))
            done += len(commit.entries)
            progress(done, total)
    return count, findings


def _commit(commit: "LogCommit", policy: "Policy", blobs: "CatFile") -> list["Finding"]:
    from itsmctl.core.audit import Finding as finding
    from itsmctl.core.audit import check

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
