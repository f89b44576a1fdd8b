"""G5: validate checks config and tickets, one line per problem, exit 4."""

import subprocess

from tests.helpers import dispatched, itsm, ok


def test_G5_clean_desk_validates(desk):
    dispatched(desk)
    assert "valid" in ok(itsm(desk, "validate")).out


def test_G5_forged_priority_is_reported(desk):
    tid = dispatched(desk)
    path = desk / "tickets/2026/11" / f"{tid}.yaml"
    path.write_text(path.read_text().replace("priority: P4", "priority: P1"))
    subprocess.run(["git", "commit", "-qam", "x"], cwd=desk, check=True)
    r = itsm(desk, "validate")
    assert r.code == 4 and f"tickets/2026/11/{tid}.yaml: priority" in r.err


def test_G5_unknown_group_in_routing(desk):
    cats = desk / "config" / "categories.yaml"
    cats.write_text(cats.read_text().replace("groups: [billing-app]", "groups: [ghost-team]"))
    r = itsm(desk, "validate")
    assert r.code == 4 and "config/categories.yaml" in r.err and "ghost-team" in r.err


def test_G5_json_output(desk):
    r = ok(itsm(desk, "--json", "validate"))
    assert r.json == {"ok": True, "problems": []}
