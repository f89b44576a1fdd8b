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


def _dataclasses_without_docstring() -> list[str]:
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "itsmctl"
    bare = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and not ast.get_docstring(node) and any(
                    "dataclass" in ast.unparse(d) for d in node.decorator_list):
                bare.append(f"{path.relative_to(root)}:{node.lineno} {node.name}")
    return bare


def test_every_dataclass_has_a_docstring():
    """A dataclass without one makes dataclasses import the real inspect (with ast, dis
    and tokenize: ~6 ms) for its signature, in every command that imports it."""
    assert _dataclasses_without_docstring() == []


LEAN = ("inspect", "typing_extensions", "ast", "dis", "random", "ipaddress", "textwrap",
        "platform", "email", "pickle", "msgspec.inspect")
# and not by note or show (an assign notifies, and its notices' on-call rota and
# outbox do use these)
LEANER = (*LEAN, "dataclasses", "json")
PROBE = """
import sys
BASE = set(sys.modules)         # what this Python loads before any code of ours
from itsmctl.ui.entry import main
try:
    main()
except SystemExit as exc:
    code = exc.code
real = {name: vars(sys.modules[name]) for name in {names!r} if sys.modules.get(name)}
# a stand-in is in sys.modules until something asks it for more than its users do
print("LOADED", code, sorted(name for name, attrs in real.items()
                             if "__file__" in attrs and name not in BASE), file=sys.stderr)
"""


def test_a_transition_and_show_import_neither_inspect_nor_typing_extensions(desk):
    """inspect comes with click (a stand-in answers cleandoc and isfunction), with
    typing_extensions under msgspec (imported without it) and with a dataclass without
    a docstring; random with the lock and new ids, ipaddress with pathlib, textwrap
    with msgspec, platform with msgspec's uuid, email with a notice's Date header,
    pickle with the caches: none of them is loaded by note, assign or show; nor, by
    note or show, dataclasses (a dataclass) or json (the journal, trailer and ledger
    are msgspec's) (beyond what this
    Python loads at its start: an editable install's finder imports some)."""
    from tests.helpers import BILLING, NOW, open_ticket

    ticket = open_ticket(desk, *BILLING)
    for args in (("note", ticket, "--text", "caches"), ("note", ticket, "--text", "n"),
                 ("assign", ticket, "--group", "billing-app"), ("show", ticket)):
        names = LEAN if args[0] == "assign" else LEANER
        proc = subprocess.run([sys.executable, "-c", PROBE.replace("{names!r}", repr(names)),
                               "--repo", str(desk), "--actor",
                               "alice", "--now", NOW, *args], capture_output=True,
                              text=True, timeout=120)
        last = proc.stderr.strip().splitlines()[-1]
        if args[-1] != "caches":
            assert last == "LOADED 0 []" or last == "LOADED None []", (args, proc.stderr)


def test_msgspec_without_typing_extensions_reads_structs_as_with_it():
    """msgspec takes typing's get_type_hints when typing_extensions is not there; for
    the ticket's structs that decodes and encodes the same."""
    code = """
import sys
from itsmctl.infra.startup import lean_imports
lean_imports()
import msgspec._utils as u
assert u._get_type_hints.__module__ == "typing", u._get_type_hints.__module__
assert "typing_extensions" not in sys.modules
import msgspec
from itsmctl.core import model, part
import typing_extensions
structs = {v for m in (model, part) for v in vars(m).values()
           if isinstance(v, type) and issubclass(v, msgspec.Struct) and v is not msgspec.Struct}
assert len(structs) >= 5, structs
ours = {cls: u.get_class_annotations(cls) for cls in structs}
u._get_type_hints = typing_extensions.get_type_hints
assert ours == {cls: u.get_class_annotations(cls) for cls in structs}
print("ok")
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_cleandoc_is_inspects_for_every_help_text_and_odd_ones():
    import inspect

    import click
    from hypothesis import given
    from hypothesis import strategies as st

    from itsmctl.infra.startup import cleandoc
    from itsmctl.ui.main import cli

    texts = []

    def walk(command: click.Command, ctx: click.Context) -> None:
        texts.extend(t for t in (command.help, command.short_help, command.epilog) if t)
        texts.extend(p.help for p in command.params if getattr(p, "help", None))
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                if sub is not None:
                    walk(sub, click.Context(sub, parent=ctx, info_name=name))

    walk(cli, click.Context(cli, info_name="itsmctl"))
    assert len(texts) > 300
    for text in texts:
        assert cleandoc(text) == inspect.cleandoc(text)

    @given(st.lists(st.sampled_from(["", " ", "  ", "\t", "a", "b c", "\n", "  x\n", "\t\ty",
                                     "\u3000", "中"]), max_size=12).map("".join))
    def same(text: str) -> None:
        assert cleandoc(text) == inspect.cleandoc(text)

    same()


def test_platform_system_stand_in_answers_as_platform():
    """msgspec's uuid asks platform.system() while platform is a stand-in: the answer
    is the real module's, and uuid's other uses of it reach the real module; msgspec's
    own inspect module is loaded when first used, and works as ever then."""
    code = """
import sys
from itsmctl.infra.startup import lean_imports, _system
lean_imports()
import msgspec, uuid
assert "platform" not in sys.modules, "platform loaded with msgspec"
assert "msgspec.inspect" not in sys.modules, "msgspec.inspect loaded with msgspec"
import platform
assert _system() == platform.system()
assert uuid._LINUX == (platform.system() == "Linux") and uuid._AIX == (platform.system() == "AIX")
assert uuid.platform.machine() == platform.machine()
import msgspec.inspect
assert msgspec.inspect.type_info(int) == msgspec.inspect.IntType()
assert msgspec.json.schema(int) == {"type": "integer"}
print("ok")
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


COMPILES = """
import atexit, builtins, sys
made = []
real_compile = builtins.compile
# text, not the bytes of a module the import system compiles (no .pyc written in tests)
builtins.compile = lambda *a, **k: (isinstance(a[0], str) and made.append(a[0][:60])
                                    or real_compile(*a, **k))
atexit.register(lambda: print("COMPILED", made, file=sys.stderr))
sys.argv = ["itsmctl"] + sys.argv[1:]
from itsmctl.ui.entry import main
main()
"""


def test_note_assign_and_open_compile_no_code(desk):
    """compile() (typing compiles every quoted type it is given: a forward reference, a
    typing.NamedTuple field under `from __future__ import annotations`, a quoted bound;
    msgspec makes one to probe ForwardRef) sets up the AST types the first time it runs
    in a process: ~10M instructions, ~1.5 ms of each transition (issue 13)."""
    from tests.helpers import BILLING, NOW, USER, open_ticket

    ticket = open_ticket(desk, *BILLING)
    warm = ("note", ticket, "--text", "caches")
    for args in (warm, ("note", ticket, "--text", "n"), ("assign", ticket, "--group",
                                                         "billing-app"),
                 ("open", "--title", "计费出错 again", *USER, *BILLING)):
        proc = subprocess.run([sys.executable, "-c", COMPILES, "--repo", str(desk),
                               "--actor", "alice", "--now", NOW, *args],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        last = proc.stderr.strip().splitlines()[-1]
        if args is not warm:
            assert last == "COMPILED []", (args, proc.stderr)


def test_msgspec_probe_of_forward_references_leaves_the_real_class():
    """The stand-in msgspec's import-time probe gets is gone afterwards, and msgspec's
    own forward references (string annotations) are typing's."""
    code = ("import typing\nreal = typing.ForwardRef\n"
            "from itsmctl.infra.startup import lean_imports\nlean_imports()\n"
            "import msgspec\nassert typing.ForwardRef is real\n"
            "class S(msgspec.Struct):\n    a: 'int'\n    b: 'list[str]'\n"
            "assert msgspec.json.decode(b'{\"a\": 1, \"b\": [\"x\"]}', type=S) == S(1, ['x'])\n"
            "print('ok')\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.stdout.strip() == "ok", proc.stderr
