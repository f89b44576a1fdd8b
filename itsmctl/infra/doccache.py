"""Large ticket files kept parsed between processes, by content (issue 13).

A storm's master holds a history event for every slave linked to it: hundreds of
events, 25-80 KB of YAML, read back by every hook of the storm (~3 ms each for the
fast reader, a third of a 50-alert hook's own work with its six largest tickets). The
committer has the mapping it dumped such a file from; it keeps it, pickled, under
.git/itsmctl/docs1/ named by the SHA-1 of the file's bytes, and the next reader of
those exact bytes unpickles it instead of parsing them. Keyed by content, an entry is
never stale; the writer drops the entry of the version it replaced, and the folder is
kept under MAX_FILES. A cache: an entry that cannot be read or written is parsed
again. Only files of SIZE_FROM bytes or more (most tickets are 3-5 KB: parsing one is
cheaper than reading a file).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

SIZE_FROM = 8 << 10
MAX_FILES = 256
_DIR = ("itsmctl", "docs1")         # 1: the format of its files (a pickled mapping)


def _folder(root: Path) -> Path:
    return root / ".git" / _DIR[0] / _DIR[1]


def _name(data: bytes) -> str:
    """The entry's file: the SHA-1 of the bytes (_sha1 itself: hashlib loads OpenSSL,
    ~2 ms, and the index module sqlite)."""
    try:
        from _sha1 import sha1
    except ImportError:  # pragma: no cover
        from hashlib import sha1
    return sha1(data).hexdigest() + ".pickle"


def get(root: Path, data: bytes) -> Optional[dict[str, Any]]:
    """The mapping these bytes parse to, when it was kept; None to parse them."""
    if len(data) < SIZE_FROM:
        return None
    import pickle  # (here: a transition of a small ticket loads no pickle, issue 13)

    try:
        with open(_folder(root) / _name(data), "rb") as fh:
            doc = pickle.load(fh)
    except Exception:  # noqa: BLE001 - absent, torn or foreign: parsed instead
        return None
    return doc if isinstance(doc, dict) else None


def put(root: Path, data: bytes, doc: dict[str, Any], replaced: Optional[bytes] = None) -> None:
    """Keep the mapping `data` was dumped from (it parses back to it), dropping the
    entry of the bytes it replaced."""
    folder = _folder(root)
    try:
        if replaced is not None and len(replaced) >= SIZE_FROM:
            (folder / _name(replaced)).unlink(missing_ok=True)
        if len(data) < SIZE_FROM:
            return
        import pickle

        folder.mkdir(parents=True, exist_ok=True)
        target = folder / _name(data)
        tmp = folder / f".{os.getpid()}.tmp"
        tmp.write_bytes(pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, target)
        _prune(folder)
    except OSError:
        pass


def _prune(folder: Path) -> None:
    """At most MAX_FILES entries: the oldest go first."""
    entries = [e for e in os.scandir(folder) if e.name.endswith(".pickle")]
    if len(entries) <= MAX_FILES:
        return
    entries.sort(key=lambda e: e.stat().st_mtime_ns)
    for entry in entries[:len(entries) - MAX_FILES]:
        try:
            os.unlink(entry.path)
        except OSError:
            pass
