"""bench/stress.py on a tiny bounded load: every transition lands exactly once, audit clean.

Real parts on loopback: `git daemon` on 127.0.0.1, two clones of one desk, two writer
processes each, ten transitions plus the sweeps that fall in between.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_G4_stress_tiny_run_lands_each_transition_once_and_audits_clean() -> None:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "stress.py"), "--clones", "2", "--writers", "2",
         "--count", "10", "--duration", "120", "--pool", "2", "--shared", "2",
         "--sweep-every", "2", "--no-floor", "--seed", "7", "--json",
         "--itsmctl", f"{sys.executable} -m itsmctl"],
        capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:] + proc.stdout[-2000:]
    run = json.loads(proc.stdout)["itsmctl"]
    writes = run["by_command"]
    assert sum(v["runs"] for k, v in writes.items() if k != "sweep") == 10
    assert run["exactly_once"], run["problems"]
    landed_writes = sum(n for action, n in run["landed_by_action"].items() if action != "sweep")
    exited_0 = sum(v["exit_codes"].get("0", 0) for k, v in writes.items() if k != "sweep")
    assert landed_writes == exited_0 > 0
    assert 0 < run["remote_landed"] <= run["landed"]      # a push carries one commit or more
    assert run["sweeps"]["breaches_twice"] == 0 and run["dirty_clones"] == 0
    assert run["audit"]["ok"], run["audit"]["verdict"]
