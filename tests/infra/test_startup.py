"""infra/startup.py: what a command process does not import until it needs it (issue 13)."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import sys
from itsmctl.infra.startup import lean_imports
lean_imports()
import dataclasses
assert "inspect" not in sys.modules, "inspect imported with dataclasses"

@dataclasses.dataclass(frozen=True)
class Documented:
    '''A class with its docstring: dataclasses needs no inspect.'''
    a: int = 1

assert Documented(2).a == 2 and "inspect" not in sys.modules

@dataclasses.dataclass
class Bare:
    a: int
    b: str = "x"

import inspect
assert sys.modules["inspect"] is inspect and hasattr(inspect, "signature")
assert Bare.__doc__ == "Bare(a: int, b: str = 'x')", Bare.__doc__
print("ok")
"""


def test_dataclasses_without_inspect_until_a_class_needs_it():
    """dataclasses imported with a stand-in inspect: none is loaded for documented
    classes; the real one, and the usual signature, for a class without a docstring."""
    proc = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr
