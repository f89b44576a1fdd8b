"""`itsmctl serve`: the ASGI application (Starlette) and its server (uvicorn).

One process over the desk repository. Every request gets its own Session (the person
signed in, or the intake account `web` for reporters; `via` "web") and calls the same
use cases, write path, desk lock and commits as the command line. Routes only parse
and render: ui/web/reporter.py (U1), desk.py (U2), monitor.py (U3, U4).

The outermost layer (Guard) keeps the service safe by default: request bodies are
bounded (a form, a hook payload), security headers go on every answer, and whatever
goes wrong is one line in the log (a crash's traceback goes to a file, as the command
line's funnel does), never a traceback; the access log names no query string, so no
ticket link's token reaches a log.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from itsmctl.app.session import Session
from itsmctl.ui.web.config import WebConfig
from itsmctl.ui.web.security import (
    CSRF_COOKIE,
    RateLimit,
    StaffAuth,
    csrf_cookie,
    csrf_token,
    https,
)

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

HERE = Path(__file__).resolve().parent
log = logging.getLogger("itsmctl.serve")
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
HEADERS = [(b"content-security-policy", CSP.encode()),
           (b"x-content-type-options", b"nosniff"),
           (b"x-frame-options", b"DENY"),
           (b"referrer-policy", b"no-referrer")]


class Service:
    """What every route shares: the config, sessions, templates, sign-in, limits, hooks."""

    def __init__(self, cfg: WebConfig) -> None:
        from jinja2 import (
            Environment,
            FileSystemLoader,
            StrictUndefined,
            pass_context,
            select_autoescape,
        )

        from itsmctl.infra.spool import Spool
        from itsmctl.ui.web.hookqueue import HookQueue

        self.cfg = cfg
        self.lock = threading.Lock()
        self.base: Optional[Session] = None
        self.stamp: Any = None
        self.templates = Environment(loader=FileSystemLoader(str(HERE / "templates")),
                                     autoescape=select_autoescape(default=True),
                                     undefined=StrictUndefined, trim_blocks=True,
                                     lstrip_blocks=True)
        from itsmctl.ui.web.desk import when

        self.templates.globals["when"] = when
        self.templates.filters["say"] = pass_context(_say)
        self.auth = StaffAuth(cfg)
        from itsmctl.app.board import Memo

        self.memo = Memo()              # the open queue's briefs, between requests
        self.form_limit = RateLimit(cfg.form_limit, cfg.form_window)
        self.hooks = HookQueue(Spool(cfg.root), self.session, log, cfg.hook_wait)

    def session(self, actor: Optional[str] = None) -> Session:
        """A new Session per request; the policy is loaded again only when a config
        file changed (its stamp), so a page does not pay for it."""
        from itsmctl.infra.config import policy_stamp

        stamp = policy_stamp(self.cfg.root)
        with self.lock:
            base = self.base if self.stamp == stamp else None
        if base is None:
            base = Session(repo=str(self.cfg.root), now_given=self.cfg.now, via="web")
            base.policy                 # noqa: B018 (loaded once, shared by derived sessions)
            with self.lock:
                self.base, self.stamp = base, stamp
        return base.derive(actor_given=actor, messages=[])

    def find(self, name: str) -> Optional[str]:
        return self.session().policy.teams.find(name)

    def render(self, request: "Request", name: str, status: int = 200,
               **context: Any) -> "Response":
        """A page from templates/ in the request's language, with its form token."""
        from starlette.responses import HTMLResponse

        from itsmctl.ui.web import words

        lang = words.pick(request.headers.get("accept-language"),
                          request.query_params.get("lang"))
        cookie, new = csrf_cookie(request)
        if "desk" not in context:
            context["desk"] = self._desk_name()
        html = self.templates.get_template(name).render(
            _=words.translator(lang), lang=words.html_lang(lang), language=lang,
            csrf=csrf_token(self.cfg.key, cookie), path=request.url.path, **context)
        response = HTMLResponse(html, status_code=status,
                                headers={"cache-control": "no-store"})
        if new:
            response.set_cookie(CSRF_COOKIE, cookie, httponly=True, samesite="strict",
                                path="/", secure=https(request, self.cfg))
        return response

    def _desk_name(self) -> str:
        from itsmctl.errors import ItsmError

        try:
            return str(self.session().policy.desk.name)
        except ItsmError:
            return "itsmctl"

    def language(self, request: "Request") -> str:
        from itsmctl.ui.web import words

        return words.pick(request.headers.get("accept-language"),
                          request.query_params.get("lang"))


def _say(context: Any, key: Any) -> str:  # a jinja2 @pass_context filter
    """A desk key (status, type, phase) in words of the page's language."""
    from itsmctl.ui.web.words import WORDS

    text = "" if key is None else str(key)
    return str(context["_"](WORDS.get(text, text)))


# ---------------------------------------------------------------- the outermost layer
class TooLarge(Exception):
    pass


class Guard:
    """Body limits, security headers, one-line access and error log (pure ASGI)."""

    def __init__(self, app: Any, cfg: WebConfig) -> None:
        self.app, self.cfg = app, cfg

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        limit = self.cfg.hook_bytes if path.startswith("/hooks/") else self.cfg.form_bytes
        started = time.perf_counter()
        state = {"status": 0}
        peer = (scope.get("client") or ("-",))[0]

        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                spent = f"app;dur={(time.perf_counter() - started) * 1000:.1f}".encode()
                message = {**message, "headers": [*message.get("headers", []), *HEADERS,
                                                  (b"server-timing", spent)]}
            await send(message)

        try:
            length = _content_length(scope)
            if length is not None and length > limit:
                raise TooLarge()
            body = await _read_body(receive, limit) if scope.get("method") in BODY else b""
            if body is None:
                log.info("%s %s: the client went away before its request ended",
                         scope.get("method"), path)
                return
            replayed = False

            async def receiving() -> Any:
                nonlocal replayed
                if not replayed:
                    replayed = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            await self.app(scope, receiving, sending)
        except TooLarge:
            if not state["status"]:
                await _plain(sending, 413, f"request body over {limit} bytes")
        except (KeyboardInterrupt, SystemExit, asyncio.CancelledError):
            raise
        except BaseException as exc:  # noqa: BLE001 (one line in the log, never a traceback)
            quiet = _disconnected(exc)
            if quiet:
                log.info("%s %s: the client went away (%s)", scope.get("method"), path,
                         type(exc).__name__)
            else:
                log.error("%s %s: internal error: %s: %s (traceback in %s)",
                          scope.get("method"), path, type(exc).__name__, exc, _crash_file())
            if not state["status"] and not quiet:
                try:
                    await _plain(sending, 500, "internal error")
                except Exception:  # noqa: BLE001 (the client is gone too)
                    pass
        finally:
            log.info("%s %s %s %d %.1fms", peer, scope.get("method"), path, state["status"],
                     (time.perf_counter() - started) * 1000)


BODY = ("POST", "PUT", "PATCH", "DELETE")


async def _read_body(receive: Any, limit: int) -> Optional[bytes]:
    """The whole request body (any framing, chunked too), at most `limit` bytes (else
    TooLarge); None when the client hung up first. Routes get it whole or not at all."""
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise TooLarge()
        parts.append(chunk)
        if not message.get("more_body", False):
            return b"".join(parts)


def _content_length(scope: Any) -> Optional[int]:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _plain(send: Any, status: int, text: str) -> None:
    body = (text + "\n").encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def _disconnected(exc: BaseException) -> bool:
    """The client hung up (mid-body or before the answer): not our failure."""
    import builtins

    from starlette.requests import ClientDisconnect

    group = getattr(builtins, "BaseExceptionGroup", None)     # Python 3.11+
    if group is not None and isinstance(exc, group):
        return all(_disconnected(e) for e in exc.exceptions)
    return isinstance(exc, (ClientDisconnect, BrokenPipeError, ConnectionResetError))


def _crash_file() -> str:
    fd, path = tempfile.mkstemp(prefix="itsmctl-serve-crash-", suffix=".txt")
    with os.fdopen(fd, "w") as fh:
        traceback.print_exc(file=fh)
    return path


# ---------------------------------------------------------------- assembly and running
def build(cfg: WebConfig) -> tuple["Starlette", Service]:
    from contextlib import asynccontextmanager

    from starlette.applications import Starlette
    from starlette.routing import Mount
    from starlette.staticfiles import StaticFiles

    from itsmctl.ui.web import desk, monitor, reporter

    service = Service(cfg)

    @asynccontextmanager
    async def lifespan(app: Any) -> Any:
        from starlette.concurrency import run_in_threadpool

        left = await run_in_threadpool(service.hooks.recover)
        if left:
            log.info("%d hook payload(s) accepted before the last stop: committing them", left)
        yield
        await run_in_threadpool(service.hooks.close)

    routes = [*reporter.routes(service), *desk.routes(service), *monitor.routes(service),
              Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static")]
    app = Starlette(routes=routes, lifespan=lifespan)
    return app, service


class OneLine(logging.Formatter):
    """Every record one line: an exception's type and message, never its traceback."""

    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            text += f": {type(exc).__name__}: {exc}"
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        stamp = self.formatTime(record, "%Y-%m-%dT%H:%M:%S")
        return f"{stamp} itsmctl serve: " + " | ".join(text.splitlines())


def setup_logging() -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(OneLine())
    for name in ("itsmctl.serve", "uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.propagate = False
        logger.setLevel(logging.INFO)


def run(cfg: WebConfig) -> None:
    """Serve until SIGINT/SIGTERM; hooks submitted before then are committed."""
    import uvicorn

    setup_logging()
    # the hooks' commits run in a thread that wants the GIL for seconds in a storm: hand
    # it over more often, so the event loop keeps answering within the hook deadline
    sys.setswitchinterval(0.0005)
    app, service = build(cfg)
    config = uvicorn.Config(
        Guard(app, cfg), host=cfg.host, port=cfg.port, log_config=None, access_log=False,
        server_header=False, proxy_headers=False, lifespan="on", limit_concurrency=500,
        timeout_keep_alive=5, h11_max_incomplete_event_size=16 * 1024)
    staff = ("basic auth for " + ", ".join(sorted(cfg.passwords))) if cfg.passwords else ""
    if cfg.trusted_header:
        staff += (" and " if staff else "") + f"header {cfg.trusted_header} from " + \
            ", ".join(cfg.trusted_proxies)
    hooks = "bearer token" if cfg.hook_token else ""
    if cfg.hook_user:
        hooks += (" or " if hooks else "") + "basic auth"
    log.info("desk %s on http://%s:%d/ (key from %s; staff sign-in: %s; hooks: %s)",
             cfg.root, cfg.host if ":" not in cfg.host else f"[{cfg.host}]", cfg.port,
             cfg.key_source, staff or "off", hooks or "off")
    uvicorn.Server(config).run()
