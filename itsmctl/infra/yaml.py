"""YAML in and out. Tickets: our fast reader and writer of the shape tickets have, with
libyaml (infra/libyaml.py, imported only when they decline) as the reference, YAML 1.1 on
both sides. Config and KB: ruamel round-trip, so the tool keeps the comments and key order
of files people edit."""

from __future__ import annotations

import io
import re
from typing import Any, Optional

from itsmctl.errors import InvalidFile


def load_ticket(text: bytes | str, where: str) -> Any:
    """Parse a ticket file; errors name the file and line.

    The fast reader (fastyaml) handles what dump_ticket writes and declines anything
    else, which libyaml then reads: same result, ~3x less time."""
    from itsmctl.infra import fastyaml

    decoded: Optional[str] = text if isinstance(text, str) else None
    if isinstance(text, bytes):
        try:
            decoded = text.decode("utf-8")
        except UnicodeDecodeError:
            pass            # libyaml names the bad byte
    doc = fastyaml.parse(decoded) if decoded is not None else None
    if doc is not None:
        return doc
    from itsmctl.infra import libyaml

    return libyaml.load_ticket(text, where)


def dump_ticket(doc: Any) -> bytes:
    """A ticket file's bytes. The fast writer (fastdump) writes what PyYAML would for
    the shapes tickets have, ~7x faster, and declines anything else, which PyYAML
    then writes."""
    from itsmctl.infra import fastdump

    fast = fastdump.dump(doc)
    if fast is not None:
        return fast
    return pyyaml_dump_ticket(doc)


def pyyaml_dump_ticket(doc: Any) -> bytes:
    """dump_ticket through PyYAML (libyaml's emitter): what fastdump must equal."""
    from itsmctl.infra import libyaml

    return libyaml.dump_ticket(doc)


def _ruamel() -> Any:
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.allow_unicode = True
    y.width = 4096
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def load_config(text: str, where: str) -> Any:
    """Parse a config or front-matter document (YAML 1.2, comments kept)."""
    from ruamel.yaml.error import YAMLError

    try:
        return _ruamel().load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InvalidFile(f"{where}{line}: not valid YAML: {problem}") from None


def dump_config(doc: Any) -> str:
    out = io.StringIO()
    _ruamel().dump(doc, out)
    return out.getvalue()


def plain(doc: Any) -> Any:
    """ruamel's commented containers as plain dicts and lists (for pydantic)."""
    if isinstance(doc, dict):
        return {plain(k): plain(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [plain(v) for v in doc]
    if type(doc).__module__.startswith("ruamel"):
        for base in (bool, int, float, str):
            if isinstance(doc, base):
                return base(doc)
    return doc


def line_of(doc: Any, path: tuple[Any, ...]) -> int | None:
    """1-based line of a key path in a ruamel document, where it can tell (the deepest
    key of the path it finds; path parts given as text also match number keys)."""
    node, line = doc, None
    for key in path:
        lc = getattr(node, "lc", None)
        if isinstance(node, dict) and key not in node and str(key).lstrip("-").isdigit() \
                and int(key) in node:
            key = int(key)
        if isinstance(node, list) and isinstance(key, str) and key.isdigit():
            key = int(key)
        try:
            if lc is not None and isinstance(node, dict) and key in node:
                line = lc.key(key)[0] + 1
            elif lc is not None and isinstance(node, list) and isinstance(key, int):
                line = lc.item(key)[0] + 1
            node = node[key]
        except (KeyError, IndexError, TypeError):
            break
    return line


_PATH = re.compile(r"^([A-Za-z_][\w\-]*(?:\.[\w\-]+)*): (.+)$", re.S)


def locate(doc: Any, loc: tuple[Any, ...], message: str) -> tuple[int, str, str]:
    """(line, key path, message) of a config problem: a check of a whole model reports
    no location, so the key path its message starts with is used; the line of the
    file's first key when nothing better is known (validate promises file:line)."""
    path = tuple(loc)
    if not path:
        m = _PATH.match(message)
        if m:
            path, message = tuple(m.group(1).split(".")), m.group(2)
    line = line_of(doc, path) if path else None
    if line is None:
        line = line_of(doc, (next(iter(doc)),)) if isinstance(doc, dict) and doc else 1
    return line or 1, ".".join(str(x) for x in path) or "(file)", message
