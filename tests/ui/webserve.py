"""`itsmctl serve` started by a test on a free loopback port, and a small HTTP client
that keeps cookies (for the forms' CSRF token) and does not follow redirects."""

from __future__ import annotations

import base64
import http.client
import os
import re
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Optional
from urllib.parse import urlencode, urlsplit

import pytest

from tests.helpers import NOW
from tests.servers import free_port, process
from tests.servers.base import http_ok

PASSWORD = "correct horse 马"
TOKEN = "hook-token-0123456789"


def need_web() -> None:
    for module in ("starlette", "uvicorn", "jinja2", "multipart"):
        pytest.importorskip(module, reason=f"the web extra is not installed "
                                           f"(pip install 'itsmctl[web]'; {module})")


def passwords(*people: str) -> str:
    from itsmctl.infra.websecret import hash_password

    return " ".join(f"{p}:{hash_password(PASSWORD)}" for p in people)


@dataclass
class Server:
    url: str
    log: Path
    port: int

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def serving(desk: Path, *args: str, env: Optional[dict[str, str]] = None,
            now: Optional[str] = NOW) -> Iterator[Server]:
    """The real service as its own process; stopped (and its group killed) on exit."""
    need_web()
    port = free_port()
    argv = [sys.executable, "-m", "itsmctl", "--repo", str(desk)]
    if now:
        argv += ["--now", now]
    argv += ["serve", "--listen", f"127.0.0.1:{port}", *args]
    base = {k: v for k, v in os.environ.items() if not k.startswith("ITSMCTL_")}
    base.update(env or {})
    url = f"http://127.0.0.1:{port}"
    log = desk.parent / f"serve-{port}.log"
    with process(argv, log, ready=lambda: http_ok(f"{url}/healthz"), timeout=30,
                 env=base):
        yield Server(url, log, port)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def field(self, name: str) -> str:
        m = re.search(rf'name="{name}" value="([^"]*)"', self.text)
        assert m, f"no {name} field in the page"
        return m.group(1)


@dataclass
class Client:
    """Requests to one server with a cookie jar of one site (name=value pairs)."""

    url: str
    cookies: dict[str, str] = field(default_factory=dict)
    auth: Optional[tuple[str, str]] = None
    headers: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, body: Optional[bytes] = None,
                headers: Optional[dict[str, str]] = None, timeout: float = 60,
                chunked: bool = False) -> Reply:
        """One request; `chunked` sends the body with Transfer-Encoding: chunked."""
        parts = urlsplit(self.url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        sent = dict(self.headers)
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.auth:
            token = base64.b64encode(f"{self.auth[0]}:{self.auth[1]}".encode()).decode()
            sent["Authorization"] = f"Basic {token}"
        sent.update(headers or {})
        try:
            try:
                if chunked and body is not None:
                    sent["Transfer-Encoding"] = "chunked"
                    pieces = iter([body[i:i + 4096] for i in range(0, len(body), 4096)])
                    conn.request(method, path, body=pieces, headers=sent, encode_chunked=True)
                else:
                    conn.request(method, path, body=body, headers=sent)
            except (BrokenPipeError, ConnectionResetError):
                # the server answered (413) and closed before the whole body was sent:
                # its answer is in the socket's receive queue, read it as curl would
                pass
            resp = conn.getresponse()
            data = resp.read()
            found = {k.lower(): v for k, v in resp.getheaders()}
            for k, v in resp.getheaders():
                if k.lower() == "set-cookie":
                    name, _, rest = v.partition("=")
                    self.cookies[name] = rest.split(";", 1)[0]
            return Reply(resp.status, found, data)
        finally:
            conn.close()

    def get(self, path: str, **kw: Any) -> Reply:
        return self.request("GET", path, **kw)

    def post(self, path: str, form: dict[str, Any], **kw: Any) -> Reply:
        body = urlencode(form, doseq=True).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", **kw.pop("headers", {})}
        return self.request("POST", path, body=body, headers=headers, **kw)


def report(client: Client, **fields: Any) -> Reply:
    """The reporter's form, filled and sent as a browser would (GET for the token)."""
    page = client.get("/")
    assert page.status == 200, page.text
    form = {"csrf": page.field("csrf"), "type": "incident", "title": "打印机坏了 printer broken",
            "description": "无法打印", "area": "office/desktop", "name": "王五",
            "phone": "13800000000"}
    form.update(fields)
    return client.post("/", form)
