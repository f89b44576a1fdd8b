"""Progress on work that may take over a second (import, export, search index build,
audit, qa): a bar on a terminal, nothing in a pipe."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import NOW, make_desk
from tests.ui.test_term import _env, on_tty

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_progress_of_import_export_search_audit_qa_on_a_terminal_only(tmp_path):
    sys.path.insert(0, str(ROOT))
    try:
        from bench.exchange import glpi_csv
    finally:
        sys.path.pop(0)
    desk = make_desk(tmp_path / "desk")
    rows = tmp_path / "glpi.csv"
    glpi_csv(rows, 600)
    base = [sys.executable, "-m", "itsmctl", "--repo", str(desk), "--actor", "alice",
            "--now", NOW]
    shown = on_tty(base + ["import", str(rows), "--mapping", "glpi"], _env(), desk)
    assert "checking the rows" in shown and "importing tickets" in shown
    assert "600/600" in shown
    shown = on_tty(base + ["export", "--out", str(tmp_path / "out.json")], _env(), desk)
    assert "exporting tickets" in shown
    shown = on_tty(base + ["search", "打印机"], _env(), desk)
    assert "building the search index" in shown
    assert "auditing the history" in on_tty(base + ["audit"], _env(), desk)
    proc = subprocess.run(base + ["qa"], capture_output=True, text=True, env=_env(), cwd=desk)
    assert "checking tickets" not in proc.stderr                  # a pipe: no bar
    piped = subprocess.run(base + ["export", "--format", "csv"], capture_output=True,
                           text=True, env=_env(), cwd=desk)
    assert piped.returncode == 0 and piped.stderr == ""
