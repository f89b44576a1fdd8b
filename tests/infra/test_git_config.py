"""git.config answers as `git config --get` does, and spawns no git when no file git
reads names the key's section (issue 13: `assign` asked for itsmctl.delivery per notice)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from itsmctl.infra import git


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    for name in list(__import__("os").environ):
        if name.startswith("GIT_") or name == "XDG_CONFIG_HOME":
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    root = tmp_path / "desk"
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def asked(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    calls: list[tuple[str, ...]] = []
    real = git.run

    def spy(root: Path, *args: str, **kw: object) -> bytes:
        calls.append(args)
        return real(root, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(git, "run", spy)
    return calls


def truth(root: Path, key: str) -> str | None:
    out = subprocess.run(["git", "config", "--get", key], cwd=root, capture_output=True,
                         text=True).stdout.strip()
    return out or None


def test_unset_anywhere_is_none_without_a_git_process(repo: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    if git._git_binary() not in ("/usr/bin/git", "/bin/git"):
        pytest.skip("git is not /usr/bin/git here: its system config is not known")
    calls = asked(monkeypatch)
    assert git.config(repo, "itsmctl.delivery") is None
    assert calls == []
    assert truth(repo, "itsmctl.delivery") is None


@pytest.mark.parametrize("where", ["local", "local-upper", "global", "xdg", "include",
                                   "env"])
def test_set_anywhere_is_what_git_says(repo: Path, monkeypatch: pytest.MonkeyPatch,
                                       tmp_path: Path, where: str) -> None:
    home = Path(__import__("os").environ["HOME"])
    if where == "local":
        subprocess.run(["git", "config", "itsmctl.delivery", "sweep"], cwd=repo, check=True)
    elif where == "local-upper":
        with open(repo / ".git" / "config", "a") as fh:
            fh.write("[ITSMCTL]\n\tDelivery = sweep\n")
    elif where == "global":
        (home / ".gitconfig").write_text("[itsmctl]\n\tdelivery = sweep\n")
    elif where == "xdg":
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
        (tmp_path / "xdg" / "git").mkdir(parents=True)
        (tmp_path / "xdg" / "git" / "config").write_text("[itsmctl]\n\tdelivery = sweep\n")
    elif where == "include":
        other = tmp_path / "other.cfg"
        other.write_text("[itsmctl]\n\tdelivery = sweep\n")
        (home / ".gitconfig").write_text(f"[include]\n\tpath = {other}\n")
    else:
        monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
        monkeypatch.setenv("GIT_CONFIG_KEY_0", "itsmctl.delivery")
        monkeypatch.setenv("GIT_CONFIG_VALUE_0", "sweep")
    assert truth(repo, "itsmctl.delivery") == "sweep"
    assert git.config(repo, "itsmctl.delivery") == "sweep"
    assert git.config(repo, "itsmctl.remote") is None


def test_a_worktree_asks_git(repo: Path, monkeypatch: pytest.MonkeyPatch,
                             tmp_path: Path) -> None:
    subprocess.run(["git", "-c", "user.name=a", "-c", "user.email=a@b", "commit", "-q",
                    "--allow-empty", "-m", "x"], cwd=repo, check=True)
    subprocess.run(["git", "config", "itsmctl.delivery", "sweep"], cwd=repo, check=True)
    other = tmp_path / "wt"
    subprocess.run(["git", "worktree", "add", "-q", str(other)], cwd=repo, check=True)
    calls = asked(monkeypatch)
    assert git.config(other, "itsmctl.delivery") == "sweep"
    assert calls
