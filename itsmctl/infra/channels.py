"""The four ways a notification leaves the desk (N3): file outbox, SMTP, webhook, command.

Each `send_*` delivers one payload or raises DeliveryError; every network or process
call has a timeout. Secrets come from environment variables named in notify.yaml.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Optional


class DeliveryError(Exception):
    """A channel refused or could not take a notification (retried by sweep)."""


def send(channel: Any, payload: dict[str, Any], root: Path, timeout: float) -> None:
    """Deliver one notification payload through one configured channel."""
    sender = {"outbox": send_outbox, "smtp": send_smtp, "webhook": send_webhook,
              "command": send_command}[channel.type]
    try:
        sender(channel, payload, root, timeout)
    except DeliveryError:
        raise
    except Exception as exc:  # noqa: BLE001 - socket, TLS, SMTP, HTTP, OS: one line each
        raise DeliveryError(f"{type(exc).__name__}: {exc}".strip().splitlines()[0]) from None


def body_json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True).encode()


def _secret(name: Optional[str], what: str) -> Optional[str]:
    if not name:
        return None
    value = os.environ.get(name)
    if not value:
        raise DeliveryError(f"{what}: environment variable {name} is not set")
    return value


def send_outbox(channel: Any, payload: dict[str, Any], root: Path, timeout: float) -> None:
    """One JSON file per notification, named by its id (rewriting it is harmless)."""
    folder = Path(channel.path)
    if not folder.is_absolute():
        folder = root / folder
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{payload['id']}.json"
    tmp = folder / f".{payload['id']}.{os.getpid()}.tmp"
    with open(tmp, "wb") as fh:
        fh.write(body_json(payload) + b"\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)


def send_smtp(channel: Any, payload: dict[str, Any], root: Path, timeout: float) -> None:
    """One mail to every recipient with an address; Message-ID is the notification id."""
    import smtplib
    import ssl
    from email.message import EmailMessage
    from email.utils import formataddr

    to = [formataddr((r.get("name") or "", r["email"])) for r in payload["recipients"]
          if r.get("email")]
    if not to:
        raise DeliveryError("no recipient has an e-mail address")
    sender = channel.sender or payload.get("desk_email") or "itsmctl@localhost"
    msg = EmailMessage()
    msg["Subject"] = payload["subject"]
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    domain = sender.rsplit("@", 1)[-1].strip(" >") or "itsmctl"
    msg["Message-ID"] = f"<{payload['id']}@{domain}>"
    msg["X-Itsmctl-Notification"] = payload["id"]
    msg["X-Itsmctl-Ticket"] = payload["ticket"]
    msg.set_content(payload["body"])
    password = _secret(channel.password_env, "smtp password")
    port = channel.port or (465 if channel.ssl else 25)
    context = ssl.create_default_context()
    if channel.ssl:
        server: Any = smtplib.SMTP_SSL(channel.host, port, timeout=timeout, context=context)
    else:
        server = smtplib.SMTP(channel.host, port, timeout=timeout)
    with server:
        if channel.starttls:
            server.starttls(context=context)
        if channel.user:
            server.login(channel.user, password or "")
        server.send_message(msg)


def send_webhook(channel: Any, payload: dict[str, Any], root: Path, timeout: float) -> None:
    """POST the payload as JSON; 2xx is success; the id doubles as Idempotency-Key."""
    import urllib.error
    import urllib.request
    from urllib.parse import urlsplit

    headers = {"Content-Type": "application/json; charset=utf-8",
               "User-Agent": "itsmctl", "Idempotency-Key": payload["id"]}
    token = _secret(channel.token_env, "webhook token")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(channel.url, data=body_json(payload), headers=headers,
                                 method="POST")
    handlers = []
    if urlsplit(channel.url).hostname in ("127.0.0.1", "localhost", "::1"):
        handlers.append(urllib.request.ProxyHandler({}))     # loopback never via a proxy
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(req, timeout=timeout) as resp:
            status = resp.status
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code} {exc.reason}") from None
    if not 200 <= status < 300:
        raise DeliveryError(f"HTTP {status}")


def send_command(channel: Any, payload: dict[str, Any], root: Path, timeout: float) -> None:
    """Run the program with the payload as JSON on stdin; exit 0 is success."""
    import subprocess

    env = dict(os.environ, ITSMCTL_NOTIFICATION_ID=payload["id"],
               ITSMCTL_TICKET=payload["ticket"])
    try:
        proc = subprocess.run(list(channel.argv), input=body_json(payload), cwd=root, env=env,
                              capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise DeliveryError(f"{channel.argv[0]} did not finish within {timeout:g}s") from None
    if proc.returncode != 0:
        lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DeliveryError(f"{channel.argv[0]} exited {proc.returncode}"
                            + (f": {lines[-1]}" if lines else ""))
