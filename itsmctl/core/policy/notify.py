"""notify.yaml as validated models (N1-N3): rules, routes, channels, templates, delivery."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal, Optional
from urllib.parse import urlsplit

from pydantic import ConfigDict, Field, field_validator, model_validator

from itsmctl.core.policy.base import Model, parse_duration
from itsmctl.core.policy.rules import DEFAULT_TEMPLATE, NotifyRules, RouteRules

# U user (reporter), C recorder, E support group / assignee, M incident manager (table 3-6);
# L leadership group (P5: major incidents); W the ticket's watchers (W6: every notice)
Role = Literal["U", "C", "E", "M", "L", "W"]
# keys that would put a secret into a file under review; the value must come from the env
_SECRET_KEYS = {"password": "password_env", "token": "token_env", "secret": "token_env",
                "api_key": "token_env"}


def _duration(v: Any) -> timedelta:
    return parse_duration(v)


class Channel(Model):
    """One way out (N3). Secrets are named by environment variable, never written here."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True,
                              defer_build=True)

    # outbox, smtp, webhook, command; chat robots (N4): dingtalk, wecom, feishu
    type: Literal["outbox", "smtp", "webhook", "command", "dingtalk", "wecom", "feishu"]
    path: str = ".git/itsmctl/outbox"           # outbox: directory, relative to the desk
    host: Optional[str] = None                  # smtp
    port: Optional[int] = None  # smtp port
    starttls: bool = False  # smtp: STARTTLS
    ssl: bool = False  # smtp: TLS from the start
    user: Optional[str] = None  # smtp login
    password_env: Optional[str] = None  # smtp: variable holding the password
    sender: Optional[str] = Field(default=None, alias="from")  # smtp From address
    url: Optional[str] = None                   # webhook
    token_env: Optional[str] = None  # webhook: variable holding the bearer token
    # webhook: the request body, JSON with $placeholders (Slack, Teams, Mattermost...)
    template: Optional[str] = None
    # robots (and webhooks): variable holding the whole URL, whose token is a secret (I8)
    url_env: Optional[str] = None
    # dingtalk, feishu: variable holding the robot's signing secret (加签)
    secret_env: Optional[str] = None
    argv: list[str] = []                        # command: JSON on its stdin
    # command: variables passed on from the environment (it gets no others, I8)
    env: list[str] = []
    timeout: Optional[timedelta] = None         # else delivery.timeout

    @model_validator(mode="before")
    @classmethod
    def _no_secrets(cls, v: Any) -> Any:
        if isinstance(v, dict):
            for key, instead in _SECRET_KEYS.items():
                if key in v:
                    raise ValueError(f"{key}: secrets come from the environment; name the "
                                     f"variable with {instead} (N3)")
        return v

    @field_validator("timeout", mode="before")
    @classmethod
    def _dur(cls, v: Any) -> Any:
        return None if v is None else _duration(v)

    @model_validator(mode="after")
    def _complete(self) -> "Channel":
        if self.type == "smtp" and not self.host:
            raise ValueError("host: an smtp channel needs its server")
        if self.type == "smtp" and self.user and not self.password_env:
            raise ValueError("password_env: name the variable that holds the SMTP password")
        if self.type in ("webhook", "dingtalk", "wecom", "feishu") and not self.url_env \
                and urlsplit(self.url or "").scheme not in ("http", "https"):
            raise ValueError("url: a webhook needs an http:// or https:// address (or "
                             "url_env naming the variable that holds it)")
        if self.template is not None and self.type != "webhook":
            raise ValueError("template: only a webhook channel takes a body template")
        if self.type == "command" and not self.argv:
            raise ValueError("argv: a command channel needs the program to run")
        return self


class Route(RouteRules, Model):
    """Which channels carry a notification; an empty filter matches everything."""

    channels: list[str]  # channels that carry the notification
    # only for these recipients (U user, C recorder, E group, M manager, L leaders,
    # W watchers)
    roles: list[Role] = []
    triggers: list[str] = []  # only for these triggers
    priorities: list[str] = []  # only at these priorities

class Template(Model):
    """Subject and body with $placeholders (string.Template: no code in config)."""

    subject: str  # subject line (placeholders in braces)
    body: str  # message text


class Delivery(Model):
    timeout: timedelta = timedelta(seconds=5)          # each channel call
    budget: timedelta = timedelta(seconds=10)          # re-deliveries in one sweep
    takeover_after: timedelta = timedelta(hours=1)     # another clone's notice becomes ours
    plan_window: timedelta = timedelta(hours=1)        # older events are never notified

    @field_validator("timeout", "budget", "takeover_after", "plan_window", mode="before")
    @classmethod
    def _dur(cls, v: Any) -> timedelta:
        return _duration(v)


class NotifyConfig(NotifyRules, Model):
    """config/notify.yaml."""

    version: int = 1
    rules: dict[str, dict[str, list[Role]]] = {}       # trigger -> priority -> roles
    major: list[Role] = ["L"]                          # added for major tickets (P5)
    mirrored: list[Role] = ["U"]                       # kept for events mirrored to slaves
    triggers: dict[str, str] = {}                      # history action -> trigger
    trigger_labels: dict[str, str] = {}  # trigger -> display label
    routes: list[Route] = []                           # empty: every channel
    channels: dict[str, Channel] = {}  # channel name -> channel (N3)
    templates: dict[str, Template] = {}  # trigger -> message template
    contact: str = ""  # how users reach the desk, quoted in messages
    delivery: Delivery = Field(default_factory=Delivery)  # delivery timeouts and retries (N3)

    @model_validator(mode="after")
    def _refs(self) -> "NotifyConfig":
        for i, route in enumerate(self.routes):
            for name in route.channels:
                if name not in self.channels:
                    raise ValueError(f"routes.{i}.channels: unknown channel {name!r}")
        return self

    def _default_template(self) -> Template:
        return Template(**DEFAULT_TEMPLATE)
