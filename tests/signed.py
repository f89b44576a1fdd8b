"""Signed desks for tests (I4-I8): real ssh-keygen keys, a desk made by `init --signed`.

Keys live outside the desk (tmp_path/keys), as the rules want. Commands run with
`ITSMCTL_SIGNING_KEY` pointing at the acting person's private key and no --now (a
signed desk refuses a --now away from the clock).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from tests.helpers import BILLING, USER, Result, itsm, ok
from tests.servers import SshKey, ssh_keypair

PEOPLE = ("mike", "alice", "bob", "carol", "dave", "erin", "monitor", "sweep")


def git(desk: Path, *args: str, env: Optional[dict[str, str]] = None,
        check: bool = True) -> str:
    proc = subprocess.run(["git", *args], cwd=desk, capture_output=True, text=True,
                          env={**os.environ, **(env or {})})
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)}: {proc.stderr}")
    return proc.stdout


@dataclass
class SignedDesk:
    root: Path
    keys: dict[str, SshKey]

    def env(self, who: Optional[str]) -> dict[str, Any]:
        return {"ITSMCTL_SIGNING_KEY": str(self.keys[who].private) if who else None}

    def run(self, who: Optional[str], *args: str, actor: Optional[str] = None,
            now: Optional[str] = None, input: Optional[str] = None,
            env: Optional[dict[str, Any]] = None) -> Result:
        """itsmctl signed with who's key (None: no key at all); --actor only if given."""
        return itsm(self.root, *args, actor=actor, now=now, input=input,
                    env={**self.env(who), **(env or {})})

    def ok(self, who: Optional[str], *args: str, **kw: Any) -> Result:
        return ok(self.run(who, *args, **kw))

    def open(self, who: str = "alice", *extra: str) -> str:
        return self.ok(who, "open", "--title", "计费出错", *USER, *BILLING, *extra).out.strip()

    def findings(self, *args: str, env: Optional[dict[str, Any]] = None) -> list[dict]:
        r = itsm(self.root, "--json", "audit", *args, actor="alice", now=None, env=env)
        assert r.code == (1 if r.json["findings"] else 0), r.err
        return r.json["findings"]

    def head(self) -> str:
        return git(self.root, "rev-parse", "HEAD").strip()

    def allowed_signers(self, path: Path) -> Path:
        path.write_text("".join(k.allowed_signer(p) + "\n" for p, k in self.keys.items()))
        return path

    def commit(self, message: str, signer: Optional[str] = None,
               author: tuple[str, str] = ("Alice 王丽", "alice@example.com"),
               key: Optional[Path] = None) -> str:
        """Commit what is staged (and tracked changes) with plain git, signed with
        signer's key (or key) when given: a hand-made commit."""
        sign: list[str] = []
        if signer or key:
            private = key or self.keys[str(signer)].private
            sign = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={private}"]
        env = {"GIT_AUTHOR_NAME": author[0], "GIT_AUTHOR_EMAIL": author[1],
               "GIT_COMMITTER_NAME": author[0], "GIT_COMMITTER_EMAIL": author[1]}
        git(self.root, *sign, "commit", "-qa", *(["-S"] if sign else []), "-m", message,
            env=env)
        return self.head()


def make_signed(tmp_path: Path, people: tuple[str, ...] = PEOPLE,
                name: str = "desk") -> SignedDesk:
    """A desk made by `init --signed`: mike's key signs the anchor, everyone's is listed."""
    keydir = tmp_path / "keys"
    keydir.mkdir(exist_ok=True)
    keys = {p: ssh_keypair(keydir, p) for p in people}
    root = tmp_path / name
    extra = [a for p in people if p != "mike" for a in ("--key", f"{p}={keys[p].public}")]
    ok(itsm(tmp_path, "init", str(root), "--signed", *extra, actor="mike", now=None,
            env={"ITSMCTL_SIGNING_KEY": str(keys["mike"].private)}))
    return SignedDesk(root, keys)


def scratch_result(desk: SignedDesk, tmp_path: Path, *args: str, actor: str,
                   now: Optional[str] = None, name: str = "scratch") -> tuple[str, str]:
    """Run a command as anybody in an unsigned scratch clone of the desk: the forger's
    workshop. Returns (the commit message itsmctl wrote, the path it changed)."""
    scratch = tmp_path / name
    if scratch.exists():
        shutil.rmtree(scratch)
    git(tmp_path, "clone", "-q", str(desk.root), str(scratch))
    desk_yaml = scratch / "config" / "desk.yaml"
    desk_yaml.write_text(desk_yaml.read_text().replace("require_signed: true",
                                                       "require_signed: false"))
    git(scratch, "commit", "-qam", "scratch: unsigned")
    before = git(scratch, "rev-parse", "HEAD")
    r = itsm(scratch, *args, actor=actor, now=now)
    assert r.code == 0, r.err
    assert git(scratch, "rev-parse", "HEAD") != before, "the command committed nothing"
    path = git(scratch, "diff", "--name-only", "HEAD~1", "HEAD").split()[0]
    (desk.root / path).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(scratch / path, desk.root / path)
    git(desk.root, "add", path)
    return git(scratch, "log", "-1", "--format=%B"), path
