"""I8: secrets never enter the desk repository. Find config values that look like one.

SMTP passwords, webhook tokens, chat robot URLs with their access tokens and signing
secrets belong in the environment (`*_env` keys) or a file outside the repository; a
reviewed, cloned, pushed config file is no place for them. Pure: a parsed document in,
(key path, reason) out. Public keys (teams.yaml `keys`) are not secrets.
"""

from __future__ import annotations

import re
from typing import Any, Iterator
from urllib.parse import parse_qsl, urlsplit

_SECRET_NAME = re.compile(r"(^|_)(password|passwd|secret|token|api_?key|private_?key|"
                          r"credentials?|access_?key)$", re.I)
_SAFE_SUFFIX = ("_env", "_file", "_path")
_QUERY = re.compile(r"^(access_?token|token|key|secret|sign(ature)?|password|passwd|"
                    r"api_?key|auth)$", re.I)
_PATH_TOKENS = (
    (re.compile(r"hooks\.slack\.com/services/[^/]+/[^/]+/\w+"), "a Slack webhook token"),
    (re.compile(r"/open-apis/bot/v2/hook/[\w-]{8,}"), "a Feishu/Lark robot token"),
    (re.compile(r"discord(app)?\.com/api/webhooks/\d+/[\w-]+"), "a Discord webhook token"),
    (re.compile(r"office\.com/webhook[^\s]*/IncomingWebhook/\w+"), "a Teams webhook token"),
)
_TOKENS = (
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), "a private key"),
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}"), "a GitHub token"),
    (re.compile(r"\bgithub_pat_\w{20,}"), "a GitHub token"),
    (re.compile(r"\bglpat-[\w-]{20,}"), "a GitLab token"),
    (re.compile(r"\bxox[abprs]-[\w-]{10,}"), "a Slack token"),
    (re.compile(r"\bAKIA[0-9A-Z]{16}\b"), "an AWS access key"),
    (re.compile(r"\bsk_live_\w{16,}"), "an API secret key"),
    (re.compile(r"\bSEC[0-9a-f]{60,}\b"), "a DingTalk signing secret"),
    (re.compile(r"\beyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}"), "a JSON web token"),
    (re.compile(r"(?i)\bbearer\s+[\w.~+/-]{16,}"), "a bearer token"),
    (re.compile(r"(?i)^--?(password|passwd|token|secret|api-?key)=\S+"),
     "a secret on a command line"),
)


def scan(doc: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    """(key path, why) for every value of a config document that looks like a secret."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            name = str(key)
            if path and path[-1] == "keys" or name == "sweep_keys":
                continue                         # teams.yaml: public keys
            if _SECRET_NAME.search(name) and not name.endswith(_SAFE_SUFFIX) \
                    and isinstance(value, (str, int)) and str(value).strip():
                yield (*path, key), f"a value under {name!r}"
                continue
            yield from scan(value, (*path, key))
    elif isinstance(doc, list):
        if path and path[-1] == "keys":
            return
        for i, value in enumerate(doc):
            yield from scan(value, (*path, i))
    elif isinstance(doc, str):
        why = secret_in(doc)
        if why:
            yield path, why


def secret_in(text: str) -> str:
    """Why text looks like a secret, or ''."""
    for pattern, why in _TOKENS:
        if pattern.search(text):
            return why
    if "://" in text:
        try:
            url = urlsplit(text.strip())
        except ValueError:
            return ""
        if url.password:
            return "a password in the URL"
        for name, value in parse_qsl(url.query):
            if _QUERY.match(name) and value:
                return f"a token in the URL (?{name}=)"
        for pattern, why in _PATH_TOKENS:
            if pattern.search(text):
                return why
    return ""
