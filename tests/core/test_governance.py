"""C1 as pure rules: who approves which config change and how often (handbook chapter 7
流程维护机制, SPEC 19), and CODEOWNERS from governance.yaml."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from itsmctl.core.governance import ConfigCommit, check, codeowners, windowed
from tests.core.policy_fixtures import policy

CN = timezone(timedelta(hours=8))
T0 = datetime(2026, 11, 2, 10, 0, tzinfo=CN)


def change(n: int, *paths: str, days: float = 0, signer=None, **trailers) -> ConfigCommit:
    return ConfigCommit(sha=f"{n:040x}", at=T0 + timedelta(days=days), position=n,
                  paths=tuple(f"config/{p}" for p in paths), signer=signer,
                  trailers={k.replace("_", "-").lower(): [v] for k, v in trailers.items()})


def kinds(found) -> list[tuple[str, str]]:
    return [(f.kind, f.path) for f in found]


def test_C1_a_rules_change_needs_the_incident_managers_approval():
    p = policy()
    plain = change(1, "sla.yaml")
    assert kinds(check(p, [plain], [plain])) == [("approval", "config/sla.yaml")]
    ok = change(1, "sla.yaml", Itsmctl_Approved_By="mike")
    assert check(p, [ok], [ok]) == []
    desk_only = change(1, "sla.yaml", Itsmctl_Approved_By="alice")    # service desk: no
    assert kinds(check(p, [desk_only], [desk_only])) == [("approval", "config/sla.yaml")]


def test_C1_information_may_be_approved_by_the_service_desk():
    p = policy()
    c = change(1, "categories.yaml", Approved_by="Bob 李博 <bob@example.com>")   # GitLab
    assert check(p, [c], [c]) == []


def test_C1_people_and_rota_need_no_approval():
    p = policy()
    c = change(1, "teams.yaml", "rota.yaml")
    assert check(p, [c], [c]) == []


def test_C1_the_approval_may_come_after_the_change_not_before():
    p = policy()
    approval = change(2, Reviewed_by="mike@example.com")                   # Gerrit
    c = change(1, "sla.yaml")
    assert check(p, [c], [approval]) == []
    early = change(0, Itsmctl_Approved_By="mike")
    assert kinds(check(p, [c], [early])) == [("approval", "config/sla.yaml")]


def test_C1_a_commit_signed_by_an_approver_approves_itself():
    p = policy()
    c = change(1, "priority_matrix.yaml", signer="mike")
    assert check(p, [c], [c]) == []
    assert kinds(check(p, [change(1, "priority_matrix.yaml", signer="carol")], [])) == \
        [("approval", "config/priority_matrix.yaml")]


def test_C1_change_windows_weekly_for_information_monthly_for_rules():
    p = policy()
    before = {"information": change(0, "codes.yaml", days=-3),
              "rules": change(0, "sla.yaml", days=-40)}
    info = change(1, "codes.yaml", Itsmctl_Approved_By="alice")
    rules = change(2, "sla.yaml", Itsmctl_Approved_By="mike")
    found = check(p, [info, rules], [info, rules], before)
    assert kinds(found) == [("window", "config/codes.yaml")]
    assert "at most one change per 7d" in found[0].message
    later = change(1, "codes.yaml", days=5, Itsmctl_Approved_By="alice")   # 8 days after
    assert check(p, [later], [later], before) == []


def test_C1_only_a_change_to_a_windowed_class_needs_the_changes_before_the_range():
    p = policy()
    assert not windowed(p, [])
    assert not windowed(p, [change(1, "rota.yaml"), change(2, "teams.yaml")])  # no window
    creation = ConfigCommit(sha="0" * 40, at=T0, position=0, paths=("config/sla.yaml",),
                            creation=True)
    assert not windowed(p, [creation])
    assert windowed(p, [change(1, "rota.yaml"), change(2, "codes.yaml")])
    assert windowed(p, [change(1, "sla.yaml")])
    # what `before` holds changes nothing for a range without such a change
    people = [change(1, "rota.yaml")]
    assert check(p, people, people, {}) == check(
        p, people, people, {"people": change(0, "teams.yaml", days=-1)}) == []


def test_C1_the_incident_manager_overrides_a_window_with_a_reason():
    p = policy()
    before = {"rules": change(0, "sla.yaml", days=-2)}
    c = change(1, "sla.yaml", Itsmctl_Approved_By="mike")
    assert kinds(check(p, [c], [c], before)) == [("window", "config/sla.yaml")]
    override = change(2, Itsmctl_Approved_By="mike", Itsmctl_Override="P1 outage: targets")
    assert check(p, [c], [c, override], before) == []
    by_desk = change(2, Itsmctl_Approved_By="alice", Itsmctl_Override="please")
    assert kinds(check(p, [c], [c, by_desk], before)) == [("window", "config/sla.yaml")]


def test_C1_several_commits_of_one_range_are_one_change():
    p = policy()
    first = change(1, "notify.yaml", Itsmctl_Approved_By="alice")
    fixup = change(2, "notify.yaml", days=0.1, Itsmctl_Approved_By="alice")
    assert check(p, [first, fixup], [first, fixup], before={}) == []


def test_C1_the_desks_creation_is_no_change():
    p = policy()
    root = ConfigCommit(sha="0" * 40, at=T0, position=0, paths=("config/sla.yaml",), creation=True)
    assert check(p, [root], []) == []


def test_C1_codeowners_from_governance():
    text = codeowners(policy(), lambda pid: f"@{pid}")
    lines = text.splitlines()
    assert lines[0] == "config/ @mike"
    assert "/config/sla.yaml @mike" in lines
    assert "/config/categories.yaml @alice @bob @mike" in lines
    assert "/config/teams.yaml" in lines
