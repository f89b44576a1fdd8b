"""Signing keys outside the repository, and commit signatures read back (I4, I5, I8).

Which key signs a command's commit: `ITSMCTL_SIGNING_KEY_<ACCOUNT>` for a machine
account (the sweep, the monitoring account, the web service, the mail gateway: keys
kept on the machine that runs them), else `ITSMCTL_SIGNING_KEY`, else git's own
`user.signingkey` with `gpg.format`. The commit is then signed by git itself
(infra/git.py commit_tree); here we only learn whose key it is before signing.

Reading signatures back: SSH signatures (git's `gpgsig` header, the SSHSIG format of
`ssh-keygen -Y sign -n git`) are checked in this process with `cryptography` when it is
installed, which makes `audit` of a pull request one process instead of two ssh-keygen
runs per commit; what cannot be checked here (no `cryptography`, security-key types,
OpenPGP) is left to git's own `git log %G?` (infra/git.py signatures).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from itsmctl.core.keys import blob_fingerprint, fingerprint
from itsmctl.core.trust import Signature
from itsmctl.errors import NotPermitted
from itsmctl.infra import git

ENV = "ITSMCTL_SIGNING_KEY"
_KEYID = re.compile(r"^(?:0x)?[0-9A-Fa-f]{8,40}$")


@dataclass(frozen=True)
class Key:
    """The key a command signs with, and whose it is as far as can be told beforehand."""

    sign: git.SignWith
    fingerprint: Optional[str]          # None: an OpenPGP key gpg could not describe
    source: str                         # where it was configured, for messages
    public: Optional[str] = None        # the line teams.yaml lists (SSH key, OpenPGP fpr)


def env_name(account: str) -> str:
    return f"{ENV}_{re.sub(r'[^A-Za-z0-9]', '_', account).upper()}"


def signing_key(root: Path, account: Optional[str] = None) -> Optional[Key]:
    """The configured signing key: the account's variable, the generic one, git's config."""
    names = ([env_name(account)] if account else []) + [ENV]
    for name in names:
        value = os.environ.get(name, "").strip()
        if value:
            fmt = "openpgp" if _KEYID.match(value) and not Path(value).exists() else "ssh"
            if fmt == "ssh" and not value.startswith("key::"):
                value = str(Path(value).expanduser().absolute())    # git runs in the desk
            return _key(root, git.SignWith(fmt, value), name)
    cfg = git.signing_config(root)
    value = cfg.get("user.signingkey", "").strip()
    if not value:
        return None
    return _key(root, git.SignWith(cfg.get("gpg.format", "openpgp"), value,
                                   cfg.get("gpg.ssh.program", "")),
                "git config user.signingkey")


def _key(root: Path, sign: git.SignWith, source: str) -> Key:
    if sign.format == "ssh":
        line = _ssh_public(root, sign.key, source)
        return Key(sign, _checked(line, source), source, line)
    fp = _openpgp_fingerprint(sign.key)
    return Key(sign, fp, source, fp)


def public_line(text: str) -> str:
    """'type base64' of an SSH public key line, its comment dropped."""
    return " ".join(text.strip().split()[:2])


def _ssh_public(root: Path, value: str, source: str) -> str:
    if value.startswith("key::"):
        return public_line(value[5:])
    path = Path(value).expanduser()
    resolved = path.resolve()
    if resolved == root.resolve() or root.resolve() in resolved.parents:
        raise NotPermitted(f"the signing key {path} ({source}) lies inside the desk "
                           "repository; keep private keys outside it (I8)", rule="I8")
    public = path if path.suffix == ".pub" else path.with_name(path.name + ".pub")
    try:
        if public.is_file():
            return public_line(public.read_text(encoding="utf-8").splitlines()[0])
        if not path.is_file():
            raise NotPermitted(f"signing key {path} not found (from {source}) (I4)", rule="I4")
        proc = subprocess.run(["ssh-keygen", "-y", "-P", "", "-f", str(path)],
                              capture_output=True, timeout=20, stdin=subprocess.DEVNULL)
    except (OSError, IndexError, subprocess.TimeoutExpired) as exc:
        raise NotPermitted(f"cannot read the signing key {path} ({source}): {exc} (I4)",
                           rule="I4") from None
    if proc.returncode != 0:
        raise NotPermitted(f"cannot read the public half of {path} ({source}); put it beside "
                           f"the key as {path.name}.pub (I4)", rule="I4")
    return public_line(proc.stdout.decode())


def _checked(line: str, source: str) -> str:
    try:
        return fingerprint(line)
    except ValueError as exc:
        raise NotPermitted(f"signing key from {source}: {exc} (I4)", rule="I4") from None


def _openpgp_fingerprint(keyid: str) -> Optional[str]:
    """The fingerprint gpg knows for a key id; None when gpg cannot say."""
    try:
        proc = subprocess.run(["gpg", "--batch", "--with-colons", "--fingerprint", keyid],
                              capture_output=True, timeout=20, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith("fpr:"):
            return line.split(":")[9].upper()
    return None


# ---------------------------------------------------------------- reading signatures
def split_signed(raw: bytes) -> tuple[bytes, Optional[bytes]]:
    """A raw commit object as (what was signed, the armored signature or None), the way
    git separates them: the gpgsig header and its continuation lines removed."""
    header, sep, body = raw.partition(b"\n\n")
    kept, sig, inside = [], [], False
    for line in header.split(b"\n"):
        if line.startswith(b"gpgsig ") or line.startswith(b"gpgsig-sha256 "):
            inside = True
            sig.append(line.split(b" ", 1)[1])
        elif inside and line.startswith(b" "):
            sig.append(line[1:])
        else:
            inside = False
            kept.append(line)
    return b"\n".join(kept) + sep + body, (b"\n".join(sig) + b"\n" if sig else None)


def verify_ssh(payload: bytes, armored: bytes) -> Optional[Signature]:
    """An SSH signature over payload in git's namespace, checked here; None when it
    cannot be (not SSH, a security-key type, no `cryptography`): then git decides."""
    text = armored.decode("ascii", "replace")
    if "BEGIN SSH SIGNATURE" not in text:
        return None
    try:
        from cryptography.exceptions import InvalidSignature
    except ImportError:
        return None
    try:
        body = "".join(line for line in text.splitlines() if not line.startswith("-----"))
        sig = base64.b64decode(body, validate=True)
        if sig[:6] != b"SSHSIG" or struct.unpack(">I", sig[6:10])[0] != 1:
            return Signature("bad", None, "not an SSHSIG signature")
        public, pos = _string(sig, 10)
        namespace, pos = _string(sig, pos)
        reserved, pos = _string(sig, pos)
        algorithm, pos = _string(sig, pos)
        blob, _ = _string(sig, pos)
    except (binascii.Error, ValueError, struct.error):
        return Signature("bad", None, "the signature is damaged")
    key = blob_fingerprint(public)
    if namespace != b"git":
        return Signature("bad", key, f"signed for namespace {namespace.decode()!r}, not git")
    if algorithm not in (b"sha256", b"sha512"):
        return Signature("bad", key, "unknown hash algorithm")
    digest = hashlib.new(algorithm.decode(), payload).digest()
    signed = (b"SSHSIG" + _pack(namespace) + _pack(reserved) + _pack(algorithm)
              + _pack(digest))
    try:
        good = _check(public, blob, signed)
    except InvalidSignature:
        return Signature("bad", key, "the signature does not match the commit")
    except (ValueError, struct.error, TypeError):
        return Signature("bad", key, "the signature is damaged")
    return None if good is None else Signature("good", key)


def _check(public: bytes, blob: bytes, signed: bytes) -> Optional[bool]:
    """True when good (InvalidSignature when not); None for a type left to git."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    kind, pos = _string(public, 0)
    sigkind, at = _string(blob, 0)
    raw, _ = _string(blob, at)
    if kind == b"ssh-ed25519" and sigkind == kind:
        data, _ = _string(public, pos)
        ed25519.Ed25519PublicKey.from_public_bytes(data).verify(raw, signed)
        return True
    if kind == b"ssh-rsa" and sigkind in (b"rsa-sha2-256", b"rsa-sha2-512"):
        e, pos = _string(public, pos)
        n, _ = _string(public, pos)
        key = rsa.RSAPublicNumbers(_int(e), _int(n)).public_key()
        digest: hashes.HashAlgorithm = hashes.SHA512() if sigkind == b"rsa-sha2-512" \
            else hashes.SHA256()
        key.verify(raw, signed, padding.PKCS1v15(), digest)
        return True
    curves: dict[bytes, tuple[ec.EllipticCurve, hashes.HashAlgorithm]] = {
        b"ecdsa-sha2-nistp256": (ec.SECP256R1(), hashes.SHA256()),
        b"ecdsa-sha2-nistp384": (ec.SECP384R1(), hashes.SHA384()),
        b"ecdsa-sha2-nistp521": (ec.SECP521R1(), hashes.SHA512())}
    if kind in curves and sigkind == kind:
        curve, digest = curves[kind]
        _, pos = _string(public, pos)
        point, _ = _string(public, pos)
        r, at = _string(raw, 0)
        s, _ = _string(raw, at)
        key_ec = ec.EllipticCurvePublicKey.from_encoded_point(curve, point)
        key_ec.verify(encode_dss_signature(_int(r), _int(s)), signed, ec.ECDSA(digest))
        return True
    if kind.startswith(b"sk-"):
        return None
    raise ValueError("signature type does not match the key")


def _string(buf: bytes, pos: int) -> tuple[bytes, int]:
    (size,) = struct.unpack(">I", buf[pos:pos + 4])
    end = pos + 4 + size
    if end > len(buf):
        raise ValueError("truncated")
    return buf[pos + 4:end], end


def _pack(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _int(mpint: bytes) -> int:
    return int.from_bytes(mpint, "big", signed=True)


def allowed_signers(entries: dict[str, set[str]]) -> str:
    """git's gpg.ssh.allowedSignersFile for these owners' SSH key lines."""
    lines = []
    for owner, keys in sorted(entries.items()):
        for key in sorted(keys):
            if not key.strip().startswith(("ssh-", "ecdsa-", "sk-")):
                continue
            kind, data = key.split()[:2]
            lines.append(f'{owner} namespaces="git" {kind} {data}')
    return "\n".join(lines) + "\n"


def read_signatures(root: Path, raws: dict[str, bytes], shas: list[str],
                    known: dict[str, set[str]]) -> dict[str, Signature]:
    """The signature of each commit: checked here where possible (SSH), the rest by
    `git log %G?` at once with an allowed-signers file of the `known` owners' keys.
    ITSMCTL_VERIFY=git leaves every signature to git."""
    out: dict[str, Signature] = {}
    pending = []
    by_git = os.environ.get("ITSMCTL_VERIFY") == "git"
    for sha in shas:
        raw = raws.get(sha)
        if raw is None:
            out[sha] = Signature("none", None, "commit object missing")
            continue
        payload, armored = split_signed(raw)
        if armored is None:
            out[sha] = Signature("none")
            continue
        got = None if by_git else verify_ssh(payload, armored)
        if got is None:
            pending.append(sha)
        else:
            out[sha] = got
    if pending:
        import tempfile

        with tempfile.NamedTemporaryFile("w", suffix=".allowed_signers",
                                         encoding="utf-8") as fh:
            fh.write(allowed_signers(known))
            fh.flush()
            verdicts = git.signatures(root, pending, Path(fh.name))
        for sha in pending:
            status, key, primary = verdicts.get(sha, ("E", "", ""))
            out[sha] = _from_git(status, primary or key)
    return out


def _from_git(status: str, key: str) -> Signature:
    """git's %G? letter as a Signature: G/U good (U: a key git has no trust in, which
    teams.yaml decides here), X/Y good but expired, B/R bad, E cannot check, N none."""
    if status in ("G", "U", "X", "Y"):
        return Signature("good", key.upper() if key and not key.startswith("SHA256:")
                         else key)
    if status in ("B", "R"):
        return Signature("bad", key or None, "git: bad signature" if status == "B"
                         else "git: the key is revoked")
    if status == "N":
        return Signature("none")
    return Signature("unknown", key or None, "git cannot check it: the OpenPGP key is "
                     "missing from this keyring?")
