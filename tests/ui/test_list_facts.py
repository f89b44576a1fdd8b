"""`list` and its filters read the config's plain facts (infra/config.py load_facts),
not its models, and those facts follow every change of the config (issue 13)."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys

from itsmctl.infra.config import load_facts, load_policy
from tests.helpers import BILLING, dispatched, itsm, ok, open_ticket


def _modules_after(desk, *args: str) -> list[str]:
    """The heavy modules a `list` process imported (in a fresh process)."""
    code = ("import sys\nfrom itsmctl.ui.main import main\n"
            "try:\n    main(sys.argv[1:])\nexcept SystemExit as e:\n    code = e.code\n"
            "print([m for m in ('pydantic', 'itsmctl.core.model', 'itsmctl.core.policy',"
            " 'yaml', 'ruamel') if m in sys.modules], file=sys.stderr)\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ITSMCTL_")}
    proc = subprocess.run([sys.executable, "-c", code, "--repo", str(desk), "--actor",
                           "carol", "--now", "2026-11-25T09:00:00+08:00", *args],
                          capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    return eval(proc.stderr.strip().splitlines()[-1])  # noqa: S307 - our own print


def test_list_filters_and_the_actor_load_no_config_model(desk):
    dispatched(desk)
    ok(itsm(desk, "list"))                       # caches made once
    for args in (["list"], ["list", "--mine"], ["list", "--assignee", "carol@example.com"],
                 ["list", "--my-groups", "--unassigned"], ["list", "--view", "my-groups"],
                 ["list", "--group", "billing-app", "--priority", "p3"]):
        assert _modules_after(desk, *args) == [], args


def test_facts_follow_a_change_of_teams_and_views(desk):
    tid = dispatched(desk)
    assert ok(itsm(desk, "list", "--assignee", "carol")).out.strip() == "(none)"
    r = itsm(desk, "list", "--assignee", "zed")
    assert r.code == 2 and "unknown assignee 'zed'" in r.err
    teams = desk / "config" / "teams.yaml"
    text = teams.read_text()
    assert "  carol:" in text
    teams.write_text(text.replace("  carol:", "  zed: {name: Zed, email: zed@example.com, "
                                  "roles: [support], groups: [billing-app]}\n  carol:", 1))
    assert ok(itsm(desk, "list", "--assignee", "ZED@example.com")).out.strip() == "(none)"
    assert tid in ok(itsm(desk, "list", "--my-groups", actor="zed")).out
    views = desk / "config" / "views.yaml"
    views.write_text(views.read_text() + "  zeds:\n    label: z\n    group: billing-app\n")
    assert tid in ok(itsm(desk, "list", "--view", "zeds")).out
    assert load_facts(desk)["known"]["views"]["zeds"]["group"] == "billing-app"


def test_facts_of_an_older_format_are_made_again(desk):
    open_ticket(desk, *BILLING)
    load_policy(desk)
    cache = desk / ".git" / "itsmctl" / "facts.pickle"
    fmt, stamp, facts = pickle.loads(cache.read_bytes())
    cache.write_bytes(pickle.dumps((1, stamp, {"timezone": facts["timezone"],
                                               "priority_levels": facts["priority_levels"]})))
    assert ok(itsm(desk, "list", "--mine", actor="carol")).out.strip() == "(none)"
    assert "known" in pickle.loads(cache.read_bytes())[2]


def test_I1_unknown_actor_is_refused_from_the_facts_as_from_the_models(desk):
    r = itsm(desk, "list", "--mine", actor="nobody")
    assert r.code == 6 and "unknown actor 'nobody' (from --actor)" in r.err
    assert ok(itsm(desk, "list", "--mine", actor="CAROL@example.com")).code == 0
