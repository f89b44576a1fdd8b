"""Git over the network (git daemon, smart HTTP behind lighttpd) and ssh signing keys."""

from __future__ import annotations

import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from tests.servers.base import LOOPBACK, answers, free_port, need, process


@contextmanager
def git_daemon(base_dir: Path) -> Iterator[str]:
    """`git daemon` serving the bare repositories under base_dir, pushes allowed.

    Yields the URL prefix: clone f"{url}name.git".
    """
    git = need("git", "git")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="git-daemon-") as priv:
        argv = [git, "daemon", "--reuseaddr", f"--listen={LOOPBACK}", f"--port={port}",
                f"--base-path={base_dir}", "--export-all", "--enable=receive-pack",
                "--informative-errors", f"--pid-file={priv}/pid", str(base_dir)]
        with process(argv, Path(priv, "log"), ready=lambda: answers(port)):
            yield f"git://{LOOPBACK}:{port}/"


LIGHTTPD_CONF = """\
server.modules = ("mod_alias", "mod_setenv", "mod_cgi")
server.bind = "{host}"
server.port = {port}
server.document-root = "{priv}"
server.errorlog = "{priv}/error.log"
alias.url = ("/git" => "{backend}")
$HTTP["url"] =~ "^/git/" {{
  cgi.assign = ("" => "")
  setenv.add-environment = (
    "GIT_PROJECT_ROOT" => "{base}",
    "GIT_HTTP_EXPORT_ALL" => "1",
    # git http-backend allows receive-pack only to an authenticated user
    "REMOTE_USER" => "tester",
    "PATH" => "/usr/bin:/bin",
  )
}}
"""


@contextmanager
def smart_http(base_dir: Path) -> Iterator[str]:
    """`git http-backend` behind lighttpd (CGI) for the bare repositories under base_dir.

    Yields "http://127.0.0.1:PORT/git/"; fetch and push both work.
    """
    lighttpd = need("lighttpd", "lighttpd")
    backend = Path(subprocess.run(["git", "--exec-path"], capture_output=True, text=True,
                                  check=True).stdout.strip(), "git-http-backend")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="smart-http-") as priv:
        conf = Path(priv, "lighttpd.conf")
        conf.write_text(LIGHTTPD_CONF.format(host=LOOPBACK, port=port, priv=priv,
                                             backend=backend, base=Path(base_dir).resolve()))
        with process([lighttpd, "-D", "-f", str(conf)], Path(priv, "error.log"),
                     ready=lambda: answers(port)):
            yield f"http://{LOOPBACK}:{port}/git/"


@dataclass
class SshKey:
    private: Path
    public: Path
    line: str   # "ssh-ed25519 AAAA... comment"

    def allowed_signer(self, principal: str) -> str:
        """A line for git's gpg.ssh.allowedSignersFile."""
        return f"{principal} {self.line}"


def ssh_keypair(directory: Path, name: str = "id_ed25519") -> SshKey:
    """A fresh ed25519 key pair without passphrase, made by ssh-keygen."""
    keygen = need("ssh-keygen", "openssh-client")
    private = Path(directory, name)
    subprocess.run([keygen, "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(private)],
                   check=True, capture_output=True, timeout=30)
    public = private.with_name(name + ".pub")
    return SshKey(private, public, public.read_text().strip())
