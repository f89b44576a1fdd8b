#!/usr/bin/env python3
"""A tiny Alertmanager/Grafana webhook receiver: POST body -> `itsmctl hook alertmanager`.

Standard library only. Each request runs one itsmctl process (one commit per payload);
itsmctl's desk lock serialises concurrent deliveries, so none is lost (SPEC G3, H1).
Replies 200 when the payload was taken (or was a redelivery), 400 when itsmctl refused
the payload as malformed (exit 4: Alertmanager does not retry a 4xx), 503 otherwise, so
Alertmanager retries later.

    python3 itsmctl-webhook.py --desk /srv/desk --port 9099
    ITSMCTL="python3 -m itsmctl" python3 itsmctl-webhook.py --desk . --port 0   # any port
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 8 << 20   # Alertmanager caps a notification at max_alerts; 8 MiB is plenty


def run_hook(desk: str, body: bytes, timeout: float = 120) -> tuple[int, str]:
    """(exit code, last stderr line) of `itsmctl hook alertmanager` fed the body."""
    cmd = shlex.split(os.environ.get("ITSMCTL", "itsmctl"))
    cmd += ["--repo", desk, "hook", "alertmanager"]
    try:
        proc = subprocess.run(cmd, input=body, capture_output=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return 70, str(exc)
    err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    return proc.returncode, err[-1] if err else ""


def make_handler(desk: str, token: str | None) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            if token and self.headers.get("Authorization") != f"Bearer {token}":
                return self._reply(401, "missing or wrong bearer token")
            length = int(self.headers.get("Content-Length") or 0)
            if length <= 0 or length > MAX_BODY:
                return self._reply(400, "empty or oversized body")
            code, err = run_hook(desk, self.rfile.read(length))
            if code == 0:
                return self._reply(200, "ok")
            return self._reply(400 if code == 4 else 503, err or f"itsmctl exit {code}")

        def _reply(self, status: int, text: str) -> None:
            data = (text + "\n").encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, fmt: str, *args: object) -> None:
            sys.stderr.write("itsmctl-webhook: " + fmt % args + "\n")

    return Handler


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--desk", default=os.environ.get("ITSMCTL_REPO", "."),
                    help="the desk repository (default: ITSMCTL_REPO or .)")
    ap.add_argument("--host", default="127.0.0.1", help="address to listen on")
    ap.add_argument("--port", type=int, default=9099, help="port (0: any free port)")
    ap.add_argument("--token", default=os.environ.get("ITSMCTL_WEBHOOK_TOKEN"),
                    help="require 'Authorization: Bearer TOKEN' (Alertmanager http_config)")
    args = ap.parse_args()
    server = ThreadingHTTPServer((args.host, args.port), make_handler(args.desk, args.token))
    print(f"listening on {args.host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
