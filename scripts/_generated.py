"""What every docs generator shares: write the file, or with --check say it is stale."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable


def write_or_check(out: Path, render: Callable[[], str], argv: list[str], script: str) -> int:
    text = render()
    if "--check" in argv:
        if not out.is_file() or out.read_text(encoding="utf-8") != text:
            print(f"{out} is stale: run python scripts/{script}", file=sys.stderr)
            return 1
        return 0
    out.parent.mkdir(exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out.relative_to(Path(__file__).resolve().parents[1])}")
    return 0
