"""Hook payloads the web service has accepted but not yet committed (U3).

Each is a file in .git/itsmctl/spool/ (the clone's own state, never committed), written
whole and synced before the sender hears 2xx, removed once its commit is made. A service
killed in between finds them at its next start and commits them then: an accepted alert
is never lost, and one delivered twice changes nothing (H1). A payload the desk refuses
for good is kept under rejected/ with the reason, for a person to look at.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

SUFFIX = ".json"


class Spool:
    def __init__(self, root: Path) -> None:
        self.dir = root / ".git" / "itsmctl" / "spool"
        self.dir.mkdir(parents=True, exist_ok=True)

    def put(self, body: str | bytes) -> str:
        """Keep a payload; its name (oldest first when sorted)."""
        name = f"{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(4)}"
        tmp = self.dir / f".{name}.tmp"
        with open(tmp, "wb") as fh:
            fh.write(body.encode("utf-8") if isinstance(body, str) else body)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.dir / (name + SUFFIX))
        return name

    def done(self, name: str) -> None:
        (self.dir / (name + SUFFIX)).unlink(missing_ok=True)

    def reject(self, name: str, reason: str) -> None:
        rejected = self.dir / "rejected"
        rejected.mkdir(exist_ok=True)
        source = self.dir / (name + SUFFIX)
        if source.exists():
            os.replace(source, rejected / (name + SUFFIX))
            (rejected / (name + ".reason")).write_text(reason + "\n", encoding="utf-8")

    def pending(self) -> list[tuple[str, str]]:
        """(name, payload) of every payload still to commit, oldest first."""
        out = []
        for path in sorted(self.dir.glob("*" + SUFFIX)):
            try:
                out.append((path.name[:-len(SUFFIX)], path.read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError):
                continue
        return out

    def count(self) -> int:
        return sum(1 for _ in self.dir.glob("*" + SUFFIX))
