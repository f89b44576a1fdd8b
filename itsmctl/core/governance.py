"""Config governance (C1; handbook chapter 7 流程维护机制). Pure: the config commits of a
range, the approvals recorded in it and the changes before it in, findings out.

A config change is a commit (not a merge) that changes files under config/; each
changed file belongs to a class of governance.yaml (information, rules, people…).
For every class a commit of the range changes:

- approval: a person of one of the class's approver roles (teams.yaml as it was
  before the range: nobody approves with a role their own change gave them) approved
  it: the commit is signed by them (I5, once signing is on), or it or a later commit
  of the range records their review in an approval trailer (`Itsmctl-Approved-By:
  mike`, the host's `Approved-by:` / `Reviewed-by: Name <mail>`); on a signed desk
  only the signature counts. A class with no approver roles (日常维护) needs none.
- window (执行周期): at least `window` has passed since the last change of the class
  before the range (the change's author time against that one's); several commits
  of one range are one change. A person of `override_role` lifts it by approving
  (as above) a commit at or after the change that carries `Itsmctl-Override: <reason>`.

The desk's creation (the root commit, or one whose Itsmctl-Action is init) is no change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Callable, Iterable, Optional

if TYPE_CHECKING:
    from itsmctl.core.policy import Policy

_EMAIL = re.compile(r"<([^<>@\s]+@[^<>\s]+)>")


@dataclass(frozen=True)
class ConfigCommit:
    """What governance needs of one commit."""

    sha: str
    at: datetime                                  # author time
    position: int                                 # order in the range (-1: before it)
    trailers: dict[str, list[str]] = field(default_factory=dict)   # lower-case key
    paths: tuple[str, ...] = ()                   # config files changed (non-merges)
    signer: Optional[str] = None                  # person whose key signed it (I5)
    creation: bool = False                        # the desk's first commit

    def trailer(self, name: str) -> list[str]:
        return self.trailers.get(name.lower(), [])


@dataclass(frozen=True)
class GovernanceFinding:
    """A config change merged without its approvals or outside its window (C)."""

    path: str
    commit: str
    kind: str                                     # approval | window
    message: str

    def line(self) -> str:
        return f"{self.path}: governance ({self.kind}): {self.message}"


def person(policy: "Policy", text: str) -> Optional[str]:
    """The person a trailer value names: an id, an e-mail, or 'Name <e-mail>'."""
    m = _EMAIL.search(text)
    return policy.teams.find(m.group(1) if m else text.strip())


def approvers_of(policy: "Policy", commit: ConfigCommit) -> set[str]:
    """The people a commit records as approving: its signer and its trailers' people.
    On a signed desk (I4) only the signer: a trailer there is the signer's claim about
    somebody else, and the key decides who acts."""
    gov = policy.governance
    found = {commit.signer} if commit.signer else set()
    if policy.desk.require_signed:
        return found
    for name in gov.approval_trailers:
        for value in commit.trailer(name):
            who = person(policy, value)
            if who:
                found.add(who)
    return found


def _has_role(policy: "Policy", who: Iterable[str], roles: Iterable[str]) -> list[str]:
    wanted = set(roles)
    return sorted(p for p in who if p in policy.teams.people
                  and wanted & set(policy.teams.people[p].roles))


def classes(policy: "Policy", paths: Iterable[str]) -> dict[str, list[str]]:
    """Class -> the changed paths in it (ungoverned paths left out)."""
    out: dict[str, list[str]] = {}
    for path in paths:
        name = policy.governance.class_of(path)
        if name is not None:
            out.setdefault(name, []).append(path)
    return out


def windowed(policy: "Policy", changes: list[ConfigCommit]) -> bool:
    """Whether a change (not the desk's creation) is to a class with a change window:
    only such a change is held against its class's last change before the range, so
    only then must `before` be known for `check`."""
    gov = policy.governance
    return any(gov.classes[name].window is not None
               for c in changes if not c.creation for name in classes(policy, c.paths))


def check(policy: "Policy", changes: list[ConfigCommit], approvals: list[ConfigCommit],
          before: Optional[dict[str, ConfigCommit]] = None) -> list[GovernanceFinding]:
    """Findings for the changes of a range (oldest first). `approvals`: every commit of
    the range that records an approval; `before`: class -> its last change before the
    range (None: the range is the whole history; each change is then held against the
    one before it)."""
    gov = policy.governance
    found: list[GovernanceFinding] = []
    last: dict[str, ConfigCommit] = dict(before or {})
    ordered = sorted(approvals, key=lambda c: c.position)
    for change in changes:
        if change.creation:
            continue
        for cname, paths in classes(policy, change.paths).items():
            cls = gov.classes[cname]
            later = [a for a in ordered if a.position >= change.position]
            if change not in later:
                later.insert(0, change)
            label = f"{cname}{' (' + cls.label + ')' if cls.label else ''}"
            if cls.approvers and not any(_has_role(policy, approvers_of(policy, a),
                                                   cls.approvers) for a in later):
                found.append(GovernanceFinding(paths[0], change.sha, "approval", (
                    f"commit {change.sha[:10]} changes {label}: {', '.join(paths)} without "
                    f"an approval by {' or '.join(cls.approvers)} (C1, handbook ch. 7): "
                    "their signed commit, or a review trailer such as "
                    f"'{gov.approval_trailers[0]}: <person>' at or after it")))
            prev = last.get(cname)
            if cls.window is not None and prev is not None and \
                    change.at - prev.at < cls.window:
                override = [a for a in later if any(r.strip() for r in
                                                    a.trailer(gov.override_trailer))
                            and _has_role(policy, approvers_of(policy, a),
                                          [gov.override_role])]
                if not override:
                    from itsmctl.core.policy import format_duration

                    found.append(GovernanceFinding(paths[0], change.sha, "window", (
                        f"commit {change.sha[:10]} changes {label} "
                        f"{format_duration(change.at - prev.at)} after {prev.sha[:10]} "
                        f"({prev.at.isoformat()}); at most one change per "
                        f"{format_duration(cls.window)} (C1, 执行周期): wait until "
                        f"{(prev.at + cls.window).isoformat()}, or an {gov.override_role} "
                        f"approves with '{gov.override_trailer}: <reason>'")))
            if before is None:
                last[cname] = change
    return found


def codeowners(policy: "Policy", owner: Callable[[str], str]) -> str:
    """CODEOWNERS lines from governance.yaml: config/ for the rules class's approvers,
    then each class's files for its own (a class without approvers: no owner)."""
    gov = policy.governance

    def owners(roles: Iterable[str]) -> list[str]:
        wanted = set(roles)
        return [owner(pid) for pid, p in policy.teams.people.items() if wanted & set(p.roles)]

    default = gov.classes.get(gov.unclassified or "") if gov.unclassified else None
    lines = ["config/ " + " ".join(owners(default.approvers if default else
                                          ["incident_manager"]))]
    for cname, cls in gov.classes.items():
        lines.append(f"# {cname}{': ' + cls.label if cls.label else ''}"
                     f"{', at most one change per ' + _window(cls.window) if cls.window else ''}")
        who = " ".join(owners(cls.approvers))
        for f in cls.files:
            lines.append(f"/config/{f} {who}".rstrip())
    return "\n".join(lines) + "\n"


def _window(value: object) -> str:
    from datetime import timedelta

    from itsmctl.core.policy import format_duration

    return format_duration(value) if isinstance(value, timedelta) else str(value)
