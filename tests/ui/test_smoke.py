"""The desk fixture and the CLI runner work end to end."""

from tests.helpers import commit_count, in_progress, itsm, show


def test_L4_accept_sets_assignee(desk):
    tid = in_progress(desk)
    t = show(desk, tid)
    assert t["status"] == "in_progress" and t["assignee"] == "carol"
    assert commit_count(desk) == 4
    assert itsm(desk, "show", tid).code == 0
