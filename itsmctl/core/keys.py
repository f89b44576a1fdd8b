"""Signing keys as teams.yaml lists them (I4): SSH public keys and OpenPGP fingerprints.

A key is known by its fingerprint, the way `ssh-keygen -l` and git's `%GK` print it
("SHA256:" and the unpadded base64 of the SHA-256 of the key blob) or, for OpenPGP, the
40 hex digits of the key. Pure: text in, fingerprints out.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct

SSH_TYPES = frozenset({
    "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
})
_OPENPGP = re.compile(r"^(?:openpgp:)?\s*((?:[0-9A-Fa-f]{4}\s*){10})$")
# the machine accounts whose commits name someone else: the front end -> its account
VIA_ACCOUNTS = {"web": "web", "mail": "mailgate"}


def ssh_blob(line: str) -> bytes:
    """The key blob of an SSH public key line ('ssh-ed25519 AAAA… comment')."""
    parts = line.strip().split()
    if len(parts) < 2 or parts[0] not in SSH_TYPES:
        raise ValueError(f"not an SSH public key ({', '.join(sorted(SSH_TYPES))}) nor an "
                         f"OpenPGP fingerprint: {_short(line)}")
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"the key's base64 is damaged: {_short(line)}") from None
    if len(blob) < 4:
        raise ValueError(f"the key is truncated: {_short(line)}")
    (size,) = struct.unpack(">I", blob[:4])
    if blob[4:4 + size].decode("ascii", "replace") != parts[0]:
        raise ValueError(f"the key's type does not match its data: {_short(line)}")
    return blob


def blob_fingerprint(blob: bytes) -> str:
    """'SHA256:…' as ssh-keygen -l and git's %GK print it."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def fingerprint(entry: str) -> str:
    """The fingerprint of a teams.yaml key entry: an SSH public key line, or an OpenPGP
    fingerprint (40 hex digits, spaces allowed, 'openpgp:' prefix optional)."""
    m = _OPENPGP.match(entry.strip())
    if m:
        return re.sub(r"\s+", "", m.group(1)).upper()
    return blob_fingerprint(ssh_blob(entry))


def is_openpgp(fp: str) -> bool:
    return not fp.startswith("SHA256:")


def _short(text: str) -> str:
    text = text.strip()
    return repr(text if len(text) <= 40 else text[:37] + "...")
