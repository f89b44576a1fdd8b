"""Fixtures: a fresh desk repository per test (real git, real files)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from tests.helpers import make_desk

os.environ.setdefault("GIT_CONFIG_NOSYSTEM", "1")
# No background pack roll after the commits of any test's desk, module- and session-scoped
# fixtures included (they are made before any function-scoped fixture runs): a roll left
# running in a shared desk rewrote packs while a later test copied that desk (shutil.Error).
# tests/infra/test_upkeep.py turns it on where it is tested.
os.environ["ITSMCTL_UPKEEP"] = "off"

# Property tests are derandomized (the same examples every run) so a failure cannot come
# and go between CI runs; every failure hypothesis ever found stays as an @example.
# HYPOTHESIS_PROFILE=explore searches afresh on a developer's machine.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _git_identity(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never read the developer's git config or time."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_AUTHOR_NAME", "test")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "test@example.com")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "test")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "test@example.com")
    for name in ("ITSMCTL_NOW", "ITSMCTL_ACTOR", "ITSMCTL_REPO"):
        monkeypatch.delenv(name, raising=False)
    # messages in English whatever the developer's locale (tests of zh_CN set LANG)
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    # no background pack roll after every commit of every test (tests/infra/test_upkeep.py
    # turns it on); it would outlive the test's desk and load the machine
    monkeypatch.setenv("ITSMCTL_UPKEEP", "off")


@pytest.fixture
def desk(tmp_path: Path) -> Path:
    """A new desk from the default profile, with its first commit."""
    return make_desk(tmp_path / "desk")


@pytest.fixture
def desktop_desk(tmp_path: Path) -> Path:
    return make_desk(tmp_path / "desktop-desk", profile="desktop")
