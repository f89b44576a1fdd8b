"""One error tree: every expected failure carries its exit code and the SPEC rule (SPEC 13).

Every exit code the program can end with:

    0    done
    1    refused by a rule (RuleViolation); also findings of qa/audit, replays not applied
    2    usage: a bad option value, a malformed time, an unknown filter value (UsageError)
    3    not found: ticket, person, group, article, desk (NotFound)
    4    invalid file or config, malformed input, git failed (InvalidFile, GitError)
    5    concurrency: the desk lock or the push retries ran out (ConcurrencyError)
    6    actor not permitted (NotPermitted)
    70   internal error: a bug; one line, the traceback written to a file (`--debug` shows it)
    130  interrupted (Ctrl-C)
"""

from __future__ import annotations

EXIT_CODES = {0: "done", 1: "refused by a rule", 2: "usage", 3: "not found",
              4: "invalid file or config", 5: "concurrency", 6: "actor not permitted",
              70: "internal error", 130: "interrupted"}
INTERNAL = 70
INTERRUPTED = 130


class ItsmError(Exception):
    """Base of all expected failures; the ui's one funnel turns them into one line."""

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


class GitError(InvalidFile):
    """A git command failed in a way the desk cannot explain (exit 4)."""


class ConcurrencyError(ItsmError):
    """The desk lock could not be had, or push retries ran out (exit 5)."""

    exit_code = 5


class PushRejected(ConcurrencyError):
    """What the decision read kept changing on the remote: the write path decided again
    RETRIES times (G4) and gives up; the commit was not kept."""


class Findings(ItsmError):
    """A check found problems (qa, audit: exit 1; validate: exit 4) or a sync left work
    unapplied (exit 1); the command printed them, so the funnel adds nothing."""

    def __init__(self, message: str, exit_code: int = 1, rule: str | None = None) -> None:
        super().__init__(message, rule)
        self.exit_code = exit_code


class NotPermitted(ItsmError):
    """The actor is unknown or their role may not run this command (exit 6)."""

    exit_code = 6
