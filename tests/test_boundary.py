"""STYLE's four rooms, checked over every import (function-level ones included):

    ui -> app -> {core, infra};  infra -> core (models, policy, errors);  core -> errors

Nothing imports ui (but `python -m itsmctl`); core does no I/O and reads no clock; only
infra starts processes.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "itsmctl"
ROOMS = ("core", "infra", "app", "ui")
# room -> rooms (and top-level modules) it may import
MAY_IMPORT = {
    "core": {"core", "errors"},
    "infra": {"infra", "core", "errors", "__init__"},
    "app": {"app", "core", "infra", "errors"},
    "ui": {"ui", "app", "core", "infra", "errors", "__init__"},
}
# I/O and clocks the core may not touch (stdlib and libraries)
CORE_FORBIDDEN_MODULES = {"os", "pathlib", "subprocess", "time", "socket", "smtplib",
                          "sqlite3", "shutil", "tempfile", "io", "click", "git", "ruamel",
                          "yaml", "tabulate", "urllib.request", "http", "threading",
                          "asyncio"}
CORE_FORBIDDEN_CALLS = {"open", "print", "input"}
CORE_FORBIDDEN_ATTRS = {("datetime", "now"), ("datetime", "today"), ("date", "today"),
                        ("datetime", "utcnow")}


def python_files(room: str) -> list[Path]:
    return sorted((PACKAGE / room).rglob("*.py"))


def room_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def imported(tree: ast.AST, path: Path) -> list[tuple[int, str]]:
    """Every module an import names, absolute, with its line."""
    out = []
    package = ".".join(("itsmctl", *path.relative_to(PACKAGE).parts[:-1]))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            out.append((node.lineno, module))
            out += [(node.lineno, f"{module}.{a.name}") for a in node.names
                    if module in ("itsmctl", *(f"itsmctl.{r}" for r in ROOMS))]
    return out


def target_room(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "itsmctl":
        return None
    if len(parts) > 1 and (parts[1] in ROOMS or parts[1] == "errors"):
        return parts[1]
    return "__init__"          # the package itself (__version__)


def test_every_room_has_files():
    for room in ROOMS:
        assert python_files(room), f"no files in itsmctl/{room}/: the check would prove nothing"


@pytest.mark.parametrize("room", ROOMS)
def test_imports_go_one_way(room):
    problems = []
    for path in python_files(room):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for line, module in imported(tree, path):
            target = target_room(module)
            if target is not None and target not in MAY_IMPORT[room]:
                problems.append(f"{path.relative_to(PACKAGE)}:{line} imports {module}")
    assert not problems, "\n".join(problems)


def test_nothing_outside_ui_imports_ui():
    for path in PACKAGE.rglob("*.py"):
        if room_of(path) in ("ui", "__main__"):
            continue
        for line, module in imported(ast.parse(path.read_text(encoding="utf-8")), path):
            assert target_room(module) != "ui", f"{path}:{line} imports {module}"


def test_core_does_no_io_and_reads_no_clock():
    problems = []
    for path in python_files("core"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(PACKAGE)
        for line, module in imported(tree, path):
            if module in CORE_FORBIDDEN_MODULES or module.split(".")[0] in \
                    CORE_FORBIDDEN_MODULES:
                problems.append(f"{where}:{line} imports {module}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id in CORE_FORBIDDEN_CALLS:
                problems.append(f"{where}:{node.lineno} calls {node.func.id}()")
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and (node.value.id, node.attr) in CORE_FORBIDDEN_ATTRS:
                problems.append(f"{where}:{node.lineno} reads the clock "
                                f"({node.value.id}.{node.attr})")
    assert not problems, "\n".join(problems)


def test_only_infra_starts_processes():
    for path in PACKAGE.rglob("*.py"):
        if room_of(path) == "infra":
            continue
        for line, module in imported(ast.parse(path.read_text(encoding="utf-8")), path):
            assert module.split(".")[0] != "subprocess", f"{path}:{line} imports subprocess"


def test_git_runs_only_through_infra_git():
    """One git runner: no other module names the git executable in a process call."""
    for path in python_files("infra"):
        if path.name == "git.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert '["git"' not in text and "'git'," not in text, path


def test_top_level_config_matches_default_profile():
    root = PACKAGE.parent
    profile = PACKAGE / "profiles" / "default" / "config"
    for f in profile.glob("*.yaml"):
        assert (root / "config" / f.name).read_text() == f.read_text(), f.name


def test_one_class_per_name():
    """A class name means one thing across the package (issue 10): two `Commit`s or
    `Entry`s make a reader check which module a name came from. Private ones excepted."""
    where: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                where.setdefault(node.name, []).append(str(path.relative_to(PACKAGE)))
    assert where, "no classes found"
    twice = {name: paths for name, paths in where.items() if len(paths) > 1}
    assert not twice, twice
