"""U3: the hooks' queue. A payload is checked, kept in the spool (infra/spool.py) and
handed to the batcher (ui/web/batch.py), which folds everything that arrives while a
commit is being made into the next commit.

The sender waits for its commit up to `wait` seconds and hears what it did (200); when
the desk is busier than that (a storm on a slow machine), it hears 202 Accepted at the
deadline and the payload is committed from the spool shortly after, or at the next
start should the service be stopped first. A payload the desk refuses as malformed is
400 and kept under spool/rejected/; one it cannot take now (the desk locked too long, a
push refused, a config error) is 503/500 for a sender still waiting (it retries), and
retried here with a growing pause for one that was already answered.
"""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Optional

from itsmctl.errors import InvalidFile, ItsmError, RuleViolation, UsageError
from itsmctl.ui.web.batch import Batcher

if TYPE_CHECKING:
    from itsmctl.app.hooks import HookOutcome
    from itsmctl.app.session import Session
    from itsmctl.core.alerts import Received
    from itsmctl.infra.spool import Spool

MALFORMED = (InvalidFile, UsageError, RuleViolation)
MAX_PAUSE = 300.0


@dataclass(eq=False)
class Spooled:
    """A hook payload in the spool, waiting for its commit."""

    name: str                       # in the spool
    payload: "Received"
    owned: bool = False             # answered already: the service must commit it
    tries: int = 0


@dataclass
class Taken:
    """What the sender hears: 200 with the outcome, 202 queued, or the refusal."""

    status: int
    outcome: Optional["HookOutcome"] = None
    error: Optional[BaseException] = None
    name: str = ""


class HookQueue(Batcher[Spooled, "HookOutcome"]):
    def __init__(self, spool: "Spool", session: Callable[[], "Session"], log: Any,
                 wait: float) -> None:
        self.spool, self.session, self.log, self.wait = spool, session, log, wait
        self.lock = threading.Lock()
        self.timers: list[threading.Timer] = []
        super().__init__(self._receive, weight=lambda e: len(e.payload.alerts) or 1)

    def recover(self) -> int:
        """Payloads a previous run accepted but did not commit: committed now."""
        from itsmctl.app.hooks import parse

        found = self.spool.pending()
        for name, text in found:
            try:
                payload = parse(self.session(), text, f"spool/{name}")
            except (ItsmError, RecursionError) as exc:
                self.spool.reject(name, str(getattr(exc, "message", exc)))
                continue
            self.submit(Spooled(name, payload, owned=True))
        return len(found)

    async def take(self, payload: "Received", body: bytes, arrived: float) -> Taken:
        """Keep the payload, queue it, wait for its commit until `wait` seconds after
        the request `arrived` (time.monotonic())."""
        from starlette.concurrency import run_in_threadpool

        name = await run_in_threadpool(self.spool.put, body)
        entry = Spooled(name, payload)
        done = self.submit(entry)
        waiting = asyncio.wrap_future(done)
        await asyncio.wait({waiting}, timeout=max(0.0, arrived + self.wait - time.monotonic()))
        with self.lock:
            if not done.done():
                entry.owned = True
                return Taken(202, name=name)
        error = done.exception()
        if error is None:
            return Taken(200, outcome=done.result(), name=name)
        if not isinstance(error, MALFORMED):
            await run_in_threadpool(self.spool.done, name)     # the sender tries again
        return Taken(400 if isinstance(error, MALFORMED) else 503, error=error, name=name)

    def _receive(self, entries: list[Spooled]) -> list["HookOutcome"]:
        from itsmctl.app.hooks import receive_all

        outcomes = receive_all(self.session(), [e.payload for e in entries])
        for e in entries:
            self.spool.done(e.name)
        return outcomes

    def finish(self, item: Spooled, done: "Future[HookOutcome]", result: Any,
               error: Optional[BaseException]) -> None:
        with self.lock:
            if error is not None and isinstance(error, MALFORMED):
                self.spool.reject(item.name, str(getattr(error, "message", error)))
            elif error is not None and item.owned:
                self._later(item, error)
            super().finish(item, done, result, error)

    def _later(self, item: Spooled, error: BaseException) -> None:
        pause = min(MAX_PAUSE, 5.0 * 2 ** item.tries)
        item.tries += 1
        self.log.warning("hook payload %s not committed (%s: %s); again in %gs", item.name,
                         type(error).__name__, getattr(error, "message", error), pause)
        if self.closed:
            return                      # the next start takes it from the spool
        timer = threading.Timer(pause, self.submit, [item])
        timer.daemon = True
        self.timers = [t for t in self.timers if t.is_alive()] + [timer]
        timer.start()

    def close(self, timeout: float = 60.0) -> None:
        for timer in self.timers:
            timer.cancel()
        super().close(timeout)
