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
class Filters:
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


def from_view(view: View) -> Filters:
    doc = view.model_dump()
    doc.pop("label", None)
    doc["show_all"] = doc.pop("all")
    return Filters.of(**doc)


def view_filters(policy: Policy, name: str) -> Filters:
    views = policy.views.views
    if name not in views:
        known = ", ".join(sorted(views)) or "none (config/views.yaml)"
        raise UsageError(f"unknown view {name!r}; known: {known}", rule="W2")
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


def person(policy: Policy, given: str, actor: Optional[str], what: str = "person") -> str:
    """A person id from an id, an e-mail, or `@me` (whoever runs the command)."""
    if given == ME:
        if actor is None:
            raise UsageError(f"{ME} needs an actor (--actor, ITSMCTL_ACTOR)", rule="W2")
        return actor
    found = policy.teams.find(given)
    if found is None:
        _known(what, given, sorted(policy.teams.people))
    return str(found)


def check(f: Filters, policy: Policy, actor: Optional[str]) -> Filters:
    """Every value known to the desk's config; `@me` and e-mails made person ids."""
    status = tuple(_known("status", x, list(STATUSES)) for x in f.status)
    group = f.group
    if group is not None:
        groups = policy.teams.groups
        group = _known("group", group, sorted(groups),
                       {k: g.label or "" for k, g in groups.items()})
    priority = tuple(_known("priority", x, list(policy.matrix.priority_levels))
                     for x in f.priority)
    assignee = person(policy, f.assignee, actor, "assignee") if f.assignee else None
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
    for name, view in policy.views.views.items():
        try:
            check(from_view(view), policy, "")
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
