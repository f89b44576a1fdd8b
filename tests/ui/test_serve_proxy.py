"""U2 behind the reverse proxy of contrib/nginx/itsmctl.conf: a real nginx (TLS, basic
auth) in front of a real `itsmctl serve --trusted-header X-Remote-User`. The example is
used as shipped, with only its ports, paths and certificate made the test's own."""

from __future__ import annotations

import base64
import os
import re
import shutil
import ssl
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Optional

import pytest

from tests.helpers import BILLING, git, open_ticket
from tests.servers import free_port, process
from tests.ui.webserve import TOKEN, serving

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
HOOKS = ROOT / "tests" / "resources" / "hooks"
PASSWORD = "proxy-pass 1"


def site(tmp: Path, port: int, upstream: int) -> Path:
    """contrib/nginx/itsmctl.conf made to run here, and a main config that includes it."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(tmp / "key.pem"),
                    "-out", str(tmp / "cert.pem")], check=True, capture_output=True)
    hashed = subprocess.run(["openssl", "passwd", "-apr1", PASSWORD], check=True,
                            capture_output=True, text=True).stdout.strip()
    (tmp / "htpasswd").write_text(f"erin:{hashed}\n")
    text = (ROOT / "contrib" / "nginx" / "itsmctl.conf").read_text()
    text = text.split("\nserver {\n    listen 80;")[0]                  # no port 80 here
    text = text.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{port} ssl http2;")
    text = re.sub(r"\n\s*listen \[::\]:443 ssl http2;", "", text)
    text = text.replace("/etc/ssl/certs/desk.example.com.pem", str(tmp / "cert.pem"))
    text = text.replace("/etc/ssl/private/desk.example.com.key", str(tmp / "key.pem"))
    text = text.replace("/etc/nginx/itsmctl.htpasswd", str(tmp / "htpasswd"))
    text = text.replace("/var/log/nginx/itsmctl.log", str(tmp / "access.log"))
    text = text.replace("http://127.0.0.1:8080", f"http://127.0.0.1:{upstream}")
    (tmp / "itsmctl.conf").write_text(text)
    main = tmp / "nginx.conf"
    temp = "".join(f"{kind}_temp_path {tmp}/{kind};\n" for kind in
                   ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    # as root, nginx's workers would be `nobody`, who cannot read the test's tmp dir
    user = "user root;\n" if os.geteuid() == 0 else ""
    main.write_text(f"{user}pid {tmp}/nginx.pid;\nerror_log {tmp}/error.log;\ndaemon off;\n"
                    f"worker_processes 1;\nevents {{}}\nhttp {{\n{temp}"
                    f"access_log {tmp}/access.log;\ninclude {tmp}/itsmctl.conf;\n}}\n")
    return main


def fetch(url: str, method: str = "GET", data: Optional[bytes] = None,
          headers: Optional[dict[str, str]] = None) -> tuple[int, str, dict[str, str]]:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, context=context, timeout=60) as reply:
            return reply.status, reply.read().decode(), dict(reply.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), dict(exc.headers)


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_U2_staff_signed_in_by_the_nginx_example_and_named_by_its_header(desk, tmp_path):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists() or shutil.which("openssl") is None:
        pytest.skip("nginx or openssl is not installed (run .ci/packages.sh)")
    tid = open_ticket(desk, *BILLING)
    env = {"ITSMCTL_WEB_SECRET": "s" * 40, "ITSMCTL_WEBHOOK_TOKEN": TOKEN}
    port = free_port()
    with serving(desk, "--trusted-header", "X-Remote-User", "--hook-wait", "60",
                 env=env) as server:
        conf = site(tmp_path, port, server.port)
        checked = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(conf)],
                                 capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        base = f"https://127.0.0.1:{port}"

        def up() -> bool:
            try:
                return fetch(f"{base}/healthz")[0] == 200
            except OSError:
                return False

        with process([nginx, "-p", str(tmp_path), "-c", str(conf)], tmp_path / "nginx.log",
                     ready=up):
            status, _, headers = fetch(f"{base}/desk")
            assert status == 401 and "itsmctl desk" in headers.get("WWW-Authenticate", "")
            forged = fetch(f"{base}/desk", headers={"X-Remote-User": "mike"})
            assert forged[0] == 401                                    # the proxy asks first
            status, page, _ = fetch(f"{base}/desk", headers={**basic("erin", PASSWORD),
                                                             "X-Remote-User": "mike"})
            assert status == 200 and 'class="who">erin<' in page
            assert tid in page
            # a staff write through the proxy: Host and scheme reach the form's checks
            erin = {**basic("erin", PASSWORD), "X-Remote-User": "mike"}
            status, page, headers = fetch(f"{base}/desk/t/{tid}", headers=erin)
            assert status == 200 and "Secure" in headers["set-cookie"]
            token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore
            status, page, _ = fetch(f"{base}/desk/t/{tid}/note", "POST",
                                    f"csrf={token}&text=via+nginx".encode(), {
                                        **erin, "Origin": base,
                                        "Cookie": headers["set-cookie"].split(";")[0],
                                        "Content-Type": "application/x-www-form-urlencoded"})
            assert status == 200 and "via nginx" in page, page[-600:]  # 303 followed
            assert "Itsmctl-Actor: erin" in git(desk, "log", "-1", "--format=%B")
            # reporters need no sign-in; the form's token and our own origin pass through
            status, page, headers = fetch(f"{base}/")
            assert status == 200
            cookie = headers["set-cookie"].split(";")[0]
            assert "Secure" in headers["set-cookie"]                    # https at the proxy
            token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore
            form = (f"csrf={token}&type=incident&title=proxy&name=Wang&phone=1").encode()
            status, page, _ = fetch(f"{base}/", "POST", form, {
                "Cookie": cookie, "Origin": base,
                "Content-Type": "application/x-www-form-urlencoded"})
            assert status == 200 and "Thank you" in page               # 303 followed
            # hooks with their own token
            status, body, _ = fetch(f"{base}/hooks/alertmanager", "POST",
                                    (HOOKS / "alertmanager-firing.json").read_bytes(),
                                    {"Authorization": f"Bearer {TOKEN}",
                                     "Content-Type": "application/json"})
            assert status == 200 and '"opened"' in body
            assert fetch(f"{base}/metrics")[0] == 200                  # from 127.0.0.1
        log = (tmp_path / "access.log").read_text()
        assert "GET /desk" in log and "k=" not in log and "csrf=" not in log
