"""Setting up a desk: `init DIR` from a profile with its first commit, and the GitOps kit."""

from __future__ import annotations

import shutil
from pathlib import Path

from itsmctl.errors import UsageError

PROFILES = ("default", "desktop")
PROFILE_DIR = Path(__file__).resolve().parent.parent / "profiles"


def init(target: str, profile: str = "default", gitops: bool = False) -> Path:
    """A new desk repository in `target` from a profile, with its first commit."""
    from itsmctl.infra import git

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
    kit = write_kit(root) if gitops else []
    if not (root / ".git").exists():
        git.run(root, "init", "-q", "-b", "main")
    from itsmctl.infra.upkeep import ensure_settings

    ensure_settings(root)       # core.splitIndex and the others; clones get them too
    git.run(root, "add", "config", "kb", "tickets", "README.md", *kit)
    env = {"GIT_AUTHOR_NAME": "itsmctl", "GIT_AUTHOR_EMAIL": "itsmctl@localhost",
           "GIT_COMMITTER_NAME": "itsmctl", "GIT_COMMITTER_EMAIL": "itsmctl@localhost"}
    git.run(root, "commit", "-q", "--no-verify", "-m",
        f"Desk created from the {profile} profile\n\nItsmctl-Action: init\n", env=env)
    return root



KIT = Path(__file__).resolve().parent.parent / "profiles" / "gitops"
# packaged file -> where it goes in the desk
FILES = {
    "github-actions.yml": ".github/workflows/desk.yml",
    "gitlab-ci.yml": ".gitlab-ci.yml",
    "pre-commit-config.yaml": ".pre-commit-config.yaml",
    "CODEOWNERS": "CODEOWNERS",
}
EXAMPLE_OWNER = "@your-org/incident-managers"


def owners(root: Path) -> list[str]:
    """The incident managers of config/teams.yaml: their e-mail, else @id."""
    from itsmctl.infra.yaml import load_config

    doc = load_config((root / "config" / "teams.yaml").read_text(encoding="utf-8"),
                      "config/teams.yaml")
    found = []
    for pid, person in (doc.get("people") or {}).items():
        if "incident_manager" in (person.get("roles") or []):
            found.append(str(person.get("email") or f"@{pid}"))
    return found


def write_kit(root: Path) -> list[str]:
    """Write the kit into the desk at root; the paths written, relative to root."""
    written = []
    for name, rel in FILES.items():
        text = (KIT / name).read_text(encoding="utf-8")
        if name == "CODEOWNERS":
            who = owners(root)
            if who:
                text = text.replace(f"config/ {EXAMPLE_OWNER}", "config/ " + " ".join(who))
        target = root / rel
        if target.exists():
            continue                    # never overwrite a desk's own file
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(rel)
    return written
