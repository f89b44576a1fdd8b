"""Ticket files as itsmctl's dump_ticket writes them, dumped in pieces (bench/desksim.py)."""

from __future__ import annotations

from typing import Any, Optional

from bench import generate as itsm

Piece = tuple[str, bytes]      # (repr of the value, its YAML)


class Dumps:
    """itsmctl's dump_ticket, in pieces. A ticket file is a block mapping: it is the
    concatenation of its keys dumped one by one, and a list of mappings (history,
    notifications) that of its items. Each piece is dumped once and reused while its
    value is unchanged; the pieces that changed are dumped in one call (one for the keys,
    one per list) and cut apart at their first lines, or one by one should a cut not come
    out. PyYAML's representer is pure Python and was two thirds of the generator's time.
    tests/test_bench_generate.py checks every file against dump_ticket byte for byte."""

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
                if hit is None or hit[0] != text:
                    todo.setdefault(container, []).append((ck, v, text))
        for container, changed in todo.items():
            self._fill(mine, container, changed)
        return b"".join(p if isinstance(p, bytes) else mine[p][1] for p in order)

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
                mine[piece[0]] = (piece[2], self._dump(container, [piece]))
            return
        for (ck, _, text), a, b in zip(changed, cuts, [*cuts[1:], len(out)]):
            mine[ck] = (text, out[a:b])

    def forget(self, tid: str) -> None:
        self.cache.pop(tid, None)
