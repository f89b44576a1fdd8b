"""Rules the outside review found applied wrongly (issue 11): each test failed before its fix."""

import json

import pytest

from tests.helpers import (
    BILLING,
    commit_count,
    git,
    in_progress,
    itsm,
    ok,
    open_ticket,
    resolved,
    show,
)


def _closed(desk, *extra):
    tid = resolved(desk, *extra)
    ok(itsm(desk, "close", tid, "--code", "solved"))
    return tid


@pytest.mark.parametrize("urgency, before, after", [
    ("low", "P4", "P3"),        # was P2: urgency not copied, then the matrix raised
    ("high", "P2", "P1"),       # was P2: the raise was lost to the recomputed urgency
    ("medium", "P3", "P2"),
])
def test_L12_recurrence_is_the_previous_level_one_step_up(desk, urgency, before, after):
    tid = _closed(desk, "--impact", "3", "--urgency", urgency)
    assert show(desk, tid)["priority"] == before
    new = open_ticket(desk, "--recurrence-of", tid)
    t, orig = show(desk, new), show(desk, tid)
    assert (t["impact"], t["urgency"], t["priority"]) == (3, urgency, after)
    for key in ("category", "subtype", "symptom"):
        assert t["classification"][key] == orig["classification"][key]
    assert "priority one level up" in t["history"][0]["note"]
    ok(itsm(desk, "validate"))                  # the stored priority recomputes (P1)


def test_L12_recurrence_of_a_recurrence_climbs_again(desk):
    first = _closed(desk, "--impact", "3", "--urgency", "low")            # P4
    second = open_ticket(desk, "--recurrence-of", first)                   # P3
    ok(itsm(desk, "assign", second, "--group", "billing-app"))
    ok(itsm(desk, "accept", second, actor="carol"))
    ok(itsm(desk, "resolve", second, "--solution", "s", "--causation", "data-error",
            actor="carol"))
    ok(itsm(desk, "close", second, "--code", "solved"))
    third = open_ticket(desk, "--recurrence-of", second)
    assert [show(desk, t)["priority"] for t in (first, second, third)] == ["P4", "P3", "P2"]


def test_L10_the_service_desk_may_not_close_a_staff_ticket(desk):
    tid = open_ticket(desk, "--source", "staff", *BILLING, actor="carol")
    ok(itsm(desk, "assign", tid, "--group", "billing-app"))
    ok(itsm(desk, "accept", tid, actor="dave"))
    ok(itsm(desk, "resolve", tid, "--solution", "s", "--causation", "data-error", actor="dave"))
    n = commit_count(desk)
    r = itsm(desk, "close", tid, "--code", "solved", actor="alice")
    assert r.code == 6 and "[I2]" in r.err and "the opener" in r.err
    assert commit_count(desk) == n
    ok(itsm(desk, "close", tid, "--code", "solved", actor="carol"))


def test_L10_user_tickets_are_still_closed_by_the_desk(desk):
    tid = resolved(desk)
    assert itsm(desk, "close", tid, "--code", "solved", actor="carol").code == 6
    ok(itsm(desk, "close", tid, "--code", "solved", actor="alice"))


def test_L8_an_unknown_causation_on_resolve_cites_L8(desk):
    tid = in_progress(desk)
    r = itsm(desk, "resolve", tid, "--solution", "s", "--causation", "nosuch", actor="carol")
    assert r.code == 3 and "[L8]" in r.err and "nosuch" in r.err and "[L6]" not in r.err


def test_L6_an_unknown_causation_on_transfer_cites_L6(desk):
    tid = in_progress(desk)
    r = itsm(desk, "assign", tid, "--group", "dba", "--causation", "nosuch", actor="carol")
    assert r.code == 3 and "[L6]" in r.err


def test_P4_classify_with_an_unknown_symptom_cites_P4(desk):
    tid = open_ticket(desk)
    r = itsm(desk, "classify", tid, *BILLING[:4], "--symptom", "nosuch", "--reason", "r")
    assert r.code == 3 and "[P4]" in r.err


def test_L1_open_with_an_unknown_symptom_cites_L1(desk):
    r = itsm(desk, "open", "--title", "t", "--reporter-name", "a", "--reporter-phone", "1",
             *BILLING[:4], "--symptom", "nosuch")
    assert r.code == 3 and "[L1]" in r.err


def test_note_without_text_is_a_usage_error_not_L14(desk):
    tid = open_ticket(desk)
    r = itsm(desk, "--json", "note", tid)
    assert r.code == 2 and r.err_json["rule"] == "W4" and "--text" in r.err_json["message"]


def test_P4_a_classify_that_changes_nothing_is_refused_by_the_rule(desk):
    tid = open_ticket(desk)
    r = itsm(desk, "--json", "classify", tid, "--reason", "r")
    assert r.code == 1 and r.err_json["rule"] == "P4"


def test_every_refusal_names_the_rule_that_refused_it():
    """A refused command says which rule refused it (SPEC 3): every RuleViolation,
    NotPermitted and ConcurrencyError raised in itsmctl/ carries rule=."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "itsmctl"
    named = {"RuleViolation", "NotPermitted", "ConcurrencyError", "PushRejected"}
    missing = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in named:
                if not any(k.arg == "rule" for k in node.keywords):
                    missing.append(f"{path.relative_to(root)}:{node.lineno}")
    assert not missing, missing


def test_G2_a_held_git_index_lock_refuses_before_anything_happens(desk):
    tid = open_ticket(desk, *BILLING)
    head = git(desk, "rev-parse", "HEAD")
    (desk / ".git" / "index.lock").write_text("")
    r = itsm(desk, "--json", "assign", tid, "--group", "billing-app")
    assert r.code == 5 and r.err_json["rule"] == "G2" and "index.lock" in r.err_json["message"]
    assert git(desk, "rev-parse", "HEAD") == head
    assert git(desk, "status", "--porcelain") == ""
    (desk / ".git" / "index.lock").unlink()
    ok(itsm(desk, "assign", tid, "--group", "billing-app"))
    assert git(desk, "status", "--porcelain") == ""


def test_G2_an_index_lock_taken_during_the_commit_leaves_the_commit_standing(desk, monkeypatch):
    """The race: git takes .git/index.lock after our check, before our `git
    update-index` (started when the transaction begins) could. The commit stands (exit
    0), a warning says so, and the next command brings the index up to date."""
    from itsmctl.infra import git as gitmod
    from itsmctl.infra import store

    tid = open_ticket(desk, *BILLING)

    class Busy(gitmod.IndexUpdate):
        def __init__(self, root):
            self.lock = root / ".git" / "index.lock"
            self.lock.write_text("")
            super().__init__(root)

        def finish(self, paths, meanwhile=None):
            try:
                super().finish(paths, meanwhile)
            finally:
                self.lock.unlink(missing_ok=True)

    monkeypatch.setattr(store.git, "IndexUpdate", Busy)
    r = itsm(desk, "assign", tid, "--group", "billing-app")
    monkeypatch.undo()
    assert r.code == 0 and "index" in r.err and "commit stands" in r.err
    assert show(desk, tid)["status"] == "assigned"
    assert git(desk, "log", "-1", "--format=%s").startswith(f"{tid}: assign")
    ok(itsm(desk, "note", tid, "--text", "n"))
    assert git(desk, "status", "--porcelain") == ""


def test_L2_N3_the_out_of_scope_notice_is_delivered_after_its_commit(desk):
    """Fixed by the one write path (issue 10): before it, the notice waited for sweep."""
    tid = ok(itsm(desk, "open", "--title", "printer at home", "--reporter-name", "王五",
                  "--reporter-email", "wang@example.com", "--out-of-scope")).out.strip()
    outbox = desk / ".git" / "itsmctl" / "outbox"
    files = sorted(outbox.glob(f"{tid}-*.json"))
    assert len(files) == 1
    assert json.loads(files[0].read_text(encoding="utf-8"))["trigger"] == "out_of_scope"
    ledger = (desk / ".git" / "itsmctl" / "deliveries.jsonl").read_text().splitlines()
    assert any(json.loads(line)["ticket"] == tid and json.loads(line)["outcome"] == "sent"
               for line in ledger)

