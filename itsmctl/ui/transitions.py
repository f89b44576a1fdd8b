"""The bodies of `open`, `assign` and the one-use-case commands (`note`, …) without click:
ui/lifecycle.py's click commands and ui/quick.py both call them (issue 13)."""

from __future__ import annotations

from typing import Any, Optional

from itsmctl.ui.state import State, emit
from itsmctl.ui.tickets import for_each


def simple(name: str, state: State, tickets: tuple[str, ...], from_: Optional[str],
           **kw: Any) -> None:
    """A command that is one use case of app/lifecycle.py on each ticket given."""
    from itsmctl.app import lifecycle

    use_case = getattr(lifecycle, name)
    for_each(state, tickets, from_, lambda session, ref: use_case(session, ref, **kw))


def assign(state: State, tickets: tuple[str, ...], from_: Optional[str], group: str,
           person: Optional[str], causation: Optional[str], force: bool) -> None:
    from itsmctl.app.lifecycle import assign

    for_each(state, tickets, from_,
             lambda session, ref: assign(session, ref, group, person, causation, force))


def open_ticket(state: State, **kw: Any) -> None:
    """`open`: the id alone on stdout (the ticket with --json), candidates on stderr."""
    from itsmctl.app.duplicates import candidates
    from itsmctl.app.lifecycle import open_ticket
    from itsmctl.ui.longtext import interactive

    if kw.get("title") is None and not kw.get("recurrence_of") and interactive():
        kw["title"], kw["description"] = _title_and_description(kw.get("description"))
    session = state.session
    ticket = open_ticket(session, intake_of(kw), kw.get("ticket_id"))
    found = candidates(session, ticket)
    for line in candidate_lines(ticket.id, found):
        session.say(line)
    if not state.json:
        emit(state, ticket.id)
        return
    from itsmctl.app.queue import show_doc

    emit(state, ticket.id, {**show_doc(session, ticket), "candidates": found})


def candidate_lines(ticket_id: str, found: dict[str, list[dict[str, Any]]]) -> list[str]:
    """M6/L16 hints for stderr, one per candidate, with the command that links it."""
    out = []
    for c in found["duplicates"]:
        master = c["master"] or c["id"]
        out.append(f"likely duplicate (M6): {c['id']} {c['status']} [{', '.join(c['labels'])}]"
                   f" {c['title']}: itsmctl link-master {ticket_id} --master {master}")
    for c in found["recurrences"]:
        out.append(f"recurrence candidate (L16): {c['id']} closed {(c['closed_at'] or '')[:10]}"
                   f" [{', '.join(c['labels'])}] {c['title']}: itsmctl link {ticket_id} "
                   f"--related {c['id']}")
    return out


def _title_and_description(given: Optional[str]) -> tuple[Optional[str], Optional[str]]:
    """W4: like a commit message, the first line is the title and the rest after a
    blank line the description."""
    from itsmctl.ui.texts import edit

    text = edit(["The first line is the title; after a blank line, the description."],
                start=given or "")
    if text is None:
        return None, given
    title, _, rest = text.partition("\n")
    return title.strip(), rest.strip() or given


def intake_of(kw: dict[str, Any]) -> Any:
    """The options of `open` as the core's Intake."""
    from itsmctl.core.intake import Intake

    return Intake(
        title=kw.get("title"), description=kw.get("description") or "",
        type=kw.get("type_") or "incident", source=kw.get("source"),
        reporter={"id": kw.get("reporter_id"), "name": kw.get("reporter_name"),
                  "phone": kw.get("reporter_phone"), "email": kw.get("reporter_email"),
                  "kind": kw.get("reporter_kind"), "department": kw.get("reporter_dept"),
                  "location": kw.get("location")},
        category=kw.get("category"), subtype=kw.get("subtype"), symptom=kw.get("symptom"),
        impact=kw.get("impact"), urgency=kw.get("urgency"),
        affected_users=kw.get("affected_users"), location=kw.get("location"),
        cis=list(kw.get("cis") or ()), caused_by_change=kw.get("caused_by_change"),
        alert={"id": kw.get("alert_id"), "severity": kw.get("alert_severity"),
               "message": kw.get("alert_message"),
               "fingerprint": kw.get("alert_fingerprint")},
        recurrence_of=kw.get("recurrence_of"), out_of_scope=bool(kw.get("out_of_scope")),
        duplicate_of=kw.get("duplicate_of"))


def note(state: State, tickets: tuple[str, ...], from_: Optional[str], **kw: Any) -> None:
    """`note` (ui/quick.py's name for `simple("note", …)`)."""
    simple("note", state, tickets, from_, **kw)
