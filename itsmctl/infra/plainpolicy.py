"""The validated policy as plain data, for commands that only read it (issue 13).

Unpickling the Policy needs pydantic and every model class: ~60 ms of a fresh process,
a fifth of what `report --month` may cost at 100,000 tickets. The same values as plain
objects - each model a SimpleNamespace of its fields, a KPI target a core/kpi.py Goal
- unpickle without them. Cached beside the policy's own cache under .git/itsmctl with
the same stamp (the config files and the models' code), and made from the loaded, so
validated, Policy when stale: a fresh copy means the files passed their schemas and
cross-checks. Attributes are the models' fields; their methods are not there.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from types import SimpleNamespace
from typing import Any

FORMAT = "1"


def plain(value: Any) -> Any:
    """A copy of a Policy (or any part of it) without pydantic models in it."""
    from pydantic import BaseModel

    from itsmctl.core.policy.kpi import Target

    if isinstance(value, Target):
        return value.goal()
    if isinstance(value, BaseModel):
        return SimpleNamespace(**{name: plain(getattr(value, name))
                                  for name in type(value).model_fields})
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return type(value)(plain(v) for v in value)
    return value


def load(root: Path) -> Any:
    """The desk's policy as plain data (loading, so validating, the Policy when the copy
    is missing or stale)."""
    from itsmctl.infra.config import load_policy, policy_stamp

    stamp = policy_stamp(root)
    git = root / ".git"
    path = git / "itsmctl" / "plain-policy.pickle" if git.is_dir() else None
    if path is not None:
        try:
            with path.open("rb") as fh:
                fmt, cached_stamp, view = pickle.load(fh)
            if fmt == FORMAT and cached_stamp == stamp:
                return view
        except Exception:  # missing, stale or foreign: made again from the policy
            pass
    from itsmctl.infra.startup import quick_pydantic

    quick_pydantic()
    view = plain(load_policy(root))
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("wb") as fh:
                pickle.dump((FORMAT, stamp, view), fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError:
            pass
    return view
