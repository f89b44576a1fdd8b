"""U2/I4 on a signed desk: what `itsmctl serve` commits (a reporter's ticket, a staff
member's note, a monitoring payload) is signed by the web account's key, names the
person, and audits clean; a service that cannot sign does not start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import free_port
from tests.signed import git, make_signed
from tests.ui.webserve import PASSWORD, TOKEN, Client, passwords, report, serving

pytestmark = pytest.mark.slow
HOOKS = Path(__file__).resolve().parents[1] / "resources" / "hooks"
PEOPLE = ("mike", "alice", "carol", "monitor", "sweep", "web")


def test_I4_U2_web_commits_on_a_signed_desk_are_signed_by_the_web_account(tmp_path):
    sd = make_signed(tmp_path, PEOPLE)
    env = {"ITSMCTL_WEB_SECRET": "web-secret-" + "s" * 32,
           "ITSMCTL_WEB_PASSWORDS": passwords("alice"),
           "ITSMCTL_WEBHOOK_TOKEN": TOKEN,
           "ITSMCTL_SIGNING_KEY_WEB": str(sd.keys["web"].private)}
    with serving(sd.root, "--hook-wait", "60", env=env, now=None) as server:
        sent = report(Client(server.url))
        assert sent.status == 303, sent.text
        tid = sent.headers["location"].split("/")[2].split("?")[0]
        alice = Client(server.url, auth=("alice", PASSWORD))
        page = alice.get(f"/desk/t/{tid}")
        noted = alice.post(f"/desk/t/{tid}/note", {"csrf": page.field("csrf"),
                                                   "text": "called the reporter back"})
        assert noted.status == 303, noted.text
        hooked = Client(server.url).request(
            "POST", "/hooks/alertmanager", body=(HOOKS / "alertmanager-firing.json")
            .read_bytes(), headers={"Content-Type": "application/json",
                                    "Authorization": f"Bearer {TOKEN}"})
        assert hooked.status == 200 and json.loads(hooked.body)["opened"], hooked.text
        assert "Traceback" not in server.log_text()
    allowed = sd.allowed_signers(tmp_path / "allowed_signers")
    fmt = ("%G? %(trailers:key=Itsmctl-Actor,valueonly)"
           "%(trailers:key=Itsmctl-Via,valueonly)|")
    log = git(sd.root, "-c", f"gpg.ssh.allowedSignersFile={allowed}", "log", "-3",
              f"--format={fmt}")
    made = [" ".join(part.split()) for part in log.split("|") if part.strip()]
    assert made == ["G monitor web", "G alice web", "G web web"], made
    assert sd.findings() == []


def test_I4_a_service_that_cannot_sign_does_not_start(tmp_path):
    """On a signed desk every write of the service is signed by the web account: without
    its key (or with someone else's) serve refuses to start, one line, exit 6."""
    sd = make_signed(tmp_path, PEOPLE)
    before = sd.head()
    base = {k: v for k, v in os.environ.items() if not k.startswith("ITSMCTL_")}
    for key in ({}, {"ITSMCTL_SIGNING_KEY_WEB": str(sd.keys["alice"].private)}):
        done = subprocess.run([sys.executable, "-m", "itsmctl", "--repo", str(sd.root),
                               "serve", "--listen", f"127.0.0.1:{free_port()}"],
                              capture_output=True, text=True, timeout=60,
                              env={**base, "ITSMCTL_WEB_SECRET": "w" * 40, **key})
        assert done.returncode == 6 and "ITSMCTL_SIGNING_KEY_WEB" in done.stderr, done
        assert len(done.stderr.strip().splitlines()) == 1
    assert sd.head() == before
