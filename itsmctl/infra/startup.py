"""Start-up cost of a command process: importing pydantic without what we do not use.

A transition is a fresh process, so its imports are a large part of its cost. Two
things pydantic brings in are never used here: the plugin scan over every installed
distribution's entry points (PYDANTIC_DISABLE_PLUGINS turns it off), and asyncio,
which typing_extensions' @deprecated imports (~15 ms) only to ask whether each
decorated function is a coroutine function, and `importlib.metadata` (~20 ms with the
email package it loads), which the plugin loader imports for `entry_points` that it
calls only when plugins are enabled. While pydantic loads, both are stand-ins (the
metadata one hands any call to the real module); they are removed afterwards, so a
later real import gets the real package.

dataclasses imports `inspect` (with ast, dis and tokenize: ~8 ms, the most costly
import of `list --mine`) for one use: the signature of a class without a docstring.
It is imported here with a stand-in `inspect` that imports the real one on first use.
"""

from __future__ import annotations

import os
import sys
import types

TYPE_CHECKING = False
if TYPE_CHECKING:
    from importlib.machinery import ModuleSpec
    from typing import Any, Optional, Sequence


def lean_imports() -> None:
    """For a command process, before anything imports pydantic: plugins off, and
    `importlib.metadata` a stand-in that imports the real module on first real use
    (pydantic's plugin loader only binds `entry_points`, which it never calls with
    plugins off). Whatever pydantic a command needs is then imported when it needs it:
    `list` need not import it at all."""
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    _lazy_ipaddress()
    _lean_dataclasses()
    _lean_msgspec()
    if "importlib.metadata" in sys.modules or "pydantic" in sys.modules:
        return
    import importlib

    stand_in = _lazy_metadata()
    sys.modules["importlib.metadata"] = stand_in
    importlib.metadata = stand_in  # type: ignore[attr-defined]


def quick_pydantic() -> None:
    """Import pydantic (once) the cheap way; harmless if it is already loaded."""
    if "pydantic" in sys.modules:
        return
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    if "asyncio" in sys.modules:
        import pydantic  # noqa: F401

        return
    import inspect

    package = types.ModuleType("asyncio")
    coroutines = types.ModuleType("asyncio.coroutines")
    coroutines.iscoroutinefunction = inspect.iscoroutinefunction  # type: ignore[attr-defined]
    coroutines._is_coroutine = object()  # type: ignore[attr-defined]
    package.coroutines = coroutines  # type: ignore[attr-defined]
    stand_ins = {"asyncio": package, "asyncio.coroutines": coroutines}
    if "importlib.metadata" not in sys.modules:
        stand_ins["importlib.metadata"] = _lazy_metadata()
    sys.modules.update(stand_ins)
    try:
        import pydantic  # noqa: F401
        import pydantic.main  # noqa: F401

        from itsmctl.core import model, policy  # noqa: F401  (their @deprecated uses)
    finally:
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]


def lean_click() -> None:
    """Import click (and what the command imports after it) with `inspect` a stand-in:
    the real module, with ast, dis and tokenize, is ~6 ms of every command click runs.
    click calls `inspect.cleandoc` on each help text as the commands are built and
    `inspect.isfunction` on option defaults, both answered here; typing_extensions
    (under msgspec) imports inspect for functions we never call. The stand-in stays in
    sys.modules until something asks it for anything else: that imports the real
    module, which every later import then gets."""
    _lazy_ipaddress()
    if "click" in sys.modules or "inspect" in sys.modules:
        return
    stand_in = _lazy("inspect")
    stand_in.cleandoc = cleandoc  # type: ignore[attr-defined]
    stand_in.isfunction = _isfunction  # type: ignore[attr-defined]
    sys.modules["inspect"] = stand_in
    import click  # noqa: F401


def _lazy_ipaddress() -> None:
    """pathlib imports urllib.parse, which imports ipaddress (~1 ms) for one check of a
    URL's bracketed host, a function no command of ours calls: a stand-in until then."""
    if "ipaddress" not in sys.modules and "urllib.parse" not in sys.modules:
        sys.modules["ipaddress"] = _lazy("ipaddress")


def cleandoc(doc: str) -> str:
    """inspect.cleandoc: tabs expanded, the first line's leading blanks and the common
    indentation of the others removed, then leading and trailing blank lines."""
    lines = doc.expandtabs().split("\n")
    margin = min((len(line) - len(line.lstrip()) for line in lines[1:] if line.lstrip()),
                 default=None)
    lines[0] = lines[0].lstrip()
    if margin is not None:
        lines[1:] = [line[margin:] for line in lines[1:]]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(lines)


def _isfunction(obj: object) -> bool:
    return isinstance(obj, types.FunctionType)


def _lean_msgspec() -> None:
    """Have msgspec, when something imports it, load without typing_extensions, which
    on Python 3.10-3.12 calls `inspect.signature` as it loads (inspect, ast, dis,
    tokenize: ~6 ms of every command that reads a ticket). msgspec imports it only if
    it can, for `get_type_hints` and `Required`/`NotRequired` (TypedDict keys), and
    otherwise takes typing's: for classes these are the same function, and our
    structs have no TypedDict. Anything imported later (pydantic) gets the real
    typing_extensions; a command that never reads a ticket (`list`) imports neither."""
    if "msgspec" in sys.modules or "typing_extensions" in sys.modules:
        return
    _once("msgspec", _Blocking, lambda: "typing_extensions" not in sys.modules)


class _Once:
    """A meta path finder for one module, once: the spec the path finder gives, its
    loader wrapped by `wrap` (when `ready()` still holds as the module is found)."""

    def __init__(self, name: str, wrap: Any, ready: Any) -> None:
        self.name, self.wrap, self.ready = name, wrap, ready

    def find_spec(self, name: str, path: Optional[Sequence[str]] = None,
                  target: Optional[types.ModuleType] = None) -> Optional[ModuleSpec]:
        if name != self.name:
            return None
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        from importlib.machinery import PathFinder

        spec = PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None and self.ready():
            spec.loader = self.wrap(spec.loader)
        return spec


def _once(name: str, wrap: Any, ready: Any) -> None:
    """Put a _Once finder for `name` first on the meta path (unless one is there)."""
    if not any(isinstance(f, _Once) and f.name == name for f in sys.meta_path):
        sys.meta_path.insert(0, _Once(name, wrap, ready))


class _Wrapped:
    """A loader that runs another (exec_module is each subclass's own)."""

    def __init__(self, loader: Any) -> None:
        self._loader = loader

    def create_module(self, spec: Any) -> Any:
        return self._loader.create_module(spec)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


class _Blocking(_Wrapped):
    """A loader that runs another with typing_extensions unimportable."""

    def exec_module(self, module: Any) -> None:
        blocked = "typing_extensions" not in sys.modules
        if blocked:
            sys.modules["typing_extensions"] = None  # type: ignore[assignment]
        # msgspec's JSON schema module imports textwrap for docstrings of schemas we
        # never make: a stand-in, the real module on first use
        lazy = None if "textwrap" in sys.modules else _lazy("textwrap")
        if lazy is not None:
            sys.modules["textwrap"] = lazy
        # msgspec imports uuid, which imports platform (~1.6 ms of CPU: its patterns)
        # for one call, platform.system(): answered from os.uname() on Linux, where it
        # is that; any other call, or another system, gets the real module
        host = None if "platform" in sys.modules else _lazy("platform")
        if host is not None:
            host.system = _system  # type: ignore[attr-defined]
            sys.modules["platform"] = host
        # msgspec.inspect (~30 struct types of msgspec's own, ~1 ms) serves type
        # introspection and JSON schemas, which no command of ours asks of a ticket:
        # a stand-in, the real module on first use
        lazy_inspect = None if "msgspec.inspect" in sys.modules else _lazy("msgspec.inspect")
        if lazy_inspect is not None:
            sys.modules["msgspec.inspect"] = lazy_inspect
        # msgspec._utils asks whether typing.ForwardRef takes `is_class` by making one,
        # which compiles its text: the first compile() of a process sets up the AST
        # types (~10M instructions, ~1.5 ms). Where it does take it, the probe gets a
        # stand-in that compiles nothing; msgspec's later forward references (it makes
        # them when it is asked for string annotations) get the real class
        import typing

        real_ref = typing.ForwardRef
        probe = sys.version_info >= (3, 11)     # where ForwardRef takes `is_class`
        if probe:
            typing.ForwardRef = _ProbeRef  # type: ignore[misc, assignment]
        try:
            self._loader.exec_module(module)
        finally:
            if probe:
                typing.ForwardRef = real_ref  # type: ignore[misc]
            if lazy_inspect is not None and sys.modules.get("msgspec.inspect") is lazy_inspect:
                del sys.modules["msgspec.inspect"]
            if blocked and sys.modules.get("typing_extensions", False) is None:
                del sys.modules["typing_extensions"]
            if lazy is not None and sys.modules.get("textwrap") is lazy:
                del sys.modules["textwrap"]
            if host is not None and sys.modules.get("platform") is host:
                del sys.modules["platform"]


class _ProbeRef:
    """typing.ForwardRef's signature (3.11), for msgspec's probe of it alone."""

    def __init__(self, arg: str, is_argument: bool = True, module: Any = None, *,
                 is_class: bool = False) -> None:
        self.__forward_arg__ = arg


def _system() -> str:
    """platform.system(): on Linux, os.uname()'s sysname, as platform.uname() makes it."""
    try:
        name = os.uname().sysname
    except AttributeError:
        name = ""
    if name == "Linux":
        return name
    import importlib

    if isinstance(sys.modules.get("platform"), types.ModuleType) and \
            getattr(sys.modules["platform"], "system", None) is _system:
        del sys.modules["platform"]
    return str(importlib.import_module("platform").system())


def _lean_dataclasses() -> None:
    """Have dataclasses, when something imports it, load with `inspect` a stand-in that
    imports the real module when dataclasses first uses it (a class without a
    docstring). What dataclasses imports besides (re, copy, functools...) does not
    import inspect; the stand-in is gone from sys.modules afterwards, so any later
    `import inspect` gets the real module. Not imported here: a transition defines no
    dataclass (the import and its pattern were ~1 ms of each, issue 13)."""
    if "dataclasses" in sys.modules or "inspect" in sys.modules:
        return
    _once("dataclasses", _WithoutInspect, lambda: "inspect" not in sys.modules)


class _WithoutInspect(_Wrapped):
    """A loader that runs another with `inspect` a stand-in."""

    def exec_module(self, module: Any) -> None:
        stand_in = None if "inspect" in sys.modules else _lazy("inspect")
        if stand_in is not None:
            sys.modules["inspect"] = stand_in
        try:
            self._loader.exec_module(module)
        finally:
            if stand_in is not None and sys.modules.get("inspect") is stand_in:
                del sys.modules["inspect"]


def _lazy(name: str) -> types.ModuleType:
    """A module whose attributes are those of the real module `name`, imported on the
    first attribute asked for."""
    stand_in = types.ModuleType(name)

    def attribute(attr: str) -> object:
        if attr.startswith("__"):       # the import system asks for __path__ and such
            raise AttributeError(attr)
        import importlib

        if sys.modules.get(name) is stand_in:
            del sys.modules[name]
        return getattr(importlib.import_module(name), attr)

    setattr(stand_in, "__getattr__", attribute)
    return stand_in


def _real_metadata() -> types.ModuleType:
    import importlib

    module = sys.modules.get("importlib.metadata")
    if module is None or getattr(module, "_itsmctl_stand_in", False):
        sys.modules.pop("importlib.metadata", None)
        module = importlib.import_module("importlib.metadata")
    return module


def _lazy_metadata() -> types.ModuleType:
    """importlib.metadata whose functions import the real module when called, and
    whose other attributes are the real module's (imported on first access)."""
    stand_in = types.ModuleType("importlib.metadata")
    stand_in._itsmctl_stand_in = True  # type: ignore[attr-defined]

    def forward(name: str) -> object:
        def call(*args: object, **kwargs: object) -> object:
            return getattr(_real_metadata(), name)(*args, **kwargs)
        return call

    for name in ("entry_points", "version", "distribution", "distributions"):
        setattr(stand_in, name, forward(name))
    def attribute(name: str) -> object:
        if name.startswith("__"):       # the import system asks for __path__ and such
            raise AttributeError(name)
        return getattr(_real_metadata(), name)

    setattr(stand_in, "__getattr__", attribute)
    return stand_in
