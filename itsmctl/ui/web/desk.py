"""U2: the desk's pages for staff who signed in: the live queue (list's filters, saved
views, paged), a ticket (history in words, SLA clocks, relations, attachments, the
everyday actions), the report's figures down to their tickets (Q6), the wallboard.
Writes name the person signed in and carry `via: web`, through the same use cases."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Optional
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, RedirectResponse
from starlette.routing import Route

from itsmctl.errors import ItsmError, NotFound, UsageError
from itsmctl.ui.web.reporter import explain, failed, refused
from itsmctl.ui.web.security import CSRF_FIELD, Denied, check_csrf

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from itsmctl.core.filters import Filters
    from itsmctl.core.model import Ticket
    from itsmctl.ui.web.server import Service

ACTIONS = ("note", "accept", "assign", "resolve", "close")


def routes(service: "Service") -> list[Route]:
    async def signed_in(request: "Request") -> str:
        return await run_in_threadpool(service.auth.person, request, service.find)

    def page(show: Callable[["Request", str], Awaitable["Response"]]) -> Callable[
            ["Request"], Awaitable["Response"]]:
        """A page for a signed-in person: refusals and errors as pages of their own."""
        async def handler(request: "Request") -> "Response":
            try:
                return await show(request, await signed_in(request))
            except Denied as denied:
                return refused(service, request, denied)
            except ItsmError as exc:
                return failed(service, request, exc)
        return handler

    queue_page = page(lambda request, person: _queue(service, request, person))
    ticket_page = page(lambda request, person: _ticket(service, request, person))
    report_page = page(lambda request, person: _report(service, request, person))
    report_tickets = page(lambda request, person: _queue(service, request, person, drill=True))

    async def act(request: "Request") -> "Response":
        action = request.path_params["action"]
        try:
            person = await signed_in(request)
            data = await request.form()
            check_csrf(request, service.cfg.key, _one(data.get(CSRF_FIELD)))
            if action not in ACTIONS:
                raise NotFound(f"no action {action!r}; known: {', '.join(ACTIONS)}")
            form = {k: _one(v) for k, v in data.items()}
            done = await run_in_threadpool(_act, service, person, request.path_params["ticket"],
                                           action, form)
        except Denied as denied:
            return refused(service, request, denied)
        except ItsmError as exc:
            if isinstance(exc, NotFound) and "no ticket" in exc.message:
                return failed(service, request, exc)
            return await _ticket(service, request, person, exc)
        return RedirectResponse(f"/desk/t/{done.id}?done={action}", status_code=303)

    async def wallboard(request: "Request") -> "Response":
        from itsmctl.app.board import wallboard as board

        try:
            await signed_in(request)
            session = service.session()
            data = await run_in_threadpool(board, session, 10, service.memo)
        except Denied as denied:
            return refused(service, request, denied)
        except ItsmError as exc:
            return failed(service, request, exc)
        return service.render(request, "wallboard.html", board=data, tz=session.tz,
                              refresh=service.cfg.refresh, desk=session.policy.desk.name,
                              labels=_group_labels(session))

    async def attachment(request: "Request") -> "Response":
        try:
            await signed_in(request)
            path = await run_in_threadpool(_attachment, service, request.path_params["ticket"],
                                           request.path_params["name"])
        except Denied as denied:
            return refused(service, request, denied)
        except ItsmError as exc:
            return failed(service, request, exc)
        return FileResponse(path, filename=path.name, content_disposition_type="attachment",
                            media_type="application/octet-stream")

    return [Route("/desk", queue_page, methods=["GET"]),
            Route("/desk/t/{ticket}", ticket_page, methods=["GET"]),
            Route("/desk/t/{ticket}/attachments/{name}", attachment, methods=["GET"]),
            Route("/desk/t/{ticket}/{action}", act, methods=["POST"]),
            Route("/desk/report", report_page, methods=["GET"]),
            Route("/desk/report/tickets", report_tickets, methods=["GET"]),
            Route("/desk/wallboard", wallboard, methods=["GET"])]


def _one(value: Any) -> Optional[str]:
    return value.strip() if isinstance(value, str) else None


def _group_labels(session: Any) -> dict[str, str]:
    return {g: v.label or g for g, v in session.policy.teams.groups.items()}


# ---------------------------------------------------------------- the queue
def filters_of(request: "Request") -> "Filters":
    from itsmctl.core.filters import Filters

    q = request.query_params

    def flag(name: str) -> bool:
        return q.get(name, "") not in ("", "0", "false", "no")

    return Filters(status=tuple(s for s in q.getlist("status") if s),
                   group=q.get("group") or None,
                   priority=tuple(p for p in q.getlist("priority") if p),
                   assignee=q.get("assignee") or None, unassigned=flag("unassigned"),
                   major=flag("major"), breached=flag("breached"), show_all=flag("show_all"))


def _page_number(request: "Request") -> int:
    text = request.query_params.get("page", "1")
    if not text.isdigit() or not 0 < int(text) < 1_000_000:
        raise UsageError(f"page {text!r} is not a page number", rule="W2")
    return int(text)


async def _queue(service: "Service", request: "Request", person: str,
                 drill: bool = False) -> "Response":
    from itsmctl.app import board
    from itsmctl.app import drill as drills

    session = service.session(person)
    q = request.query_params
    page = _page_number(request)
    saved = await run_in_threadpool(board.views, session)
    view = q.get("view") or None
    filters = filters_of(request)
    if view is not None:
        if view not in saved:
            raise UsageError(f"unknown view {view!r}; known: {', '.join(saved) or 'none'} "
                             "(config/views.yaml)", rule="W2")
        filters = saved[view]
    ids = None
    figure = None
    if drill:
        figure = q.get("figure") or ""
        ids = await run_in_threadpool(drills.tickets, session, q.get("month") or None,
                                      q.get("group") or None, figure)
    found = await run_in_threadpool(board.queue, session, filters, page, board.PER_PAGE, ids,
                                    service.memo)
    keep = [(k, v) for k, v in q.multi_items() if k != "page"]
    policy = session.policy
    return service.render(
        request, "queue.html", found=found, filters=filters, views=sorted(saved), view=view,
        figure=figure, statuses=_statuses(), groups=_group_labels(session),
        people=sorted(policy.teams.people), levels=policy.matrix.priority_levels,
        person=person, desk=policy.desk.name, tz=session.tz,
        page_link=lambda n: f"{request.url.path}?{urlencode([*keep, ('page', n)])}")


def _statuses() -> tuple[str, ...]:
    from itsmctl.core.model import STATUSES

    return STATUSES


# ---------------------------------------------------------------- one ticket
async def _ticket(service: "Service", request: "Request", person: str,
                  error: Optional[ItsmError] = None) -> "Response":
    from itsmctl.app.portal import link_token
    from itsmctl.app.queue import load, show_doc

    session = service.session(person)

    def read() -> tuple["Ticket", dict[str, Any]]:
        t = load(session, request.path_params["ticket"])
        return t, show_doc(session, t)

    ticket, doc = await run_in_threadpool(read)
    policy = session.policy
    return service.render(
        request, "ticket.html", 400 if error else 200, t=ticket, doc=doc,
        history=history(ticket, policy), person=person, desk=policy.desk.name,
        tz=session.tz, groups=_group_labels(session), close_codes=_codes(policy),
        causations=_causations(policy, ticket), done=request.query_params.get("done"),
        link=f"/t/{ticket.id}?k={link_token(service.cfg.key, ticket.id)}",
        attachments=list(getattr(ticket, "attachments", None) or []),
        error=explain(service, request, error) if error else None)


def _codes(policy: Any) -> list[str]:
    forbidden = set(policy.codes.close_by_hand_forbidden)
    return [c for c in policy.codes.close if c not in forbidden]


def _causations(policy: Any, ticket: "Ticket") -> dict[str, str]:
    cls = ticket.classification
    try:
        return dict(policy.categories.subtype(cls.category or "", cls.subtype or "").causations)
    except KeyError:
        return {}


def history(ticket: "Ticket", policy: Any) -> list[dict[str, Any]]:
    """Each event in words: who (their name), what, the state move, each change as
    `field: old → new` (ids added or removed: `slaves: + ID`), the note."""
    people = policy.teams.people
    out = []
    for e in ticket.history:
        who = people[e.actor].name if e.actor in people else e.actor
        changes = [_change(k, v) for k, v in e.changes.items() if k not in ("status", "history")]
        out.append({"at": e.at, "actor": e.actor, "who": who, "action": e.action,
                    "from": e.from_, "to": e.to, "changes": [c for c in changes if c],
                    "note": e.note or "", "via": e.via})
    return out


def _change(key: str, value: Any) -> str:
    """`field: old → new`, or the ids added and removed (a master's `slaves: + ID`)."""
    if isinstance(value, list) and len(value) == 2:
        return f"{key}: {_word(value[0])} → {_word(value[1])}"
    if isinstance(value, dict) and value and set(value) <= {"added", "removed"}:
        marks = [f"+ {_word(v)}" for v in value.get("added") or ()]
        marks += [f"- {_word(v)}" for v in value.get("removed") or ()]
        return f"{key}: " + "; ".join(marks) if marks else ""
    return ""


def _word(value: Any) -> str:
    if value is None or value == [] or value == {}:
        return "–"
    if isinstance(value, list):
        return ", ".join(_word(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {_word(v)}" for k, v in value.items() if v not in (None, [], {}))
    return str(value)


def _act(service: "Service", person: str, ref: str, action: str,
         form: dict[str, Optional[str]]) -> "Ticket":
    """One of the everyday actions, as the person signed in (via web)."""
    from itsmctl.app import lifecycle

    session = service.session(person)
    if action == "note":
        return lifecycle.note(session, ref, form.get("text"))
    if action == "accept":
        return lifecycle.accept(session, ref)
    if action == "assign":
        group = form.get("group")
        if not group:
            raise UsageError("choose a group", rule="L3")
        return lifecycle.assign(session, ref, group, person=form.get("person") or None,
                                causation=form.get("causation") or None)
    if action == "resolve":
        return lifecycle.resolve(session, ref, form.get("solution"),
                                 causation=form.get("causation") or None)
    return lifecycle.close(session, ref, form.get("code") or "")


def _attachment(service: "Service", ref: str, name: str) -> Any:
    from itsmctl.app.queue import load

    session = service.session()
    ticket = load(session, ref)
    listed = {a.name if hasattr(a, "name") else str(a.get("name"))
              for a in getattr(ticket, "attachments", None) or []}
    if name not in listed or "/" in name or name.startswith("."):
        raise NotFound(f"{ticket.id} has no attachment {name!r}", rule="E4")
    path = session.root / "attachments" / ticket.id / name
    if not path.is_file():
        raise NotFound(f"{ticket.id}: attachment {name!r} is not in the work tree", rule="E4")
    return path


# ---------------------------------------------------------------- the report
async def _report(service: "Service", request: "Request", person: str) -> "Response":
    from itsmctl.app import drill

    session = service.session()
    month = request.query_params.get("month") or None
    group = request.query_params.get("group") or None
    data, figures = await run_in_threadpool(drill.figures, session, month, group)

    def href(path: str) -> Optional[str]:
        if path not in figures:
            return None
        query = [("month", data["period"]["label"]), ("figure", path)]
        if group:
            query.append(("group", group))
        return "/desk/report/tickets?" + urlencode(query)

    return service.render(request, "report.html", data=data, href=href, month=month or "",
                          group=group or "", groups=_group_labels(session),
                          desk=session.policy.desk.name, tz=session.tz, person=person)


def when(value: Any, tz: Any) -> str:
    """A time in the desk's zone, to the minute (for templates)."""
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    return str(value.astimezone(tz).strftime("%Y-%m-%d %H:%M"))
