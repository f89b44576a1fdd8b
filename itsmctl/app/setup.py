"""Setting up a desk: `init DIR` from a profile with its first commit, and the GitOps kit."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from itsmctl.errors import GitError, NotFound, NotPermitted, UsageError

if TYPE_CHECKING:
    from itsmctl.infra.git import SignWith

PROFILES = ("default", "desktop")
PROFILE_DIR = Path(__file__).resolve().parent.parent / "profiles"


def init(target: str, profile: str = "default", gitops: bool = False, signed: bool = False,
         keys: Optional[dict[str, str]] = None, actor: Optional[str] = None) -> Path:
    """A new desk repository in `target` from a profile, with its first commit.

    signed (I4): the first commit is the signing anchor: it turns `require_signed` on
    and lists the signing key of the incident manager who makes it (`actor`, else git's
    user.email), signed with that key; `keys` adds others' public keys (person id or
    `sweep` -> a .pub file or the key itself) in the same commit."""
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
    anchor = _anchor(root, actor, keys or {}) if signed else None
    git.run(root, "add", "config", "kb", "tickets", "README.md", *kit)
    env = {"GIT_AUTHOR_NAME": "itsmctl", "GIT_AUTHOR_EMAIL": "itsmctl@localhost",
           "GIT_COMMITTER_NAME": "itsmctl", "GIT_COMMITTER_EMAIL": "itsmctl@localhost"}
    message = f"Desk created from the {profile} profile\n\nItsmctl-Action: init\n"
    sign: list[str] = []
    if anchor is not None:
        person, name, email, how = anchor
        env = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
               "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email}
        message += f"Itsmctl-Actor: {person}\nItsmctl-Signed: anchor\n"
        sign = [*how.options()]
    res = git.call(root, *sign, "commit", "-q", "--no-verify", *(["-S"] if sign else []),
                   "-m", message, env=env)
    if res.code != 0:
        raise (NotPermitted(f"git could not sign the desk's first commit: {res.last_error()}",
                            rule="I4") if sign else GitError(f"git commit failed: "
                                                             f"{res.last_error()}"))
    return root


def _anchor(root: Path, actor: Optional[str],
            keys: dict[str, str]) -> tuple[str, str, str, "SignWith"]:
    """I4: require_signed on, the incident manager's key (and others) listed, in the
    files of the first commit; (person, name, e-mail, how git signs)."""
    from itsmctl.core.policy import Teams
    from itsmctl.infra import git
    from itsmctl.infra.config import validate_doc
    from itsmctl.infra.signing import public_line, signing_key
    from itsmctl.infra.yaml import dump_config, load_config, plain

    teams_file = root / "config" / "teams.yaml"
    doc = load_config(teams_file.read_text(encoding="utf-8"), "config/teams.yaml")
    teams = validate_doc("teams", "config/teams.yaml", doc)
    who = actor or os.environ.get("ITSMCTL_ACTOR") or git.config(root, "user.email") or ""
    person = teams.find(who) if who else None
    if person is None or "incident_manager" not in teams.people[person].roles:
        raise NotPermitted(f"init --signed: the signing anchor is made by an incident manager "
                           f"(--actor ID); {who or 'nobody'!r} is not one in the "
                           "profile's teams.yaml (I4)", rule="I4")
    key = signing_key(root)
    if key is None or key.public is None:
        raise NotPermitted("init --signed: no signing key; set git config user.signingkey "
                           "(gpg.format ssh) or ITSMCTL_SIGNING_KEY (I4)", rule="I4")
    wanted: dict[str, list[str]] = {person: [key.public]}
    for owner, given in keys.items():
        text = Path(given).expanduser().read_text(encoding="utf-8") \
            if Path(given).expanduser().is_file() else given
        wanted.setdefault(owner, []).append(public_line(text) if "ssh" in text[:30]
                                            else text.strip())
    for owner, lines in wanted.items():
        if owner == "sweep":
            doc["sweep_keys"] = list(doc.get("sweep_keys") or []) + lines
        elif owner in doc["people"]:
            entry = doc["people"][owner]
            entry["keys"] = list(entry.get("keys") or []) + lines
            if hasattr(entry, "fa"):            # ruamel: a person with keys reads better
                entry.fa.set_block_style()      # as a block than as one long flow line
        else:
            raise UsageError(f"--key {owner}=…: no person {owner!r} in teams.yaml (or sweep)")
    try:
        Teams.model_validate(plain(doc))
    except ValueError as exc:
        raise UsageError(f"--key: {str(exc).splitlines()[-1].strip()}") from None
    teams_file.write_text(dump_config(doc), encoding="utf-8")
    desk_file = root / "config" / "desk.yaml"
    text = desk_file.read_text(encoding="utf-8")
    desk_file.write_text(text.rstrip("\n") + "\n" + SIGNED_LINES, encoding="utf-8")
    p = teams.people[person]
    return person, p.name, p.email or f"{person}@itsmctl.invalid", key.sign


SIGNED_LINES = """\
# I4: every commit is signed by the person acting, with a key config/teams.yaml lists;
# this desk's first commit, signed by an incident manager, is the signing anchor.
require_signed: true
"""


def is_bare(target: Path) -> bool:
    """A bare git repository (a remote): `init --gitops` installs the hook there."""
    return (target / "HEAD").is_file() and (target / "objects").is_dir() \
        and not (target / ".git").exists()


PRE_RECEIVE = """\
#!/bin/sh
# itsmctl (SPEC I6): refuse a push whose new commits fail the audit (I5, G6): unsigned,
# wrongly signed, forged, or rewriting the desk's history. Installed by
# `itsmctl init --gitops` on this bare repository.
# (not `python -m itsmctl`: git runs the hook inside the bare repository, whose own
# itsmctl/ state directory would shadow the package)
exec {python} -c 'import sys; del sys.path[0]; from itsmctl.ui.main import main; main()' \\
    audit --pre-receive
"""


def install_hook(bare: Path) -> list[str]:
    """I6 on a self-hosted bare remote: the pre-receive hook, no non-fast-forward pushes."""
    import sys

    from itsmctl.infra import git

    hook = bare / "hooks" / "pre-receive"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text(PRE_RECEIVE.format(python=sys.executable), encoding="utf-8")
    hook.chmod(0o755)
    git.run(bare, "config", "receive.denyNonFastForwards", "true")
    return ["hooks/pre-receive"]



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


def _codeowners(root: Path, text: str) -> str:
    """C1: the kit's CODEOWNERS with its rules from governance.yaml (each class's files
    owned by its approvers), else config/ owned by the incident managers."""
    from itsmctl.app.governance import codeowners

    lines = codeowners(root)
    if lines is not None:
        return text.replace(f"config/ {EXAMPLE_OWNER}\n", lines)
    who = owners(root)
    return text.replace(f"config/ {EXAMPLE_OWNER}", "config/ " + " ".join(who)) if who else text


def write_kit(root: Path) -> list[str]:
    """Write the kit into the desk at root; the paths written, relative to root."""
    written = []
    for name, rel in FILES.items():
        text = (KIT / name).read_text(encoding="utf-8")
        if name == "CODEOWNERS":
            text = _codeowners(root, text)
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
