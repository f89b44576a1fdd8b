"""Getting this clone's commits onto the remote (G4), for the write path and `sync`.

A command commits locally under the desk lock, then waits here until a push carries its
commit. One process of the clone talks to the remote at a time (net.lock); it pushes
everything the clone has committed, so commands that commit while a push is in flight
ride on the next one, and pushes are at least `push_interval` apart. A rejected push is
followed by a fetch and `integrate`: local commits whose files (and whatever their
decisions read) the new remote commits did not touch are made again on the new tip with
git plumbing (infra/rebase.py), without running anything again; a commit whose ticket or
config changed meanwhile is dropped, and its command decides again on the fresh state
(rules re-checked), or, when its process is gone (offline work, a killed command), its
recorded use case is run again as `sync` does. Bookkeeping: infra/outgoing.py.
"""

from __future__ import annotations

import random
import time
from typing import TYPE_CHECKING, Optional

from itsmctl.app.session import Session
from itsmctl.errors import ConcurrencyError, GitError, RuleViolation
from itsmctl.infra import rebase
from itsmctl.infra.outgoing import Outgoing, Unpushed, alive, net_lock

if TYPE_CHECKING:
    from itsmctl.infra.git import SignWith
    from itsmctl.infra.remote import Remote

FRESH = 2.0             # seconds a fetch or push of this clone counts as a recent pull
ROUNDS = 60             # rejected pushes in a row before exit 5 (the commit stays local)
DOWN = 10.0             # seconds an unreachable remote is not tried again by this clone
KEPT = "committed here, `itsmctl sync` pushes it"
CONFIG_CHANGED = "config/ changed meanwhile"


class Dropped(Exception):
    """What arrived from the remote changed what this commit's decision read: decide again."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why

    @property
    def config(self) -> bool:
        return self.why == CONFIG_CHANGED


def prepare(session: Session, remote: "Remote", token: str, sign: Optional["SignWith"],
            force: bool = False) -> bool:
    """Before deciding: the branch holds a recent remote tip (G4 'pull before'). While
    other commands of this clone are writing, a fetch one of them made in the last FRESH
    seconds will do; a command alone always fetches. True when this call fetched."""
    desk, out = session.desk, Outgoing(session.desk)
    force = force or not out.others(token)

    def fresh_enough(within: float) -> bool:
        """Another command fetched in the last `within` seconds and the branch holds
        what it found."""
        if out.age("fetched") >= within:
            return False
        tracking, head = desk.read_ref(remote.tracking), desk.head()
        return not tracking or tracking == head or remote.is_ancestor(tracking, head)

    if not force and fresh_enough(FRESH):
        return False
    timeout, waiting = session.policy.desk.lock_timeout, time.monotonic()
    # while waiting for the lock: a fetch another made meanwhile is as fresh as our own
    # would be (and one of the last FRESH seconds will do when others are writing)
    with net_lock(desk, timeout, ready=lambda: fresh_enough(
            time.monotonic() - waiting if force else FRESH)) as had:
        if not had:
            return False
        recover(session, remote)
        if _down(out, token):
            remote.offline = True
            return False
        fetched = force or out.age("fetched") >= FRESH
        tip = fetch(session, remote) if fetched else desk.read_ref(remote.tracking)
        if tip is None:
            out.touch("unreachable")
            return False                                # offline: decide on what we have
        if fetched:
            out.touch("fetched")
        with desk.lock(timeout):
            integrate(session, remote, tip, "", sign)
    return fetched


def fetch(session: Session, remote: "Remote") -> Optional[str]:
    """remote.fetch(); on a signed desk refusing a remote whose history was rewritten
    under us (I5): what this clone saw there must still be in what it has now."""
    known = session.desk.read_ref(remote.tracking) if session.policy.desk.require_signed \
        else None
    tip = remote.fetch()
    if known and tip and tip != known and not remote.is_ancestor(known, tip):
        from itsmctl.errors import RuleViolation

        remote.set_tracking(known)      # refused again next time, until someone looks
        raise RuleViolation(f"{remote.name}'s {remote.branch} was rewritten: commits this "
                            f"clone saw there ({known[:10]}) are gone (a force-push?); "
                            f"refusing to follow it; compare with `git log {known[:10]}` "
                            "and restore the remote's history", rule="I5")
    return tip


def land(session: Session, remote: "Remote", token: str, sha: str,
         sign: Optional["SignWith"] = None) -> str:
    """Wait until a push of this clone carries the commit; its sha on the remote (or
    here, offline). Raises Dropped when it must be decided again."""
    desk, out = session.desk, Outgoing(session.desk)
    timeout = session.policy.desk.lock_timeout
    rounds, pace = 0, True
    while True:
        entry = out.read().find(token)
        if entry is None:
            sha = _lost(session, remote, token, sha)
            continue
        sha = entry.sha
        if entry.state == "landed":
            out.forget(token)
            return sha
        if entry.state == "dropped":
            out.forget(token)
            raise Dropped(entry.why)
        if entry.state == "refused":
            out.forget(token)
            raise RuleViolation(f"{remote.name} refused the commit: {entry.why}; nothing "
                                "was applied", rule="I6")
        if pace:
            _pace(session, out)
        with net_lock(desk, timeout, KEPT, ready=lambda: _settled(out, token)) as had:
            if not had:         # another's push carried it (or a rebase dropped it)
                continue
            if pace and out.age("pushed") < session.policy.desk.push_interval:
                continue        # a push went while we waited for the lock: ours next time
            pace = False        # a rejected push is tried again at once (with backoff)
            recover(session, remote)
            entry = out.read().find(token)
            if entry is not None and entry.state == "replay":
                # taken for a process that is gone; it is not: it decides again itself
                # (or pushes, if its commit is still on the branch)
                kept = remote.is_ancestor(entry.sha, desk.head())
                with out.edit() as queue:
                    for e in queue.entries:
                        if e.token == token and e.state == "replay":
                            e.state = "local" if kept else "dropped"
                continue
            if entry is None or entry.state != "local":
                continue
            if remote.offline or _down(out, token):
                return _offline(session, remote, out, token, entry.sha, "unreachable")
            head, base = desk.head(), desk.read_ref(remote.tracking)
            assert head is not None
            outcome = remote.push(head)
            out.touch("pushed")
            if outcome == "pushed":
                out.touch("fetched")
                out.landed(_between(session, base, head))
                mine = out.read().find(token)
                if mine is not None and mine.state == "local":
                    _lost(session, remote, token, mine.sha)     # not on the branch any more
                continue
            if outcome == "offline":
                return _offline(session, remote, out, token, entry.sha, "failed")
            if outcome == "refused":        # the remote's own check (I6): not a race
                culprit = _first_refused(session, remote, out, base, head)
                if culprit is not None:
                    with desk.lock(timeout):
                        integrate(session, remote, desk.read_ref(remote.tracking), token,
                                  sign, refused={culprit: remote.refusal})
                continue
            tip = fetch(session, remote)
            if tip is None:
                return _offline(session, remote, out, token, entry.sha, "failed")
            out.touch("fetched")
            if tip == (base or "") and remote.is_ancestor(tip, head):
                out.disown(token)
                raise GitError(f"{remote.name} turned the push down: {remote.refusal}; the "
                               "commit stays here until that is settled (`itsmctl sync`)")
            rounds += 1
            if rounds > ROUNDS:
                out.disown(token)
                raise ConcurrencyError(
                    f"{remote.name} kept moving: {ROUNDS} pushes rejected in a row (G4); "
                    + KEPT, rule="G4")
            with desk.lock(timeout):
                integrate(session, remote, tip, token, sign)
        if rounds:              # clones that lost the same race should not meet again at once
            time.sleep(random.uniform(0, min(1.0, 0.05 * 2 ** rounds)))


def _first_refused(session: Session, remote: "Remote", out: Outgoing, base: Optional[str],
                   head: str) -> Optional[str]:
    """The remote refused a push of several commits: push them one by one, oldest first;
    the first it refuses (those before it land), or None when the remote moved."""
    from itsmctl.infra import git

    rng = f"{base}..{head}" if base else head
    for sha in git.run(session.root, "rev-list", "--reverse", rng).decode().split():
        outcome = remote.push(sha)
        if outcome == "pushed":
            out.landed({sha})
            continue
        return sha if outcome == "refused" else None
    return None


def _settled(out: Outgoing, token: str) -> bool:
    """Has the command's commit landed, been dropped or refused (or gone from the queue)?
    Then its process looks at it without the net lock (the top of `land`)."""
    entry = out.read().find(token)
    return entry is None or entry.state in ("landed", "dropped", "refused")


def _pace(session: Session, out: Outgoing) -> None:
    """A clone pushes at most once per push_interval: a command whose commit is ready
    less than that after the last push waits, and whatever this clone commits meanwhile
    rides on the same push. A command after a quiet spell pushes at once."""
    left = session.policy.desk.push_interval - out.age("pushed")
    if left > 0:
        time.sleep(left)


def _down(out: Outgoing, token: str) -> bool:
    """Did this clone find the remote unreachable lately (and not reach it since), while
    other commands are writing here? Then they do not each wait for the network; a
    command alone always tries."""
    return out.age("unreachable") < min(DOWN, out.age("fetched")) and out.others(token)


def _offline(session: Session, remote: "Remote", out: Outgoing, token: str, sha: str,
             how: str) -> str:
    if how == "failed":
        out.touch("unreachable")
    session.say(f"offline: {'push to ' if how == 'failed' else ''}{remote.name} {how}; "
                "committed locally, run `itsmctl sync` to push")
    out.disown(token)
    return sha


def _lost(session: Session, remote: "Remote", token: str, sha: str) -> str:
    """The entry went away (outgoing.json removed by hand), or a push did not carry the
    commit (the branch was reset by hand): find the commit again, or decide again."""
    desk, out = session.desk, Outgoing(session.desk)
    out.forget(token)
    if remote.is_ancestor(sha, desk.read_ref(remote.tracking)):
        out.add(Unpushed(sha, token, state="landed"))
    elif remote.is_ancestor(sha, desk.head()):
        out.add(Unpushed(sha, token))
    else:
        raise Dropped("its commit is no longer on the branch")
    return sha


def _between(session: Session, base: Optional[str], head: str) -> set[str]:
    from itsmctl.infra import git

    rng = f"{base}..{head}" if base else head
    return set(git.run(session.root, "rev-list", rng).decode().split())


# ---- integrate: the branch on top of a fetched tip ------------------------------------------

def integrate(session: Session, remote: "Remote", tip: Optional[str], mine: str,
              sign: Optional["SignWith"] = None,
              refused: Optional[dict[str, str]] = None) -> list[str]:
    """Under the net and desk locks: bring the branch on top of tip, rebasing local
    commits with plumbing where nothing they depend on changed (and leaving out those
    the remote `refused`); what could not be applied, one line each."""
    desk = session.desk
    head = desk.head()
    if head and tip and refused:
        _rebase(session, head, tip, mine, sign, refused)
    elif tip and head != tip and not remote.is_ancestor(tip, head):
        if head is None or remote.is_ancestor(head, tip):
            rebase.move(desk, head, tip)
        else:
            _rebase(session, head, tip, mine, sign, {})
    return _replay(session, remote)


def _rebase(session: Session, head: str, tip: str, mine: str, sign: Optional["SignWith"],
            refused: dict[str, str]) -> None:
    desk, out = session.desk, Outgoing(session.desk)
    commits = rebase.local_commits(desk, tip, head)
    incoming = rebase.changed_paths(desk, rebase.merge_base(desk, head, tip), tip)
    entries = out.read().by_sha()
    dirty = set(incoming)
    config = any(p.startswith("config/") for p in incoming)
    # on a signed desk a commit is made again only by the process that signs as its
    # actor, i.e. its own; the others decide again and sign themselves
    signed = session.policy.desk.require_signed
    texts: list[bytes] = []
    kept, why, replay = [], {}, []

    def drop(commit: rebase.Local, reason: str) -> None:
        """Its process decides again; with nobody waiting, its use case runs again."""
        entry = entries.get(commit.sha)
        why[commit.sha] = reason
        if commit.sha in refused:
            if not (entry and entry.token):
                session.say(f"not applied: {commit.subject}: {remote_said(reason)}")
            return
        if not (entry and entry.token and (entry.token == mine or alive(desk, entry.token))):
            replay.append(commit.sha)

    for commit in commits:
        entry = entries.get(commit.sha)
        reason = refused.get(commit.sha) or _conflict(
            session, commit, entry, dirty, config, incoming, texts)
        if reason is None and rebase.remakeable(commit) and (
                not signed or (sign is not None and entry is not None and entry.token == mine)):
            kept.append(commit)
            continue
        dirty |= commit.paths
        drop(commit, reason or "cannot be made again unchanged")
    made = rebase.remake(desk, kept, tip, sign)
    if made is None:                    # not the same commits: decide all of them again
        for commit in kept:
            drop(commit, "cannot be made again unchanged")
        kept, made = [], []
    moves = {c.sha: "" for c in commits} | {c.sha: new for c, new in zip(kept, made)}
    new_head = made[-1] if made else tip
    with out.edit() as queue:
        queue.pending = {"from": head, "to": new_head, "moves": moves, "why": why,
                         "replay": replay, "refused": sorted(refused)}
    rebase.move(desk, head, new_head)
    _apply(out)


def remote_said(reason: str) -> str:
    return f"refused by the remote: {reason}"


def _conflict(session: Session, commit: rebase.Local, entry: Optional[Unpushed], dirty: set[str],
              config: bool, incoming: dict[str, str], texts: list[bytes]) -> Optional[str]:
    """Why the commit cannot simply move onto the new tip, or None."""
    if config:
        return CONFIG_CHANGED
    reads = commit.paths | set(entry.reads if entry else ())
    hit = sorted(reads & dirty)
    if hit:
        return f"{hit[0]} changed meanwhile"
    if entry and entry.watch:
        if not texts:               # the new tickets that arrived, read once
            from itsmctl.infra import git

            blobs = [b for p, b in incoming.items() if p.startswith("tickets/")
                     and b != rebase.DELETED]
            texts += git.cat_batch(session.root, blobs).values() if blobs else [b""]
        if any(w.encode() in text for w in entry.watch for text in texts):
            return "a ticket for the same alert arrived meanwhile"
    return None


def _apply(out: Outgoing) -> None:
    """The branch moved: entries follow their commits; dropped ones are told or replayed."""
    with out.edit() as queue:
        pending = queue.pending
        if pending is None:
            return
        moves, why, replay = pending["moves"], pending["why"], set(pending["replay"])
        refused = set(pending.get("refused", ()))
        for entry in queue.entries:
            new = moves.get(entry.sha)
            if new:
                entry.sha = new
            elif new == "":
                entry.state = "refused" if entry.sha in refused else \
                    "replay" if entry.sha in replay else "dropped"
                entry.why, entry.at = why.get(entry.sha, ""), time.time()
        known = {e.sha for e in queue.entries}
        queue.entries += [Unpushed(sha, state="replay", at=time.time())
                          for sha in pending["replay"] if sha not in known]
        queue.pending = None


def recover(session: Session, remote: "Remote") -> None:
    """Under the net lock: finish or forget a rebase whose process died midway."""
    out = Outgoing(session.desk)
    pending = out.read().pending
    if pending is None:
        return
    head = session.desk.head()
    if head == pending["to"] or remote.is_ancestor(pending["to"], head):
        _apply(out)
    else:
        with out.edit() as queue:
            queue.pending = None


def _replay(session: Session, remote: "Remote") -> list[str]:
    """Commits dropped with nobody waiting for them: their recorded use case again (or a
    cherry-pick), as `sync` does; what no longer applies is reported and left out."""
    from itsmctl.app.replay import recorded_call, run_again
    from itsmctl.infra.remote import LocalCommit

    out = Outgoing(session.desk)
    todo = [e for e in out.read().entries if e.state == "replay"]
    failed = []
    for entry in todo:
        try:
            found = rebase.local_commits(session.desk, entry.sha + "^", entry.sha)
        except GitError:        # a first commit, or gone: nothing to put on top
            found = []
        error: Optional[str] = None
        if found:
            commit = found[0]
            record = recorded_call(LocalCommit(commit.sha, commit.subject, commit.trailers))
            if record is not None:
                error = run_again(session, record, commit.sha)
            else:
                error = _cherry_pick(session, remote, commit.sha)
        # forgotten only now: a process killed midway leaves it to be replayed again
        # (a transition twice may be refused by its rules; one lost would be lost)
        with out.edit() as queue:
            queue.entries = [e for e in queue.entries if e.sha != entry.sha]
        if not found:
            continue
        if error:
            failed.append(f"{commit.subject}: {error}")
            session.say(f"sync: not applied: {commit.subject}: {error}")
        else:
            session.say(f"sync: replayed {commit.subject}")
    return failed


def _cherry_pick(session: Session, remote: "Remote", sha: str) -> Optional[str]:
    """A commit that recorded no use case, applied again by git (signed on a signed
    desk by whoever runs this); what went wrong, or None."""
    from itsmctl.app.trust import signer
    from itsmctl.errors import ItsmError

    try:
        sign = signer(session) if session.policy.desk.require_signed else None
    except ItsmError as exc:
        return exc.message
    return None if remote.cherry_pick(sha, sign) else "conflicts with changes made meanwhile"
