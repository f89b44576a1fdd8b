"""C2 through the CLI and real git: `what-if BASE [HEAD]` on a desk with open tickets, and
the CI example that posts it on a config pull request."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.helpers import BILLING, dispatched, git, itsm, ok, open_ticket

ROOT = Path(__file__).resolve().parents[2]
LATER = "2026-11-25T09:30:00+08:00"


def shorter_p4_accept(desk: Path, commit: bool = True) -> None:
    path = desk / "config" / "sla.yaml"
    path.write_text(path.read_text().replace("P4: {respond: 1h, accept: 2h",
                                             "P4: {respond: 1h, accept: 20m"))
    if commit:
        git(desk, "commit", "-qam", "sla: P4 accept 20m", "-m", "Itsmctl-Approved-By: mike")


def test_C2_what_if_names_moved_deadlines_and_breaches_at_once(desk):
    late = dispatched(desk)                              # dispatched 09:00, accept due 11:00
    waiting = open_ticket(desk, *BILLING, title="new one")
    base = git(desk, "rev-parse", "HEAD").strip()
    shorter_p4_accept(desk)
    data = ok(itsm(desk, "--json", "what-if", base, "HEAD", now=LATER)).json
    assert data["open_tickets"] == 2 and data["files"] == ["config/sla.yaml"]
    moved = {(r["id"], r["phase"]): r["moved_seconds"] for r in data["deadlines"]}
    assert moved == {(late, "accept"): -100 * 60}
    assert [r["id"] for r in data["breach_at_once"]] == [late]
    assert data["summary"]["breach_at_once"] == 1 and waiting not in moved
    table = ok(itsm(desk, "what-if", base, "HEAD", now=LATER)).out
    assert "In breach at once (1)" in table and "-1h40m" in table
    md = ok(itsm(desk, "what-if", base, "HEAD", "--format", "markdown", now=LATER)).out
    assert md.startswith(f"### itsmctl what-if: `{base}` → `HEAD`")
    assert "| In breach at once | 1 |" in md and f"| {late} | accept |" in md


def test_C2_head_defaults_to_the_work_tree_and_changes_nothing(desk):
    dispatched(desk)
    before = git(desk, "rev-parse", "HEAD").strip()
    shorter_p4_accept(desk, commit=False)
    data = ok(itsm(desk, "--json", "what-if", "HEAD", now=LATER)).json
    assert data["head"] == "work tree" and data["summary"]["deadlines"] == 1
    assert git(desk, "rev-parse", "HEAD").strip() == before


def test_C2_bad_revisions_and_configs_that_do_not_load(desk):
    assert itsm(desk, "what-if", "no-such-rev").code == 2
    path = desk / "config" / "sla.yaml"
    path.write_text(path.read_text().replace("auto_close_after: 30d", "auto_close_after: x"))
    git(desk, "commit", "-qam", "broken")
    r = itsm(desk, "what-if", "HEAD~1", "HEAD")
    assert r.code == 4 and "HEAD:config/sla.yaml" in r.err


def test_C2_the_ci_example_posts_it_on_a_config_pull_request(desk, tmp_path):
    dispatched(desk)
    git(desk, "update-ref", "refs/remotes/origin/main", "HEAD")
    git(desk, "checkout", "-q", "-b", "sla-change")
    shorter_p4_accept(desk)
    gh = yaml.safe_load((ROOT / "contrib/ci/github-actions.yml").read_text())
    job = gh["jobs"]["what-if"]
    assert job["if"] == "github.event_name == 'pull_request'"
    assert job["permissions"]["pull-requests"] == "write"
    script = job["steps"][-1]["run"].replace("${{ github.base_ref }}", "main")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "itsmctl").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m itsmctl "$@"\n')
    log = tmp_path / "gh.log"
    (bindir / "gh").write_text(f'#!/bin/sh\necho "$@" >> "{log}"\ncat what-if.md >> "{log}"\n')
    for exe in bindir.iterdir():
        exe.chmod(0o755)
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}", "PR": "7",
           "ITSMCTL_NOW": LATER}
    proc = subprocess.run(["bash", "-eo", "pipefail", "-c", script], cwd=desk, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    posted = log.read_text()
    assert posted.startswith("pr comment 7 --body-file what-if.md --edit-last")
    assert "### itsmctl what-if" in posted and "| SLA deadlines moved | 1 |" in posted
    gl = yaml.safe_load((ROOT / "contrib/ci/gitlab-ci.yml").read_text())
    assert any("what-if" in line and "--format markdown" in line
               for line in gl["what-if"]["script"])
