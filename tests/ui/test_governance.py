"""C1 through the CLI and real git: `validate --since BASE` checks every config commit of
a pull request for an approval and for its class's change window (handbook chapter 7)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.helpers import git, itsm


def commit(desk: Path, message: str, when: str, *trailers: str, empty: bool = False) -> str:
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    args = ["git", "commit", "-q", "-a", "-m", message]
    if trailers:
        args += ["-m", "\n".join(trailers)]
    if empty:
        args.append("--allow-empty")
    subprocess.run(args, cwd=desk, env=env, check=True)
    return git(desk, "rev-parse", "HEAD").strip()


def edit(desk: Path, rel: str, old: str, new: str) -> None:
    path = desk / rel
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def governance(desk: Path, base: str) -> list[str]:
    r = itsm(desk, "validate", "--since", base)
    lines = [ln for ln in r.err.splitlines() if "governance" in ln]
    assert r.code == (4 if lines else 0), r.err
    return lines


def test_C1_a_config_change_without_approval_is_reported(desk):
    base = git(desk, "rev-parse", "HEAD").strip()
    edit(desk, "config/sla.yaml", "P4: {respond: 1h", "P4: {respond: 2h")
    sha = commit(desk, "sla: P4 respond 2h", "2026-11-20T10:00:00+08:00")
    lines = governance(desk, base)
    assert len(lines) == 1 and lines[0].startswith("config/sla.yaml: governance (approval)")
    assert sha[:10] in lines[0] and "incident_manager" in lines[0]
    # the incident manager's review, recorded by the host or by hand, approves it
    commit(desk, "approve", "2026-11-20T11:00:00+08:00", "Itsmctl-Approved-By: mike",
           empty=True)
    assert governance(desk, base) == []


def test_C1_the_service_desk_approves_information_not_rules(desk):
    base = git(desk, "rev-parse", "HEAD").strip()
    edit(desk, "config/codes.yaml", "vendor:", "vendor-call: 等待厂商回电\n  vendor:")
    commit(desk, "codes: vendor-call", "2026-11-20T10:00:00+08:00",
           "Approved-by: Bob 李博 <bob@example.com>")
    assert governance(desk, base) == []
    edit(desk, "config/kpi.yaml", "trend_months: 3", "trend_months: 6")
    commit(desk, "kpi: six months", "2026-11-20T10:05:00+08:00",
           "Approved-by: Bob 李博 <bob@example.com>")
    assert [ln.split(":")[0] for ln in governance(desk, base)] == ["config/kpi.yaml"]


def test_C1_information_at_most_weekly_unless_the_incident_manager_overrides(desk):
    edit(desk, "config/codes.yaml", "vendor:", "vendor-call: 等待厂商回电\n  vendor:")
    base = commit(desk, "codes: vendor-call", "2026-11-10T10:00:00+08:00",
                  "Itsmctl-Approved-By: alice")
    edit(desk, "config/categories.yaml", "计费出错", "计费错误")
    commit(desk, "categories: wording", "2026-11-13T10:00:00+08:00",
           "Itsmctl-Approved-By: alice")
    lines = governance(desk, base)
    assert len(lines) == 1 and "governance (window)" in lines[0]
    assert lines[0].startswith("config/categories.yaml") and "7d" in lines[0]
    assert "2026-11-17T10:00:00+08:00" in lines[0]                    # when it may change
    commit(desk, "override", "2026-11-13T11:00:00+08:00", "Itsmctl-Approved-By: mike",
           "Itsmctl-Override: the old wording misleads users during the outage", empty=True)
    assert governance(desk, base) == []


def test_C1_people_changes_need_no_approval_and_tickets_are_not_config(desk):
    base = git(desk, "rev-parse", "HEAD").strip()
    edit(desk, "config/rota.yaml", "check_days: 28", "check_days: 14")
    commit(desk, "rota: two weeks ahead", "2026-11-20T10:00:00+08:00")
    itsm(desk, "open", "--title", "x", "--reporter-name", "a", "--reporter-phone", "1")
    assert governance(desk, base) == []


def test_C1_validate_since_reads_the_history_before_the_range_only_for_a_windowed_change(
        desk, monkeypatch):
    # issue 13: `validate --since` costs what the range holds; the walk of every earlier
    # commit for config/ (seconds at 100,000 tickets) is made only when a change in the
    # range has a window to be held against
    from itsmctl.app import governance as app_governance

    walks: list[str] = []
    real = app_governance.last_changes
    monkeypatch.setattr(app_governance, "last_changes",
                        lambda root, since, policy: walks.append(since) or real(
                            root, since, policy))
    base = git(desk, "rev-parse", "HEAD").strip()
    edit(desk, "config/rota.yaml", "check_days: 28", "check_days: 14")
    commit(desk, "rota: two weeks ahead", "2026-11-20T10:00:00+08:00")
    itsm(desk, "open", "--title", "x", "--reporter-name", "a", "--reporter-phone", "1")
    assert governance(desk, base) == [] and walks == []
    edit(desk, "config/codes.yaml", "vendor:", "vendor-call: 等待厂商回电\n  vendor:")
    commit(desk, "codes: vendor-call", "2026-11-21T10:00:00+08:00",
           "Itsmctl-Approved-By: alice")
    assert governance(desk, base) == [] and walks == [base]


def test_C1_an_approvers_signed_commit_approves_on_a_signed_desk(tmp_path):
    """I4 with C1: on a signed desk the key decides who made a config commit; the
    incident manager's own signed change needs no review trailer, alice's does."""
    from tests.signed import make_signed

    sd = make_signed(tmp_path, people=("mike", "alice", "sweep"))
    base = sd.head()

    def lines() -> list[str]:
        r = itsm(sd.root, "validate", "--since", base, actor="alice", now=None)
        found = [ln for ln in r.err.splitlines() if "governance" in ln]
        assert r.code == (4 if found else 0), r.err
        return found

    edit(sd.root, "config/sla.yaml", "P4: {respond: 1h", "P4: {respond: 2h")
    sd.commit("sla: P4 respond 2h", signer="mike", author=("Mike 马明", "mike@example.com"))
    assert lines() == []
    edit(sd.root, "config/sla.yaml", "P4: {respond: 2h", "P4: {respond: 3h")
    sha = sd.commit("sla: P4 respond 3h", signer="alice")
    found = lines()
    assert len(found) == 1 and sha[:10] in found[0] and "approval" in found[0]
    # a trailer naming mike in alice's own signed commit is only a claim: still unapproved
    edit(sd.root, "config/sla.yaml", "P4: {respond: 3h", "P4: {respond: 4h")
    sd.commit("sla: P4 respond 4h\n\nItsmctl-Approved-By: mike", signer="alice")
    assert len(lines()) >= 1
