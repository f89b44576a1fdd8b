"""`show` of a full id from prepared data: the ticket file checked and read without
msgspec (core/plainticket.py), the policy's labels and SLA targets from their own cache
(infra/showfacts.py), and the same clocks, words and layout as the full `show`.

The full `show` (ui/showing.py) imports msgspec, typing, dataclasses, pathlib and the
policy's classes before it prints anything: ~20 ms of a ~40 ms process, against a goal
of two Python starts and one `git cat-file` (issue 13). This path prints the same
bytes, and declines, having printed nothing, whenever it cannot be sure to: an id that
is not a full one, a desk it does not find as the full path would, a clone whose git
settings are not applied yet, facts not kept for these config files, a business
calendar, a --now without an offset, a ticket file not in the exact shape the desk
writes (or not at its id's path), or any error at all.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional

    from itsmctl.ui.state import State

ASCII_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
DIGITS = frozenset("0123456789")
# infra/upkeep.VERSION: the settings a clone's first command applies (a test checks)
SETTINGS_VERSION = "1"
MATRIX = os.path.join("config", "priority_matrix.yaml")


def prepared(state: "State", ref: str) -> Optional[tuple[str, Any]]:
    """("text", what `show` prints) or ("json", the `show --json` document) of the
    ticket `ref` names; None when the full `show` must run."""
    try:
        return _prepared(state, ref)
    except Exception:  # whatever it is, the full show says it as it always has
        return None


def _prepared(state: "State", ref: str) -> Optional[tuple[str, Any]]:
    wanted = ref.strip().upper()
    if not full_id(wanted):
        return None
    root = _root(state.repo)
    if root is None:
        return None
    from itsmctl.infra.clock import instant
    from itsmctl.infra.showfacts import load, policy_of

    facts = load(root)
    if facts is None or facts["calendar"]:
        return None
    now = instant(state.now)        # a time without an offset needs the desk's zone
    if now is None:
        return None
    rel = f"tickets/20{wanted[-10:-8]}/{wanted[-8:-6]}/{wanted}.yaml"    # ticket_path
    with open(os.path.join(root, rel), "rb") as fh:
        text = fh.read().decode("utf-8")
    from itsmctl.core import plainticket
    from itsmctl.infra import fastyaml

    doc = fastyaml.parse(text)
    if doc is None:
        return None
    try:
        ticket: Any = plainticket.read(doc)
    except plainticket.Unfit:
        return None
    if ticket.id != wanted:
        return None                 # G1: the full read names the misplaced id
    from itsmctl.core.sla import clocks_doc

    policy = policy_of(facts)
    doc["sla"] = clocks_doc(ticket, policy, now)
    if state.json:
        return "json", doc
    from itsmctl.ui.pager import width
    from itsmctl.ui.views import describe

    return "text", describe(policy, ticket, doc, width())


def full_id(text: str) -> bool:
    """Whether text is a full ticket id (core/model.py's ID_RE, its digits ASCII only),
    without compiling a pattern (~0.2 ms)."""
    prefix, _, rest = text.partition("-")
    return (2 <= len(prefix) <= 5 and set(prefix) <= ASCII_UPPER and len(rest) == 10
            and rest[4] == "-" and set(rest[:4]) <= DIGITS
            and set(rest[5:]) <= DIGITS | ASCII_UPPER)


def _root(given: Optional[str]) -> Optional[str]:
    """The desk's directory as infra/config.find_root finds it, when it is a clone
    whose settings are applied (infra/upkeep.ensure_settings would do nothing); None
    for anything else."""
    start = given or os.environ.get("ITSMCTL_REPO")
    if start:
        candidates = [os.path.realpath(start)]
    else:
        here = os.path.realpath(os.getcwd())
        candidates = [here]
        while os.path.dirname(candidates[-1]) != candidates[-1]:
            candidates.append(os.path.dirname(candidates[-1]))
    for root in candidates:
        if os.path.isfile(os.path.join(root, MATRIX)):
            break
    else:
        return None
    if not os.path.isdir(os.path.join(root, ".git")):
        return None
    try:
        with open(os.path.join(root, ".git", "itsmctl", "settings"), encoding="utf-8") as fh:
            if fh.read() != SETTINGS_VERSION:
                return None
    except (OSError, UnicodeDecodeError):
        return None
    return root
