"""I8 through the CLI: `validate` refuses a secret-looking value in config (exit 4),
naming file, line and key; the shipped profiles hold none."""

from __future__ import annotations

from tests.helpers import itsm


def test_I8_validate_refuses_a_robot_url_with_its_token(desk):
    notify = desk / "config/notify.yaml"
    text = notify.read_text()
    notify.write_text(text.replace(
        "delivery:\n",
        "  # added by hand\ndelivery:\n", 1).replace(
        "    path: .git/itsmctl/outbox\n",
        "    path: .git/itsmctl/outbox\n  ding:\n    type: webhook\n"
        "    url: https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef\n", 1))
    r = itsm(desk, "validate")
    assert r.code == 4
    line = next(x for x in r.err.splitlines() if "I8" in x)
    assert line.startswith("config/notify.yaml:") and "channels.ding.url" in line
    assert "?access_token=" in line and "environment" in line


def test_I8_shipped_profiles_hold_no_secrets(desk, desktop_desk):
    for d in (desk, desktop_desk):
        r = itsm(d, "validate")
        assert r.code == 0 and "I8" not in r.err, r.err
