"""app/write.binder reads a use case's arguments as inspect.signature's bind does."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any, Optional

import pytest

import itsmctl.app
from itsmctl.app.write import binder


def _recorded() -> list[Any]:
    found = []
    for info in pkgutil.iter_modules(itsmctl.app.__path__):
        module = importlib.import_module(f"itsmctl.app.{info.name}")
        for value in vars(module).values():
            wrapped = getattr(value, "__wrapped__", None)
            if getattr(value, "replayable", False) and wrapped is not None and \
                    value.__module__ == module.__name__:
                found.append(wrapped)
    return found


def _calls(fn: Any) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """Every way of passing the required parameters positionally or by name, with the
    optional ones left out, all given by name, or all given positionally."""
    params = list(inspect.signature(fn).parameters.values())
    values = {p.name: f"v-{p.name}" for p in params}
    required = [p for p in params if p.default is inspect.Parameter.empty]
    optional = [p for p in params if p.default is not inspect.Parameter.empty]
    calls = []
    for cut in range(len(required) + 1):
        head = tuple(values[p.name] for p in required[:cut])
        tail = {p.name: values[p.name] for p in required[cut:]}
        calls.append((head, dict(tail)))
        calls.append((head, {**tail, **{p.name: values[p.name] for p in optional}}))
    positional = [p for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
    calls.append((tuple(values[p.name] for p in positional),
                  {p.name: values[p.name] for p in params if p.kind is p.KEYWORD_ONLY
                   and p.default is inspect.Parameter.empty}))
    return calls


def _inspect_bind(fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs)
    except TypeError:
        return TypeError
    bound.apply_defaults()
    return list(bound.arguments.items())


def _ours(fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    try:
        return list(binder(fn)(args, kwargs).items())
    except TypeError:
        return TypeError


def test_every_recorded_use_case_is_bound_as_inspect_binds_it():
    use_cases = _recorded()
    assert len(use_cases) >= 25
    checked = 0
    for fn in use_cases:
        for args, kwargs in _calls(fn):
            assert _ours(fn, args, kwargs) == _inspect_bind(fn, args, kwargs), (fn, args,
                                                                                 kwargs)
            checked += 1
    assert checked > 100


def _sample(a: int, b: Optional[str] = None, *, c: int, d: str = "d") -> None:
    """Keyword-only parameters, with and without defaults."""


def _sample_pos(a: int, /, b: int = 2) -> None:
    """A positional-only parameter."""


def _sample_var(a: int, *rest: int, **more: int) -> None:
    """*args and **kwargs: inspect binds these."""


@pytest.mark.parametrize("fn,args,kwargs", [
    (_sample, (1,), {"c": 3}), (_sample, (1, "b"), {"c": 3, "d": "x"}),
    (_sample, (), {"a": 1, "c": 3}), (_sample, (1,), {}), (_sample, (1, 2, 3), {"c": 3}),
    (_sample, (1,), {"c": 3, "e": 5}), (_sample, (1,), {"a": 1, "c": 3}),
    (_sample_pos, (1,), {}), (_sample_pos, (1, 5), {}), (_sample_pos, (), {"a": 1}),
    (_sample_pos, (1,), {"b": 4}),
    (_sample_var, (1, 2, 3), {"x": 4}), (_sample_var, (), {}),
])
def test_odd_signatures_are_bound_as_inspect_binds_them(fn, args, kwargs):
    assert _ours(fn, args, kwargs) == _inspect_bind(fn, args, kwargs)
