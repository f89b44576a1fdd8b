"""G5, G6: the shipped pre-commit hooks and CI examples run the real commands."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

from tests.helpers import dispatched, git, itsm, ok

ROOT = Path(__file__).resolve().parents[2]


def hooks() -> dict[str, dict]:
    return {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}


def test_G5_G6_pre_commit_hooks_are_well_formed():
    h = hooks()
    assert set(h) == {"itsmctl-validate", "itsmctl-audit"}
    files = re.compile(h["itsmctl-validate"]["files"])
    assert files.search("config/teams.yaml") and files.search("tickets/2026/11/INC-2611-7KQ3X.yaml")
    assert not files.search("kb/KB-0001.md") and not files.search("tickets/.gitkeep")
    assert h["itsmctl-audit"]["stages"] == ["pre-push"] and not h["itsmctl-audit"]["pass_filenames"]


def test_G5_pre_commit_validate_runs_on_the_staged_files(desk):
    tid = dispatched(desk)
    args = shlex.split(hooks()["itsmctl-validate"]["entry"])[1:]
    rel = f"tickets/2026/11/{tid}.yaml"
    assert "valid" in ok(itsm(desk, *args, rel, "config/teams.yaml")).out
    path = desk / rel
    path.write_text(path.read_text().replace("priority: P4", "priority: P1"))
    assert itsm(desk, *args, rel).code == 4


def test_G6_pre_push_audit_uses_pre_commits_from_ref(desk):
    first = dispatched(desk)
    base = git(desk, "rev-parse", "HEAD").strip()
    path = desk / f"tickets/2026/11/{first}.yaml"
    path.write_text(path.read_text().replace("status: assigned", "status: new"))
    git(desk, "commit", "-qam", "hand edit")
    args = shlex.split(hooks()["itsmctl-audit"]["entry"])[1:]
    assert itsm(desk, *args).code == 1
    head = git(desk, "rev-parse", "HEAD").strip()
    assert itsm(desk, *args, env={"PRE_COMMIT_FROM_REF": head}).code == 0
    assert itsm(desk, *args, env={"PRE_COMMIT_FROM_REF": base}).code == 1
    assert itsm(desk, *args, env={"PRE_COMMIT_FROM_REF": "0" * 40}).code == 1


def test_G5_G6_ci_examples_run_validate_and_audit_since_the_base():
    gh = yaml.safe_load((ROOT / "contrib/ci/github-actions.yml").read_text())
    runs = [s.get("run", "") for s in gh["jobs"]["check"]["steps"]]
    assert 'itsmctl validate --since "$BASE"' in runs and 'itsmctl audit --since "$BASE"' in runs
    checkout = gh["jobs"]["check"]["steps"][0]
    assert checkout["with"]["fetch-depth"] == 0
    gl = yaml.safe_load((ROOT / "contrib/ci/gitlab-ci.yml").read_text())
    script = gl["desk"]["script"]
    assert 'itsmctl validate --since "$BASE"' in script
    assert 'itsmctl audit --since "$BASE"' in script
    assert gl["desk"]["variables"]["GIT_DEPTH"] == "0"


def test_G5_G6_empty_or_zero_base_checks_everything(desk):
    dispatched(desk)
    for base in ("", "0" * 40):
        assert "valid" in ok(itsm(desk, "validate", "--since", base)).out
        assert ok(itsm(desk, "--json", "audit", "--since", base)).json["commits"] == 3
