"""What a transition, `open`, `show` and the hook load (issue 13): with the desk's caches
made, not click (ui/quick.py runs them through the console script), neither pydantic
(the ticket is a msgspec struct, the policy its plain twin, the knowledge articles
`open` ranks plain records) nor PyYAML (tickets go through infra/fastyaml and
infra/fastdump) is imported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.helpers import BILLING, NOW, USER, open_ticket

HEAVY = ("pydantic", "yaml", "itsmctl.core.policy.whole", "ruamel")
# click: ui/quick.py runs these commands without it; msgspec: the probe sees what the
# command loaded
PROBED = (*HEAVY, "click", "msgspec")
PROBE = """
import json, sys
from itsmctl.ui.entry import main
try:
    main()
except SystemExit as exc:
    code = exc.code
print(json.dumps([code, [m for m in {heavy!r} if m in sys.modules]]), file=sys.stderr)
"""


def probe(desk: Path, *args: str, stdin: str = "") -> tuple[list[str], str]:
    """(the heavy modules the command loaded, what else it wrote on stderr)"""
    code = PROBE.format(heavy=PROBED)
    proc = subprocess.run([sys.executable, "-c", code, "--repo", str(desk), "--actor", "alice",
                           "--now", NOW, *args], input=stdin, capture_output=True, text=True,
                          timeout=120)
    *said, last = proc.stderr.strip().splitlines()
    status, loaded = json.loads(last)
    assert status in (0, None), proc.stderr
    return loaded, "\n".join(said)


def run(desk: Path, *args: str, stdin: str = "") -> tuple[object, list[str]]:
    return None, probe(desk, *args, stdin=stdin)[0]


def test_transitions_show_and_hook_load_neither_pydantic_nor_pyyaml(desk):
    ticket = open_ticket(desk, *BILLING)
    run(desk, "note", ticket, "--text", "makes the caches")        # first: caches made
    assert run(desk, "note", ticket, "--text", "a note")[1] == ["msgspec"]
    assert run(desk, "assign", ticket, "--group", "billing-app")[1] == ["msgspec"]
    assert run(desk, "show", ticket)[1] == ["msgspec"]
    payload = {"version": "4", "status": "firing", "receiver": "itsmctl", "alerts": [
        {"status": "firing", "labels": {"alertname": "DiskFull", "severity": "critical",
                                        "instance": "db1"},
         "annotations": {"summary": "disk full on db1"}, "startsAt": NOW,
         "fingerprint": "abc123"}]}
    status, loaded = run(desk, "--actor", "monitor", "hook", "alertmanager",
                         stdin=json.dumps(payload))
    assert loaded == ["msgspec"]


def test_open_ranks_the_knowledge_base_without_pydantic_or_pyyaml(desk):
    assert sorted((desk / "kb").glob("*.md"))          # the default profile's articles
    opening = ("open", *BILLING, *USER, "--title")
    probe(desk, *opening, "makes the caches")
    loaded, said = probe(desk, *opening, "计费出错 账单金额不对")
    assert loaded == ["msgspec"]
    assert "knowledge: KB-0001 " in said                 # it still suggests (K2)
    loaded, said = probe(desk, "open", *USER, "--title", "printer offline 打印机脱机")
    assert loaded == ["msgspec"] and "knowledge: KB-0006 " in said
