"""The GitOps kit: `init --gitops`, CI examples that sweep on a schedule, CODEOWNERS."""

import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.helpers import dispatched, git, itsm, ok

ROOT = Path(__file__).resolve().parents[2]
KIT = ROOT / "itsmctl" / "profiles" / "gitops"
KIT_FILES = {".github/workflows/desk.yml", ".gitlab-ci.yml", ".pre-commit-config.yaml",
             "CODEOWNERS"}


def test_packaged_kit_is_the_contrib_examples():
    for name in ("github-actions.yml", "gitlab-ci.yml", "CODEOWNERS"):
        assert (KIT / name).read_text() == (ROOT / "contrib" / "ci" / name).read_text(), name


def test_init_gitops_writes_the_kit_in_the_first_commit(tmp_path):
    r = ok(itsm(tmp_path, "--json", "init", str(tmp_path / "desk"), "--gitops", actor=None))
    desk = Path(r.json["root"])
    assert r.json["gitops"] is True
    committed = set(git(desk, "ls-files").split())
    assert KIT_FILES <= committed
    assert git(desk, "status", "--porcelain") == ""
    owners = [line for line in (desk / "CODEOWNERS").read_text().splitlines()
              if line and not line.startswith("#")]
    # C1: from governance.yaml - rules by the incident manager, information by the desk
    # or the incident manager, people (日常维护) without approval
    assert owners[0] == "config/ mike@example.com"
    assert "/config/sla.yaml mike@example.com" in owners
    assert "/config/categories.yaml alice@example.com bob@example.com mike@example.com" \
        in owners
    assert "/config/teams.yaml" in owners
    assert ok(itsm(desk, "validate")).code == 0 and ok(itsm(desk, "audit")).code == 0
    plain = tmp_path / "plain"
    ok(itsm(tmp_path, "init", str(plain), actor=None))
    assert not (plain / "CODEOWNERS").exists() and not (plain / ".github").exists()


def test_desk_pre_commit_config_runs_the_published_hooks(tmp_path):
    published = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    local = yaml.safe_load((KIT / "pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
    assert {h["id"] for h in local} == set(published)
    for hook in local:
        want = published[hook["id"]]
        for key in ("entry", "files", "pass_filenames", "stages", "always_run"):
            assert hook.get(key) == want.get(key), (hook["id"], key)


def test_ci_checks_pull_requests_and_sweeps_on_a_schedule():
    gh = yaml.safe_load((KIT / "github-actions.yml").read_text())
    triggers = gh[True]                                    # YAML 1.1 reads `on` as true
    assert {"pull_request", "schedule"} <= set(triggers)
    check = gh["jobs"]["check"]["if"]
    assert "pull_request" in check and "schedule" not in check
    sweep = gh["jobs"]["sweep"]
    assert "schedule" in sweep["if"] and sweep["permissions"]["contents"] == "write"
    assert "itsmctl sweep" in sweep["steps"][-1]["run"]
    gl = yaml.safe_load((KIT / "gitlab-ci.yml").read_text())
    assert gl["desk"]["rules"][0] == {"if": '$CI_PIPELINE_SOURCE == "schedule"', "when": "never"}
    assert gl["sweep"]["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "schedule"'}]
    assert "itsmctl sweep --quiet" in gl["sweep"]["script"]


def test_S4_ci_sweep_step_commits_and_pushes(desk, tmp_path):
    """The scheduled job's commands, run as written against a desk with a remote."""
    tid = dispatched(desk)
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    git(desk, "remote", "add", "origin", str(remote))
    git(desk, "push", "-q", "origin", "main")
    gh = yaml.safe_load((KIT / "github-actions.yml").read_text())
    step = gh["jobs"]["sweep"]["steps"][-1]["run"]
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "itsmctl").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m itsmctl "$@"\n')
    (bindir / "itsmctl").chmod(0o755)
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}",
           "ITSMCTL_NOW": "2026-12-20T09:00:00+08:00"}        # long past every deadline
    proc = subprocess.run(["bash", "-eo", "pipefail", "-c", step], cwd=desk, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    pushed = subprocess.run(["git", "--git-dir", str(remote), "log", "-1", "--format=%an%n%B",
                             "main"], capture_output=True, text=True).stdout
    assert pushed.startswith("itsmctl sweep") and tid in pushed
