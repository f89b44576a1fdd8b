"""G5: validate reports every problem, recomputes derived values, checks the files given."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from tests.helpers import dispatched, git, itsm, ok, open_ticket, resolved


def rewrite(desk: Path, rel: str, old: str, new: str, commit: bool = True) -> None:
    p = desk / rel
    text = p.read_text()
    assert old in text, old
    p.write_text(text.replace(old, new, 1))
    if commit:
        subprocess.run(["git", "commit", "-qam", "edit"], cwd=desk, check=True)


def ticket_rel(tid: str) -> str:
    return f"tickets/2026/11/{tid}.yaml"


def problems(desk: Path, *args: str) -> list[str]:
    r = itsm(desk, "validate", *args)
    assert r.code == (4 if r.err.strip() else 0), r.err
    return r.err.strip().splitlines()


def test_G5_every_schema_error_of_a_config_file_with_its_line(desk):
    rewrite(desk, "config/sla.yaml", "auto_close_after: 30d", "auto_close_after: soon\nbogus: 1")
    lines = problems(desk)
    assert any(line.startswith("config/sla.yaml:") and "auto_close_after" in line for line in lines)
    assert any("bogus" in line for line in lines)


def test_G5_cross_references_of_config(desk):
    rewrite(desk, "config/teams.yaml", "delegate: dave", "delegate: carol", commit=False)
    rewrite(desk, "config/kpi.yaml", "successful_close_codes: [solved, auto_closed]",
            "successful_close_codes: [solved, fixed]", commit=False)
    lines = problems(desk)
    # file:line: key path: message (the line of the key the problem is about)
    at = line_of_text(desk / "config/teams.yaml", "delegate: carol")
    assert f"config/teams.yaml:{at}: delegates.0: carol cannot delegate to themselves" in lines
    at = line_of_text(desk / "config/kpi.yaml", "successful_close_codes:")
    assert f"config/kpi.yaml:{at}: successful_close_codes: unknown close code 'fixed'" in lines


def line_of_text(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if text in line)


def test_G5_routing_target_without_members(desk):
    rewrite(desk, "config/teams.yaml", "roles: [support], groups: [vendor-db]",
            "roles: [support], groups: [dba]", commit=False)
    at = line_of_text(desk / "config/teams.yaml", "vendor-db: {")
    assert f"config/teams.yaml:{at}: groups.vendor-db: a routing target with no members " \
        "(L3, L4)" in problems(desk)


def test_G5_ticket_references_and_derived_values(desk):
    tid = resolved(desk)
    rel = ticket_rel(tid)
    rewrite(desk, rel, "symptom: billing-error", "symptom: smoke", commit=False)
    rewrite(desk, rel, "group: billing-app", "group: night-shift", commit=False)
    doc = yaml.safe_load((desk / rel).read_text())
    deadline = doc["sla"]["restore"]["deadline"]
    rewrite(desk, rel, f"deadline: '{deadline}'", "deadline: '2030-01-01T00:00:00+08:00'",
            commit=False)
    lines = problems(desk)
    assert f"{rel}: group: unknown group 'night-shift'" in lines
    assert any(line.startswith(f"{rel}: classification.symptom: unknown symptom 'smoke'")
               for line in lines)
    assert any(line.startswith(f"{rel}: sla.restore.deadline: stored '2030-01-01T00:00:00+08:00'"
                            f" but recomputed '{deadline}'") for line in lines)


def test_G5_ticket_schema_errors_all_reported(desk):
    tid = open_ticket(desk)
    rel = ticket_rel(tid)
    rewrite(desk, rel, "type: incident", "type: rumour", commit=False)
    rewrite(desk, rel, "source: phone", "source: pigeon", commit=False)
    lines = problems(desk)
    assert any(line.startswith(f"{rel}: type:") for line in lines)
    assert any(line.startswith(f"{rel}: source:") for line in lines)


def test_G5_files_given_and_since(desk):
    good = dispatched(desk)
    bad = dispatched(desk)
    base = git(desk, "rev-parse", "HEAD").strip()
    rewrite(desk, ticket_rel(bad), "priority: P4", "priority: P2")
    assert problems(desk, ticket_rel(good)) == []
    assert problems(desk, ticket_rel(bad))[0].startswith(f"{ticket_rel(bad)}: priority")
    assert len(problems(desk, "--since", base)) == 1
    assert problems(desk, "--since", "HEAD") == []
    r = itsm(desk, "validate", "--since", "nope")
    assert r.code == 2


def test_G5_cross_ticket_references(desk):
    a = dispatched(desk)
    b = dispatched(desk)
    ok(itsm(desk, "link", a, "--related", b))
    rewrite(desk, ticket_rel(b), f"related: [{a}]", "related: []")
    assert f"{ticket_rel(a)}: related: {b} does not list it back" in problems(desk)
