"""Local commits made again on a fresh remote tip with git plumbing (G4): no work tree.

A local commit whose files the remote's new commits did not touch is made again on the
new tip from the same file contents, author, committer, times and message, through
Desk.commit (so whatever the desk does to every commit, it does to these too), on a
scratch ref; each new commit is then checked against the original: the same paths
changed to the same blobs, the same author, committer and message. Only then does the
write path move the branch (Desk.move). Deciding which commits may move is not done
here (app/landing.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Optional

from itsmctl.errors import ConcurrencyError, GitError
from itsmctl.infra import git
from itsmctl.infra.store import Author, Desk, write_atomic

SCRATCH = "refs/itsmctl/rebase"
DELETED = "0" * 40
# a signature cannot survive a new parent: the desk signs the new commit as it signs any
SIGNED_OR_NOT = {"author", "committer", "gpgsig", "gpgsig-sha256"}


@dataclass
class Local:
    """A commit on the local branch that the remote does not have."""

    sha: str
    parents: list[str]
    header: dict[str, bytes]          # author, committer (raw lines), encoding if any
    message: bytes
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)  # path -> (mode, blob)

    @property
    def paths(self) -> set[str]:
        return set(self.changes)

    @property
    def subject(self) -> str:
        return self.message.decode("utf-8", "replace").strip().split("\n", 1)[0]

    @property
    def trailers(self) -> dict[str, str]:
        out = {}
        for line in self.message.decode("utf-8", "replace").splitlines():
            key, sep, value = line.partition(": ")
            if sep and key.startswith("Itsmctl-"):
                out[key] = value.strip()
        return out


def merge_base(desk: Desk, a: str, b: str) -> Optional[str]:
    return git.run(desk.root, "merge-base", a, b, check=False).strip().decode() or None


def local_commits(desk: Desk, tip: str, head: str) -> list[Local]:
    """Commits on head and not on tip, oldest first, with what each changed."""
    shas = git.run(desk.root, "rev-list", "--reverse", "--topo-order", f"{tip}..{head}"
                   ).decode().split()
    if not shas:
        return []
    raw = git.cat_batch(desk.root, shas)
    commits = []
    for sha in shas:
        head_part, _, message = raw[sha].partition(b"\n\n")
        header: dict[str, bytes] = {}
        parents = []
        for line in head_part.split(b"\n"):
            key, _, value = line.partition(b" ")
            if key == b"parent":
                parents.append(value.decode())
            elif key in (b"author", b"committer", b"encoding", b"gpgsig", b"gpgsig-sha256",
                         b"mergetag"):
                header[key.decode()] = value
        commits.append(Local(sha, parents, header, message))
    diff = git.run(desk.root, "diff-tree", "--stdin", "-r", "-z", "--no-renames", "--always",
                   input="".join(f"{c.sha}\n" for c in commits if len(c.parents) == 1).encode())
    by_sha = {c.sha: c for c in commits}
    current: Optional[Local] = None
    fields = diff.split(b"\0")
    i = 0
    while i < len(fields):
        item = fields[i].decode()
        if item.startswith(":"):
            _old_mode, mode, _old, blob, _status = item[1:].split()
            assert current is not None
            current.changes[fields[i + 1].decode()] = (mode, blob)
            i += 2
            continue
        current = by_sha.get(item.strip()) if item.strip() else current
        i += 1
    return commits


def changed_paths(desk: Desk, base: Optional[str], tip: str) -> dict[str, str]:
    """Paths that differ between base and tip, with tip's blob (DELETED when gone)."""
    if not base:
        out = git.run(desk.root, "ls-tree", "-r", "-z", tip)
        return {line.split(b"\t", 1)[1].decode(): line.split()[2].decode()
                for line in out.split(b"\0") if line}
    out = git.run(desk.root, "diff-tree", "-r", "-z", "--no-renames", base, tip)
    fields = out.split(b"\0")
    return {fields[i + 1].decode(): fields[i].split()[3].decode()
            for i in range(0, len(fields) - 1, 2)}


def _ident(raw: bytes) -> tuple[Author, datetime]:
    """'Name <email> 1700000000 +0800' as an Author and an aware time."""
    who, _, stamp = raw.rpartition(b">")
    name, _, email = who.decode("utf-8", "replace").partition("<")
    epoch, offset = stamp.decode().split()
    sign = -1 if offset.startswith("-") else 1
    tz = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])))
    return Author(name.strip(), email), datetime.fromtimestamp(int(epoch), tz)


def remakeable(commit: Local) -> bool:
    """A plain single-parent commit of regular files that Desk.commit can make again."""
    try:
        commit.message.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return (len(commit.parents) == 1 and set(commit.header) <= SIGNED_OR_NOT
            and all(mode in ("100644", "000000") for mode, _ in commit.changes.values()))


def remake(desk: Desk, commits: list[Local], tip: str,
           sign: Optional[git.SignWith] = None) -> Optional[list[str]]:
    """The commits made again, in order, on tip (on the scratch ref, signed with `sign`
    on a signed desk), then verified against the originals; their new shas, or None
    when any differs (nothing moved)."""
    if not commits:
        return []
    git.run(desk.root, "update-ref", SCRATCH, tip)      # each commit moves it from its parent
    blobs = sorted({blob for c in commits for _, blob in c.changes.values() if blob != DELETED})
    content = git.cat_batch(desk.root, blobs) if blobs else {}
    parent, made = tip, []
    for commit in commits:
        files: dict[str, Optional[bytes]] = {
            path: None if blob == DELETED else content[blob]
            for path, (_, blob) in commit.changes.items()}
        author, when = _ident(commit.header["author"])
        committer, committed = _ident(commit.header["committer"])
        parent = desk.commit(files, commit.message.decode("utf-8"), author, when, parent,
                             sign, committer=committer, committed=committed, ref=SCRATCH)
        made.append(parent)
    again = local_commits(desk, tip, parent)
    if [c.sha for c in again] != made or not all(
            _same(old, new) for old, new in zip(commits, again)):
        return None
    return made


def _same(old: Local, new: Local) -> bool:
    """The new commit changes what the original changed, by the same people, same words."""
    return (new.changes == old.changes and new.message == old.message
            and new.header.get("author") == old.header.get("author")
            and new.header.get("committer") == old.header.get("committer"))


def move(desk: Desk, old: Optional[str], new: str) -> None:
    """Move the branch from old to new (a fetched tip, a rebased chain) and bring the
    files that differ to new's content; refused when one of them has local edits.

    A compare-and-swap on the branch; the desk's journal covers the work-tree update as
    it does for Desk.commit (G2: a process killed midway is finished by the next one)."""
    if old == new:
        return
    ref = desk.branch_ref()
    changes = changed_paths(desk, old, new)
    with git.CatFile(desk.root) as blobs:
        for rel in changes:
            was = blobs.get(f"{old}:{rel}") if old else None
            try:
                here: Optional[bytes] = (desk.root / rel).read_bytes()
            except (FileNotFoundError, NotADirectoryError):
                here = None
            if here != was:
                raise GitError(f"cannot move the desk to {new[:12]}: {rel} has local edits; "
                               "commit or stash local edits to ticket files")
        data = {rel: (None if sha == DELETED else blobs.get(sha)) for rel, sha in changes.items()}
    desk.state.mkdir(parents=True, exist_ok=True)
    journal = desk.state / "journal"
    write_atomic(journal, json.dumps(sorted(changes)).encode())
    if git.call(desk.root, "update-ref", ref, new, old or "").code != 0:
        journal.unlink(missing_ok=True)
        raise ConcurrencyError(f"{ref} moved meanwhile (G3); try again", rule="G3")
    for rel, content in data.items():
        target = desk.root / rel
        if content is None:
            target.unlink(missing_ok=True)
        else:
            write_atomic(target, content)
    if changes:
        git.run(desk.root, "update-index", "--add", "--remove", "-z", "--stdin",
                input=b"".join(p.encode() + b"\0" for p in sorted(changes)))
    journal.unlink(missing_ok=True)
