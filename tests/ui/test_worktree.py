"""A desk checked out with `git worktree add` (where .git is a file, not the repository's
directory) is refused in one line before anything runs: the clone's own state lives in
.git/itsmctl, and `list` used to end in an internal error (NotADirectoryError)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.helpers import itsm, itsm_process


def test_a_desk_in_a_git_worktree_is_refused_in_one_line(desk: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    subprocess.run(["git", "worktree", "add", "-q", "-b", "elsewhere", str(other)], cwd=desk,
                   check=True)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=desk, capture_output=True,
                          text=True, check=True).stdout
    for args in (["list"], ["note", "INC-2612-AAAAA", "--text", "x"]):
        done = itsm_process(other, *args)
        assert done.code == 2, done
        assert "Traceback" not in done.err and len(done.err.strip().splitlines()) == 1
        assert ".git is a file" in done.err and "git clone" in done.err
    assert not (other / ".git").is_dir()
    assert subprocess.run(["git", "rev-parse", "HEAD"], cwd=desk, capture_output=True,
                          text=True, check=True).stdout == head
    assert itsm(desk, "list").code == 0            # the desk's own clone is unaffected
