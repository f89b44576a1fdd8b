"""Measure what the default install of itsmctl puts on disk (issue 11: stay under 60 MB).

Usage: python scripts/install_size.py [PROJECT] [--budget MB]

Makes a fresh virtual environment in a temporary folder, runs `pip install PROJECT`
(default: this checkout; any pip requirement works, e.g. `pygal` to size a candidate),
then prints the size of site-packages as `du -sk` counts it and the size of each
installed distribution (its files as listed in RECORD, .pyc included), largest first.
pip and setuptools, which every venv has, are listed but not counted in 'itsmctl and
its dependencies'. --budget exits 1 when that sum is over MB megabytes (10^6 bytes).
Needs the package index (or a local mirror) that pip is configured with.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_TOOLS = {"pip", "setuptools", "wheel"}

_SIZES = """
import json, sys
from importlib.metadata import distributions
from pathlib import Path
rows = []
for d in distributions(path=[sys.argv[1]]):
    size = 0
    for f in d.files or []:
        p = Path(d.locate_file(f))
        size += p.stat().st_size if p.is_file() else 0
    rows.append([d.metadata["Name"], d.version, size])
print(json.dumps(rows))
"""


def measure(project: str) -> tuple[int, list[tuple[str, str, int]]]:
    with tempfile.TemporaryDirectory(prefix="itsmctl-size-") as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        python = venv / "bin" / "python"
        subprocess.run([str(python), "-m", "pip", "install", "--quiet",
                        "--disable-pip-version-check", project], check=True)
        site = subprocess.run([str(python), "-c", "import sysconfig; "
                               "print(sysconfig.get_paths()['purelib'])"],
                              check=True, capture_output=True, text=True).stdout.strip()
        du = subprocess.run(["du", "-sk", site], check=True, capture_output=True,
                            text=True).stdout.split()[0]
        rows = json.loads(subprocess.run([str(python), "-c", _SIZES, site], check=True,
                                         capture_output=True, text=True).stdout)
    return int(du) * 1024, sorted(((n, v, s) for n, v, s in rows), key=lambda r: -r[2])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", nargs="?", default=str(ROOT))
    parser.add_argument("--budget", type=float, metavar="MB")
    args = parser.parse_args()
    du, rows = measure(args.project)
    for name, version, size in rows:
        note = "  (the venv's own)" if name.lower() in VENV_TOOLS else ""
        print(f"{size / 1e6:8.1f} MB  {name} {version}{note}")
    ours = sum(size for name, _, size in rows if name.lower() not in VENV_TOOLS)
    print(f"{ours / 1e6:8.1f} MB  {args.project} and its dependencies")
    print(f"{du / 1e6:8.1f} MB  site-packages (du -sk, pip and setuptools included)")
    if args.budget is not None and ours > args.budget * 1e6:
        print(f"over the budget of {args.budget:g} MB", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
