"""`announce` (A1) and the suggestion `open` makes for wide-impact tickets."""

from __future__ import annotations

from typing import Any, Optional

from itsmctl.commands.app import App, transition


def announce(app: App, ref: str, kind: str, title: Optional[str], body: Optional[str]) -> Any:
    from itsmctl.core.tasks import announce as core

    return transition(app, ref, "announce", lambda t, ctx, tx: core(t, ctx, kind, title, body))


def suggest(app: App, ticket: Any) -> None:
    """A1 (1.6): tell the desk, on stderr, that this ticket deserves an announcement."""
    from itsmctl.core.tasks import suggests_announcement

    if not suggests_announcement(app.policy, ticket):
        return
    label = app.policy.matrix.impact_labels.get(ticket.impact, "")
    app.say(f"impact {ticket.impact}{' (' + label + ')' if label else ''}: consider an "
            f"announcement (A1): itsmctl announce {ticket.id} --kind outage "
            "--title T --body B")


COLUMNS = ("id", "kind", "announcement", "status", "since", "ticket")


def announced(app: App, status: tuple[str, ...] = (), show_all: bool = False,
              **filters: Any) -> list[dict[str, Any]]:
    """`list --announcements`: tickets with an open announcement whatever their status;
    with --all, closed announcements too."""
    from itsmctl.commands.read import select

    filters.pop("announcements", None)
    docs = select(app, status=status, show_all=not status, **filters)
    return [d for d in docs if isinstance(d.get("announcement"), dict)
            and (show_all or d["announcement"].get("status") == "open")]


def rows(docs: list[dict[str, Any]]) -> list[list[Any]]:
    from itsmctl.render import short_time

    out = []
    for d in docs:
        a = d["announcement"]
        out.append([d.get("id"), a.get("kind"), a.get("title"), a.get("status"),
                    short_time(a.get("at")), f"{d.get('status')}: {d.get('title', '')}"])
    return out
