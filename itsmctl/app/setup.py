"""Setting up a desk: `init DIR` from a profile with its first commit, and the GitOps kit."""

from __future__ import annotations

import shutil
from pathlib import Path

from itsmctl.errors import NotFound, UsageError

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
    # the index is rewritten on every transition: split it so the write stays small
    git.run(root, "config", "core.splitIndex", "true")
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


# ---------------------------------------------------------------- contrib/ from the package
PACKAGE = Path(__file__).resolve().parent.parent


def contrib_root() -> Path:
    """contrib/ as installed (the wheel carries it as itsmctl/contrib, see setup.py), else
    beside the package in a clone or an editable install."""
    for candidate in (PACKAGE / "contrib", PACKAGE.parent / "contrib"):
        if candidate.is_dir():
            return candidate
    raise NotFound("contrib/ is not installed with this itsmctl (reinstall it from a wheel "
                   "or use a clone of the repository)")


def contrib_files() -> dict[str, Path]:
    """Every integration file, by its path under contrib/ (cron/itsmctl-sweep.cron)."""
    root = contrib_root()
    return {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}


def contrib(name: str) -> list[tuple[str, bytes]]:
    """The files of one integration (a folder of contrib/: cron, systemd, nagios, ...)
    or one file of it (systemd/itsmctl-sweep.timer), as (path, content)."""
    files = contrib_files()
    wanted = name.strip("/")
    chosen = [rel for rel in files if rel == wanted or rel.startswith(wanted + "/")]
    if not chosen:
        folders = sorted({rel.split("/")[0] for rel in files})
        raise NotFound(f"no integration {name!r}; one of: {', '.join(folders)} "
                       "(itsmctl contrib lists every file)")
    return [(rel, files[rel].read_bytes()) for rel in chosen]


def install_contrib(name: str, out: str) -> list[Path]:
    """Write the files of `contrib(name)` into the folder `out` (scripts executable);
    the paths written. An existing file is left alone (like `init --gitops`)."""
    import os

    target = Path(out)
    if not target.is_dir():
        raise UsageError(f"--out {out}: not a folder")
    written = []
    for rel, data in contrib(name):
        path = target / rel.rsplit("/", 1)[-1]
        if path.exists():
            raise UsageError(f"{path} exists; remove it or choose another --out")
        path.write_bytes(data)
        if rel.endswith((".py", ".sh")):
            os.chmod(path, 0o755)
        written.append(path)
    return written
