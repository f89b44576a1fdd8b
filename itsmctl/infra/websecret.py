"""Secrets of the web service, kept out of the desk repository (I8).

- The service key derives each ticket's reporter link (an HMAC of the ticket id, so no
  token is stored anywhere and none can be guessed) and the forms' CSRF tokens. It
  comes from the environment (ITSMCTL_WEB_SECRET); without it a random key is made
  once and kept in .git/itsmctl/web-secret (mode 0600): inside the clone's git
  directory, never in a commit, so it is not pushed.
- Staff passwords are checked against hashes from the environment: scrypt (made by
  `itsmctl serve --hash-password`) or Django's pbkdf2_sha256, never plain text.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Optional

KEY_FILE = "web-secret"
MIN_KEY = 16                    # bytes of a key given in the environment
_SCRYPT = (2 ** 14, 8, 1)       # n, r, p: 16 MiB and some 50 ms per check


def service_key(root: Path, given: Optional[str]) -> tuple[bytes, str]:
    """(key, where it came from): the given secret, else the clone's own key file."""
    if given:
        key = given.encode()
        if len(key) < MIN_KEY:
            from itsmctl.errors import UsageError

            raise UsageError(f"ITSMCTL_WEB_SECRET is shorter than {MIN_KEY} characters; "
                             "use e.g. the output of: openssl rand -hex 32", rule="U1")
        return key, "ITSMCTL_WEB_SECRET"
    path = root / ".git" / "itsmctl" / KEY_FILE
    try:
        data = path.read_bytes().strip()
        if len(data) >= MIN_KEY:
            return data, str(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    data = secrets.token_hex(32).encode()
    tmp = path.with_name(f".{KEY_FILE}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data + b"\n")
    os.replace(tmp, path)
    return data, str(path)


def token(key: bytes, purpose: str, value: str, length: int = 32) -> str:
    """An unguessable token for (purpose, value): URL-safe, `length` characters."""
    mac = hmac.new(key, purpose.encode() + b"\0" + value.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")[:length]


def token_ok(key: bytes, purpose: str, value: str, given: Optional[str],
             length: int = 32) -> bool:
    if not given or len(given) != length:
        return False
    return hmac.compare_digest(token(key, purpose, value, length), given)


def hash_password(password: str, salt: Optional[bytes] = None) -> str:
    """scrypt$n$r$p$salt$hash (base64) of a password."""
    n, r, p = _SCRYPT
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=32)
    return "$".join(["scrypt", str(n), str(r), str(p), _b64(salt), _b64(digest)])


def verify_password(password: str, encoded: str) -> bool:
    """Whether the password matches a scrypt$… or pbkdf2_sha256$… hash."""
    parts = encoded.split("$")
    try:
        if parts[0] == "scrypt" and len(parts) == 6:
            n, r, p = (int(x) for x in parts[1:4])
            salt, want = _unb64(parts[4]), _unb64(parts[5])
            got = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p,
                                 dklen=len(want), maxmem=256 * 1024 * 1024)
        elif parts[0] == "pbkdf2_sha256" and len(parts) == 4:
            want = base64.b64decode(parts[3])
            got = hashlib.pbkdf2_hmac("sha256", password.encode(), parts[2].encode(),
                                      int(parts[1]), dklen=len(want))
        else:
            return False
    except (ValueError, TypeError, MemoryError):
        return False
    return hmac.compare_digest(got, want)


def parse_passwords(text: str) -> dict[str, str]:
    """`person:hash` entries separated by white space or commas (an env value or file)."""
    out = {}
    for entry in text.replace(",", " ").split():
        name, sep, encoded = entry.partition(":")
        if sep and name and encoded:
            out[name] = encoded
    return out


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))
