"""Plumbing of bench/stress.py: child processes, a bare remote served on 127.0.0.1, clones.

Every child runs in a session of its own and is recorded by id, so the bench ends all
of them (and what they started, git under itsmctl) by process group, also on Ctrl-C.
The remote counts what it sees: an access log written by `git daemon --access-hook` or
by a CGI wrapper around `git http-backend` (one line per push or fetch attempt), and a
`post-receive` hook (one line per accepted push).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional


class Stopped(Exception):
    """The bench is shutting down; no new process is started."""


@dataclass
class Done:
    code: int
    out: str
    err: str
    seconds: float


class Procs:
    """Starts, times and ends the bench's child processes."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.live: dict[int, subprocess.Popen] = {}
        self.lock = threading.Lock()
        self.closed = False

    def start(self, cmd: list[str], cwd: Optional[Path] = None, **kw) -> subprocess.Popen:
        with self.lock:
            if self.closed:
                raise Stopped()
            proc = subprocess.Popen(cmd, cwd=cwd, env=self.env, start_new_session=True, **kw)
            self.live[proc.pid] = proc
            return proc

    def forget(self, proc: subprocess.Popen) -> None:
        with self.lock:
            self.live.pop(proc.pid, None)

    def run(self, cmd: list[str], cwd: Optional[Path] = None, input: Optional[str] = None,
            timeout: float = 300) -> Done:
        """Run to the end (or kill at timeout: exit 124); wall time of the process."""
        t0 = time.perf_counter()
        proc = self.start(cmd, cwd, stdin=subprocess.PIPE if input is not None else
                          subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            out, err = proc.communicate(input.encode() if input is not None else None,
                                        timeout=timeout)
            code = proc.returncode
        except subprocess.TimeoutExpired:
            _kill_group(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            code = 124
        finally:
            self.forget(proc)
        return Done(code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"),
                    time.perf_counter() - t0)

    def check(self, cmd: list[str], cwd: Optional[Path] = None, input: Optional[str] = None,
              timeout: float = 300) -> Done:
        done = self.run(cmd, cwd, input, timeout)
        if done.code != 0:
            tail = (done.err.strip() or done.out.strip()).splitlines()[-3:]
            raise RuntimeError(f"{' '.join(cmd[:4])} … exited {done.code}: {' | '.join(tail)}")
        return done

    def stop_all(self) -> None:
        """End every live child by its process group: TERM, then KILL after 3 s."""
        with self.lock:
            self.closed = True
            procs = list(self.live.values())
        for proc in procs:
            _kill_group(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 3
        for proc in procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _kill_group(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)


def _kill_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def strays_under(root: Path) -> list[int]:
    """Processes working under root that outlived their parent (itsmctl's detached
    `git gc --auto`): found by their working directory, ended by id."""
    found = []
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            if os.readlink(f"/proc/{entry}/cwd").startswith(str(root)):
                found.append(int(entry))
        except OSError:
            continue
    return found


def end_strays(root: Path, wait: float = 20) -> None:
    deadline = time.monotonic() + wait
    while strays_under(root) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in strays_under(root):
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


LIGHTTPD_CONF = """\
server.modules = ("mod_alias", "mod_setenv", "mod_cgi")
server.document-root = "{base}"
server.bind = "127.0.0.1"
server.port = {port}
server.errorlog = "{root}/lighttpd-error.log"
server.max-connections = 1024
alias.url = ("/git/" => "{cgi}/")
$HTTP["url"] =~ "^/git/" {{
  cgi.assign = ("" => "")
  setenv.add-environment = ("GIT_PROJECT_ROOT" => "{base}", "GIT_HTTP_EXPORT_ALL" => "1")
}}
"""

# One line per request, "SERVICE PATH", appended atomically (short O_APPEND writes).
DAEMON_HOOK = '#!/bin/sh\necho "$1 $2" >> "{log}"\nexit 0\n'
HTTP_WRAPPER = """#!/bin/sh
case "$QUERY_STRING" in
  service=git-receive-pack) echo "receive-pack $PATH_INFO" >> "{log}" ;;
  service=git-upload-pack) echo "upload-pack $PATH_INFO" >> "{log}" ;;
esac
exec "{backend}"
"""
POST_RECEIVE = '#!/bin/sh\nwhile read old new ref; do echo "$new $ref" >> "{log}"; done\n'


class Server:
    """Bare repositories under ROOT/served, behind git daemon or lighttpd + http-backend."""

    def __init__(self, procs: Procs, root: Path, transport: str) -> None:
        self.procs, self.root, self.transport = procs, root, transport
        self.base = root / "served"
        self.base.mkdir(parents=True, exist_ok=True)
        self.access = root / "access.log"
        self.access.touch()
        self.port = 0
        self.proc: Optional[subprocess.Popen] = None

    @staticmethod
    def unavailable(transport: str) -> Optional[str]:
        if transport == "http" and not lighttpd():
            return ("lighttpd is not installed (Debian: apt-get install lighttpd); "
                    "--transport http skipped")
        return None

    def start(self) -> None:
        for _ in range(5):                    # a free port can be taken before we bind it
            self.port = free_port()
            self.proc = self.procs.start(self._command(), stdout=subprocess.DEVNULL,
                                         stderr=open(self.root / "server.log", "ab"))
            if self._wait_listening():
                return
            self.stop()
        raise RuntimeError(f"the {self.transport} server did not start "
                           f"(see {self.root / 'server.log'})")

    def _command(self) -> list[str]:
        if self.transport == "daemon":
            hook = self.root / "access-hook"
            hook.write_text(DAEMON_HOOK.format(log=self.access))
            hook.chmod(0o755)
            return ["git", "daemon", "--reuseaddr", "--export-all", "--enable=receive-pack",
                    "--max-connections=0", f"--access-hook={hook}",
                    f"--base-path={self.base}", "--listen=127.0.0.1", f"--port={self.port}",
                    str(self.base)]
        cgi = self.root / "cgi"
        cgi.mkdir(exist_ok=True)
        backend = Path(subprocess.run(["git", "--exec-path"], capture_output=True, text=True,
                                      check=True).stdout.strip()) / "git-http-backend"
        wrapper = cgi / "backend"
        wrapper.write_text(HTTP_WRAPPER.format(log=self.access, backend=backend))
        wrapper.chmod(0o755)
        conf = self.root / "lighttpd.conf"
        conf.write_text(LIGHTTPD_CONF.format(base=self.base, port=self.port, root=self.root,
                                             cgi=wrapper))
        return [str(lighttpd()), "-D", "-f", str(conf)]

    def _wait_listening(self) -> bool:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                return False
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return True
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        if self.proc is not None:
            _kill_group(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                _kill_group(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
            self.procs.forget(self.proc)
            self.proc = None

    def url(self, name: str) -> str:
        if self.transport == "daemon":
            return f"git://127.0.0.1:{self.port}/{name}.git"
        return f"http://127.0.0.1:{self.port}/git/{name}.git"

    def make_remote(self, name: str, branch: str) -> Path:
        """An empty bare repository that logs every accepted push."""
        bare = self.base / f"{name}.git"
        self.procs.check(["git", "init", "-q", "--bare", str(bare)])
        self.procs.check(["git", "symbolic-ref", "HEAD", f"refs/heads/{branch}"], cwd=bare)
        self.procs.check(["git", "config", "http.receivepack", "true"], cwd=bare)
        hook = bare / "hooks" / "post-receive"
        hook.write_text(POST_RECEIVE.format(log=bare / "pushes.log"))
        hook.chmod(0o755)
        (bare / "pushes.log").touch()
        return bare

    def seen(self, name: str) -> dict[str, int]:
        """What the remote NAME has seen so far: push attempts (each `git push` asks for
        receive-pack, rejected or not), accepted pushes, fetches."""
        pattern = re.compile(r"^(receive-pack|upload-pack) .*/" + re.escape(name) + r"\.git")
        counts = {"receive-pack": 0, "upload-pack": 0}
        for line in self.access.read_text(errors="replace").splitlines():
            m = pattern.match(line)
            if m:
                counts[m.group(1)] += 1
        accepted = len((self.base / f"{name}.git" / "pushes.log").read_text().splitlines())
        return {"push_attempts": counts["receive-pack"], "pushes": accepted,
                "fetches": counts["upload-pack"]}


def lighttpd() -> Optional[str]:
    return shutil.which("lighttpd") or next(
        (p for p in ("/usr/sbin/lighttpd", "/usr/local/sbin/lighttpd") if os.path.exists(p)),
        None)


def delta(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {k: after[k] - before.get(k, 0) for k in after}


DESK_CONFIG_SKIP = ("core.repositoryformatversion", "core.bare", "core.logallrefupdates",
                    "remote.", "branch.")


def desk_git_config(procs: Procs, desk: Path) -> list[tuple[str, str]]:
    """The desk's own repository settings (init sets some), to give every clone."""
    out = procs.check(["git", "config", "--local", "--list"], cwd=desk).out
    pairs = [tuple(line.split("=", 1)) for line in out.splitlines() if "=" in line]
    return [(k, v) for k, v in pairs if not k.startswith(DESK_CONFIG_SKIP)]


def make_clone(procs: Procs, url: str, path: Path, settings: list[tuple[str, str]],
               desk: bool = True) -> Path:
    procs.check(["git", "clone", "-q", url, str(path)], timeout=120)
    for key, value in settings:
        procs.check(["git", "config", key, value], cwd=path)
    if desk:
        procs.check(["git", "config", "itsmctl.remote", "origin"], cwd=path)
    return path
