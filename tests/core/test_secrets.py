"""I8: config values that look like secrets, found by core/secrets.py (pure)."""

from __future__ import annotations

import pytest

from itsmctl.core.secrets import scan, secret_in

SECRETS = [
    ("https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef", "?access_token="),
    ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx", "?key="),
    ("https://open.feishu.cn/open-apis/bot/v2/hook/2ef7b2c3-1d4e-4f5a", "Feishu"),
    ("https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXX", "Slack"),
    ("https://user:hunter2@smtp.example.com", "password in the URL"),
    ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----",
     "private key"),
    ("ghp_" + "a" * 36, "GitHub"),
    ("AKIAABCDEFGHIJKLMNOP", "AWS"),
    ("SEC" + "0123456789abcdef" * 4, "DingTalk"),
    ("--password=hunter2", "command line"),
    ("Bearer abcdefghijklmnopqrstuvwxyz", "bearer"),
]


@pytest.mark.parametrize("text,why", SECRETS)
def test_I8_secret_looking_values(text, why):
    assert why in secret_in(text)


@pytest.mark.parametrize("text", [
    "https://chat.example.com/hooks/itsm", "https://desk.example.com/?lang=zh",
    "服务台 Service desk: desk@example.com, +86 731 8000 0000 (7x24)", ".git/itsmctl/outbox",
    "/usr/local/bin/send-sms", "ITSMCTL_SMTP_PASSWORD",
])
def test_I8_ordinary_values_pass(text):
    assert secret_in(text) == ""


def test_I8_scan_names_the_key_path_and_spares_public_keys():
    doc = {"channels": {"ding": {"type": "webhook",
                                 "url": "https://x.example/send?access_token=abc"},
                        "sms": {"type": "command", "argv": ["/bin/sms", "--token=abc"]},
                        "mail": {"password_env": "SMTP_PASSWORD"}},
           "people": {"mike": {"keys": ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE7c mike"]}},
           "sweep_keys": ["ssh-ed25519 AAAA"], "api_key": "s3cr3t"}
    found = dict(scan(doc))
    assert set(found) == {("channels", "ding", "url"), ("channels", "sms", "argv", 1),
                          ("api_key",)}
