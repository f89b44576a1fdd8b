"""Mail: a real postfix that pipes mail to a command, and an aiosmtpd sink for outgoing mail."""

from __future__ import annotations

import json
import mailbox
import os
import re
import shlex
import shutil
import smtplib
import socketserver
import subprocess
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage, Message
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Optional, Union

import pytest

from tests.servers.base import (
    INSTALL,
    LOOPBACK,
    answers,
    free_port,
    kill_group,
    need,
    process,
    tail,
    wait_until,
)

# Postfix in a private directory: `postfix -c DIR` reads DIR/etc/main.cf and master.cf, and
# every path it writes (queue, data, log, aliases) is under DIR; nothing in /etc/postfix is
# read but Debian's postfix-files and dynamicmaps.cf (meta_directory). Postfix daemons run
# as the `postfix` user and must reach the queue, so DIR is a 0755 directory under /tmp
# (pytest's tmp dirs are 0700 root). The mail log (maillog_file, via postlogd) is DIR/maillog:
# deliveries, bounces and deferrals are read from it, with postfix's reason.
#
# Root and the pipe: local(8) never runs a command as root. Commands of an alias file owned
# by root (ours) run as `default_privs` (nobody), who can reach neither pytest's tmp dirs
# nor a Python inside root's home. So by default the alias pipes the message into a tiny
# relay (Debian's /usr/bin/python3, runnable by nobody) that hands it over a Unix socket to
# this test process, which runs command_argv with the message on stdin as the test's own
# user and environment (plus SENDER, RECIPIENT... as local(8) sets them); the relay prints
# the command's output and exits with its status, so postfix sees what the command did:
# 0 delivered, 75 (EX_TEMPFAIL) deferred, anything else bounced with "Command died with
# status N: ... Command output: ...". relay=False puts command_argv in the alias itself, to
# run as nobody like a production alias owned by root.
MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {d}/queue
data_directory = {d}/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = {d}/maillog
maillog_file_prefixes = {d}
myhostname = localhost
mydomain = localdomain
mydestination = localhost
inet_interfaces = {host}
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps = hash:{d}/etc/aliases
alias_database = hash:{d}/etc/aliases
# only the aliases are local recipients: others are refused at RCPT time with 550
local_recipient_maps = $alias_maps
default_privs = {user}
allow_mail_to_commands = alias
allow_mail_to_files = alias
biff = no
"""
MASTER_CF = """\
{host}:{port} inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n -  0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n -  - trivial-rewrite
bounce    unix  - - n -  0 bounce
defer     unix  - - n -  0 bounce
trace     unix  - - n -  0 bounce
verify    unix  - - n -  1 verify
flush     unix  n - n 1000 0 flush
showq     unix  n - n -  - showq
error     unix  - - n -  - error
retry     unix  - - n -  - error
discard   unix  - - n -  - discard
local     unix  - n n -  - local
postlog   unix-dgram n - n - 1 postlogd
"""
RELAY = """\
import json, os, socket, sys
keys = ("SENDER", "RECIPIENT", "ORIGINAL_RECIPIENT", "LOCAL", "DOMAIN", "EXTENSION")
head = json.dumps({k: os.environ[k] for k in keys if k in os.environ}).encode() + b"\\n"
try:
    s = socket.socket(socket.AF_UNIX)
    s.connect(%r)
    s.sendall(head + sys.stdin.buffer.read())
    s.shutdown(socket.SHUT_WR)
    reply = b"".join(iter(lambda: s.recv(65536), b""))
except OSError as exc:
    print("relay:", exc)
    sys.exit(75)
code, _, output = reply.partition(b"\\n")
if not code:
    print("relay: the test process gave no answer")
    sys.exit(75)
sys.stdout.buffer.write(output)
sys.exit(int(code))
"""
DELIVERY = re.compile(r"postfix/\w+\[\d+\]: (\w+): to=<([^>]*)>.*?status=(\w+) \((.*)\)$")
SENDER = "tester@localhost"   # aliased to a mailbox file, where bounces land


@dataclass
class Delivery:
    queue_id: str
    to: str
    status: str    # sent, bounced, deferred (postfix's words)
    reason: str    # e.g. 'Command died with status 1: "...". Command output: ...'


@dataclass
class Mta:
    host: str
    port: int
    alias: str
    directory: Path
    address: str = field(init=False)

    def __post_init__(self) -> None:
        self.address = f"{self.alias}@localhost"
        self.log = self.directory / "maillog"
        self.bounce_box = self.directory / "mail" / "bounces"

    def send(self, message: Union[EmailMessage, str, bytes], to: Optional[list[str]] = None,
             sender: str = SENDER) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=10) as smtp:
            if isinstance(message, EmailMessage):
                smtp.send_message(message, sender, to or [self.address])
            else:
                smtp.sendmail(sender, to or [self.address], message)

    def deliveries(self, to: Optional[str] = None) -> list[Delivery]:
        """Every delivery attempt to `to` (the alias by default) so far, from the mail log."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        found = [Delivery(*m.groups()) for m in map(DELIVERY.search, text.splitlines()) if m]
        return [d for d in found if d.to == (to or self.address)]

    def wait_for(self, status: str, n: int = 1, timeout: float = 10.0,
                 to: Optional[str] = None) -> list[Delivery]:
        """The first n deliveries to the alias with this status; AssertionError on timeout."""
        def done() -> list[Delivery]:
            hits = [d for d in self.deliveries(to) if d.status == status]
            return hits[:n] if len(hits) >= n else []
        try:
            return wait_until(done, timeout, f"{n} {status} to {to or self.address}")
        except TimeoutError as exc:
            raise AssertionError(f"{exc}; log:\n{tail(self.log)}") from None

    def wait_delivered(self, n: int = 1, timeout: float = 10.0) -> list[Delivery]:
        """Until the pipe command succeeded n times; a bounce or deferral fails at once.

        (A deferred message delivered later, after `flush`, is no failure.)
        """
        def done() -> list[Delivery]:
            seen = self.deliveries()
            sent = [d for d in seen if d.status == "sent"]
            bad = [d for d in seen if d.queue_id not in {s.queue_id for s in sent}]
            if bad:
                raise AssertionError("; ".join(f"{d.status}: {d.reason}" for d in bad))
            return sent[:n] if len(sent) >= n else []
        try:
            return wait_until(done, timeout, f"{n} deliveries to {self.address}")
        except TimeoutError as exc:
            raise AssertionError(f"{exc}; log:\n{tail(self.log)}") from None

    def wait_bounces(self, n: int = 1, timeout: float = 10.0) -> list[Message]:
        """The non-delivery reports postfix mailed back to the sender, once n have arrived."""
        self.wait_for("sent", n, timeout, to=SENDER)   # the log says when each is complete
        return list(mailbox.mbox(self.bounce_box))

    def flush(self) -> None:
        """Retry deferred mail now (postfix would wait minutes)."""
        subprocess.run(["postqueue", "-c", str(self.directory / "etc"), "-f"], check=True,
                       capture_output=True, timeout=10)


class _Relay(socketserver.ThreadingUnixStreamServer):
    argv: list[str]


class _RelayHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        head = json.loads(self.rfile.readline() or b"{}")
        message = self.rfile.read()
        assert isinstance(self.server, _Relay)
        done = subprocess.run(self.server.argv, input=message, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, env={**os.environ, **head}, timeout=120)
        self.wfile.write(b"%d\n" % done.returncode + done.stdout)


def make_queue(queue: Path, files: Path = Path("/etc/postfix/postfix-files")) -> None:
    """Create postfix's queue directories as postfix-files says (what `postfix check` does)."""
    for line in files.read_text().splitlines():
        path, kind, owner, group, mode = (line.split(":") + [""] * 5)[:5]
        if kind == "d" and path.startswith("$queue_directory/"):
            sub = queue / path.split("/", 1)[1]
            sub.mkdir(int(mode, 8), exist_ok=True)
            sub.chmod(int(mode, 8))
            shutil.chown(sub, owner.replace("$mail_owner", "postfix"),
                         "root" if group == "-" else group.replace("$setgid_group", "postdrop"))


@contextmanager
def mta_pipe(command_argv: list[str], alias: str = "desk", relay: bool = True,
             user: str = "nobody") -> Iterator[Mta]:
    """Postfix on 127.0.0.1 delivering mail for alias@localhost through a pipe to a command.

    The command gets each message on stdin (with the "From " envelope line local(8) puts
    first, like any alias pipe). See the comment above MAIN_CF for how it runs.
    """
    postfix = need("postfix", "postfix")
    port = free_port()
    d = Path(tempfile.mkdtemp(prefix="mta-"))
    d.chmod(0o755)
    server: Optional[_Relay] = None
    try:
        for sub in ("etc", "queue", "data", "mail"):
            (d / sub).mkdir()
        shutil.chown(d / "data", "postfix")
        shutil.chown(d / "mail", user)   # the bounce mailbox is written as default_privs
        (d / "etc/main.cf").write_text(MAIN_CF.format(d=d, host=LOOPBACK, user=user))
        (d / "etc/master.cf").write_text(MASTER_CF.format(host=LOOPBACK, port=port))
        pipe = shlex.join(command_argv)
        if relay:
            need("/usr/bin/python3", "python3")
            (d / "relay.py").write_text(RELAY % str(d / "relay.sock"))
            server = _Relay(str(d / "relay.sock"), _RelayHandler)
            server.argv = command_argv
            (d / "relay.sock").chmod(0o666)
            threading.Thread(target=server.serve_forever, args=(0.1,), daemon=True).start()
            pipe = f"/usr/bin/python3 -I {d}/relay.py"
        (d / "etc/aliases").write_text(f'{alias}: "|{pipe}"\ntester: {d}/mail/bounces\n')
        conf = ["-c", str(d / "etc")]
        for written in (d / "etc").iterdir():   # postfix waits until a fresh main.cf is
            os.utime(written, (time.time() - 10,) * 2)   # 1s old; old enough already
        subprocess.run(["postalias", *conf, f"hash:{d}/etc/aliases"], check=True, timeout=30)
        make_queue(d / "queue")
        (d / "queue/quick-start").touch()   # start-fg skips `postfix check` (0.7s) once

        def stop() -> None:
            # What `postfix stop` does (SIGTERM to master, which ends its children), without
            # its one-second sleeps. master made itself a session leader: not in our group.
            try:
                kill_group(int((d / "queue/pid/master.pid").read_text().split()[0]))
            except (OSError, ValueError):
                pass
        with process([postfix, *conf, "start-fg"], d / "maillog", ready=lambda: answers(port),
                     stop=stop):
            yield Mta(LOOPBACK, port, alias, d)
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()
        shutil.rmtree(d, ignore_errors=True)


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    @property
    def message(self) -> Message:
        return message_from_bytes(self.content)


@dataclass
class SmtpSink:
    host: str
    port: int
    messages: list[Received] = field(default_factory=list)

    def wait(self, n: int = 1, timeout: float = 10.0) -> list[Received]:
        return wait_until(lambda: self.messages[:n] if len(self.messages) >= n else [],
                          timeout, f"{n} messages at the SMTP sink")


class _SinkHandler:
    def __init__(self, sink: SmtpSink, refuse: dict[str, str]) -> None:
        self.sink, self.refuse = sink, refuse

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address.lower() in self.refuse:
            return self.refuse[address.lower()]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.sink.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                           envelope.original_content or envelope.content))
        return "250 Message accepted for delivery"


@contextmanager
def smtp_sink(refuse: Union[Mapping[str, str], Iterable[str]] = ()) -> Iterator[SmtpSink]:
    """An aiosmtpd server on 127.0.0.1 keeping what it receives.

    `refuse`: addresses whose RCPT TO gets 550 (or, as a mapping, the given reply).
    """
    controller_mod = pytest.importorskip("aiosmtpd.controller",
                                         reason=f"aiosmtpd is not installed ({INSTALL})")
    replies = dict(refuse) if isinstance(refuse, Mapping) else {
        a: f"550 5.1.1 <{a}>: Recipient address rejected: User unknown" for a in refuse}
    sink = SmtpSink(LOOPBACK, free_port())
    handler = _SinkHandler(sink, {k.lower(): v for k, v in replies.items()})
    controller = controller_mod.Controller(handler, hostname=LOOPBACK, port=sink.port,
                                           ready_timeout=10, enable_SMTPUTF8=True)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()

