"""What `show` reads of the policy, as plain data kept under .git/itsmctl: labels of
groups, people, codes, impact levels and categories, and the SLA targets. Loading the
policy cache unpickles the policy's classes (its rule modules, typing, dataclasses:
~5 ms of a ~40 ms `show`, issue 13); this file is one `marshal` read.

It is written by the full `show` (ui/showing.py) from the policy it loaded, under a
stamp taken before that load: every config file's stat, and the policy code's and
this module's. A stamp that differs, or a missing or foreign file, means the full
`show` runs and writes it again."""

from __future__ import annotations

import os
from datetime import timedelta

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional

    from itsmctl.core.policy import Policy

FORMAT = 1
NAME = "show-facts.marshal"
PHASES = ("respond", "accept", "restore", "close")


def _path(root: str) -> str:
    return os.path.join(root, ".git", "itsmctl", NAME)


def stamp(root: str) -> tuple[Any, ...]:
    """What the facts depend on: the config files (every one: stat), the policy's model
    code and this module (the code that made them)."""
    here = os.path.abspath(__file__)
    st = os.stat(here)
    out: list[Any] = [FORMAT, (st.st_mtime_ns, st.st_size, st.st_ino)]
    for folder, end in ((os.path.join(os.path.dirname(os.path.dirname(here)), "core",
                                      "policy"), ".py"),
                        (os.path.join(root, "config"), "")):
        try:       # the model code's .py files (not __pycache__), every config file
            entries = sorted((e.name, e.stat()) for e in os.scandir(folder)
                             if e.name.endswith(end))
        except OSError:
            entries = []
        out.append(tuple((name, s.st_mtime_ns, s.st_size, s.st_ino) for name, s in entries))
    return tuple(out)


def load(root: str) -> Optional[dict[str, Any]]:
    """The facts kept for exactly these files and code; None when there are none."""
    import marshal

    try:
        with open(_path(root), "rb") as fh:
            fmt, kept, facts = marshal.loads(fh.read())
    except Exception:  # missing, half-written or foreign: the full show makes it again
        return None
    if fmt != FORMAT or kept != stamp(root) or type(facts) is not dict:
        return None
    return facts


def keep(root: str, stamped: tuple[Any, ...], policy: "Policy") -> None:
    """Write the facts of `policy`, loaded after `stamped` was taken; nothing when they
    are kept already or the directory cannot be written."""
    import marshal

    path = _path(root)
    try:
        with open(path, "rb") as fh:
            if marshal.loads(fh.read())[:2] == (FORMAT, stamped):
                return
    except Exception:  # missing or foreign: written below
        pass
    try:
        data = marshal.dumps((FORMAT, stamped, facts_of(policy)))
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except (OSError, ValueError):       # ValueError: a value marshal does not take
        pass


def facts_of(policy: "Policy") -> dict[str, Any]:
    """The policy's values that `show` reads (ui/views.py, ui/words.py, core/sla.py)."""
    def span(delta: timedelta) -> tuple[int, int, int]:
        return delta.days, delta.seconds, delta.microseconds

    return {
        "groups": {name: g.label for name, g in policy.teams.groups.items()},
        "people": {name: p.name for name, p in policy.teams.people.items()},
        "wait": dict(policy.codes.wait),
        "close": dict(policy.codes.close),
        "impact_labels": dict(policy.matrix.impact_labels),
        "categories": {name: (c.label, {sub: (s.label, dict(s.symptoms), dict(s.causations))
                                        for sub, s in c.subtypes.items()})
                       for name, c in policy.categories.categories.items()},
        "calendar": policy.sla.calendar is not None,
        "targets": {level: {phase: span(getattr(t, phase)) for phase in PHASES}
                    for level, t in policy.sla.targets.items()},
    }


class Facts:
    """Attributes by name (a frozen namespace)."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


def policy_of(facts: dict[str, Any]) -> Any:
    """A stand-in for the Policy with what `show` reads of it, from the facts; anything
    else it is asked is an AttributeError (the caller then runs the full `show`)."""
    cats = {name: Facts(label=label, subtypes={
        sub: Facts(label=sl, symptoms=symptoms, causations=causations)
        for sub, (sl, symptoms, causations) in subs.items()})
        for name, (label, subs) in facts["categories"].items()}
    targets = {level: Facts(**{phase: timedelta(*span) for phase, span in t.items()})
               for level, t in facts["targets"].items()}
    return Facts(
        teams=Facts(groups={n: Facts(label=label) for n, label in facts["groups"].items()},
                    people={n: Facts(name=name) for n, name in facts["people"].items()}),
        codes=Facts(wait=facts["wait"], close=facts["close"]),
        matrix=Facts(impact_labels=facts["impact_labels"]),
        categories=Facts(categories=cats),
        sla=Facts(calendar=True if facts["calendar"] else None, targets=targets))
