"""The shipped receiver (contrib/alertmanager/alertmanager.yml) in a real Alertmanager:
`amtool check-config` accepts it as shipped, and with only its address, token file and
waits changed for a test it delivers to serve's /hooks/alertmanager with its bearer token
(issue 11: the receiver is serve's hook now; the old contrib script is gone)."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.helpers import itsm, ok, show
from tests.servers import alertmanager, wait_until
from tests.ui.webserve import TOKEN, serving

pytestmark = pytest.mark.slow
RECEIVER = Path(__file__).resolve().parents[2] / "contrib" / "alertmanager" / "alertmanager.yml"


def test_U3_the_contrib_receiver_passes_amtool_as_shipped():
    amtool = shutil.which("amtool")
    if amtool is None:
        pytest.skip("amtool is not installed (Debian prometheus-alertmanager)")
    done = subprocess.run([amtool, "check-config", str(RECEIVER)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    text = RECEIVER.read_text()
    assert "max_alerts: 1000" in text and "credentials_file" in text


def test_U3_H1_the_contrib_receiver_delivers_to_serve_with_its_token(desk, tmp_path):
    token_file = tmp_path / "itsmctl.token"
    token_file.write_text(TOKEN + "\n")
    env = {"ITSMCTL_WEB_SECRET": "s" * 40, "ITSMCTL_WEBHOOK_TOKEN": TOKEN}
    with serving(desk, env=env, now=None) as server:
        config = RECEIVER.read_text()
        config = config.replace("http://127.0.0.1:8080", server.url)
        config = config.replace("/etc/alertmanager/itsmctl.token", str(token_file))
        config = re.sub(r"group_wait: \S+", "group_wait: 100ms", config)
        config = re.sub(r"group_interval: \S+", "group_interval: 1s", config)
        assert server.url in config and str(token_file) in config
        with alertmanager("", config=config) as am:
            began = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60))
            am.post([{"labels": {"alertname": "BillingDown", "severity": "critical",
                                 "cluster": "prod", "instance": "billing-db01:9100"},
                      "startsAt": began, "annotations": {"summary": "billing-db01 down"}}])
            (ticket,) = wait_until(lambda: ok(itsm(desk, "--json", "list", "--all",
                                                   now=None)).json or None,
                                   60, "the alert's ticket")
        log = server.log_text()
    assert ticket["source"] == "monitoring" and ticket["priority"] == "P1"
    assert "POST /hooks/alertmanager 200" in log and " 401 " not in log
    assert "Traceback" not in log
    assert show(desk, ticket["id"], now=None)["alert"]["status"] == "firing"
