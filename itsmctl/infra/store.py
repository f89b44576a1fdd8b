"""Tickets on disk and in git: ids, paths, reads, the desk lock and one-commit transactions.

Commits are built with `git fast-import` from the parent commit and the changed paths
only, then moved onto the branch with a compare-and-swap `update-ref`; the index is
updated for those paths alone. Measured at 100,000 files this costs ~10 ms where
GitPython's index API costs 3.4 s and `git add && git commit` 236 ms (issue 6), so we
use plain git plumbing instead of GitPython.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional

import msgspec

from itsmctl.errors import (
    ConcurrencyError,
    GitError,
    InvalidFile,
    NotFound,
    NotPermitted,
    UsageError,
)
from itsmctl.infra import git
from itsmctl.infra.locking import flock_within
from itsmctl.infra.ticketfile import parse_ticket, read_ticket

if TYPE_CHECKING:
    import random

    from itsmctl.core.model import Ticket
    from itsmctl.infra.index import Followed, Index

ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
SCRATCH_REF = "refs/itsmctl/scratch"     # named in fast-import's stream, never written
SIGN_FAILED = 77
SCRATCH_MESSAGE = b"itsmctl: the tree of a signed commit (never on a branch)\n"


def new_id(prefix: str, opened: datetime, rng: Optional["random.Random"] = None) -> str:
    """PREFIX-YYMM-XXXXX: 32^5 random ids a month; the caller retries on a clash.
    (random is imported here: only `open` asks, and it is ~1 ms of every import.)"""
    import random

    pick = (rng or random.SystemRandom()).choice
    return f"{prefix}-{opened:%y%m}-" + "".join(pick(ID_ALPHABET) for _ in range(5))


class Author(msgspec.Struct):
    """A commit's author (or committer): name and e-mail."""

    name: str
    email: str


class Desk:
    """A desk repository: its root, its branch and its ticket files."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.state = root / ".git" / "itsmctl"
        self.warnings: list[str] = []       # for people: said by the write path (G2)
        if not (root / ".git").exists():
            raise NotFound(f"{root} is not a git repository; make a desk with: itsmctl init")

    # ---- ids and paths -------------------------------------------------
    def resolve_id(self, text: str) -> str:
        """A full id or a unique prefix of one (case-insensitive)."""
        from itsmctl.core.model import ID_RE, ticket_path

        wanted = text.strip().upper()
        if ID_RE.match(wanted):
            if (self.root / ticket_path(wanted)).is_file():
                return wanted
            raise NotFound(f"no ticket {wanted}")
        if len(wanted) < 3:
            raise UsageError(f"ticket id {text!r} is too short to be a unique prefix")
        matches = [p.stem for p in self._candidates(wanted) if p.stem.startswith(wanted)]
        if not matches:
            raise NotFound(f"no ticket matches {text!r}")
        if len(matches) > 1:
            shown = ", ".join(sorted(matches)[:5])
            raise UsageError(f"{text!r} is ambiguous: {shown}{' …' if len(matches) > 5 else ''}")
        return matches[0]

    def _candidates(self, prefix: str) -> Iterator[Path]:
        parts = prefix.split("-")
        base = self.root / "tickets"
        if len(parts) >= 2 and len(parts[1]) >= 4 and parts[1][:4].isdigit():
            month = base / f"20{parts[1][:2]}" / parts[1][2:4]
            yield from (month.glob("*.yaml") if month.is_dir() else ())
            return
        yield from base.glob("*/*/*.yaml")

    def ticket_files(self) -> list[Path]:
        return sorted((self.root / "tickets").glob("*/*/*.yaml"))

    # ---- reading ---------------------------------------------------------
    def read_file_ticket(self, path: Path) -> Any:
        """A ticket file from disk as a validated Ticket."""
        return read_ticket(self.root, path.relative_to(self.root).as_posix())

    def head(self) -> Optional[str]:
        """The commit HEAD points to (read from .git directly: no process)."""
        ref = self._symbolic_head()
        if ref is None:
            out = git.run(self.root, "rev-parse", "--verify", "-q", "HEAD", check=False).strip()
            return out.decode() or None
        return self.read_ref(ref)

    def branch_ref(self) -> str:
        ref = self._symbolic_head()
        if ref is None:
            out = git.run(self.root, "symbolic-ref", "-q", "HEAD", check=False).strip().decode()
            if not out:
                raise GitError("HEAD is detached; check out the desk's branch first")
            return out
        return ref

    def home_branch(self, configured: Optional[str], remote: Optional[str]) -> Optional[str]:
        """The branch tickets belong on: desk.yaml `branch:`, else the remote's default
        branch, else `main` or `master` (the branch `itsmctl init` made the desk on)."""
        if configured:
            return configured
        if remote:
            out = git.run(self.root, "symbolic-ref", "-q", f"refs/remotes/{remote}/HEAD",
                          check=False).strip().decode()
            if out.startswith(f"refs/remotes/{remote}/"):
                return out.removeprefix(f"refs/remotes/{remote}/")
        for name in ("main", "master"):
            if self.read_ref(f"refs/heads/{name}"):
                return name
        return None

    def _symbolic_head(self) -> Optional[str]:
        """refs/heads/<branch> from .git/HEAD; None when git must be asked."""
        gitdir = self.root / ".git"
        try:
            text = (gitdir / "HEAD").read_text().strip()
        except (OSError, NotADirectoryError):
            return None
        if text.startswith("ref: refs/"):
            return text[5:]
        return None

    def read_ref(self, ref: str) -> Optional[str]:
        gitdir = self.root / ".git"
        try:
            return (gitdir / ref).read_text().strip() or None
        except FileNotFoundError:
            pass
        except OSError:
            return git.run(self.root, "rev-parse", "--verify", "-q", ref,
                       check=False).strip().decode() or None
        from itsmctl.infra.refs import packed

        return packed(gitdir, ref)

    def remote_name(self, configured: Optional[str]) -> Optional[str]:
        """The remote to sync with (G4): desk.yaml `remote:`, else `git config
        itsmctl.remote`, else None (no remote). Here rather than in infra/remote.py,
        whose import (two dataclasses, its patterns) a desk without one need not pay."""
        if os.environ.get("ITSMCTL_NO_SYNC"):
            return None
        if configured:
            return configured
        try:        # the desk's own git config names it; skip a git process when it cannot
            if b"itsmctl" not in (self.root / ".git" / "config").read_bytes():
                return None
        except OSError:
            pass
        return git.config(self.root, "itsmctl.remote")

    # ---- writing ---------------------------------------------------------
    @contextmanager
    def lock(self, timeout: float = 60.0) -> Iterator[None]:
        """One writer at a time (G3); the kernel drops the lock if the process dies."""
        early = _LOCKED.pop(self.root, None)
        if early is not None:                   # taken at the start (see `prefetch`)
            fd, _LOCKED_INDEX[self.root] = early
            try:
                self._recover()
                yield
            finally:
                _drop_index(self.root)
                os.close(fd)
            return
        self.state.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.state / "lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if not flock_within(fd, timeout):
                raise ConcurrencyError(
                    f"the desk is locked by another itsmctl for over {timeout:g}s "
                    "(G3); try again", rule="G3")
            self._recover()
            yield
        finally:
            os.close(fd)

    def _index_free(self) -> None:
        """G2: git holds .git/index.lock while it writes the index (a `git add`, an
        editor's git plugin, or a crashed git that left it). Refuse before anything is
        done: a commit we could not follow with the index would leave the tree `MM`."""
        lock = self.root / ".git" / "index.lock"
        if lock.exists():
            raise ConcurrencyError(
                "another git process holds .git/index.lock; nothing was changed. Try again "
                "when it is done, or remove the file if no git is running (G2)", rule="G2")

    def _recover(self) -> None:
        """Finish the work-tree update of a process killed after its commit (G2)."""
        journal = self.state / "journal"
        if not journal.is_file():
            return
        self._index_free()
        paths = _journal_paths(journal.read_bytes())
        with git.CatFile(self.root) as blobs:
            for rel in paths:
                data = blobs.get(f"HEAD:{rel}")
                target = self.root / rel
                if data is None:
                    target.unlink(missing_ok=True)
                else:
                    write_atomic(target, data)
        self._update_index(paths)
        journal.unlink()

    def _update_index(self, paths: list[str]) -> None:
        if paths:
            git.run(self.root, "update-index", "--add", "--remove", "-z", "--stdin",
                input=b"".join(p.encode() + b"\0" for p in paths))

    def commit(self, files: dict[str, Optional[bytes]], message: str, author: Author,
               when: datetime, parent: Optional[str],
               sign: Optional[git.SignWith] = None, committer: Optional[Author] = None,
               committed: Optional[datetime] = None, ref: Optional[str] = None,
               index: Optional[git.IndexUpdate] = None,
               meanwhile: Optional[Callable[[], None]] = None) -> str:
        """One commit of exactly these paths on top of parent; then the work tree (G1, G2).

        fast-import builds the commit from the parent's trees and the changed paths and
        moves the branch itself, refusing anything but a fast-forward of `parent`: a
        compare-and-swap on the branch. The journal names the paths until the work tree
        and index match the commit, so a process killed in between is finished by the
        next one (see _recover).

        Signed (I4): git 2.39's fast-import cannot sign, so its commit goes to no branch
        and it answers with that commit's tree; the signed commit of that tree is made
        as git makes one (`ssh-keygen -Y sign -n git`, the gpgsig header) and stored,
        and fast-import itself moves the branch to it, with the same fast-forward check
        of parent. OpenPGP/x509 keys and agent-only literal keys go through
        `git commit-tree -S` and a compare-and-swap `update-ref` instead.

        A rebase onto a fresh remote tip (infra/rebase.py) makes its commits here too,
        signed the same way, keeping the committer and time it is given, on a `ref` of
        its own that holds parent: the branch, work tree and index are then left alone
        (rebase.move moves them after).

        `index`: a `git update-index` the transaction started (it holds index.lock and
        has read the index already); without it, one is started here. `meanwhile`: work
        of the caller's own that runs while git writes the commit and the index (not
        for a rebase's commit).
        """
        scratch = ref is not None
        ref = ref or self.branch_ref()
        stamp = _git_time(when)
        committed_at = _git_time(committed or datetime.now(timezone.utc))
        msg = message.encode()
        who = f"{author.name} <{author.email}>".encode()
        by = who if committer is None else f"{committer.name} <{committer.email}>".encode()
        target = ref if sign is None else SCRATCH_REF
        text = msg if sign is None else SCRATCH_MESSAGE       # signed: only its tree counts
        out = [b"commit " + target.encode() + b"\nmark :1\n",
               b"author " + who + b" " + stamp + b"\n",
               b"committer " + by + b" " + committed_at + b"\n",
               b"data %d\n" % len(text), text, b"\n"]
        if parent:
            out.append(b"from " + parent.encode() + b"\n")
        for rel, data in sorted(files.items()):
            if data is None:
                out.append(b"D " + rel.encode() + b"\n")
            else:
                out.append(b"M 100644 inline " + rel.encode() + b"\ndata %d\n" % len(data))
                out += [data, b"\n"]
        out.append(b"get-mark :1\n")
        if sign is None:
            out.append(b"done\n")
        else:                 # its tree, and no branch left behind; the rest comes later
            out.append(b'ls :1 ""\nreset ' + SCRATCH_REF.encode() + b"\n")
        header = (b"author " + who + b" " + stamp + b"\ncommitter " + by + b" "
                  + committed_at + b"\n\n" + msg)
        if scratch:             # a rebase's commit: the index and work tree are left alone
            return self._made(git.FastImport(self.root, b"".join(out),
                                             more_to_come=sign is not None),
                              ref, header, parent, sign)
        if index is None:
            self._index_free()
        self.state.mkdir(parents=True, exist_ok=True)
        journal = self.state / "journal"
        write_atomic(journal, b"\0".join(p.encode() for p in sorted(files)) + b"\0")
        # fast-import builds the commit while the work tree and index are brought up to
        # date beside it; if the commit fails, the journal puts both back from HEAD
        proc = git.FastImport(self.root, b"".join(out), more_to_come=sign is not None)
        index_error: Optional[GitError] = None
        try:
            for rel, data in files.items():
                target_path = self.root / rel
                if data is None:
                    target_path.unlink(missing_ok=True)
                else:
                    write_atomic(target_path, data)
            once = _once(meanwhile)
            try:
                if index is None:
                    self._update_index(sorted(files))
                else:
                    index.finish(sorted(files), once)
            except GitError as exc:          # git took index.lock after our check
                index_error = exc
            once()
        finally:
            if sign is None:
                res = proc.finish()
            else:
                res = self._signed(proc, ref, header, parent, sign)
        sha = res.out.strip().decode()
        if res.code != 0 or self.read_ref(ref) != sha:
            self._recover()                      # the work tree and index as HEAD has them
            if self.head() != parent:
                raise ConcurrencyError(f"{ref} moved while committing (G3); try again",
                                       rule="G3")
            if res.code == SIGN_FAILED and sign is not None:
                raise NotPermitted(f"could not sign the commit with {sign.key}: "
                                   f"{res.last_error()} (I4)", rule="I4")
            raise GitError(f"git fast-import failed: {res.last_error()}")
        if index_error is not None:
            # G2: the commit stands (exit 0); the journal stays, so the next itsmctl
            # command brings git's index up to date for these paths (see _recover)
            self.warnings.append(
                f"itsmctl: committed {sha[:10]} and the commit stands, but git's index "
                f"could not be updated ({index_error.message}); `git status` shows these "
                "files changed until the next itsmctl command updates it (G2)")
            return sha
        journal.unlink(missing_ok=True)
        from itsmctl.infra.upkeep import after_commit

        after_commit(self.root)         # fold fast-import's packs now and then
        return sha

    def _made(self, proc: git.FastImport, ref: str, header: bytes, parent: Optional[str],
              sign: Optional[git.SignWith]) -> str:
        """A commit on a ref of its own (a rebase's), signed like any; its sha."""
        res = proc.finish() if sign is None else self._signed(proc, ref, header, parent, sign)
        sha = res.out.strip().decode()
        if res.code != 0 or self.read_ref(ref) != sha:
            if res.code == SIGN_FAILED and sign is not None:
                raise NotPermitted(f"could not sign the commit with {sign.key}: "
                                   f"{res.last_error()} (I4)", rule="I4")
            raise GitError(f"git fast-import failed: {res.last_error()}")
        return sha

    def _signed(self, proc: git.FastImport, ref: str, rest: bytes, parent: Optional[str],
                sign: git.SignWith) -> git.Result:
        """The signed commit of fast-import's tree on ref (if ref is still at parent)."""
        answers = proc.answers(2)
        fields = answers[1].split() if len(answers) > 1 else []
        if len(fields) < 3 or fields[1] != b"tree":
            return proc.finish()                 # fast-import failed: its error says why
        payload = b"tree " + fields[2] + b"\n" + \
            (b"parent " + parent.encode() + b"\n" if parent else b"") + rest
        if not sign.by_ssh_keygen:
            res = proc.finish()
            if res.code != 0:
                return res
            return self._commit_tree(fields[2].decode(), ref, payload, parent, sign)
        signature = git.ssh_sign(sign, payload)
        if signature.code != 0 or b"BEGIN SSH SIGNATURE" not in signature.out:
            proc.finish()
            return git.Result(SIGN_FAILED, b"", signature.err)
        sha = git.write_object(self.root, b"commit", git.with_signature(payload, signature.out))
        proc.last(b"reset " + ref.encode() + b"\nfrom " + sha.encode() + b"\n\ndone\n")
        res = proc.finish()
        return git.Result(res.code, sha.encode() if res.code == 0 else b"", res.err)

    def _commit_tree(self, tree: str, ref: str, payload: bytes, parent: Optional[str],
                     sign: git.SignWith) -> git.Result:
        """`git commit-tree -S` (OpenPGP, x509, agent literal keys), then update-ref."""
        header, _, msg = payload.partition(b"\n\n")
        people = {}
        for line in header.split(b"\n"):
            kind, _, value = line.partition(b" ")
            if kind in (b"author", b"committer"):
                name_email, _, date = value.decode().rpartition("> ")
                name, _, email = name_email.partition(" <")
                people[kind] = (name, email, date)
        made = git.commit_tree(self.root, tree, parent, msg, people[b"author"],
                               people[b"committer"], sign)
        if made.code != 0:
            return git.Result(SIGN_FAILED, b"", made.err)
        sha = made.out.strip().decode()
        if not git.update_ref(self.root, ref, sha, parent, "itsmctl: signed commit"):
            return git.Result(1, b"", b"the branch moved")
        return git.Result(0, made.out, b"")


def _git_time(when: datetime) -> bytes:
    offset = when.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{int(when.timestamp())} {sign}{minutes // 60:02d}{minutes % 60:02d}".encode()


def write_atomic(path: Path, data: bytes) -> None:
    """Whole file or nothing: write beside it, then rename over it.

    No fsync: a killed process cannot leave a partial file (rename is atomic), and
    durability across power loss follows git's own objects (core.fsync), which the
    work tree is restored from (G2). fsync cost ~8 ms per file here.

    The folder is made only when the file cannot be created in it, and the file is
    written with plain os calls: a hook payload writes ~57 files (pathlib, a buffered
    file object and a mkdir per file were ~25 % of their CPU, issue 13).
    """
    name = os.fspath(path)
    folder, base = os.path.split(name)
    tmp = os.path.join(folder, f".{base}.{os.getpid()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(tmp, flags, 0o666)
    except FileNotFoundError:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, flags, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)
    os.replace(tmp, name)


def _once(work: Optional[Callable[[], None]]) -> Callable[[], None]:
    """`work` run by the first call only (and nothing for None)."""
    pending = [work] if work is not None else []

    def run() -> None:
        if pending:
            pending.pop()()

    return run


def _journal_paths(data: bytes) -> list[str]:
    """The paths a journal names: NUL-terminated (json imported on every commit was
    ~1.5 ms with its five patterns compiled, issue 13); a JSON list as versions before
    wrote it; [] for anything else (the commit it was for is then not finished)."""
    if data.startswith(b"["):
        import json

        try:
            found = json.loads(data)
        except ValueError:
            return []
        return [str(p) for p in found] if isinstance(found, list) else []
    try:
        return [p for p in data.decode().split("\0") if p]
    except UnicodeDecodeError:
        return []


if TYPE_CHECKING:   # (for the type checker only: typing compiles quoted names, issue 13)
    Finalize = Callable[["Ticket"], "Ticket"]
LIST_AFTER = 9          # ids of one month asked one by one before its names are listed


class Transaction(msgspec.Struct):
    """Tickets read from HEAD under the lock, changed in memory, committed at once.

    `save` applies `finalize` (derived values and notices, set by the write path) and
    returns the ticket as it will be committed."""

    desk: Desk
    parent: Optional[str]
    blobs: git.CatFile
    finalize: Optional[Finalize] = None
    loaded: dict[str, "Ticket"] = msgspec.field(default_factory=dict)
    changed: dict[str, "Ticket"] = msgspec.field(default_factory=dict)
    extra: dict[str, Optional[bytes]] = msgspec.field(default_factory=dict)
    committed: Optional[str] = None
    index: Optional[git.IndexUpdate] = None     # started early (see git.IndexUpdate)
    listed: dict[str, set[str]] = msgspec.field(default_factory=dict)   # folder -> committed names
    asked: dict[str, int] = msgspec.field(default_factory=dict)         # folder -> ids asked
    # the ticket index at `parent`, when the command opened it (`adopt`): ids are looked
    # up in it, and the commit's rows are written to it
    follow: Optional["Index"] = None
    _dumped: dict[str, tuple["Ticket", bytes, Any]] = msgspec.field(default_factory=dict)
    _read: dict[str, bytes] = msgspec.field(default_factory=dict)   # id -> bytes loaded

    def adopt(self, index: "Index") -> bool:
        """Keep the ticket index the command opened (caught up under the desk lock) when
        it is at `parent`: the index then answers `exists`, and the commit writes its
        rows (Index.follow). The transaction closes it; False (not kept) otherwise."""
        if self.follow is not None or self.parent is None or index.commit() != self.parent:
            return False
        self.follow = index
        return True

    def load(self, ticket_id: str) -> "Ticket":
        """The committed ticket; refuses a ticket file with uncommitted edits."""
        from itsmctl.core.model import ticket_path
        from itsmctl.infra.yaml import load_ticket

        if ticket_id in self.changed:
            return self.changed[ticket_id]
        if ticket_id in self.loaded:
            return self.loaded[ticket_id]
        rel = ticket_path(ticket_id)
        spec = f"HEAD:{rel}"
        if self.blobs.asked(f"{self.parent}:{rel}") and self.desk.head() == self.parent:
            spec = f"{self.parent}:{rel}"      # asked for at the start (see `prefetch`)
        data = self.blobs.get(spec) if self.parent else None
        try:
            on_disk = (self.desk.root / rel).read_bytes()
        except FileNotFoundError:
            on_disk = None
        if data is None and on_disk is None:
            raise NotFound(f"no ticket {ticket_id}")
        if data != on_disk:
            raise InvalidFile(f"{rel}: has uncommitted changes; commit or restore it "
                              f"(git checkout -- {rel}) before using itsmctl on it", rule="G1")
        assert data is not None            # equal to on_disk, and not both None
        from itsmctl.infra import doccache

        doc = doccache.get(self.desk.root, data)     # a large ticket kept parsed
        ticket = parse_ticket(doc if doc is not None else load_ticket(data, rel), rel)
        self.loaded[ticket_id] = ticket
        self._read[ticket_id] = data
        return ticket

    def exists(self, ticket_id: str) -> bool:
        """Whether the id is taken: saved here, on disk, or committed. The first few
        ids of a month are asked of the running `cat-file` (`open` asks one: a
        `git ls-tree` of the month was one more process, ~3 ms at 100,000 tickets);
        from the LIST_AFTER-th on, the month's committed names are listed once (a
        batch import opens thousands)."""
        from itsmctl.core.model import ticket_path

        rel = ticket_path(ticket_id)
        if ticket_id in self.changed or (self.desk.root / rel).exists():
            return True
        if self.parent is None:
            return False
        if self.follow is not None:         # the index at parent knows every ticket file
            return self.follow.has(rel)
        folder, _, name = rel.rpartition("/")
        if folder not in self.listed:
            asked = self.asked[folder] = self.asked.get(folder, 0) + 1
            if asked < LIST_AFTER:
                return self.blobs.lookup(f"{self.parent}:{rel}") is not None
            self.listed[folder] = git.tree_names(self.desk.root, self.parent, folder)
        return name in self.listed[folder]

    def read(self, rel: str) -> Optional[bytes]:
        """A committed non-ticket file (None when absent); refuses uncommitted edits."""
        data = self.blobs.get(f"HEAD:{rel}") if self.parent else None
        try:
            on_disk: Optional[bytes] = (self.desk.root / rel).read_bytes()
        except FileNotFoundError:
            on_disk = None
        if data != on_disk:
            raise InvalidFile(f"{rel}: has uncommitted changes; commit or restore it first",
                              rule="G1")
        return data

    def save(self, ticket: "Ticket") -> "Ticket":
        if self.finalize is not None:
            ticket = self.finalize(ticket)
        self.changed[ticket.id] = ticket
        return ticket

    def write(self, rel: str, data: Optional[bytes]) -> None:
        """A non-ticket file in the same commit (a KB candidate, say)."""
        self.extra[rel] = data

    def files(self) -> dict[str, Optional[bytes]]:
        """Every file of the commit; each ticket dumped once (the write path asks twice)."""
        from itsmctl.infra.yaml import dump_ticket

        out = dict(self.extra)
        for ticket in self.changed.values():
            done = self._dumped.get(ticket.id)
            if done is None or done[0] is not ticket:
                doc = ticket.to_doc()
                done = self._dumped[ticket.id] = (ticket, dump_ticket(doc), doc)
            out[ticket.path] = done[1]
        return out

    def commit(self, message: str, author: Author, when: datetime,
               sign: Optional[git.SignWith] = None) -> Optional[str]:
        """The one commit of everything saved and written; None when nothing changed."""
        files = self.files()
        if not files:
            return None
        made: list["Followed"] = []
        meanwhile = None
        if self.follow is not None and self.parent is not None:
            meanwhile = lambda: made.append(self._rows(files))  # noqa: E731
        try:
            self.committed = self.desk.commit(files, message, author, when, self.parent,
                                              sign, index=self.index, meanwhile=meanwhile)
        except BaseException:
            if made:
                self._end_rows(made[0], None)
            raise
        if made:
            self._end_rows(made[0], self.committed)
        self._keep_large()
        return self.committed

    def _keep_large(self) -> None:
        """Large tickets of the commit kept parsed for the next reader (infra/doccache)."""
        from itsmctl.infra import doccache

        for tid, (ticket, data, doc) in self._dumped.items():
            if self.changed.get(tid) is ticket and (
                    len(data) >= doccache.SIZE_FROM
                    or len(self._read.get(tid, b"")) >= doccache.SIZE_FROM):
                doccache.put(self.desk.root, data, doc, self._read.get(tid))

    def _rows(self, files: dict[str, Optional[bytes]]) -> "Followed":
        """The commit's rows in the ticket index it was decided on (Index.follow_start),
        from the mappings the tickets were dumped from, while git writes the commit."""
        from itsmctl.infra.index import Followed

        assert self.follow is not None and self.parent is not None
        docs = {self.changed[tid].path: done[2] for tid, done in self._dumped.items()
                if tid in self.changed and done[0] is self.changed[tid]}
        try:
            return self.follow.follow_start(
                self.parent, [(rel, data, docs.get(rel)) for rel, data in files.items()])
        except Exception:  # noqa: BLE001 - a cache (sqlite, the disk) must not break
            return Followed(False)              # the commit git is writing meanwhile

    def _end_rows(self, made: "Followed", commit: Optional[str]) -> None:
        """The rows kept as the commit's (None: it was not made, they go). A cache: when
        they cannot be kept, the next command catches the index up from git as before."""
        import sqlite3

        assert self.follow is not None
        try:
            if commit is None:
                self.follow.follow_abandon(made)
            else:
                self.follow.follow_end(made, commit)
        except (sqlite3.Error, OSError):
            pass


@contextmanager
def transaction(desk: Desk, finalize: Optional[Finalize] = None) -> Iterator[Transaction]:
    """Read HEAD (the caller holds the desk lock); the caller commits with tx.commit.

    git's index is read for the commit while the command decides (git.IndexUpdate),
    unless another git holds index.lock now: the commit then refuses as before (G2),
    after the decision's own errors."""
    if desk.root in _LOCKED_INDEX:              # started with the early lock
        index = _LOCKED_INDEX.pop(desk.root)
    else:
        index = None if (desk.root / ".git" / "index.lock").exists() else \
            git.IndexUpdate(desk.root)
    made: Optional[Transaction] = None
    try:
        with _EARLY.pop(desk.root, None) or git.CatFile(desk.root) as blobs:
            made = Transaction(desk=desk, parent=desk.head(), blobs=blobs, finalize=finalize,
                               index=index)
            yield made
    finally:
        if index is not None:
            index.close()
        if made is not None and made.follow is not None:
            made.follow.close()


_EARLY: dict[Path, git.CatFile] = {}     # desk root -> a cat-file started by `prefetch`


def prefetch(repo: Optional[str], refs: tuple[str, ...], lock: bool = True) -> None:
    """At the start of a write command: a `git cat-file` for its transaction, asked now
    for HEAD's commit (git loads its packs' indexes) and for the tickets given by full
    id, so that git finds them while this process imports the rest of itsmctl (at
    100,000 tickets the first read of a ticket waited ~10-30 ms on cat-file, issue 13).
    The transaction takes it over (`transaction`); an answer is used only for the
    commit HEAD still is then. Anything unusual (no desk here, no HEAD) starts nothing:
    the command then finds it as it always did. `lock`: also take the desk lock if it
    is free (`_lock_early`)."""
    try:
        from itsmctl.infra.config import find_root

        root = find_root(repo)
        head = Desk(root).head() if root not in _EARLY else None
    except Exception:  # noqa: BLE001 - the command itself says what is wrong, later
        return
    if head is None:
        return
    blobs = _EARLY[root] = git.CatFile(root)
    try:
        blobs.ask(head)
        from itsmctl.core.model import ID_RE, ticket_path

        for ref in refs:
            wanted = ref.strip().upper()
            if ID_RE.match(wanted):
                blobs.ask(f"{head}:{ticket_path(wanted)}")
    except (OSError, GitError):
        _EARLY.pop(root, None)
        blobs.close()
        return
    if lock:
        _lock_early(root)


# desk root -> (the desk lock's fd, the `git update-index` started under it)
_LOCKED: dict[Path, tuple[int, Optional[git.IndexUpdate]]] = {}
_LOCKED_INDEX: dict[Path, Optional[git.IndexUpdate]] = {}


def _lock_early(root: Path) -> None:
    """The desk lock, if free this instant, and git's index read under it, both taken
    over by the command's transaction: at 100,000 tickets `git update-index` reads a
    10 MB index, which then overlaps this process's imports instead of its decision.
    Only where the lock is all the write path takes before its transaction: no remote
    possible (config/desk.yaml names none, .git/config no itsmctl setting, or
    ITSMCTL_NO_SYNC), and the clone's git settings already made (upkeep). A busy lock
    is left to the command, which waits for it as always."""
    from itsmctl.infra.upkeep import VERSION, _state

    try:
        if _state(root).joinpath("settings").read_text() != VERSION:
            return
        if not os.environ.get("ITSMCTL_NO_SYNC"):
            desk_yaml = (root / "config" / "desk.yaml").read_bytes()
            if b"remote" in desk_yaml or b"\\" in desk_yaml or \
                    b"itsmctl" in (root / ".git" / "config").read_bytes().lower():
                return
        fd = os.open(_state(root) / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        Desk(root)._recover()
        index = None if (root / ".git" / "index.lock").exists() else git.IndexUpdate(root)
    except Exception:  # noqa: BLE001 - busy, or the command meets it itself later
        os.close(fd)
        return
    _LOCKED[root] = (fd, index)


def _drop_index(root: Path) -> None:
    index = _LOCKED_INDEX.pop(root, None)
    if index is not None:
        index.close()


def drop_prefetch() -> None:
    """Stop what `prefetch` started that no transaction took over (the command stopped
    first): cat-file, and git's index update (closed with no path: git writes nothing
    and lets index.lock go before this process ends); then the desk lock."""
    while _EARLY:
        _EARLY.popitem()[1].close()
    while _LOCKED:
        root, (fd, index) = _LOCKED.popitem()
        if index is not None:
            index.close()
        os.close(fd)
    for root in list(_LOCKED_INDEX):
        _drop_index(root)
