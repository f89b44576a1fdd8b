"""U3: payloads that arrive while a commit is being made wait for the next one, which takes
them all: a storm of hundreds of alerts a second costs a few commits and loses none.

One worker thread runs the batches, one at a time (the desk lock would serialise them
anyway). After the first payload of a batch it keeps gathering while more keep coming
(a pause of `quiet` seconds ends it, `max_wait` bounds it), so the senders that were
answered together and post again at once share a commit too. A batch that fails is
run again payload by payload, so one bad payload fails alone.
"""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import Future
from typing import Callable, Generic, Optional, TypeVar

P = TypeVar("P")
R = TypeVar("R")
_STOP = object()


class Batcher(Generic[P, R]):
    def __init__(self, run: Callable[[list[P]], list[R]], weight: Callable[[P], int],
                 quiet: float = 0.02, max_wait: float = 0.25, max_weight: int = 1000) -> None:
        self.run, self.weight = run, weight
        self.quiet, self.max_wait, self.max_weight = quiet, max_wait, max_weight
        self.inbox: queue.Queue[object] = queue.Queue()
        self.batches = 0                       # batches run (commits at most), for metrics
        self.closed = False
        self.thread = threading.Thread(target=self._loop, name="itsmctl-hooks", daemon=True)
        self.thread.start()

    def submit(self, item: P) -> "Future[R]":
        done: Future[R] = Future()
        if self.closed:
            done.set_exception(RuntimeError("the service is stopping"))
            return done
        self.inbox.put((item, done))
        return done

    def close(self, timeout: float = 60.0) -> None:
        """Finish what was submitted, then stop the worker."""
        self.closed = True
        self.inbox.put(_STOP)
        self.thread.join(timeout)

    def _loop(self) -> None:
        stopping = False
        while not stopping:
            first = self.inbox.get()
            if first is _STOP:
                return
            batch = [first]
            weight = self.weight(first[0])  # type: ignore[index]
            deadline = time.monotonic() + self.max_wait
            while weight < self.max_weight:
                wait = min(self.quiet, deadline - time.monotonic())
                if wait <= 0:
                    break
                try:
                    item = self.inbox.get(timeout=wait)
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                batch.append(item)
                weight += self.weight(item[0])  # type: ignore[index]
            self._run(batch)  # type: ignore[arg-type]

    def _run(self, batch: list[tuple[P, "Future[R]"]]) -> None:
        self.batches += 1
        try:
            results: Optional[list[R]] = self.run([item for item, _ in batch])
        except BaseException as exc:  # noqa: BLE001 (handed to the waiting requests)
            if len(batch) == 1:
                self.finish(batch[0][0], batch[0][1], None, exc)
                return
            for one in batch:
                self._run([one])
            return
        assert results is not None and len(results) == len(batch)
        for (item, done), result in zip(batch, results):
            self.finish(item, done, result, None)

    def finish(self, item: P, done: "Future[R]", result: Optional[R],
               error: Optional[BaseException]) -> None:
        """Hand an item's outcome to whoever waits for it."""
        if error is not None:
            done.set_exception(error)
        else:
            done.set_result(result)  # type: ignore[arg-type]
