"""One error tree: every user-facing failure carries its exit code (SPEC 13)."""

from __future__ import annotations


class ItsmError(Exception):
    """Base of all expected failures; `cli.main` turns them into one line."""

    exit_code = 1
    rule: str | None = None

    def __init__(self, message: str, rule: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if rule is not None:
            self.rule = rule

    @property
    def kind(self) -> str:
        return type(self).__name__


class RuleViolation(ItsmError):
    """A process rule refused the command (exit 1)."""

    exit_code = 1


class UsageError(ItsmError):
    """The command line itself is wrong: bad option value, malformed time (exit 2)."""

    exit_code = 2


class NotFound(ItsmError):
    """A ticket, person, group, article or desk does not exist (exit 3)."""

    exit_code = 3


class InvalidFile(ItsmError):
    """A config or ticket file is unreadable or breaks its schema (exit 4)."""

    exit_code = 4


class ConcurrencyError(ItsmError):
    """The desk lock could not be had, or push retries ran out (exit 5)."""

    exit_code = 5


class NotPermitted(ItsmError):
    """The actor is unknown or their role may not run this command (exit 6)."""

    exit_code = 6
