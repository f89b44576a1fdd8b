"""Chat robots for Chinese desks (N4): DingTalk, WeCom (企业微信) and Feishu (飞书) group
robots, and a templated JSON body for any other webhook (Slack, Teams, Mattermost).

Each robot takes its own message format and answers 200 with an error code in JSON, so
the answer is read, not just the status. Signing follows each vendor's documentation:

- DingTalk 加签: sign = base64(HMAC-SHA256(key=secret, msg=f"{ms}\\n{secret}")), sent URL-
  encoded as `&timestamp=<ms>&sign=<sign>`; the answer is `{"errcode": 0, ...}`.
- Feishu 签名校验: sign = base64(HMAC-SHA256(key=f"{s}\\n{secret}", msg=b"")), sent in the
  body as `timestamp` (seconds, a string) and `sign`; the answer is `{"code": 0, ...}`.
- WeCom: no signature; the robot's key is part of its URL (a secret: url_env); the answer
  is `{"errcode": 0, ...}`; markdown content is at most 4096 bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from string import Template
from typing import Any, Optional
from urllib.parse import quote_plus

WECOM_LIMIT = 4096
DINGTALK_LIMIT = 18000


def dingtalk_sign(secret: str, ms: int) -> str:
    """DingTalk's signature, URL-encoded as it goes into the query string."""
    digest = hmac.new(secret.encode(), f"{ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def feishu_sign(secret: str, seconds: int) -> str:
    """Feishu's signature: the timestamp and secret are the HMAC key, the message empty."""
    key = f"{seconds}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def _clip(text: str, limit: int) -> str:
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[:limit - 3].decode("utf-8", "ignore") + "…"


def _lines(payload: dict[str, Any]) -> list[str]:
    return [line for line in str(payload.get("body") or "").splitlines() if line.strip()]


def dingtalk_body(payload: dict[str, Any]) -> dict[str, Any]:
    title = str(payload.get("subject") or payload.get("ticket"))
    text = f"#### {title}\n\n" + "\n\n".join(_lines(payload))
    return {"msgtype": "markdown",
            "markdown": {"title": title[:64], "text": _clip(text, DINGTALK_LIMIT)}}


def wecom_body(payload: dict[str, Any]) -> dict[str, Any]:
    colour = "warning" if payload.get("major") else "info"
    head = f"**<font color=\"{colour}\">{payload.get('subject') or payload.get('ticket')}</font>**"
    text = head + "\n" + "\n".join(f"> {line}" for line in _lines(payload))
    return {"msgtype": "markdown", "markdown": {"content": _clip(text, WECOM_LIMIT)}}


def feishu_body(payload: dict[str, Any], secret: Optional[str], seconds: int) -> dict[str, Any]:
    card = {
        "config": {"wide_screen_mode": True},
        "header": {"template": "red" if payload.get("major") else "blue",
                   "title": {"tag": "plain_text",
                             "content": str(payload.get("subject") or payload.get("ticket"))}},
        "elements": [{"tag": "div", "text": {"tag": "lark_md",
                                             "content": "\n".join(_lines(payload))}}],
    }
    body: dict[str, Any] = {"msg_type": "interactive", "card": card}
    if secret:
        body = {"timestamp": str(seconds), "sign": feishu_sign(secret, seconds), **body}
    return body


def accepted(kind: str, answer: bytes) -> Optional[str]:
    """None when the robot took the message, else its error in one line."""
    try:
        doc = json.loads(answer.decode("utf-8", "replace") or "{}")
    except ValueError:
        return f"{kind} answered something that is not JSON"
    if not isinstance(doc, dict):
        return f"{kind} answered something that is not a JSON object"
    code = doc.get("code", doc.get("StatusCode")) if kind == "feishu" else doc.get("errcode")
    if code in (0, "0"):
        return None
    message = doc.get("msg") or doc.get("errmsg") or doc.get("StatusMessage") or ""
    return f"{kind} refused it: {code} {str(message)[:200]}".strip()


def templated(template: str, payload: dict[str, Any]) -> bytes:
    """A webhook body from a JSON template; every value is JSON-escaped before it goes in,
    so text from users cannot break out of its string."""
    values = {k: json.dumps(v if isinstance(v, str) else json.dumps(v),
                            ensure_ascii=False)[1:-1]
              for k, v in payload.items() if not isinstance(v, (dict, list))}
    text = Template(template).safe_substitute(values)
    try:
        json.loads(text)
    except ValueError as exc:
        raise ValueError(f"the body template does not give JSON: {exc}") from None
    return text.encode()
