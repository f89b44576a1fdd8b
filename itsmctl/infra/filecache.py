"""Parsed files kept between processes, each keyed by its stat (issue 13).

`open` ranks the knowledge base for every new ticket: parsing each article's front
matter with ruamel and validating it cost ~25 ms of CPU per article, every time. A
`StatCache` keeps what was parsed from each file in .git/itsmctl/<name>.pickle, keyed by
the file's (mtime_ns, size, inode) and the code that parsed it (itsmctl's version and
the stat of the modules given), as the policy cache does (infra/config.py). A file that
changed is parsed again; one that failed is never cached; a cache that cannot be read
is ignored and rewritten; outside a git directory nothing is kept.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable, Optional

_FORMAT = 2         # 2: the kb cache keeps each article's terms beside its record


def _stat(path: Path) -> Optional[tuple[int, int, int]]:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class StatCache:
    """{file name: (its stat, what was parsed from it)} for one kind of file."""

    def __init__(self, root: Path, name: str, code: Iterable[Path]) -> None:
        from itsmctl import __version__

        git = root / ".git"
        self.path = git / "itsmctl" / f"{name}.pickle" if git.is_dir() else None
        self.code = (_FORMAT, __version__, *(_stat(p) for p in code))
        self.entries: dict[str, tuple[Any, Any]] = {}
        self.changed = False
        if self.path is None:
            return
        from itsmctl.infra.config import unpickle

        try:
            with self.path.open("rb") as fh:
                code, entries = unpickle(fh)
            if code == self.code and isinstance(entries, dict):
                self.entries = entries
        except Exception:  # absent, stale or foreign: parsed again and rewritten
            pass

    def get(self, path: Path) -> Any:
        """What was parsed from this file as it is now; None when it must be parsed."""
        stat = _stat(path)
        found = self.entries.get(path.name)
        if found is None or stat is None or found[0] != stat:
            return None
        return found[1]

    def put(self, path: Path, value: Any, stat: Optional[tuple[int, int, int]]) -> None:
        """Keep what was parsed from the file whose stat was `stat` before it was read."""
        if stat is not None and stat == _stat(path):
            self.entries[path.name] = (stat, value)
            self.changed = True

    def replace(self, path: Path, value: Any) -> None:
        """Keep more of what was made from a file whose entry is current (get found it)."""
        found = self.entries.get(path.name)
        if found is not None:
            self.entries[path.name] = (found[0], value)
            self.changed = True

    def keep_only(self, names: Iterable[str]) -> None:
        """Forget files that are gone."""
        wanted = set(names)
        for name in [n for n in self.entries if n not in wanted]:
            del self.entries[name]
            self.changed = True

    def save(self) -> None:
        if self.path is None or not self.changed:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}")
            with tmp.open("wb") as fh:
                import pickle

                pickle.dump((self.code, self.entries), fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)
        except OSError:
            pass

    @staticmethod
    def stat(path: Path) -> Optional[tuple[int, int, int]]:
        return _stat(path)
