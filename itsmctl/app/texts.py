"""Canned texts (W4): config/templates/NAME.md (or .txt), chosen by name."""

from __future__ import annotations

from itsmctl.app.session import Session
from itsmctl.errors import UsageError

SUFFIXES = (".md", ".txt")


def names(session: Session) -> dict[str, str]:
    """Template name -> its first line, for help and completion."""
    folder = session.root / "config" / "templates"
    out: dict[str, str] = {}
    for path in sorted(folder.glob("*")) if folder.is_dir() else []:
        if path.suffix in SUFFIXES and path.is_file():
            first = next((line for line in path.read_text(encoding="utf-8").splitlines()
                          if line.strip() and not line.startswith("#")), "")
            out.setdefault(path.stem, first.strip())
    return out


def canned(session: Session, name: str) -> str:
    """The text of a template, its `#` comment lines left out."""
    folder = session.root / "config" / "templates"
    for suffix in SUFFIXES:
        path = folder / f"{name}{suffix}"
        if "/" not in name and path.is_file():
            lines = path.read_text(encoding="utf-8").splitlines()
            return "\n".join(line.rstrip() for line in lines
                             if not line.startswith("#")).strip()
    known = ", ".join(names(session)) or "none (config/templates/ is empty)"
    raise UsageError(f"unknown template {name!r}; known: {known}", rule="W4")
