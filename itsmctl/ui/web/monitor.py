"""U3 and U4: the monitoring endpoints.

POST or PUT /hooks/alertmanager and /hooks/grafana (any body framing, chunked too;
Bearer or basic auth from the environment) do what `itsmctl hook alertmanager` does
(H1). A malformed payload is 400 (413 when too large) and never retried by the sender;
a desk that cannot take it now is 503 (retried); an accepted one is 200 with what it
did. GET /metrics is Prometheus' text format; GET /healthz says whether the desk loads.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from itsmctl.errors import ConcurrencyError, ItsmError
from itsmctl.ui.web.hookqueue import MALFORMED
from itsmctl.ui.web.security import Denied, hook_allowed

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from itsmctl.app.board import Metrics
    from itsmctl.ui.web.server import Service



def routes(service: "Service") -> list[Route]:
    from itsmctl.ui.web.server import log

    async def hook(request: "Request") -> "Response":
        from itsmctl.app.hooks import parse

        kind = request.path_params["kind"]
        arrived = time.monotonic()
        try:
            hook_allowed(request, service.cfg)
        except Denied as denied:
            headers = {"www-authenticate": denied.challenge} if denied.challenge else None
            return _error(denied.status, denied.text, headers)
        body = await request.body()
        try:
            payload = await run_in_threadpool(parse, service.session(), body, f"/hooks/{kind}")
        except ItsmError as exc:
            return _error(400, exc.message)
        except RecursionError:
            return _error(400, f"/hooks/{kind}: JSON nested too deeply")
        taken = await service.hooks.take(payload, body, arrived)
        if taken.status == 200 and taken.outcome is not None:
            return JSONResponse(taken.outcome.doc())
        if taken.status == 202:
            return JSONResponse({"queued": taken.name, "note": "accepted; it is committed "
                                 "as soon as the desk is free"}, status_code=202)
        error = taken.error
        if isinstance(error, MALFORMED):
            return _error(400, error.message)
        if isinstance(error, ConcurrencyError):
            log.warning("/hooks/%s: %s", kind, error.message)
            return _error(503, error.message, {"retry-after": "10"})
        if isinstance(error, ItsmError):
            log.error("/hooks/%s: %s", kind, error.message)
            return _error(500, error.message)
        log.error("/hooks/%s: internal error: %s: %s", kind, type(error).__name__, error)
        return _error(500, "internal error")

    async def metrics(request: "Request") -> "Response":
        from itsmctl.app.board import metrics as figures

        try:
            found = await run_in_threadpool(figures, service.session(), service.memo)
        except ItsmError as exc:
            return _error(503, exc.message)
        spooled = await run_in_threadpool(service.hooks.spool.count)
        return PlainTextResponse(exposition(found, service.hooks.batches, spooled),
                                 media_type="text/plain; version=0.0.4; charset=utf-8")

    async def healthz(request: "Request") -> "Response":
        from itsmctl.app.board import healthy

        try:
            head = await run_in_threadpool(healthy, service.session())
        except ItsmError as exc:
            return _error(503, exc.message)
        return PlainTextResponse(f"ok {head[:12]}\n")

    return [Route("/hooks/{kind:str}", _only(hook), methods=["POST", "PUT"]),
            Route("/metrics", metrics, methods=["GET"]),
            Route("/healthz", healthz, methods=["GET"])]


def _only(endpoint: Any) -> Any:
    async def wrapped(request: "Request") -> "Response":
        if request.path_params["kind"] not in ("alertmanager", "grafana"):
            return _error(404, "hooks: alertmanager, grafana")
        return await endpoint(request)
    return wrapped


def _error(status: int, text: str, headers: Any = None) -> "Response":
    return JSONResponse({"error": text}, status_code=status, headers=headers)


def _label(value: Any) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def exposition(m: "Metrics", batches: int, spooled: int = 0) -> str:
    """Prometheus text format 0.0.4."""
    lines = ["# HELP itsmctl_open_tickets Open tickets by priority, group and status.",
             "# TYPE itsmctl_open_tickets gauge"]
    for priority, group, status, count in sorted(m.open):
        lines.append(f'itsmctl_open_tickets{{priority="{_label(priority)}",'
                     f'group="{_label(group)}",status="{_label(status)}"}} {count}')
    lines += ["# HELP itsmctl_breached_tickets Open tickets past an SLA deadline, by phase.",
              "# TYPE itsmctl_breached_tickets gauge"]
    lines += [f'itsmctl_breached_tickets{{phase="{p}"}} {n}' for p, n in m.breached.items()]
    lines += ["# HELP itsmctl_unassigned_oldest_seconds Age of the oldest open ticket nobody "
              "has accepted, by priority.", "# TYPE itsmctl_unassigned_oldest_seconds gauge"]
    for priority in m.priorities:
        age = m.unassigned_age.get(priority, 0.0)
        lines.append(f'itsmctl_unassigned_oldest_seconds{{priority="{_label(priority)}"}} '
                     f"{age:.0f}")
    lines += ["# HELP itsmctl_undelivered_notifications Notifications not recorded as sent.",
              "# TYPE itsmctl_undelivered_notifications gauge",
              f"itsmctl_undelivered_notifications {m.undelivered}",
              "# HELP itsmctl_last_sweep_age_seconds Seconds since the sweep last ran "
              "(-1: never).", "# TYPE itsmctl_last_sweep_age_seconds gauge",
              f"itsmctl_last_sweep_age_seconds "
              f"{-1 if m.last_sweep_age is None else round(m.last_sweep_age)}",
              "# HELP itsmctl_commits_last_minute Commits on the desk's branch in the last "
              "minute.", "# TYPE itsmctl_commits_last_minute gauge",
              f"itsmctl_commits_last_minute {m.commits_last_minute}",
              "# HELP itsmctl_hook_batches_total Hook batches this service has run (each at "
              "most one commit).", "# TYPE itsmctl_hook_batches_total counter",
              f"itsmctl_hook_batches_total {batches}",
              "# HELP itsmctl_hook_payloads_queued Hook payloads accepted and not yet "
              "committed.", "# TYPE itsmctl_hook_payloads_queued gauge",
              f"itsmctl_hook_payloads_queued {spooled}", ""]
    return "\n".join(lines)
