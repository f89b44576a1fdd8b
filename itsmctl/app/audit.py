"""`itsmctl audit [--since REV] [--pre-receive]` (G6, I4-I7): replay the git history.

infra/history.py lists the commits of the range and the blobs they changed, and reads
just those, so the cost follows the range, not the size of the desk. Each commit is
judged by the config in force at its parent (I5): on an unsigned desk as before (G6:
legal transitions by authorised actors, per core/audit.py); from the signing anchor on
also its signature, signer, the time of its events and its changes to keys and roles
(core/trust.py). Signatures of the whole range are read at once
(infra/signing.read_signatures): one process, not one per commit.

A clean audit records the tip it verified under refs/itsmctl/verified; a later audit
reports every verified commit that is no longer in the history (a force-push that
dropped or reordered commits). `--pre-receive` runs the same checks on the commits a
push brings to a bare remote and refuses the push on any finding (I6).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from itsmctl.app.session import Session
from itsmctl.errors import ItsmError, UsageError

if TYPE_CHECKING:
    from itsmctl.core.audit import Finding
    from itsmctl.core.policy import Policy
    from itsmctl.core.trust import Signature
    from itsmctl.infra.git import CatFile
    from itsmctl.infra.history import LogCommit

_TICKET = re.compile(r"^tickets/\d{4}/\d{2}/[A-Z]{2,5}-\d{4}-[0-9A-Z]{5}\.yaml$")
ZERO = "0" * 40


def _doc(book: "Book", sha: Optional[str], path: str) -> Any:
    from itsmctl.infra.yaml import load_ticket

    if sha is None:
        return None
    data = book.object(sha)
    if data is None:
        return None
    return load_ticket(data, path)


def audit(session: Session, since: Optional[str] = None) -> tuple[int, list["Finding"]]:
    """(commits replayed, findings), oldest first; a clean run records the tip verified."""
    from itsmctl.infra.history import is_ancestor, record_verified, rev, verified_tip

    if since and set(since) == {"0"}:
        since = None                  # a new branch: git's all-zero "nothing before"
    root = session.root
    head = session.desk.head()
    if head is None:
        return 0, []
    count, findings = review(root, [f"{since}..HEAD"] if since else ["HEAD"], session.policy)
    verified = verified_tip(root)
    if verified and not is_ancestor(root, verified, head):
        findings += dropped(root, verified, head)
    if not findings and verified != head:
        # recorded only when the verified part reaches back to what was verified before
        start = rev(root, since) if since else None
        if start is None or (verified is not None and is_ancestor(root, verified, start)):
            record_verified(root, head)
    return count, findings


def dropped(root: Path, verified: str, head: str) -> list["Finding"]:
    """I5: commits of a verified history that HEAD no longer has (rewritten, force-pushed)."""
    from itsmctl.core.audit import Finding
    from itsmctl.infra.history import log

    out = []
    for c in log(root, None, revs=[verified, "--not", head]):
        paths = [e.path for e in c.entries] or ["(no file)"]
        subject = c.message.splitlines()[0] if c.message else ""
        out.append(Finding(c.sha, paths[0], "rewrite", f"a verified commit ({subject}) is no "
                           f"longer in the history of HEAD: dropped or reordered by a rewrite "
                           f"(force-push?); verified tip was {verified[:10]}", "I5"))
    if not out:
        out.append(Finding(verified, "(history)", "rewrite", "the verified tip is no longer "
                           "in the history of HEAD: the history was rewritten", "I5"))
    return out


@dataclass
class Book:
    """What the audit of a range reads, read at once: the objects (commits, ticket
    blobs) and config tree ids it needs; the config in force at any commit, loaded once
    per config tree; and the config the trust checks settled on (I7: an unauthorised
    change of keys or roles is not honoured by later commits)."""

    root: Path
    blobs: "CatFile"
    fallback: "Policy"
    objects: dict[str, bytes] = field(default_factory=dict)
    trees: dict[str, Optional[str]] = field(default_factory=dict)
    raw: dict[str, "Policy"] = field(default_factory=dict)
    settled: dict[str, "Policy"] = field(default_factory=dict)

    def prefetch(self, commits: list["LogCommit"]) -> None:
        from itsmctl.infra.git import cat_batch, object_ids

        revs = {c.sha for c in commits} | {p for c in commits for p in c.parents[:1]}
        self.trees.update({spec[:-len(":config")]: sha for spec, sha in object_ids(
            self.root, sorted(f"{r}:config" for r in revs)).items()})
        wanted = {c.sha for c in commits} | {sha for c in commits for e in c.entries
                                             if e.path.startswith("tickets/")
                                             for sha in (e.old, e.new) if sha}
        self.objects.update(cat_batch(self.root, sorted(wanted)))

    def object(self, sha: str) -> Optional[bytes]:
        found = self.objects.get(sha)
        return found if found is not None else self.blobs.get(sha)

    def tree(self, commit: str) -> Optional[str]:
        if commit not in self.trees:
            found = self.blobs.lookup(f"{commit}:config")
            self.trees[commit] = found[0] if found else None
        return self.trees[commit]

    def at(self, commit: str) -> "Policy":
        """The config as committed at commit (the fallback where it does not load)."""
        from itsmctl.infra.history import cached_policy_at

        tree = self.tree(commit)
        if (tree or "") not in self.raw:
            self.raw[tree or ""] = cached_policy_at(self.root, self.blobs, commit, tree) \
                or self.fallback
        return self.raw[tree or ""]

    def trusted(self, commit: str) -> "Policy":
        """The config later commits are judged by, as of commit."""
        return self.settled.get(self.tree(commit) or "", None) or self.at(commit)

    def settle(self, commit: str, policy: "Policy") -> None:
        self.settled[self.tree(commit) or ""] = policy

    def keys(self) -> dict[str, set[str]]:
        """Every SSH key line any config read so far lists, by owner (for git's check)."""
        out: dict[str, set[str]] = {}
        for policy in [*self.raw.values(), *self.settled.values()]:
            for pid, person in policy.teams.people.items():
                out.setdefault(pid, set()).update(person.keys)
            out.setdefault("sweep", set()).update(policy.teams.sweep_keys)
        return out


def review(root: Path, revs: list[str], fallback: "Policy") -> tuple[int, list["Finding"]]:
    """Every commit revs name that touches tickets/, config/, kb/ or attachments/."""
    from itsmctl.infra.git import CatFile
    from itsmctl.infra.history import log
    from itsmctl.infra.signing import read_signatures

    findings: list[Finding] = []
    with CatFile(root) as blobs:
        commits = list(log(root, None, revs=revs))
        book = Book(root, blobs, fallback)
        book.prefetch(commits)
        signed = [c.sha for c in commits if _regime(book, c) or book.at(c.sha).desk.require_signed]
        sigs = read_signatures(root, book.objects, signed, book.keys()) if signed else {}
        times = {c.sha: c.committed for c in commits}
        for commit in commits:
            findings.extend(_review(commit, book, sigs, times))
    return len(commits), findings


def _regime(book: Book, c: "LogCommit") -> bool:
    return bool(c.parents) and book.at(c.parents[0]).desk.require_signed


def _where(commit: "LogCommit") -> str:
    """The file a commit-wide finding names: its ticket, else the first file it changed."""
    from itsmctl.core.model import ticket_path

    ticket = commit.meta().trailers.get("Itsmctl-Ticket", "")
    try:
        main = ticket_path(ticket)
    except ValueError:
        main = ""
    paths = [e.path for e in commit.entries]
    return main if main in paths else (paths[0] if paths else "(no file)")


def _review(commit: "LogCommit", book: Book, sigs: dict[str, "Signature"],
            times: dict[str, int]) -> list["Finding"]:
    from itsmctl.core import trust
    from itsmctl.core.trust import Signature

    parent = commit.parents[0] if commit.parents else None
    before = book.trusted(parent) if parent else None
    touches_config = any(e.path.startswith("config/") for e in commit.entries)
    own = book.at(commit.sha) if touches_config or before is None else before
    meta = commit.meta()
    where = _where(commit)
    sig = sigs.get(commit.sha, Signature("none"))
    if before is None or not before.desk.require_signed:       # before the anchor: G6
        out = _tickets(commit, own, book)
        if own.desk.require_signed:
            out += trust.anchor(meta, sig, own, before)
        book.settle(commit.sha, own)
        return out
    owner, out = trust.signer(meta, sig, before, where)
    if owner is not None:
        out += trust.identity(meta, owner, where, touches_config)
    settled = own
    if touches_config:
        settled, changed = trust.config_change(meta, owner, before, own)
        out += changed
    book.settle(commit.sha, settled)
    parent_time = _time(times.get(parent) if parent else None, book, parent)
    committed = datetime.fromtimestamp(commit.committed, timezone.utc)
    return out + _tickets(commit, before, book, (parent_time, committed, before))


def _time(known: Optional[int], book: Book, sha: Optional[str]) -> Optional[datetime]:
    from itsmctl.infra.history import commit_time

    if known is None and sha is not None:
        raw = book.object(sha)
        known = commit_time(raw) if raw is not None else None
    return datetime.fromtimestamp(known, timezone.utc) if known is not None else None


def _tickets(commit: "LogCommit", policy: "Policy", book: Book,
             clock: Optional[tuple[Optional[datetime], datetime, "Policy"]] = None
             ) -> list["Finding"]:
    """G6 for each ticket file the commit changed; with clock, I5's time checks too."""
    from itsmctl.core.audit import Finding as finding
    from itsmctl.core.audit import check

    meta = commit.meta()
    entries = [e for e in commit.entries if e.path.startswith("tickets/")]
    ids = frozenset(e.path.rsplit("/", 1)[-1][:-5] for e in entries
                    if _TICKET.match(e.path))
    out = []
    for e in entries:
        if not _TICKET.match(e.path):
            if not e.path.endswith(".gitkeep"):
                out.append(finding(commit.sha, e.path, "invalid",
                                   "not a ticket file (tickets/YYYY/MM/<ID>.yaml)"))
            continue
        if e.combined:
            out.append(finding(commit.sha, e.path, "merge", "a merge commit changed this "
                               "ticket differently from every parent (resolved by hand?)"))
            continue
        try:
            old = _doc(book, e.old, e.path)
            new = _doc(book, e.new, e.path)
        except ItsmError as exc:
            out.append(finding(commit.sha, e.path, "invalid", exc.message))
            continue
        out.extend(check(e.path, old, new, meta, policy, ids - {_id(e.path)}))
        if clock is not None:
            out.extend(_clock(commit, e.path, old, new, *clock))
    return out


def _clock(commit: "LogCommit", path: str, old: Any, new: Any,
           parent_time: Optional[datetime], committed: datetime,
           policy: "Policy") -> list["Finding"]:
    from itsmctl.app.replay import REPLAY_TRAILER
    from itsmctl.core.audit import _parse
    from itsmctl.core.trust import times

    before, after = _parse(old) if old is not None else None, _parse(new)
    if after is None:
        return []
    earlier = before.history if before else []
    if after.history[:len(earlier)] != earlier:
        return []                                      # G6 reported the rewrite
    meta = commit.meta()
    window = policy.desk.replay_window if REPLAY_TRAILER in meta.trailers else None
    return times(meta, path, earlier, after.history[len(earlier):], parent_time, committed,
                 policy.desk.clock_tolerance, window)


def _id(path: str) -> str:
    return path.rsplit("/", 1)[-1][:-5]


# ---------------------------------------------------------------- I6: the server side
@dataclass(frozen=True)
class Update:
    """One line of git's pre-receive input: a ref moving from old to new."""

    old: str
    new: str
    ref: str


def parse_updates(text: str) -> list[Update]:
    out = []
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 3:
            raise UsageError(f"pre-receive input: expected 'OLD NEW REF', got {line!r}",
                             rule="I6")
        out.append(Update(*parts))
    return out


def pre_receive(root: Path, updates: list[Update], fallback: Optional["Policy"] = None,
                pusher: Optional[str] = None) -> tuple[int, list["Finding"]]:
    """I6: the findings that refuse a push to the bare repository at root: I5 and G6 on
    every commit it brings, rewrites and deletion of the desk's branch, and commits that
    name someone else than the authenticated pusher (gitolite's GL_USER), if known."""
    from itsmctl.core.audit import Finding
    from itsmctl.infra.history import head_branch, is_ancestor, new_commits

    desk_branch = head_branch(root)
    count, findings = 0, []
    for u in updates:
        if not u.ref.startswith("refs/heads/"):
            continue
        if u.new == ZERO:
            if u.ref == desk_branch:
                findings.append(Finding(u.old, u.ref, "rewrite", "deleting the desk's branch "
                                        "would drop its whole history", "I6"))
            continue
        if u.old != ZERO and u.ref == desk_branch and not is_ancestor(root, u.old, u.new):
            findings += [Finding(f.commit, f.path, "rewrite", "this push (non-fast-forward) "
                                 f"drops a commit of {u.ref}: " + f.message.split(": ", 1)[-1],
                                 "I6") for f in dropped(root, u.old, u.new)]
        if not new_commits(root, u.new):
            continue
        policy = fallback or _tip_policy(root, u)
        if policy is None:
            continue
        n, found = review(root, [u.new, "--not", "--all"], policy)
        count += n
        findings += found
        if pusher:
            findings += _pushed_by(root, u, pusher, policy)
    return count, findings


def _tip_policy(root: Path, u: Update) -> Optional["Policy"]:
    """The config to fall back on where a commit's own does not load: the branch's."""
    from itsmctl.infra.git import CatFile
    from itsmctl.infra.history import policy_at

    with CatFile(root) as blobs:
        for rev in (u.old, u.new):
            if rev != ZERO:
                found = policy_at(blobs, rev)
                if found is not None:
                    return found
    return None


def _pushed_by(root: Path, u: Update, pusher: str,
               policy: "Policy") -> list["Finding"]:
    """gitolite authenticates the pusher by SSH key: every commit the push brings must be
    made by that person (the trailers' actor, or the front end's account)."""
    from itsmctl.core.audit import Finding
    from itsmctl.core.keys import VIA_ACCOUNTS
    from itsmctl.infra.history import log

    who = policy.teams.find(pusher) or (pusher if pusher == "sweep" else None)
    out = []
    for c in log(root, None, revs=[u.new, "--not", "--all"]):
        trailers = c.meta().trailers
        via = trailers.get("Itsmctl-Via")
        actor = VIA_ACCOUNTS.get(via, via) if via else trailers.get("Itsmctl-Actor")
        if who is None:
            out.append(Finding(c.sha, _where(c), "pusher", f"the pusher {pusher!r} is no "
                               "person of teams.yaml", "I6"))
        elif actor is not None and actor != who:
            out.append(Finding(c.sha, _where(c), "pusher", f"made by {actor} but pushed by "
                               f"{who}: push your own commits", "I6"))
    return out
