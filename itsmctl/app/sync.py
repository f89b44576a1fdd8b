"""`itsmctl sync`: push local work, replaying it on top of what arrived meanwhile (G4)."""

from __future__ import annotations

from typing import Any

from itsmctl.app.session import App
from itsmctl.errors import UsageError


def run(app: App, attempts: int = 5) -> dict[str, Any]:
    from itsmctl.infra.remote import PushRejected, remote_name, sync_now

    remote = remote_name(app.desk, app.policy.desk.remote)
    if remote is None:
        raise UsageError("no remote configured: set `remote:` in config/desk.yaml or "
                         "`git config itsmctl.remote NAME`", rule="G4")
    dropped: list[str] = []
    say = app.say

    def collect(line: str) -> None:
        if line.startswith("sync: not applied: "):
            dropped.append(line.removeprefix("sync: not applied: "))
        say(line)

    with app.desk.lock(app.policy.desk.lock_timeout):
        for attempt in range(attempts):
            try:
                result = sync_now(app.desk, remote, collect)
                break
            except PushRejected:
                if attempt == attempts - 1:
                    raise
    result["dropped"] = dropped
    return result
