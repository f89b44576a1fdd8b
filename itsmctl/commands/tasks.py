"""`task add` / `task done` (T1): work split off an incident for other groups."""

from __future__ import annotations

from typing import Any, Optional

from itsmctl.commands.app import App, transition


def add(app: App, ref: str, title: Optional[str], group: Optional[str] = None) -> Any:
    from itsmctl.core.tasks import add_task

    return transition(app, ref, "task-add",
                      lambda t, ctx, tx: add_task(t, ctx, title, group))


def done(app: App, ref: str, task: str, result: Optional[str]) -> Any:
    from itsmctl.core.tasks import finish_task

    return transition(app, ref, "task-done",
                      lambda t, ctx, tx: finish_task(t, ctx, task, result))
