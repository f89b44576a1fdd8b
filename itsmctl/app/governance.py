"""Config governance (C1) for `validate --since BASE`, CODEOWNERS for the GitOps kit, and
`what-if` (C2): what a config change does to the open tickets."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from itsmctl.app.session import Session

if TYPE_CHECKING:
    from itsmctl.core.governance import ConfigCommit
    from itsmctl.core.policy import Policy
    from itsmctl.infra.history import Summary

_TRAILER = re.compile(r"^([A-Za-z][A-Za-z0-9-]*):\s*(.*?)\s*$")


def signers_of(session: Session, shas: list[str], policy: "Policy") -> dict[str, str]:
    """Who (teams.yaml of `policy`) made a good signature on each of `shas` (I4, I5):
    one batch read of the commits and one signature check for them all; unsigned or
    unverifiable commits are absent, their approvals come from review trailers alone."""
    from itsmctl.infra.git import cat_batch
    from itsmctl.infra.signing import read_signatures

    if not shas:
        return {}
    known: dict[str, set[str]] = {}
    for pid, person in policy.teams.people.items():
        known.setdefault(pid, set()).update(person.keys)
    raws = cat_batch(session.root, shas)
    sigs = read_signatures(session.root, raws, shas, known)
    owners = policy.teams.signers()
    out = {}
    for sha, sig in sigs.items():
        owner = owners.get(sig.key or "") if sig.status == "good" else None
        if owner is not None and owner != "sweep":
            out[sha] = owner
    return out


def _trailers(message: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in message.splitlines():
        m = _TRAILER.match(line)
        if m and m.group(2):
            out.setdefault(m.group(1).lower(), []).append(m.group(2))
    return out


def _time(s: "Summary") -> datetime:
    sign = -1 if s.offset.startswith("-") else 1
    digits = s.offset.lstrip("+-")
    zone = timezone(sign * timedelta(hours=int(digits[:2] or 0), minutes=int(digits[2:] or 0)))
    return datetime.fromtimestamp(s.at, zone)


def _commit(s: "Summary", position: int, signer: Optional[str] = None) -> "ConfigCommit":
    from itsmctl.core.governance import ConfigCommit

    trailers = _trailers(s.message)
    creation = not s.parents or "init" in trailers.get("itsmctl-action", [])
    return ConfigCommit(sha=s.sha, at=_time(s), position=position, trailers=trailers,
                  paths=tuple(s.paths), signer=signer, creation=creation)


def problems(session: Session, since: Optional[str]) -> list[str]:
    """C1 findings for the config commits after `since` (every commit when None or all
    zeros), one line each."""
    from itsmctl.core.governance import check, windowed
    from itsmctl.infra.history import policy_before, summaries

    if since and set(since) == {"0"}:
        since = None
    root = session.root
    if session.desk.head() is None:
        return []
    base: Optional["Policy"] = policy_before(root, since) if since else None
    policy = base or session.policy
    if not policy.governance.classes:
        return []
    revs = [f"{since}..HEAD"] if since else ["HEAD"]
    every = summaries(root, revs)
    position = {s.sha: i for i, s in enumerate(every)}
    changed = {s.sha: s for s in summaries(root, revs, ("config/",), names=True)}
    names = [n.lower() for n in (*policy.governance.approval_trailers,
                                 policy.governance.override_trailer)]
    changes, approvals = [], []
    relevant = [s for s in every if s.sha in changed or len(s.parents) >= 2
                or any(n in _trailers(s.message) for n in names)]
    signed = signers_of(session, [s.sha for s in relevant], policy)
    for s in relevant:
        change = changed.get(s.sha)
        commit = _commit(change or s, position[s.sha], signed.get(s.sha))
        approvals.append(commit)
        if change is not None:
            changes.append(commit)
    before = None
    if since:
        # the history before the range is read only when a change in it may be held
        # against its class's last change before (git walks every commit of the desk
        # for a path: 8.6 s and 2.4 GB at 100,000 tickets; issue 13)
        before = last_changes(root, since, policy) if windowed(policy, changes) else {}
    return [f.line() for f in check(policy, changes, approvals, before)]


def last_changes(root: Path, since: str, policy: "Policy") -> dict[str, "ConfigCommit"]:
    """Class -> its last change (not the desk's creation) at or before `since`."""
    from itsmctl.core.governance import classes
    from itsmctl.infra.history import summaries

    before: dict[str, "ConfigCommit"] = {}
    for s in summaries(root, [since], ("config/",), names=True):
        c = _commit(s, -1)
        if not c.creation:
            for cname in classes(policy, c.paths):
                before[cname] = c
    return before


# ---------------------------------------------------------------- CODEOWNERS (gitops kit)
def codeowners(root: Path) -> Optional[str]:
    """CODEOWNERS text from the desk's governance.yaml and teams.yaml; None when the
    desk has no governance classes."""
    from itsmctl.core.governance import codeowners as lines
    from itsmctl.infra.config import parse_policy

    policy = parse_policy(root)
    if not policy.governance.classes:
        return None

    def owner(pid: str) -> str:
        return policy.teams.people[pid].email or f"@{pid}"

    return lines(policy, owner)


# ---------------------------------------------------------------- what-if (C2)
def what_if(session: Session, base: str, head: Optional[str] = None) -> dict[str, Any]:
    """C2: every open ticket under the config of BASE and of HEAD (the work tree's config
    when HEAD is not given): what the change does to them (core/whatif.py)."""
    from itsmctl.app.queue import index_docs
    from itsmctl.core.whatif import OPEN, compare
    from itsmctl.infra.history import changed_config, config_at

    root = session.root
    old = config_at(root, base)
    new = config_at(root, head) if head else session.policy
    docs = index_docs(session, OPEN)
    data = compare(docs, old, new, session.now)
    data["base"] = base
    data["head"] = head or "work tree"
    data["files"] = changed_config(root, base, head)
    data["labels"] = {"groups": {g: v.label for g, v in new.teams.groups.items() if v.label}}
    return data
