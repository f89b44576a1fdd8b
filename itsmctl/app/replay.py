"""Running recorded use cases again (G4): local work whose tickets changed on the remote.

A local-only commit that recorded its use case (the `Itsmctl-Command` trailer that
`app.write.recorded` adds) and that app/landing.py cannot move onto a fresh tip as it
is (its ticket changed meanwhile, and nobody waits for it: made offline, by a command
that gave up or was killed) is run again as that use case, by the same actor at the
same time, on the new state, so its rules are checked again; other commits are
cherry-picked (landing.py). What no longer applies is reported, one line each.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Optional

from itsmctl.app.session import Session
from itsmctl.errors import ItsmError

if TYPE_CHECKING:
    from itsmctl.infra.remote import LocalCommit

# the trailer `app.write.recorded` adds (the use case and its arguments, JSON), and
# the one a run again adds (the commit it replays)
CALL_TRAILER = "Itsmctl-Command"
REPLAY_TRAILER = "Itsmctl-Replay-Of"
# the app modules whose recorded use cases may be run again
MODULES = frozenset({"lifecycle", "relations", "work", "knowledge", "sweep", "shifts", "batch",
                     "desk"})


def recorded_call(commit: "LocalCommit") -> Optional[dict[str, Any]]:
    """The use case a commit recorded, or None (then it is cherry-picked)."""
    text = commit.trailers.get(CALL_TRAILER)
    if not text:
        return None
    import json  # (here: every commit's message imports this module's names, issue 13)

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
