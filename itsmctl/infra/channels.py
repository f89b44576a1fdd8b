"""The ways a notification leaves the desk (N3): file outbox, SMTP, webhook, command, and
the chat robots of Chinese desks (N4, infra/robots.py).

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


Outcomes = Optional[dict[str, str]]       # per recipient token, for channels that know


def send(channel: Any, payload: dict[str, Any], root: Path, timeout: float) -> Outcomes:
    """Deliver one notification payload through one configured channel.

    Returns per-recipient outcomes where the channel knows them (SMTP: `sent`, `refused:
    550 ...` for good, `failed: 451 ...` to retry), else None; raises DeliveryError when
    nothing was delivered."""
    sender = {"outbox": send_outbox, "smtp": send_smtp, "webhook": send_webhook,
              "command": send_command, "dingtalk": send_robot, "wecom": send_robot,
              "feishu": send_robot}[channel.type]
    try:
        return sender(channel, payload, root, timeout)  # type: ignore[no-any-return]
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


def send_outbox(channel: Any, payload: dict[str, Any], root: Path,
                timeout: float) -> Outcomes:
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
    return None


def send_smtp(channel: Any, payload: dict[str, Any], root: Path, timeout: float) -> Outcomes:
    """One mail to the payload's recipients, with the headers the notice recorded (E5);
    the server's answer for each recipient comes back (never "sent" for a refused one)."""
    import smtplib
    import ssl

    addressed = [r for r in payload["recipients"] if r.get("email")]
    if not addressed:
        raise DeliveryError("no recipient has an e-mail address")
    msg = mail_message(channel, payload, addressed)
    password = _secret(channel.password_env, "smtp password")
    port = channel.port or (465 if channel.ssl else 25)
    context = ssl.create_default_context()
    if channel.ssl:
        server: Any = smtplib.SMTP_SSL(channel.host, port, timeout=timeout, context=context)
    else:
        server = smtplib.SMTP(channel.host, port, timeout=timeout)
    by_address = {r["email"].lower(): r["id"] for r in addressed}
    with server:
        if channel.starttls:
            server.starttls(context=context)
        if channel.user:
            server.login(channel.user, password or "")
        try:
            refused = server.send_message(msg, to_addrs=[r["email"] for r in addressed])
        except smtplib.SMTPRecipientsRefused as exc:
            refused = exc.recipients
    outcomes = {r["id"]: "sent" for r in addressed}
    for addr, (code, text) in (refused or {}).items():
        said = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        word = "refused" if 500 <= int(code) < 600 else "failed"
        outcomes[by_address.get(addr.lower(), addr)] = f"{word}: {code} {said}"[:300]
    if not any(o == "sent" for o in outcomes.values()):
        raise Refused(outcomes)
    return outcomes


class Refused(DeliveryError):
    """No recipient was taken; each one's answer is in `outcomes`."""

    def __init__(self, outcomes: dict[str, str]) -> None:
        super().__init__("; ".join(f"{w}: {o}" for w, o in outcomes.items()))
        self.outcomes = outcomes


def mail_message(channel: Any, payload: dict[str, Any], addressed: list[dict[str, Any]]) -> Any:
    """The mail itself: the notice's recorded headers (E5), Date, our loop markers."""
    from email.message import EmailMessage
    from email.utils import formataddr

    headers = dict(payload.get("headers") or {})
    sender = channel.sender or payload.get("desk_email") or "itsmctl@localhost"
    msg = EmailMessage()
    msg["Subject"] = headers.pop("Subject", None) or payload["subject"]
    msg["From"] = sender
    headers.pop("To", None)
    msg["To"] = ", ".join(formataddr((r.get("name") or "", r["email"])) for r in addressed)
    domain = sender.rsplit("@", 1)[-1].strip(" >") or "itsmctl"
    msg["Message-ID"] = headers.pop("Message-ID", None) or f"<{payload['id']}@{domain}>"
    msg["Date"] = headers.pop("Date", None) or _date(payload)
    msg["Auto-Submitted"] = headers.pop("Auto-Submitted", None) or "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"          # no out-of-office answers, please
    for key in ("Reply-To", "In-Reply-To", "References"):
        if headers.get(key):
            msg[key] = headers[key]
    if payload.get("loop"):
        msg["X-Loop"] = payload["loop"]
    msg["X-Itsmctl-Notification"] = payload["id"]
    msg["X-Itsmctl-Ticket"] = payload["ticket"]
    msg.set_content(payload["body"])
    return msg


def _date(payload: dict[str, Any]) -> str:
    from datetime import datetime
    from email.utils import format_datetime

    when = payload.get("date")
    return format_datetime(datetime.fromisoformat(when)) if when else \
        format_datetime(datetime.now().astimezone())


def send_webhook(channel: Any, payload: dict[str, Any], root: Path,
                 timeout: float) -> Outcomes:
    """POST the payload as JSON (or the channel's body template); 2xx is success; the id
    doubles as Idempotency-Key."""
    headers = {"Content-Type": "application/json; charset=utf-8",
               "User-Agent": "itsmctl", "Idempotency-Key": payload["id"]}
    token = _secret(channel.token_env, "webhook token")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    url = _secret(channel.url_env, "webhook url") or channel.url
    if channel.template is not None:
        from itsmctl.infra.robots import templated

        try:
            data = templated(channel.template, flat(payload))
        except ValueError as exc:
            raise DeliveryError(str(exc)) from None
    else:
        data = body_json(payload)
    post(url, data, headers, timeout)
    return None


def flat(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload's own values and its event's facts, for body templates."""
    facts = payload.get("facts") or {}
    return {**{k: v for k, v in facts.items()}, **payload}


def post(url: str, data: bytes, headers: dict[str, str], timeout: float) -> bytes:
    """POST; 2xx is success; the answer's body is returned (robots put errors there)."""
    import urllib.error
    import urllib.request
    from urllib.parse import urlsplit

    req = urllib.request.Request(url, data=data, headers=headers, method="POST")
    handlers = []
    if urlsplit(url).hostname in ("127.0.0.1", "localhost", "::1"):
        handlers.append(urllib.request.ProxyHandler({}))     # loopback never via a proxy
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(req, timeout=timeout) as resp:
            status = resp.status
            answer = resp.read(1 << 16)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code} {exc.reason}") from None
    if not 200 <= status < 300:
        raise DeliveryError(f"HTTP {status}")
    return bytes(answer)


def send_robot(channel: Any, payload: dict[str, Any], root: Path, timeout: float) -> Outcomes:
    """N4: a DingTalk, WeCom or Feishu group robot, in its own format, signed."""
    import time

    from itsmctl.infra import robots

    url = _secret(channel.url_env, f"{channel.type} robot url") or channel.url
    secret = _secret(channel.secret_env, f"{channel.type} signing secret")
    now = time.time()              # the robots check the signature's time: the real clock
    if channel.type == "dingtalk":
        body = robots.dingtalk_body(payload)
        if secret:
            ms = int(now * 1000)
            url += ("&" if "?" in url else "?") + \
                f"timestamp={ms}&sign={robots.dingtalk_sign(secret, ms)}"
    elif channel.type == "wecom":
        body = robots.wecom_body(payload)
    else:
        body = robots.feishu_body(payload, secret, int(now))
    data = json.dumps(body, ensure_ascii=False).encode()
    answer = post(url, data, {"Content-Type": "application/json; charset=utf-8",
                              "User-Agent": "itsmctl"}, timeout)
    error = robots.accepted(channel.type, answer)
    if error:
        raise DeliveryError(error)
    return None


# what a command channel's program gets of our environment (I8): enough to run, no secrets
BASE_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ")
OUTPUT_LOG = "channel-output.log"


def send_command(channel: Any, payload: dict[str, Any], root: Path,
                 timeout: float) -> Outcomes:
    """Run the program with the payload as JSON on stdin; exit 0 is success.

    It gets a minimal environment (BASE_ENV and the variables the channel names in
    `env`), and what it prints never reaches a commit: a failure is recorded as its exit
    status; its output goes to .git/itsmctl/channel-output.log on this machine only."""
    import subprocess

    env = {k: os.environ[k] for k in (*BASE_ENV, *channel.env) if k in os.environ}
    env.setdefault("PATH", os.defpath)
    env.update(ITSMCTL_NOTIFICATION_ID=payload["id"], ITSMCTL_TICKET=payload["ticket"])
    try:
        proc = subprocess.run(list(channel.argv), input=body_json(payload), cwd=root, env=env,
                              capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise DeliveryError(f"{Path(channel.argv[0]).name} did not finish within "
                            f"{timeout:g}s") from None
    if proc.returncode != 0:
        kept = _keep_output(root, payload["id"], proc.stdout + proc.stderr)
        raise DeliveryError(f"{Path(channel.argv[0]).name} exited {proc.returncode}"
                            + (f" (its output: .git/itsmctl/{OUTPUT_LOG})" if kept else ""))
    return None


def _keep_output(root: Path, nid: str, output: bytes) -> bool:
    """A failed program's output, kept locally (never committed) for whoever debugs it."""
    if not output.strip():
        return False
    try:
        folder = root / ".git" / "itsmctl"
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / OUTPUT_LOG, "ab") as fh:
            fh.write(f"--- {nid}\n".encode() + output[-4096:].rstrip() + b"\n")
        return True
    except OSError:
        return False
