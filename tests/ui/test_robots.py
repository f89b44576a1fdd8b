"""Chat robots for Chinese desks (N4) and templated webhooks, against loopback servers
that check what the real services check: DingTalk's and Feishu's signatures (recomputed
from the secret, as the services do), WeCom's key in the URL, and their JSON answers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.server
import json
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from itsmctl.infra.robots import dingtalk_sign, feishu_sign, templated
from tests.helpers import dispatched, show
from tests.servers import webhook_sink
from tests.ui.test_notify import configure

SECRET = "SEC0123456789abcdef"


def test_N4_dingtalk_signature_matches_the_documented_algorithm() -> None:
    # DingTalk's documented example recomputed: HMAC-SHA256(secret, f"{ms}\n{secret}")
    assert dingtalk_sign("secret", 1700000000000) == \
        "OuzzJR5%2BxZ4%2FEYwqtNt6sMYZQMTa%2FHEGvc9miJe7XzY%3D"
    key = b"1700000000\nsecret"
    assert feishu_sign("secret", 1700000000) == \
        base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def test_N4_template_values_cannot_break_out_of_their_json_string() -> None:
    body = templated('{"text": "$subject", "major": $major}',
                     {"subject": 'quote " and \\ and\nnewline', "major": True})
    assert json.loads(body) == {"text": 'quote " and \\ and\nnewline', "major": True}


class Robots:
    """One loopback server speaking for DingTalk, WeCom and Feishu."""

    def __init__(self) -> None:
        self.got: list[tuple[str, dict[str, Any]]] = []
        self.url = ""


@contextmanager
def robots() -> Iterator[Robots]:
    box = Robots()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/robot/send":                        # DingTalk
                ms = int(query.get("timestamp", "0"))
                ok = query.get("access_token") == "dt-token" and \
                    abs(time.time() * 1000 - ms) < 3600_000 and \
                    dingtalk_sign(SECRET, ms) == self._raw_sign()
                answer = {"errcode": 0 if ok else 310000,
                          "errmsg": "ok" if ok else "sign not match"}
                box.got.append(("dingtalk", body))
            elif url.path == "/cgi-bin/webhook/send":             # WeCom
                ok = query.get("key") == "wecom-key"
                answer = {"errcode": 0 if ok else 93000, "errmsg": "ok" if ok else
                          "invalid webhook url"}
                box.got.append(("wecom", body))
            else:                                                  # Feishu
                ts = int(body.get("timestamp", "0"))
                ok = url.path == "/open-apis/bot/v2/hook/fs-token" and \
                    abs(time.time() - ts) < 3600 and body.get("sign") == feishu_sign(SECRET, ts)
                answer = {"code": 0 if ok else 19021, "msg": "success" if ok else
                          "sign match fail or timestamp is not within one hour from current "
                          "time"}
                box.got.append(("feishu", body))
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _raw_sign(self) -> str:
            raw = urlsplit(self.path).query
            return dict(p.split("=", 1) for p in raw.split("&")).get("sign", "")

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.1,), daemon=True).start()
    box.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield box
    finally:
        server.shutdown()
        server.server_close()


def test_N4_dingtalk_wecom_and_feishu_robots_get_signed_messages_in_their_formats(
        desk: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with robots() as box:
        monkeypatch.setenv("DT_URL", f"{box.url}/robot/send?access_token=dt-token")
        monkeypatch.setenv("WECOM_URL", f"{box.url}/cgi-bin/webhook/send?key=wecom-key")
        monkeypatch.setenv("FS_URL", f"{box.url}/open-apis/bot/v2/hook/fs-token")
        monkeypatch.setenv("ROBOT_SECRET", SECRET)
        configure(desk, {
            "dingtalk": {"type": "dingtalk", "url_env": "DT_URL", "secret_env": "ROBOT_SECRET"},
            "wecom": {"type": "wecom", "url_env": "WECOM_URL"},
            "feishu": {"type": "feishu", "url_env": "FS_URL", "secret_env": "ROBOT_SECRET"}})
        tid = dispatched(desk)
        notes = show(desk, tid)["notifications"]
    kinds = {k: b for k, b in box.got}
    assert set(kinds) == {"dingtalk", "wecom", "feishu"}
    assert kinds["dingtalk"]["msgtype"] == "markdown"
    assert tid in kinds["dingtalk"]["markdown"]["text"]
    assert kinds["wecom"]["msgtype"] == "markdown"
    assert tid in kinds["wecom"]["markdown"]["content"]
    assert kinds["feishu"]["msg_type"] == "interactive"
    assert tid in kinds["feishu"]["card"]["header"]["title"]["content"]
    from tests.ui.test_notify import ledger

    assert {e["channel"]: e["outcome"] for e in ledger(desk)} == \
        {"dingtalk": "sent", "wecom": "sent", "feishu": "sent"}
    assert len(notes) == 3


def test_N4_a_wrong_secret_is_a_failed_delivery_with_the_robots_word(
        desk: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with robots() as box:
        monkeypatch.setenv("FS_URL", f"{box.url}/open-apis/bot/v2/hook/fs-token")
        monkeypatch.setenv("ROBOT_SECRET", "not-the-secret")
        configure(desk, {"feishu": {"type": "feishu", "url_env": "FS_URL",
                                    "secret_env": "ROBOT_SECRET"}})
        dispatched(desk)
    from tests.ui.test_notify import ledger

    (entry,) = ledger(desk)
    assert entry["outcome"] == "failed" and "19021" in entry["error"]


def test_N4_I8_robot_url_and_secret_only_from_the_environment(desk: Path) -> None:
    import yaml

    path = desk / "config" / "notify.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["channels"]["bot"] = {"type": "dingtalk", "url": "https://oapi.example/robot/send",
                              "secret": "SECabc"}
    path.write_text(yaml.safe_dump(doc, allow_unicode=True))
    from tests.helpers import itsm

    res = itsm(desk, "validate")
    assert res.code == 4 and "secret" in res.out + res.err


def test_N4_templated_webhook_body_for_slack(desk: Path) -> None:
    with webhook_sink() as hook:
        configure(desk, {"slack": {"type": "webhook", "url": hook.url,
                                   "template": '{"text": "*$subject*\\n$body", '
                                               '"priority": "$priority"}'}})
        tid = dispatched(desk)
        (hit,) = hook.wait(1)
    doc = hit.json()
    assert set(doc) == {"text", "priority"} and tid in doc["text"] and doc["priority"] == "P4"
