"""M1/M4 on a desk whose masters hold both forms of a slave-list change: the `[old, new]`
pairs desks recorded before, and the ids added or removed (`slaves: {added: [ID]}`) they
record now. log and show render both, audit (G6) and validate (G5) pass and still find a
slave added by hand, and export/import (W7) carries both."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from itsmctl.core import relations
from itsmctl.core.events import step
from tests.helpers import BILLING, NOW, git, itsm, make_desk, ok, open_ticket, show


def _old_form(ticket, ctx, action, key, added=(), removed=(), note=None):
    """The master's event as desks recorded it before: the list before and after."""
    new = [x for x in getattr(ticket, key) if x not in removed] + list(added)
    return step(ticket, ctx, action, note=note, **{key: new})


@pytest.fixture
def both(desk, monkeypatch):
    """A master whose first link and unlink were recorded the old way, the next ones
    the new way."""
    master = open_ticket(desk, *BILLING, title="portal down")
    a, b, c = (open_ticket(desk, *BILLING, title=f"portal down {i}") for i in range(3))
    with monkeypatch.context() as m:
        m.setattr(relations, "members_step", _old_form)
        ok(itsm(desk, "link-master", a, "--master", master))
        ok(itsm(desk, "link-master", b, "--master", master))
        ok(itsm(desk, "unlink", a))
    ok(itsm(desk, "link-master", c, "--master", master))
    ok(itsm(desk, "unlink", b))
    ok(itsm(desk, "link-master", a, "--master", master))
    return desk, master, a, b, c


def _events(desk, master):
    return [e for e in show(desk, master)["history"] if e["action"].endswith("-slave")]


def test_M1_M4_a_master_records_pairs_before_and_ids_now(both):
    desk, master, a, b, c = both
    assert show(desk, master)["slaves"] == [c, a]
    assert [e["changes"]["slaves"] for e in _events(desk, master)] == [
        [[], [a]], [[a], [a, b]], [[a, b], [b]],
        {"added": [c]}, {"removed": [b]}, {"added": [a]}]
    text = (desk / "tickets/2026/11" / f"{master}.yaml").read_text()
    assert f"    slaves:\n      added: [{c}]\n" in text
    assert f"    slaves:\n      removed: [{b}]\n" in text


def test_M1_log_and_show_render_both_forms(both):
    desk, master, a, b, c = both
    out = ok(itsm(desk, "log", master, "--no-pager")).out
    assert f"slaves: + {b}" in out and f"slaves: - {a}" in out        # pairs
    assert f"slaves: + {c}" in out and f"slaves: - {b}" in out        # ids
    assert "{'added'" not in out and "added:" not in out
    rows = ok(itsm(desk, "log", master, "--format", "csv")).out
    assert f"slaves: + {c}" in rows and f"slaves: - {b}" in rows
    logged = json.loads(ok(itsm(desk, "--json", "log", master)).out)
    assert logged[-1]["changes"] == {"slaves": {"added": [a]}}
    shown = ok(itsm(desk, "show", master, "--no-pager")).out
    assert "{'added'" not in shown


def test_M1_the_desk_page_renders_both_forms(both):
    from itsmctl.app.queue import load
    from itsmctl.app.session import Session
    from itsmctl.ui.web.desk import history

    desk, master, a, b, c = both
    session = Session(repo=str(desk), actor_given="alice", now_given=NOW)
    changes = [x for e in history(load(session, master), session.policy) for x in e["changes"]]
    assert f"slaves: + {c}" in changes and f"slaves: - {b}" in changes
    assert f"slaves: {a} → {a}, {b}" in changes


def test_G5_G6_a_desk_with_both_forms_audits_and_validates_clean(both):
    desk, master, *_ = both
    assert ok(itsm(desk, "audit")).code == 0
    assert ok(itsm(desk, "validate")).code == 0


def test_G6_a_slave_added_by_hand_beside_both_forms_is_found(both):
    desk, master, a, b, c = both
    path = desk / "tickets/2026/11" / f"{master}.yaml"
    text = path.read_text()
    assert f"slaves: [{c}, {a}]" in text
    path.write_text(text.replace(f"slaves: [{c}, {a}]", f"slaves: [{c}, {a}, {b}]", 1))
    env = dict(os.environ, GIT_AUTHOR_NAME="Alice 王丽", GIT_AUTHOR_EMAIL="alice@example.com")
    subprocess.run(["git", "commit", "-qam", "fix"], cwd=desk, check=True, env=env)
    r = itsm(desk, "audit", "--since", "HEAD~1")
    assert r.code == 1 and "hand-edit: slaves changed without a history event" in r.out


def test_W7_export_and_import_carry_both_forms(both, tmp_path):
    desk, master, *_ = both
    exported = ok(itsm(desk, "export")).json
    (tmp_path / "desk.json").write_text(json.dumps(exported, ensure_ascii=False))
    other = make_desk(tmp_path / "other")
    ok(itsm(other, "import", str(tmp_path / "desk.json")))
    again = {t["id"]: t for t in ok(itsm(other, "export")).json}
    original = {t["id"]: t for t in exported}[master]
    assert again[master]["history"][:-1] == original["history"]
    assert again[master]["slaves"] == original["slaves"]
    assert ok(itsm(other, "audit")).code == 0
    assert ok(itsm(other, "validate")).code == 0
    out = tmp_path / "d.csv"
    ok(itsm(desk, "export", "--format", "csv", "--out", str(out)))
    third = make_desk(tmp_path / "third")
    ok(itsm(third, "import", str(out)))
    rows = {t["id"]: t for t in ok(itsm(third, "export")).json}
    assert rows[master]["history"][:-1] == original["history"]
    assert git(third, "status", "--porcelain") == ""
