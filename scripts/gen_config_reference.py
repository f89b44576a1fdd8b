"""Write docs/config-reference.md from the pydantic models of config/ (core/policy/).

Usage: python scripts/gen_config_reference.py [--check]
--check exits 1 when docs/config-reference.md differs from what the schemas say (the
tests run it), so the reference cannot drift from the code.

Keys, types, defaults and required-ness come from the models; each key's description
is the comment beside (or just above) the field in the model's source, and each model's
docstring introduces its table. Document a new field by commenting it in the model.
"""

from __future__ import annotations

import inspect
import re
import sys
import typing
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "config-reference.md"
FIELD = re.compile(r"^    (\w+)\s*:")


def comments(cls: type) -> dict[str, str]:
    """Field name -> its comment in the class source (trailing, else the lines above)."""
    try:
        lines, _ = inspect.getsourcelines(cls)
    except (OSError, TypeError):
        return {}
    out: dict[str, str] = {}
    above: list[str] = []
    for line in lines[1:]:
        stripped = line.strip()
        if line.startswith("    #"):
            above.append(stripped.lstrip("# ").strip())
            continue
        m = FIELD.match(line)
        if m and not stripped.startswith(("def ", "@", "return")):
            trailing = line.split("  # ", 1)[1].strip() if "  # " in line else ""
            out[m.group(1)] = trailing or " ".join(above)
        above = []
    return out


def type_name(ann: Any, models: list[type]) -> str:
    from pydantic import BaseModel

    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if ann is type(None):
        return "null"
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if origin is typing.Union or str(origin) == "types.UnionType":
        return " or ".join(type_name(a, models) for a in args)
    if origin in (list, tuple, set):
        return f"list of {type_name(args[0], models)}" if args else "list"
    if origin is dict:
        return f"map of {type_name(args[0], models)} → {type_name(args[1], models)}"
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        if ann not in models:
            models.append(ann)
        return f"[{ann.__name__}](#{ann.__name__.lower()})"
    if ann is timedelta:
        return "duration (`10m`, `8h`, `1d`)"
    if ann is date:
        return "date (YYYY-MM-DD)"
    return getattr(ann, "__name__", str(ann))


def default_text(field: Any) -> str:
    from pydantic import BaseModel
    from pydantic_core import PydanticUndefined

    from itsmctl.core.policy import format_duration

    if field.is_required():
        return "**required**"
    value = field.default
    if value is PydanticUndefined and field.default_factory is not None:
        value = field.default_factory()
    if isinstance(value, BaseModel):
        return "(its defaults)"
    if isinstance(value, timedelta):
        return f"`{format_duration(value)}`"
    if value is None:
        return "none"
    if value in ([], {}, ""):
        return "empty"
    return f"`{value}`"


def table(cls: type, models: list[type]) -> list[str]:
    notes = comments(cls)
    rows = ["| key | type | default | meaning |", "|---|---|---|---|"]
    for name, field in cls.model_fields.items():   # type: ignore[attr-defined]
        key = field.alias or name
        text = notes.get(name, "").replace("|", "\\|")
        if name == "version" and not text:
            text = "format of the file; itsmctl reads version 1"
        rows.append(f"| `{key}` | {type_name(field.annotation, models)} | "
                    f"{default_text(field)} | {text} |")
    return rows


def _doc(cls: type) -> list[str]:
    doc = inspect.getdoc(cls) or ""
    if not doc or doc.startswith(("Usage docs", "!!! abstract")):
        return []
    return [doc, ""]


def render() -> str:
    from itsmctl.infra.config import FILES, _model_for

    lines = ["# Configuration reference", "",
             "Every file under `config/`, generated from the models in `itsmctl/core/` by",
             "`scripts/gen_config_reference.py` (do not edit by hand: a test regenerates it).",
             "Each file starts with `version: 1`. `itsmctl validate` checks all of them and",
             "names the file, line and key of any problem. The shipped profiles",
             "(`itsmctl/profiles/default/config/`, `.../desktop/config/`) are full examples.",
             ""]
    models: list[type] = []
    for key, name in FILES.items():
        cls = _model_for(key)
        lines += [f"## config/{name}", "", *_doc(cls), *table(cls, models), ""]
    lines += ["## Nested sections", ""]
    done: set[type] = set()
    while len(done) < len(models):
        for cls in list(models):
            if cls in done:
                continue
            done.add(cls)
            lines += [f"### {cls.__name__}", "", *_doc(cls), *table(cls, models), ""]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    from _generated import write_or_check

    return write_or_check(OUT, render, argv, "gen_config_reference.py")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main(sys.argv[1:]))
