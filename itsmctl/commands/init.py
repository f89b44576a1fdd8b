"""`itsmctl init DIR`: a new desk repository from a profile, with its first commit."""

from __future__ import annotations

import shutil
from pathlib import Path

from itsmctl.errors import UsageError

PROFILES = ("default", "desktop")
PROFILE_DIR = Path(__file__).resolve().parent.parent / "profiles"


def init(target: str, profile: str = "default", gitops: bool = False) -> Path:
    from itsmctl.store import git

    if profile not in PROFILES:
        raise UsageError(f"unknown profile {profile!r}; one of: {', '.join(PROFILES)}")
    root = Path(target).resolve()
    if (root / "config").exists():
        raise UsageError(f"{root} already has a config/ folder; choose an empty directory")
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(PROFILE_DIR / profile / "config", root / "config")
    kb_src = PROFILE_DIR / "kb"
    if kb_src.is_dir():
        shutil.copytree(kb_src, root / "kb", dirs_exist_ok=True)
    else:
        (root / "kb").mkdir(exist_ok=True)
        (root / "kb" / ".gitkeep").write_text("")
    (root / "tickets").mkdir(exist_ok=True)
    (root / "tickets" / ".gitkeep").write_text("")
    readme = root / "README.md"
    if not readme.exists():
        readme.write_text(f"# Service desk\n\nAn itsmctl desk ({profile} profile). "
                          "Tickets live in `tickets/`, process configuration in `config/` "
                          "(changed through pull requests), knowledge articles in `kb/`.\n")
    kit = []
    if gitops:
        from itsmctl.commands.gitops import write_kit

        kit = write_kit(root)
    if not (root / ".git").exists():
        git(root, "init", "-q", "-b", "main")
    # the index is rewritten on every transition: split it so the write stays small
    git(root, "config", "core.splitIndex", "true")
    git(root, "add", "config", "kb", "tickets", "README.md", *kit)
    env = {"GIT_AUTHOR_NAME": "itsmctl", "GIT_AUTHOR_EMAIL": "itsmctl@localhost",
           "GIT_COMMITTER_NAME": "itsmctl", "GIT_COMMITTER_EMAIL": "itsmctl@localhost"}
    git(root, "commit", "-q", "--no-verify", "-m",
        f"Desk created from the {profile} profile\n\nItsmctl-Action: init\n", env=env)
    return root
