"""Who is asking, and may they: staff sign-in (trusted proxy header or HTTP basic auth
against password hashes), hook credentials, CSRF tokens on forms, rate limits."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Callable, Optional

if TYPE_CHECKING:
    from starlette.requests import Request

    from itsmctl.ui.web.config import WebConfig

CSRF_COOKIE = "itsmctl_csrf"
CSRF_FIELD = "csrf"
SIGNED_IN_FOR = 300.0           # seconds a checked password is remembered (scrypt is slow)
Find = Callable[[str], Optional[str]]       # a name or e-mail -> the person of teams.yaml


class Denied(Exception):
    """A request refused: HTTP status and one line for the person asking."""

    def __init__(self, status: int, text: str, challenge: Optional[str] = None) -> None:
        super().__init__(text)
        self.status, self.text, self.challenge = status, text, challenge


class RateLimit:
    """At most `count` events per `window` seconds per key (a client address)."""

    def __init__(self, count: int, window: float) -> None:
        self.count, self.window = count, window
        self.seen: dict[str, deque[float]] = {}
        self.lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self.seen.setdefault(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(self.seen) > 10000:          # forget idle addresses
            for k in [k for k, v in self.seen.items() if not v and k != key]:
                del self.seen[k]
        return times

    def full(self, key: str) -> bool:
        with self.lock:
            return len(self._recent(key, time.monotonic())) >= self.count

    def hit(self, key: str) -> bool:
        """Count one event; False when the key is over its limit (the event is refused)."""
        with self.lock:
            now = time.monotonic()
            times = self._recent(key, now)
            if len(times) >= self.count:
                return False
            times.append(now)
            return True


def client(request: "Request", cfg: "WebConfig") -> str:
    """The client's address: the peer, or what a trusted proxy says it forwarded."""
    peer = request.client.host if request.client else ""
    if cfg.trusted(peer):
        forwarded = request.headers.get("x-forwarded-for", "")
        last = forwarded.split(",")[-1].strip()
        if last:
            return last
    return peer or "-"


def https(request: "Request", cfg: "WebConfig") -> bool:
    """Whether the browser reached us over TLS (directly, or as a trusted proxy says)."""
    if request.url.scheme == "https":
        return True
    peer = request.client.host if request.client else ""
    return cfg.trusted(peer) and request.headers.get("x-forwarded-proto") == "https"


def _basic(header: str) -> Optional[tuple[str, str]]:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        user, sep, password = base64.b64decode(value.strip(), validate=True).decode(
            "utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


class StaffAuth:
    """U2: a person of teams.yaml, named by a trusted proxy's header or by basic auth."""

    def __init__(self, cfg: "WebConfig") -> None:
        self.cfg = cfg
        self.failures = RateLimit(cfg.auth_failures, cfg.auth_window)
        self.remembered: dict[bytes, tuple[str, float]] = {}
        self.lock = threading.Lock()

    def person(self, request: "Request", find: Find) -> str:
        """The person signed in, or Denied (401 asks the browser for a password)."""
        cfg = self.cfg
        peer = request.client.host if request.client else None
        if cfg.trusted_header and cfg.trusted(peer):
            name = request.headers.get(cfg.trusted_header)
            if name:
                found = find(name.strip())
                if found is None:
                    raise Denied(403, "the person the proxy names is not in config/teams.yaml")
                return found
        if not cfg.passwords:
            raise Denied(403, "staff sign-in is not configured (ITSMCTL_WEB_PASSWORDS or "
                              "--trusted-header)")
        challenge = 'Basic realm="itsmctl desk", charset="UTF-8"'
        where = client(request, cfg)
        given = _basic(request.headers.get("authorization", ""))
        if given is None:
            raise Denied(401, "sign in with your desk account", challenge)
        if self.failures.full(where):
            raise Denied(429, "too many failed sign-ins; try again later")
        memo = hmac.new(cfg.key, b"signin\0" + given[0].encode() + b"\0" + given[1].encode(),
                        hashlib.sha256).digest()
        now = time.monotonic()
        with self.lock:
            known = self.remembered.get(memo)
        if known is not None and known[1] > now:
            return known[0]
        person = self._check(given[0], given[1], find)
        if person is None:
            self.failures.hit(where)
            raise Denied(401, "wrong name or password", challenge)
        with self.lock:
            if len(self.remembered) > 1000:
                self.remembered.clear()
            self.remembered[memo] = (person, now + SIGNED_IN_FOR)
        return person

    def _check(self, user: str, password: str, find: Find) -> Optional[str]:
        from itsmctl.infra.websecret import verify_password

        person = find(user)
        encoded = self.cfg.passwords.get(user) or (self.cfg.passwords.get(person)
                                                   if person else None)
        if person is None or encoded is None:
            verify_password(password, _DUMMY)       # the same time for unknown names
            return None
        return person if verify_password(password, encoded) else None


_DUMMY = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"


def hook_allowed(request: "Request", cfg: "WebConfig") -> None:
    """U3: Bearer token or basic auth from the environment; hooks are off without them."""
    if not cfg.hooks_on:
        raise Denied(403, "hooks are off: set ITSMCTL_WEBHOOK_TOKEN or "
                          "ITSMCTL_WEBHOOK_USER and ITSMCTL_WEBHOOK_PASSWORD")
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if cfg.hook_token and scheme.lower() == "bearer" and hmac.compare_digest(
            value.strip().encode(), cfg.hook_token.encode()):
        return
    given = _basic(header)
    if cfg.hook_user and cfg.hook_password and given is not None and \
            hmac.compare_digest(given[0].encode(), cfg.hook_user.encode()) and \
            hmac.compare_digest(given[1].encode(), cfg.hook_password.encode()):
        return
    challenge = 'Basic realm="itsmctl hooks"' if cfg.hook_user else "Bearer"
    raise Denied(401, "missing or wrong credentials", challenge)


# ---------------------------------------------------------------- CSRF
def csrf_cookie(request: "Request") -> tuple[str, bool]:
    """(the browser's CSRF cookie, whether it is new and must be set)."""
    value = request.cookies.get(CSRF_COOKIE, "")
    if len(value) == 32 and value.isalnum():
        return value, False
    return secrets.token_hex(16), True


def csrf_token(key: bytes, cookie: str) -> str:
    from itsmctl.infra.websecret import token

    return token(key, "csrf", cookie)


def check_csrf(request: "Request", key: bytes, given: Optional[str]) -> None:
    """A form post must carry the token of the browser's own cookie, from our origin."""
    origin = request.headers.get("origin")
    if origin and origin != "null":
        host = request.headers.get("host", "")
        if origin.split("://", 1)[-1] != host:
            raise Denied(403, "a form from another site was refused (CSRF)")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    from itsmctl.infra.websecret import token_ok

    if not cookie or not token_ok(key, "csrf", cookie, given):
        raise Denied(403, "the form has expired; reload the page and send it again")

