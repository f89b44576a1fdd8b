"""STYLE habit 1: the core imports no shell libraries (click, git, ruamel, tabulate, yaml)."""

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "itsmctl" / "core"
FORBIDDEN = {"click", "git", "ruamel", "tabulate", "yaml", "subprocess", "smtplib", "socket"}


def test_core_is_pure():
    for path in CORE.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"


def test_top_level_config_matches_default_profile():
    root = CORE.parents[1]
    profile = root / "itsmctl" / "profiles" / "default" / "config"
    for f in profile.glob("*.yaml"):
        assert (root / "config" / f.name).read_text() == f.read_text(), f.name
