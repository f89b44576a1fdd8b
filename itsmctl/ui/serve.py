"""The click command of the web service: `serve` (U1-U4)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Optional

import click

from itsmctl.errors import UsageError
from itsmctl.ui.main import State, pass_state

if TYPE_CHECKING:
    from itsmctl.app.session import Session

EXTRA = "pip install 'itsmctl[web]'"


@click.command("serve")
@click.option("--listen", default="127.0.0.1:8080", show_default=True, metavar="HOST:PORT",
              help="Address to listen on; only this machine unless told otherwise.")
@click.option("--trusted-header", metavar="NAME", envvar="ITSMCTL_WEB_TRUSTED_HEADER",
              help="Staff are signed in by this header of a trusted reverse proxy "
                   "(e.g. X-Remote-User); off by default.")
@click.option("--trusted-proxy", multiple=True, metavar="ADDR",
              default=("127.0.0.1", "::1"), show_default=True,
              help="Addresses (or networks) of the reverse proxy whose header and "
                   "X-Forwarded-For are believed (repeatable).")
@click.option("--form-limit", type=click.IntRange(1), default=10, show_default=True,
              help="Reports and notes a client address may post in 10 minutes.")
@click.option("--refresh", type=click.IntRange(5), default=30, show_default=True,
              help="Seconds between the wallboard's refreshes.")
@click.option("--hook-wait", type=click.FloatRange(0.1, 600), default=0.5, show_default=True,
              metavar="SECONDS",
              help="A hook's answer waits this long for its commit, then says 202 Accepted "
                   "(the payload is kept and committed shortly).")
@click.option("--hash-password", is_flag=True,
              help="Read a password (stdin, or a prompt) and print its hash for "
                   "ITSMCTL_WEB_PASSWORDS; serve nothing.")
@pass_state
def serve_cmd(state: State, listen: str, trusted_header: Optional[str],
              trusted_proxy: tuple[str, ...], form_limit: int, refresh: int,
              hook_wait: float, hash_password: bool) -> None:
    """Serve the desk on the web: reporters, staff, wallboard, hooks, metrics (U1-U4).

    One long-running process over the desk repository, making the same commits as
    the command line (the same use cases, desk lock and write path): reporters'
    form and status pages at /, the desk's queue, tickets, report and wallboard
    at /desk, monitoring hooks at /hooks/alertmanager and /hooks/grafana (POST or
    PUT), Prometheus metrics at /metrics and /healthz. Writes from the web name
    the person signed in and carry the trailer Itsmctl-Via: web; reporters' tickets
    are opened by the intake account `web` of config/teams.yaml.

    Secrets come from the environment only: ITSMCTL_WEB_SECRET (the key of
    reporters' links; else one is kept in .git/itsmctl/web-secret),
    ITSMCTL_WEB_PASSWORDS or ITSMCTL_WEB_PASSWORDS_FILE (`person:hash` entries),
    ITSMCTL_WEBHOOK_TOKEN or ITSMCTL_WEBHOOK_USER and ITSMCTL_WEBHOOK_PASSWORD
    (hooks are refused without them). Needs the web extra: pip install
    'itsmctl[web]'. See contrib/systemd/itsmctl-serve.service and contrib/nginx/.

    \b
    Examples:
      itsmctl serve
      itsmctl serve --hash-password          # then: ITSMCTL_WEB_PASSWORDS='alice:scrypt$...'
      itsmctl serve --listen 127.0.0.1:8080 --trusted-header X-Remote-User
      curl -X PUT -H "Authorization: Bearer $TOKEN" --data @payload.json \\
        http://127.0.0.1:8080/hooks/grafana
    """
    if hash_password:
        _print_hash(state)
        return
    try:
        import jinja2  # noqa: F401
        import multipart  # noqa: F401
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise UsageError(f"itsmctl serve needs the web extra ({exc.name} is missing): "
                         f"{EXTRA}", rule="U1") from None
    from itsmctl.ui.web.config import WebConfig, environment, from_environment, parse_listen
    from itsmctl.ui.web.server import run

    host, port = parse_listen(listen)
    session = state.session
    root = session.root
    session.policy                              # noqa: B018 (a broken config: exit 4 now)
    if state.now:
        session.now                             # noqa: B018 (a malformed --now: exit 2)
    if session.policy.desk.require_signed:
        _web_key(session)
    secrets = from_environment(root, environment())
    cfg = WebConfig(root=root, host=host, port=port, now=state.now,
                    hook_bytes=session.policy.monitoring.limits.payload,
                    trusted_header=trusted_header or None,
                    trusted_proxies=tuple(trusted_proxy), form_limit=form_limit,
                    refresh=refresh, hook_wait=hook_wait, **secrets)  # type: ignore[arg-type]
    run(cfg)


def _web_key(session: "Session") -> None:
    """I4: on a signed desk every write of the service is signed by the web account's
    key; without a usable one the service would refuse every write, so it does not start."""
    from itsmctl.app.trust import signer
    from itsmctl.errors import NotPermitted
    from itsmctl.infra.signing import env_name

    try:
        signer(session.derive(via="web"))
    except NotPermitted as exc:
        raise NotPermitted(f"itsmctl serve: this desk requires signed commits and the web "
                           f"account cannot sign ({exc.message}); set {env_name('web')} to "
                           "the web account's private key (outside the repository)",
                           rule=exc.rule) from None


def _print_hash(state: State) -> None:
    from itsmctl.infra.websecret import hash_password
    from itsmctl.ui.main import emit

    if sys.stdin.isatty():
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise UsageError("an empty password", rule="U2")
    made = hash_password(password)
    emit(state, made, {"hash": made})


COMMANDS = {"serve": serve_cmd}
