"""Rebuilding local work on a fresh remote tip (G4, `itsmctl sync`).

Each local-only commit that recorded its use case (the `Itsmctl-Command` trailer that
`app.write.recorded` adds) is run again as that use case, by the same actor at the
same time, on the new state, so its rules are checked again; other commits are
cherry-picked. What no longer applies is reported, one line each.
"""

from __future__ import annotations

import importlib
import json
from typing import TYPE_CHECKING, Any, Optional

from itsmctl.app.session import Session
from itsmctl.app.write import CALL_TRAILER
from itsmctl.errors import ItsmError

if TYPE_CHECKING:
    from itsmctl.infra.remote import LocalCommit, Remote

# the app modules whose recorded use cases may be run again
MODULES = frozenset({"lifecycle", "relations", "work", "knowledge", "sweep", "shifts"})


def recorded_call(commit: "LocalCommit") -> Optional[dict[str, Any]]:
    """The use case a commit recorded, or None (then it is cherry-picked)."""
    text = commit.trailers.get(CALL_TRAILER)
    if not text:
        return None
    try:
        record = json.loads(text)
    except ValueError:
        return None
    if not isinstance(record, dict) or not isinstance(record.get("args"), dict):
        return None             # an older desk's argv record: cherry-pick it
    name = str(record.get("call", ""))
    module, _, function = name.partition(".")
    if module not in MODULES or not function:
        return None
    return record


def rebuild(session: Session, remote: "Remote", tip: str) -> list[str]:
    """Local-only commits again on top of tip; returns what was not applied."""
    from itsmctl.app.trust import signer

    commits = remote.local_commits(tip)
    sign = signer(session) if any(recorded_call(c) is None for c in commits) else None
    remote.move_to(tip)
    dropped = []
    for commit in commits:
        record = recorded_call(commit)
        if record is not None:
            error = run_again(session, record, commit.sha)
        else:
            error = None if remote.cherry_pick(commit.sha, sign) else \
                "conflicts with changes made meanwhile"
        if error:
            dropped.append(f"{commit.subject}: {error}")
            session.say(f"sync: not applied: {commit.subject}: {error}")
        else:
            session.say(f"sync: replayed {commit.subject}")
    return dropped


def run_again(session: Session, record: dict[str, Any],
              original: Optional[str] = None) -> Optional[str]:
    """Run a recorded use case under the held lock; None when it applied."""
    module, _, function = str(record["call"]).partition(".")
    fn = getattr(importlib.import_module(f"itsmctl.app.{module}"), function, None)
    if fn is None or not getattr(fn, "replayable", False):
        return f"unknown recorded command {record['call']!r}"
    types = getattr(fn, "replay_types", {})
    args = {k: (types[k](v) if k in types and v is not None else v)
            for k, v in record["args"].items()}
    again = session.derive(actor_given=record.get("actor"), now_given=record.get("now"),
                           in_replay=True, call=None, system=_system(record),
                           replay_of=original)
    try:
        fn(again, **args)
    except ItsmError as exc:
        return f"[{exc.rule}] {exc.message}" if exc.rule else exc.message
    return None


def _system(record: dict[str, Any]) -> Optional[str]:
    from itsmctl.app.session import SYSTEM_AUTHORS

    actor = record.get("actor")
    return actor if actor in SYSTEM_AUTHORS else None
