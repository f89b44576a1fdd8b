"""Real servers on loopback for tests: git daemon, smart HTTP, postfix, SMTP and webhook sinks,
Alertmanager, headless chromium, ssh keys.

Every server helper is a context manager that starts the real program on 127.0.0.1 on a free
port, waits (bounded) until it answers, and on exit stops it and its whole process group. A
helper whose Debian or PyPI package is missing skips the test in one line; `.ci/packages.sh`
installs them all. A server that is installed but fails to start is an error, with its log.

    from tests.servers import git_daemon, mta_pipe
"""

from tests.servers.base import free_port, kill_group, process, wait_until
from tests.servers.git import SshKey, git_daemon, smart_http, ssh_keypair
from tests.servers.mail import Delivery, Mta, Received, SmtpSink, mta_pipe, smtp_sink
from tests.servers.web import (
    Alertmanager,
    Hit,
    WebhookSink,
    alertmanager,
    chromium_page,
    http_files,
    webhook_sink,
)

__all__ = [
    "Alertmanager", "Delivery", "Hit", "Mta", "Received", "SmtpSink", "SshKey", "WebhookSink",
    "alertmanager", "chromium_page", "free_port", "git_daemon", "http_files", "kill_group",
    "mta_pipe", "process", "smart_http", "smtp_sink", "ssh_keypair", "wait_until",
    "webhook_sink",
]
