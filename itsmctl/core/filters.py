"""The queue's filters (W1, W2): what `list` and saved views may ask for, checked
against the desk's config, so that a typo is a usage error naming the known values
rather than an empty queue (`--status wating`, `--group nosuch`).

Pure: the app turns times into instants and runs the query; the checks and the
per-ticket tests on the cached state (reporter, phone, CI, verified) are here.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any, Optional

from itsmctl.core.states import STATUSES
from itsmctl.errors import UsageError

if TYPE_CHECKING:                  # `list` without filters loads no config model
    from itsmctl.core.policy import Policy
    from itsmctl.core.policy.views import View

ME = "@me"


@dataclass(frozen=True)
class Known:
    """What filters are checked against: plain values of the desk's config, so that
    `list` checks them without loading the config models (issue 13; infra/config.py
    caches them beside the policy, keyed as it is)."""

    priorities: tuple[str, ...]
    groups: dict[str, str]                      # group id -> label
    people: dict[str, Optional[str]]            # person id -> e-mail
    member_of: dict[str, tuple[str, ...]]       # person id -> their groups
    views: dict[str, dict[str, Any]]            # view name -> its fields (View)

    @classmethod
    def of(cls, policy: Policy) -> "Known":
        teams = policy.teams
        return cls(priorities=tuple(policy.matrix.priority_levels),
                   groups={k: g.label or "" for k, g in teams.groups.items()},
                   people={k: p.email for k, p in teams.people.items()},
                   member_of={k: tuple(p.groups) for k, p in teams.people.items()},
                   views={k: v.model_dump() for k, v in policy.views.views.items()})

    def doc(self) -> dict[str, Any]:
        """Plain data (lists, dicts, strings) to cache; `from_doc` reads it back."""
        return {"priorities": list(self.priorities), "groups": dict(self.groups),
                "people": dict(self.people),
                "member_of": {k: list(v) for k, v in self.member_of.items()},
                "views": {k: dict(v) for k, v in self.views.items()}}

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> "Known":
        return cls(priorities=tuple(doc["priorities"]), groups=dict(doc["groups"]),
                   people=dict(doc["people"]),
                   member_of={k: tuple(v) for k, v in doc["member_of"].items()},
                   views={k: dict(v) for k, v in doc["views"].items()})

    def find(self, who: str) -> Optional[str]:
        """Person id for an id or e-mail address (I1), as Teams.find."""
        if who in self.people:
            return who
        low = who.lower()
        for pid, email in self.people.items():
            if email and email.lower() == low:
                return pid
        return None


def known(given: "Policy | Known") -> Known:
    return given if isinstance(given, Known) else Known.of(given)


@dataclass(frozen=True)
class Filters:
    """What `list` (and serve's queue) narrow the tickets by; unset ones keep these."""

    status: tuple[str, ...] = ()
    group: Optional[str] = None
    priority: tuple[str, ...] = ()
    assignee: Optional[str] = None
    major: bool = False
    breached: bool = False
    master: Optional[str] = None
    show_all: bool = False
    mine: bool = False
    my_groups: bool = False
    unassigned: bool = False
    unverified: bool = False
    text: Optional[str] = None
    reporter: Optional[str] = None
    phone: Optional[str] = None
    ci: Optional[str] = None
    since: Optional[str] = None
    until: Optional[str] = None

    @classmethod
    def of(cls, **given: Any) -> "Filters":
        """From keyword options; unset ones (None, False, empty) keep their default."""
        known = {f.name for f in fields(cls)}
        unknown = set(given) - known
        if unknown:
            raise TypeError(f"unknown filters: {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {k: tuple(v) if isinstance(v, (list, tuple)) else v
                                  for k, v in given.items() if v not in (None, False, (), [])}
        return cls(**values)

    def over(self, base: "Filters") -> "Filters":
        """These filters laid over `base` (a saved view): what is set here wins."""
        changes = {f.name: getattr(self, f.name) for f in fields(self)
                   if getattr(self, f.name) not in (None, False, ())}
        return replace(base, **changes)


def from_view(view: "View | dict[str, Any]") -> Filters:
    doc = dict(view) if isinstance(view, dict) else view.model_dump()
    doc.pop("label", None)
    doc["show_all"] = doc.pop("all")
    return Filters.of(**doc)


def view_filters(policy: "Policy | Known", name: str) -> Filters:
    views = known(policy).views
    if name not in views:
        names = ", ".join(sorted(views)) or "none (config/views.yaml)"
        raise UsageError(f"unknown view {name!r}; known: {names}", rule="W2")
    return from_view(views[name])


def _known(kind: str, value: str, known: list[str],
           labels: Optional[dict[str, str]] = None) -> str:
    """The known value meant: as given, else the one equal but for case (`p1`, `NEW`),
    else the one whose label it is (a group's 数据库组)."""
    if value in known:
        return value
    folded = value.strip().casefold()
    for k in known:
        if k.casefold() == folded or (labels and (labels.get(k) or "").casefold() == folded
                                      and folded):
            return k
    raise UsageError(f"unknown {kind} {value!r}; known: {', '.join(known)}", rule="W2")


def person(policy: "Policy | Known", given: str, actor: Optional[str],
           what: str = "person") -> str:
    """A person id from an id, an e-mail, or `@me` (whoever runs the command)."""
    if given == ME:
        if actor is None:
            raise UsageError(f"{ME} needs an actor (--actor, ITSMCTL_ACTOR)", rule="W2")
        return actor
    config = known(policy)
    found = config.find(given)
    if found is None:
        _known(what, given, sorted(config.people))
    return str(found)


def check(f: Filters, policy: "Policy | Known", actor: Optional[str]) -> Filters:
    """Every value known to the desk's config; `@me` and e-mails made person ids."""
    config = known(policy)
    status = tuple(_known("status", x, list(STATUSES)) for x in f.status)
    group = f.group
    if group is not None:
        group = _known("group", group, sorted(config.groups), config.groups)
    priority = tuple(_known("priority", x, list(config.priorities)) for x in f.priority)
    assignee = person(config, f.assignee, actor, "assignee") if f.assignee else None
    if f.unassigned and (assignee or f.mine):
        raise UsageError("--unassigned cannot go with --mine or --assignee", rule="W2")
    if (f.mine or f.my_groups) and actor is None:
        raise UsageError("--mine and --my-groups need an actor (--actor, ITSMCTL_ACTOR)",
                         rule="W2")
    if f.phone is not None and not digits(f.phone):
        raise UsageError(f"--phone {f.phone!r} has no digits", rule="W2")
    for name in ("text", "reporter", "ci"):
        value = getattr(f, name)
        if value is not None and not value.strip():
            raise UsageError(f"--{name} is empty", rule="W2")
    return replace(f, assignee=assignee, status=status, group=group, priority=priority)


def view_problems(policy: Policy) -> list[tuple[str, str, str]]:
    """Cross-file references of views.yaml that do not resolve."""
    found = []
    config = Known.of(policy)
    for name, view in policy.views.views.items():
        try:
            check(from_view(view), config, "")
        except UsageError as exc:
            found.append(("views.yaml", f"views.{name}", exc.message))
    return found


def digits(text: Optional[str]) -> str:
    return "".join(c for c in text or "" if c.isdigit())


def matches(doc: dict[str, Any], f: Filters) -> bool:
    """The per-ticket tests the index has no column for, on a ticket's cached state."""
    from itsmctl.core.tokens import fold  # (its patterns cost `list` ~10 ms to compile)

    if f.major and not doc.get("major"):
        return False
    if f.unverified and doc.get("verified", True) is not False:
        return False
    reporter: dict[str, Any] = doc["reporter"] if isinstance(doc.get("reporter"), dict) else {}
    if f.reporter is not None:
        wanted = fold(f.reporter).strip()
        if not any(wanted in fold(str(reporter.get(k) or ""))
                   for k in ("name", "email", "id")):
            return False
    if f.phone is not None:
        number, wanted = digits(reporter.get("phone")), digits(f.phone)
        if not (number.startswith(wanted) or (len(wanted) == 4 and number.endswith(wanted))):
            return False
    if f.ci is not None:
        links: dict[str, Any] = doc["links"] if isinstance(doc.get("links"), dict) else {}
        wanted = fold(f.ci).strip()
        if not any(wanted in fold(str(ci)) for ci in links.get("cis") or ()):
            return False
    return True
