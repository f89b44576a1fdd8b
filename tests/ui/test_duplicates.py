"""M6 / L16 through the CLI: `open` names likely duplicates and recurrence candidates on
stderr (stdout stays the id), lists them with --json, and `--duplicate-of` links at once."""

from __future__ import annotations

from tests.helpers import BILLING, USER, commit_count, git, itsm, ok, resolved

LATER = "2026-11-25T10:00:00+08:00"


def test_M6_open_names_likely_duplicates_on_stderr_stdout_stays_the_id(desk):
    first = ok(itsm(desk, "open", "--title", "计费出错", *USER, *BILLING)).out.strip()
    r = ok(itsm(desk, "open", "--title", "账单金额不对", *USER, *BILLING, now=LATER))
    new = r.out.strip()
    assert r.out == f"{new}\n"
    assert f"likely duplicate (M6): {first}" in r.err
    assert f"itsmctl link-master {new} --master {first}" in r.err
    as_json = ok(itsm(desk, "--json", "open", "--title", "again", *USER, *BILLING,
                      now=LATER)).json
    assert {c["id"] for c in as_json["candidates"]["duplicates"]} == {first, new}
    assert as_json["candidates"]["duplicates"][0]["conditions"]


def test_L16_a_closed_ticket_within_the_window_is_a_recurrence_candidate(desk):
    old = resolved(desk, "--ci", "billing-db01")
    ok(itsm(desk, "close", old, "--code", "solved", now="2026-11-25T12:00:00+08:00"))
    r = ok(itsm(desk, "--json", "open", "--title", "billing-db01 slow again", *USER,
                "--ci", "billing-db01", now="2026-12-05T09:00:00+08:00"))
    assert [c["id"] for c in r.json["candidates"]["recurrences"]] == [old]
    assert r.json["candidates"]["recurrences"][0]["conditions"] == ["same-ci"]
    assert f"recurrence candidate (L16): {old}" in r.err
    late = ok(itsm(desk, "--json", "open", "--title", "long after", *USER,
                   "--ci", "billing-db01", now="2027-01-20T09:00:00+08:00")).json
    assert late["candidates"]["recurrences"] == []               # outside 30 days


def test_M6_open_duplicate_of_links_at_once_in_one_commit(desk):
    master = ok(itsm(desk, "open", "--title", "计费出错", *USER, *BILLING)).out.strip()
    ok(itsm(desk, "assign", master, "--group", "billing-app"))
    before = commit_count(desk)
    slave = ok(itsm(desk, "open", "--title", "me too", *USER, "--duplicate-of", master,
                    now=LATER)).out.strip()
    assert commit_count(desk) == before + 1
    shown = ok(itsm(desk, "--json", "show", slave, now=LATER)).json
    assert shown["master"] == master and shown["status"] == "assigned"
    assert shown["group"] == "billing-app"
    assert slave in ok(itsm(desk, "--json", "show", master, now=LATER)).json["slaves"]
    assert set(git(desk, "show", "--name-only", "--format=", "HEAD").split()) == {
        f"tickets/2026/11/{slave}.yaml", f"tickets/2026/11/{master}.yaml"}
    assert ok(itsm(desk, "audit")).code == 0


def test_M6_duplicate_of_a_closed_or_unknown_ticket_is_refused_and_opens_nothing(desk):
    old = resolved(desk)
    ok(itsm(desk, "close", old, "--code", "solved"))
    before = commit_count(desk)
    r = itsm(desk, "open", "--title", "x", *USER, "--duplicate-of", old)
    assert r.code == 1 and "M3" in r.err and "--related" in r.err
    assert itsm(desk, "open", "--title", "x", *USER, "--duplicate-of",
                "INC-2611-ZZZZZ").code == 3
    assert commit_count(desk) == before
