"""Start-up cost of a command process: importing pydantic without what we do not use.

A transition is a fresh process, so its imports are a large part of its cost. Two
things pydantic brings in are never used here: the plugin scan over every installed
distribution's entry points (PYDANTIC_DISABLE_PLUGINS turns it off), and asyncio,
which typing_extensions' @deprecated imports (~15 ms) only to ask whether each
decorated function is a coroutine function. While pydantic loads, `asyncio` is a
stand-in that answers that question; it is removed afterwards, so a later real
`import asyncio` gets the real package.
"""

from __future__ import annotations

import inspect
import os
import sys
import types


def quick_pydantic() -> None:
    """Import pydantic (once) the cheap way; harmless if it is already loaded."""
    if "pydantic" in sys.modules:
        return
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    if "asyncio" in sys.modules:
        import pydantic  # noqa: F401

        return
    package = types.ModuleType("asyncio")
    coroutines = types.ModuleType("asyncio.coroutines")
    coroutines.iscoroutinefunction = inspect.iscoroutinefunction  # type: ignore[attr-defined]
    coroutines._is_coroutine = object()  # type: ignore[attr-defined]
    package.coroutines = coroutines  # type: ignore[attr-defined]
    sys.modules["asyncio"], sys.modules["asyncio.coroutines"] = package, coroutines
    try:
        import pydantic  # noqa: F401
        import pydantic.main  # noqa: F401

        from itsmctl.core import model, policy  # noqa: F401  (their @deprecated uses)
    finally:
        for name in ("asyncio.coroutines", "asyncio"):
            if sys.modules.get(name) in (package, coroutines):
                del sys.modules[name]
