"""Delegates while a person is away (SPEC 8, D1; handbook 5.1.4)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from itsmctl.core.policy import Teams



def delegate_for(teams: Teams, person: str, day: date) -> str:
    """The person to assign to on `day`: the delegate of someone away, followed once more
    if the delegate is away too; never loops."""
    seen = {person}
    current = person
    for _ in range(len(teams.delegates) + 1):
        nxt = next((d.delegate for d in teams.delegates
                    if d.person == current and d.start <= day <= d.end), None)
        if nxt is None or nxt in seen:
            return current
        seen.add(nxt)
        current = nxt
    return current
