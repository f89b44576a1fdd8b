
"""The example hook scripts in contrib/ work against a real desk (H1, H2)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import itsm, ok, show

CONTRIB = Path(__file__).resolve().parents[2] / "contrib"
RESOURCES = Path(__file__).resolve().parents[1] / "resources" / "hooks"


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ITSMCTL_")}
    env["ITSMCTL"] = f"{sys.executable} -m itsmctl"
    env["PYTHONPATH"] = str(CONTRIB.parent)
    return env


def script(path: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(CONTRIB / path), *args], capture_output=True,
                          text=True, env=_env(), timeout=120)


def tickets(desk):
    return ok(itsm(desk, "--json", "list", "--all")).json


@pytest.mark.slow
def test_H2_zabbix_media_type_script_opens_dedups_and_clears(desk):
    problem = [str(desk), "1", "4711", "13501", "High", "billing-db01", "MySQL is down"]
    first = script("zabbix/itsmctl-zabbix.py", *problem)
    assert first.returncode == 0, first.stderr
    tid = first.stdout.strip()
    t = show(desk, tid)
    assert t["alert"]["fingerprint"] == "zabbix:13501" and t["alert"]["id"] == "zbx-4711"
    assert t["priority"] == "P2" and t["links"]["cis"] == ["billing-db01"]
    again = script("zabbix/itsmctl-zabbix.py", *problem)       # escalation step repeats
    assert again.returncode == 0 and again.stdout.strip() == tid
    assert len(tickets(desk)) == 1
    recovery = script("zabbix/itsmctl-zabbix.py", str(desk), "0", "4711", "13501", "High",
                      "billing-db01", "MySQL is down")
    assert recovery.returncode == 0, recovery.stderr
    t = show(desk, tid)
    assert t["alert"]["status"] == "resolved" and t["status"] == "resolved"


@pytest.mark.slow
def test_H2_nagios_notification_command_opens_and_recovers(desk):
    base = ["--desk", str(desk), "--host", "crm-web01", "--service", "HTTP"]
    r = script("nagios/itsmctl-nagios.py", *base, "--type", "PROBLEM", "--state", "CRITICAL",
               "--output", "HTTP CRITICAL - 503 Service Unavailable", "--problem-id", "88")
    assert r.returncode == 0, r.stderr
    tid = r.stdout.strip()
    t = show(desk, tid)
    assert t["alert"]["fingerprint"] == "nagios:crm-web01/HTTP" and t["priority"] == "P1"
    r = script("nagios/itsmctl-nagios.py", *base, "--type", "ACKNOWLEDGEMENT", "--state",
               "CRITICAL")
    assert r.returncode == 0 and len(tickets(desk)) == 1
    r = script("nagios/itsmctl-nagios.py", *base, "--type", "RECOVERY", "--state", "OK",
               "--output", "HTTP OK", "--last-problem-id", "88")
    assert r.returncode == 0, r.stderr
    assert show(desk, tid)["status"] == "resolved"
