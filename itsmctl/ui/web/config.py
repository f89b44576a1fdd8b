"""What `itsmctl serve` was told: options, and secrets from the environment (I8).

Environment variables (never config files in the repository):
  ITSMCTL_WEB_SECRET         key for reporters' ticket links and form tokens (else a key
                             kept in .git/itsmctl/web-secret)
  ITSMCTL_WEB_PASSWORDS      staff sign-in: `person:hash` entries (hashes from
                             `itsmctl serve --hash-password`), white space between them
  ITSMCTL_WEB_PASSWORDS_FILE the same entries, one a line, from a file
  ITSMCTL_WEBHOOK_TOKEN      hooks: `Authorization: Bearer <token>`
  ITSMCTL_WEBHOOK_USER / ITSMCTL_WEBHOOK_PASSWORD   hooks: HTTP basic auth
  ITSMCTL_SIGNING_KEY_WEB    a signed desk: the web account's private key (read by the
                             write path, app/trust.py; every commit of the service)
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional

from itsmctl.errors import UsageError

FORM_BYTES = 64 * 1024          # a form post (the reporter's text is at most 4,000 chars)
HOOK_BYTES = 10 << 20           # an alert payload; serve takes monitoring.yaml limits.payload


@dataclass
class WebConfig:
    """How `serve` runs: the desk, address, clock and secrets."""

    root: Path
    host: str = "127.0.0.1"
    port: int = 8080
    now: Optional[str] = None                       # --now: every request acts then
    key: bytes = b""
    key_source: str = ""
    passwords: dict[str, str] = field(default_factory=dict)
    trusted_header: Optional[str] = None
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    hook_token: Optional[str] = None
    hook_user: Optional[str] = None
    hook_password: Optional[str] = None
    form_limit: int = 10                            # reporter posts per address per window
    form_window: float = 600.0
    auth_failures: int = 10                         # failed sign-ins per address per window
    auth_window: float = 300.0
    form_bytes: int = FORM_BYTES
    hook_bytes: int = HOOK_BYTES
    refresh: int = 30                               # wallboard refresh, seconds
    hook_wait: float = 0.5                          # a hook waits for its commit, then 202

    @property
    def hooks_on(self) -> bool:
        return bool(self.hook_token or (self.hook_user and self.hook_password))

    @property
    def staff_on(self) -> bool:
        return bool(self.passwords or self.trusted_header)

    def trusted(self, peer: Optional[str]) -> bool:
        """Whether a request's peer is a proxy whose header we believe."""
        if not peer:
            return False
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        for entry in self.trusted_proxies:
            try:
                if address in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                continue
        return False


def parse_listen(text: str) -> tuple[str, int]:
    """HOST:PORT ([::1]:8080 for IPv6)."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not host or int(port) > 65535:
        raise UsageError(f"--listen {text!r} is not HOST:PORT (e.g. 127.0.0.1:8080)",
                         rule="U1")
    return host.strip("[]"), int(port)


def from_environment(root: Path, env: Mapping[str, str]) -> dict[str, object]:
    """The secrets this service reads from its environment, checked."""
    from itsmctl.infra.websecret import parse_passwords, service_key

    key, source = service_key(root, env.get("ITSMCTL_WEB_SECRET"))
    passwords = parse_passwords(env.get("ITSMCTL_WEB_PASSWORDS", ""))
    path = env.get("ITSMCTL_WEB_PASSWORDS_FILE")
    if path:
        try:
            passwords.update(parse_passwords(Path(path).read_text(encoding="utf-8")))
        except OSError as exc:
            raise UsageError(f"ITSMCTL_WEB_PASSWORDS_FILE {path}: {exc.strerror}",
                             rule="U2") from None
    user, password = env.get("ITSMCTL_WEBHOOK_USER"), env.get("ITSMCTL_WEBHOOK_PASSWORD")
    if bool(user) != bool(password):
        raise UsageError("ITSMCTL_WEBHOOK_USER and ITSMCTL_WEBHOOK_PASSWORD go together",
                         rule="U3")
    return {"key": key, "key_source": source, "passwords": passwords,
            "hook_token": env.get("ITSMCTL_WEBHOOK_TOKEN") or None,
            "hook_user": user or None, "hook_password": password or None}


def environment() -> Mapping[str, str]:
    return os.environ
