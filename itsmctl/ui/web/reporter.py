"""U1: the reporter's pages. The form (incident, service request, complaint; what is
affected from categories.yaml; no priority to choose), answered with the ticket id and
its link; the status page that link opens, where the reporter adds a note or confirms
the resolution. Parsing and rendering only: app/portal.py does the work."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse
from starlette.routing import Route

from itsmctl.errors import ItsmError, NotPermitted
from itsmctl.ui.web.security import CSRF_FIELD, Denied, check_csrf, client

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from itsmctl.ui.web.server import Service

# what the reporter is told of each public event (core/portal.py PUBLIC)
EVENT_WORDS = {"opened": "Ticket opened", "assigned": "Handed to a support team",
               "in_progress": "A support engineer is working on it",
               "returned": "Back with the service desk", "waiting": "Waiting",
               "resumed": "Work resumed", "resolved": "Resolved", "reopened": "Reopened",
               "closed": "Closed", "confirmed": "You confirmed the resolution",
               "note": "Your note"}
FIELDS = ("type", "title", "description", "area", "customer", "name", "phone", "email",
          "department", "location", "affected_users")


def routes(service: "Service") -> list[Route]:
    from itsmctl.app import portal

    async def form(request: "Request") -> "Response":
        if request.method == "GET":
            return await _form(service, request, {})
        data = await request.form()
        values = {k: str(data.get(k) or "") for k in FIELDS}
        try:
            check_csrf(request, service.cfg.key, _str(data.get(CSRF_FIELD)))
            _limit(service, request)
            sub = _submission(values)
            session = service.session()
            ticket = await run_in_threadpool(portal.submit, session, sub)
        except Denied as denied:
            return refused(service, request, denied)
        except NotPermitted as exc:
            return unavailable(service, request, exc)
        except ItsmError as exc:
            return await _form(service, request, values, exc)
        return _to_status(service, ticket.id, "new")

    async def status(request: "Request") -> "Response":
        return await _status(service, request, request.query_params.get("k"))

    async def answer(request: "Request") -> "Response":
        ticket, what = request.path_params["ticket"], request.path_params["what"]
        data = await request.form()
        token, text = _str(data.get("k")), _str(data.get("text")) or ""
        try:
            check_csrf(request, service.cfg.key, _str(data.get(CSRF_FIELD)))
            _limit(service, request)
            act = portal.add_note if what == "note" else portal.confirm
            done = await run_in_threadpool(act, service.session(), service.cfg.key, ticket,
                                           token, text)
        except Denied as denied:
            return refused(service, request, denied)
        except NotPermitted as exc:
            return unavailable(service, request, exc)
        except ItsmError as exc:
            return await _status(service, request, token, exc)
        return _to_status(service, done.id, what)

    return [Route("/", form, methods=["GET", "POST"], name="form"),
            Route("/t/{ticket}", status, methods=["GET"], name="status"),
            Route("/t/{ticket}/{what:str}", answer, methods=["POST"])]


def _str(value: Any) -> Optional[str]:
    return value if isinstance(value, str) else None


def _limit(service: "Service", request: "Request") -> None:
    if not service.form_limit.hit(client(request, service.cfg)):
        raise Denied(429, "too many reports from your address; please try again later")


def _submission(values: dict[str, str]) -> Any:
    from itsmctl.app.portal import Submission
    from itsmctl.errors import UsageError

    users = values.pop("affected_users").strip()
    if users and not users.isdigit():
        raise UsageError("the number of people affected must be a whole number", rule="P3")
    clean = {k: v.strip() or None for k, v in values.items()}
    return Submission(type=clean.pop("type") or "incident", title=clean.pop("title") or "",
                      description=clean.pop("description") or "",
                      affected_users=int(users) if users else None, **clean)


def _to_status(service: "Service", ticket_id: str, done: str) -> "Response":
    from itsmctl.app.portal import link_token

    token = link_token(service.cfg.key, ticket_id)
    return RedirectResponse(f"/t/{ticket_id}?k={token}&done={done}", status_code=303)


async def _form(service: "Service", request: "Request", values: dict[str, str],
                error: Optional[ItsmError] = None) -> "Response":
    from itsmctl.app.portal import TYPES, areas

    session = service.session()
    try:
        choices = await run_in_threadpool(areas, session)
    except ItsmError as exc:
        return failed(service, request, exc)
    cats = session.policy.categories.categories
    options = [(a.value, " / ".join(x for x in (cats[a.category].label or a.category,
                cats[a.category].subtypes[a.subtype].label or a.subtype) if x))
               for a in choices]
    return service.render(request, "form.html", 400 if error else 200, types=TYPES,
                          areas=options, values=values, desk=session.policy.desk.name,
                          error=explain(service, request, error) if error else None)


async def _status(service: "Service", request: "Request", token: Optional[str],
                  error: Optional[ItsmError] = None) -> "Response":
    from itsmctl.app import portal

    session = service.session()
    ticket = request.path_params["ticket"]
    try:
        view = await run_in_threadpool(portal.status, session, service.cfg.key, ticket, token)
    except ItsmError as exc:
        return failed(service, request, exc)
    link = f"/t/{view.id}?k={token}"
    return service.render(request, "status.html", 400 if error else 200, view=view, token=token,
                          link=link, done=request.query_params.get("done"), event_words=EVENT_WORDS,
                          tz=session.tz, desk=session.policy.desk.name,
                          error=explain(service, request, error) if error else None)


# ---------------------------------------------------------------- refusals, shared
STATUS = {"UsageError": 400, "RuleViolation": 400, "NotFound": 404, "NotPermitted": 403,
          "ConcurrencyError": 503, "PushRejected": 503}


def explain(service: "Service", request: "Request", exc: ItsmError) -> str:
    """One line in the page's language: the web catalogue, else the command line's."""
    from itsmctl.ui.i18n import message
    from itsmctl.ui.web import words

    lang = service.language(request)
    text = words.translator(lang)(exc.message)
    if text == exc.message:
        text = message(exc.message, lang)
    return f"[{exc.rule}] {text}" if exc.rule else text


def failed(service: "Service", request: "Request", exc: ItsmError) -> "Response":
    status = STATUS.get(type(exc).__name__, 500)
    if status >= 500:
        from itsmctl.ui.web.server import log

        log.warning("%s %s: %s", request.method, request.url.path, exc.message)
    response = service.render(request, "message.html", status, title=str(status),
                              text=explain(service, request, exc))
    if status == 503:
        response.headers["retry-after"] = "5"
    return response


UNAVAILABLE = ("the service desk cannot take this on the web right now; please phone the "
               "service desk")


def unavailable(service: "Service", request: "Request", exc: ItsmError) -> "Response":
    """The portal never refuses a reporter by permission: such a refusal is the service's
    own account (its role in teams.yaml, its signing key), so the reporter is told to
    phone and the operator reads the cause in the log."""
    from itsmctl.ui.web import words
    from itsmctl.ui.web.server import log

    log.warning("%s %s: the web account was refused: [%s] %s", request.method,
                request.url.path, exc.rule, exc.message)
    text = words.translator(service.language(request))(UNAVAILABLE)
    response = service.render(request, "message.html", 503, title="503", text=text)
    response.headers["retry-after"] = "300"
    return response


def refused(service: "Service", request: "Request", denied: Denied) -> "Response":
    from itsmctl.ui.web import words

    text = words.translator(service.language(request))(denied.text)
    response = service.render(request, "message.html", denied.status,
                              title=str(denied.status), text=text)
    if denied.challenge:
        response.headers["www-authenticate"] = denied.challenge
    return response
