"""Ticket files as itsmctl's dump_ticket writes them, dumped in pieces (bench/desksim.py).

PyYAML's representer is pure Python and was two thirds of the generator's time. A ticket
file is a block mapping: it is the concatenation of its keys dumped one by one, and a
list of mappings (history, notifications) that of its items. So each piece is dumped
once and reused while its value is unchanged. A mapping whose change is only in
one-line scalars with the same keys (a notification marked sent, the SLA clocks of
`sla`) has just those lines re-dumped and put in place, each found by its key at its
exact indentation under its parents' keys. The other pieces that changed are dumped in
one call (one for the keys, one per list) and cut apart at their first lines, or one by
one should a cut not come out. tests/test_bench_generate.py checks every file against
dump_ticket byte for byte.
"""

from __future__ import annotations

import re
from typing import Any, Optional

from bench import generate as itsm

Piece = tuple[str, bytes, Any]      # (repr of the value, its YAML, the value)
Leaf = tuple[tuple[str, ...], Any]  # path of keys under the piece, new value
_KEY = re.compile(r"^[a-z_]+$")


def _scalar(value: Any) -> bool:
    """A value PyYAML writes on the line of its key."""
    return value is None or isinstance(value, (bool, int, float)) or (
        isinstance(value, str) and "\n" not in value and "\r" not in value)


def _leaves(old: Any, new: Any, path: tuple[str, ...], out: list[Leaf]) -> bool:
    """The changed one-line leaves of `new`; False unless that is all that changed."""
    if isinstance(old, dict) and isinstance(new, dict):
        if list(old) != list(new) or not all(_KEY.match(k) for k in new):
            return False
        return all(_leaves(old[k], new[k], (*path, k), out) for k in new if old[k] != new[k])
    if _scalar(old) and _scalar(new) and path:
        out.append((path, new))
        return True
    return False


def _nest(leaves: list[Leaf]) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for path, value in leaves:
        node = doc
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
    return doc


class Dumps:
    """itsmctl's dump_ticket, in pieces (see the module's docstring)."""

    def __init__(self) -> None:
        self.cache: dict[str, dict[Any, Piece]] = {}

    def __call__(self, ticket: Any) -> bytes:
        mine = self.cache.setdefault(ticket.id, {})
        order: list[Any] = []
        todo: dict[Optional[str], list[tuple[Any, Any, str]]] = {}
        for key, value in ticket.to_doc().items():
            if isinstance(value, list) and value and all(isinstance(x, dict) for x in value):
                order.append(f"{key}:\n".encode())
                pieces = [((key, i), item) for i, item in enumerate(value)]
                container: Optional[str] = key
            else:
                pieces, container = [(key, value)], None
            for ck, v in pieces:
                order.append(ck)
                text = repr(v)
                hit = mine.get(ck)
                if hit is not None and hit[0] == text:
                    continue
                patched = self._patch(hit, v, container, ck) if hit is not None else None
                if patched is not None:
                    mine[ck] = (text, patched, v)
                else:
                    todo.setdefault(container, []).append((ck, v, text))
        for container, changed in todo.items():
            self._fill(mine, container, changed)
        return b"".join(p if isinstance(p, bytes) else mine[p][1] for p in order)

    @staticmethod
    def _patch(hit: Piece, new: Any, container: Optional[str], ck: Any) -> Optional[bytes]:
        """The cached YAML with the changed one-line leaves re-dumped, or None."""
        leaves: list[Leaf] = []
        if not isinstance(new, dict) or not _leaves(hit[2], new, (), leaves):
            return None
        if container is None:               # a key of the file: its lines start at 2
            lines = itsm.dump_ticket({ck: _nest(leaves)}).split(b"\n")[1:]
        else:                               # an item of a list: "- " is its indentation
            body = itsm.dump_ticket({container: [_nest(leaves)]})[len(container) + 2:]
            lines = (b"  " + body[2:]).split(b"\n")
        old, at = hit[1], 0
        seen: tuple[str, ...] = ()
        edits: list[tuple[int, int, bytes]] = []
        for path, _ in leaves:
            shared = next(i for i in range(len(path)) if path[:i + 1] != seen[:i + 1])
            at += len(path) - 1 - shared                 # header lines of new parent keys
            line = lines[at]
            at += 1
            seen, pos = path, 0
            for d, key in enumerate(path):
                mark = b" " * (2 * d + 2) + key.encode() + b":"
                if container is not None and d == 0 and old.startswith(b"- " + mark[2:]):
                    pos = 0
                    continue
                found = old.find(b"\n" + mark, pos)
                if found < 0:
                    return None
                pos = found + 1
            end = old.find(b"\n", pos)
            if not line.startswith(b" " * (2 * len(path)) + path[-1].encode() + b":") \
                    or end < 0:
                return None
            if pos == 0 and container is not None:
                line = b"- " + line[2:]
            edits.append((pos, end, line))
        out, last = [], 0
        for a, b, line in sorted(edits):
            out += [old[last:a], line]
            last = b
        return b"".join(out) + old[last:]

    @staticmethod
    def _dump(container: Optional[str], values: list[tuple[Any, Any, str]]) -> bytes:
        if container is None:
            return itsm.dump_ticket({ck: v for ck, v, _ in values})
        return itsm.dump_ticket({container: [v for _, v, _ in values]})[len(container) + 2:]

    def _fill(self, mine: dict[Any, Piece], container: Optional[str],
              changed: list[tuple[Any, Any, str]]) -> None:
        out = self._dump(container, changed)
        cuts: list[int] = []
        for ck, _, _ in changed:
            mark = f"{ck}:".encode() if container is None else b"- "
            if not cuts:
                at = 0 if out.startswith(mark) else -1
            else:
                at = out.find(b"\n" + mark, cuts[-1]) + 1 or -1
            if at < 0:
                break
            cuts.append(at)
        if len(cuts) != len(changed) or (container is not None and
                                         out.find(b"\n- ", cuts[-1]) != -1):
            for piece in changed:                       # not cut cleanly: one by one
                mine[piece[0]] = (piece[2], self._dump(container, [piece]), piece[1])
            return
        for (ck, v, text), a, b in zip(changed, cuts, [*cuts[1:], len(out)]):
            mine[ck] = (text, out[a:b], v)

    def forget(self, tid: str) -> None:
        self.cache.pop(tid, None)
