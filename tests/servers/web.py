"""HTTP on loopback: a webhook sink, static files, Alertmanager, and headless chromium."""

from __future__ import annotations

import http.server
import json
import tempfile
import threading
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional

import pytest

from tests.servers.base import INSTALL, LOOPBACK, free_port, http_ok, need, process, wait_until

if TYPE_CHECKING:
    from playwright.sync_api import Page


@dataclass
class Hit:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class WebhookSink:
    url: str
    hits: list[Hit] = field(default_factory=list)
    status: int = 200   # what the sink answers; set it to test a failing receiver

    def wait(self, n: int = 1, timeout: float = 10.0) -> list[Hit]:
        return wait_until(lambda: self.hits[:n] if len(self.hits) >= n else [],
                          timeout, f"{n} requests at {self.url}")


@contextmanager
def _serving(handler: Callable[..., http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer((LOOPBACK, 0), handler)
    threading.Thread(target=server.serve_forever, args=(0.1,), daemon=True).start()
    try:
        yield f"http://{LOOPBACK}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def webhook_sink() -> Iterator[WebhookSink]:
    """A loopback HTTP server recording every POST/PUT; yields the sink (url ends in /hook)."""
    sink = WebhookSink("")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            sink.hits.append(Hit(self.command, self.path, dict(self.headers), body))
            self.send_response(sink.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_PUT = do_POST

        def log_message(self, *args: Any) -> None:
            pass

    with _serving(Handler) as base:
        sink.url = f"{base}/hook"
        yield sink


@contextmanager
def http_files(directory: Path) -> Iterator[str]:
    """A loopback HTTP server for the files under directory; yields its base URL."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    with _serving(partial(Quiet, directory=str(directory))) as base:
        yield base


ALERTMANAGER_YML = """\
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 100ms
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: {url}
        send_resolved: true
"""


@dataclass
class Alertmanager:
    url: str

    def post(self, alerts: list[dict[str, Any]]) -> None:
        """POST alerts to /api/v2/alerts (labels, annotations, startsAt, endsAt...)."""
        request = urllib.request.Request(f"{self.url}/api/v2/alerts", method="POST",
                                         data=json.dumps(alerts).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as reply:
            assert reply.status == 200, reply.read()

    def fire(self, alertname: str, resolved: bool = False, **labels: str) -> None:
        """One alert, firing, or resolved (endsAt in the past)."""
        alert: dict[str, Any] = {"labels": {"alertname": alertname, **labels},
                                 "annotations": {"summary": f"{alertname} test alert"}}
        if resolved:
            alert["endsAt"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 1))
        self.post([alert])


@contextmanager
def alertmanager(webhook_url: str, config: Optional[str] = None) -> Iterator[Alertmanager]:
    """Debian's prometheus-alertmanager routing every alert to webhook_url; `config`, a
    whole alertmanager.yml of the caller's (then webhook_url is not used), instead."""
    binary = need("prometheus-alertmanager", "prometheus-alertmanager")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="alertmanager-") as priv:
        made = ALERTMANAGER_YML.format(url=json.dumps(webhook_url))
        Path(priv, "am.yml").write_text(config if config is not None else made)
        argv = [binary, f"--config.file={priv}/am.yml", f"--storage.path={priv}/data",
                f"--web.listen-address={LOOPBACK}:{port}",
                "--cluster.listen-address="]   # no gossip port on all interfaces
        url = f"http://{LOOPBACK}:{port}"
        with process(argv, Path(priv, "log"), ready=lambda: http_ok(f"{url}/-/ready")):
            yield Alertmanager(url)


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


@contextmanager
def chromium_page(shot_dir: Path) -> Iterator[Page]:
    """A page in Debian's headless chromium, driven by Playwright (no browser download).

    Take screenshots under shot_dir; a failing test leaves shot_dir/failure.png.
    """
    chromium = need("chromium", "chromium")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason=f"playwright is not installed ({INSTALL})")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS,
                                     timeout=30_000)
        try:
            page = browser.new_page()
            page.set_default_timeout(10_000)
            try:
                yield page
            except Exception:
                try:
                    page.screenshot(path=str(Path(shot_dir, "failure.png")), timeout=5_000)
                except Exception:  # a crashed page: the test's own error matters more
                    pass
                raise
        finally:
            browser.close()
