"""What every docs generator shares: write the file, or with --check say it is stale."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Callable, Optional


def write_or_check(out: Path, render: Callable[[], str], argv: list[str], script: str,
                   normalize: Optional[Callable[[str], str]] = None) -> int:
    text = render()
    same = normalize or (lambda t: t)
    if "--check" in argv:
        if not out.is_file() or same(out.read_text(encoding="utf-8")) != same(text):
            print(f"{out} is stale: run python scripts/{script}", file=sys.stderr)
            return 1
        return 0
    out.parent.mkdir(exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out.relative_to(Path(__file__).resolve().parents[1])}")
    return 0


def usage_brackets(text: str) -> str:
    """click 8.4 and 8.5 bracket an optional choice argument differently in Usage lines
    ([[a|b]] and [a|b]); the docs should not go stale with the installed click."""
    return re.sub(r"(?m)^(Usage: .*)$",
                  lambda m: re.sub(r"\[+", "[", re.sub(r"\]+", "]", m.group(1))), text)
