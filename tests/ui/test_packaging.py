"""Packaging: every data file of the package ships in the wheel; --version; python -m."""

import glob
import subprocess
import sys
from pathlib import Path

import tomllib

from itsmctl import __version__

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "itsmctl"


def test_package_data_globs_cover_every_data_file():
    """setuptools expands package-data with glob (no dotfiles for `*`): every file of
    the package that is not Python source must match one of the patterns."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["itsmctl"]
    shipped = {p for pattern in patterns
               for p in glob.glob(pattern, root_dir=PACKAGE, recursive=True)}
    data = {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts}
    assert data, "no data files found"
    assert not data - shipped, f"not in the wheel: {sorted(data - shipped)}"
    for needed in ("profiles/kb", "profiles/default/config/teams.yaml",
                   "profiles/gitops/CODEOWNERS", "locale/zh_CN/LC_MESSAGES/itsmctl.mo"):
        assert any(p.startswith(needed) for p in shipped), needed


def test_version_and_python_m():
    out = subprocess.run([sys.executable, "-m", "itsmctl", "--version"], capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == f"itsmctl, version {__version__}"
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert config["project"]["version"] == __version__
    assert f"## [{__version__}]" in (ROOT / "CHANGELOG.md").read_text()
