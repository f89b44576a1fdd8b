"""`itsmctl init DIR --gitops`: the GitOps kit of a desk (CI, pre-commit, CODEOWNERS)."""

from __future__ import annotations

from pathlib import Path

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
    from itsmctl.yamlio import load_config

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
