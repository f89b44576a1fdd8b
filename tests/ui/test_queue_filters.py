"""W2: my queue (--mine, --my-groups, --unassigned, --unverified), saved views, and
every filter value checked: an unknown status, group, person or priority is exit 2 with
the known values, never an empty queue with exit 0."""

from tests.helpers import BILLING, dispatched, in_progress, itsm, ok, open_ticket


def test_W2_unknown_status_is_usage_error_listing_known(desk):
    open_ticket(desk)
    r = itsm(desk, "list", "--status", "wating")
    assert r.code == 2, r.out
    assert "wating" in r.err and "waiting" in r.err and "in_progress" in r.err
    assert r.out == ""


def test_W2_unknown_group_is_usage_error_listing_known(desk):
    r = itsm(desk, "list", "--group", "nosuch")
    assert r.code == 2
    assert "nosuch" in r.err and "billing-app" in r.err and "dba" in r.err


def test_W2_unknown_person_is_usage_error_listing_known(desk):
    r = itsm(desk, "list", "--assignee", "nobody")
    assert r.code == 2
    assert "nobody" in r.err and "carol" in r.err


def test_W2_unknown_priority_is_usage_error(desk):
    r = itsm(desk, "list", "--priority", "P9")
    assert r.code == 2 and "P1" in r.err and "P4" in r.err


def test_W2_json_error_shape_for_unknown_filter(desk):
    r = itsm(desk, "--json", "list", "--status", "wating")
    assert r.code == 2 and r.err_json["error"] == "UsageError"


def test_W2_assignee_at_me_is_the_actor(desk):
    tid = in_progress(desk)
    other = dispatched(desk)
    listed = ok(itsm(desk, "--json", "list", "--assignee", "@me", actor="carol")).json
    assert [t["id"] for t in listed] == [tid]
    assert other not in ok(itsm(desk, "list", "--assignee", "@me", actor="carol")).out


def test_W2_mine_my_groups_unassigned(desk):
    mine = in_progress(desk)
    queued = dispatched(desk)
    fresh = open_ticket(desk, *BILLING)
    ids = lambda *a: [t["id"] for t in ok(itsm(desk, "--json", "list", *a,  # noqa: E731
                                                actor="carol")).json]
    assert ids("--mine") == [mine]
    assert sorted(ids("--my-groups")) == sorted([mine, queued])
    assert sorted(ids("--unassigned")) == sorted([queued, fresh])
    assert ids("--my-groups", "--unassigned") == [queued]
    r = itsm(desk, "--json", "list", "--mine", actor="erin")
    assert r.code == 0 and r.json == []


def test_W2_saved_views(desk):
    mine = in_progress(desk)
    dispatched(desk)
    listed = ok(itsm(desk, "--json", "list", "--view", "mine", actor="carol")).json
    assert [t["id"] for t in listed] == [mine]
    # options given on the command line are added to the view
    assert ok(itsm(desk, "--json", "list", "--view", "mine", "--priority", "P1",
                   actor="carol")).json == []
    r = itsm(desk, "list", "--view", "nosuch")
    assert r.code == 2 and "nosuch" in r.err and "mine" in r.err and "inbox" in r.err


def test_W2_views_are_checked_by_validate(desk):
    path = desk / "config" / "views.yaml"
    path.write_text(path.read_text() + "  bad:\n    group: nosuch\n")
    r = itsm(desk, "validate")
    assert r.code == 4 and "views.yaml" in r.err and "nosuch" in r.err


def test_W2_desk_without_views_file_still_works(desk):
    (desk / "config" / "views.yaml").unlink()
    assert ok(itsm(desk, "list")).code == 0
    r = itsm(desk, "list", "--view", "mine")
    assert r.code == 2 and "views.yaml" in r.err


def test_W2_unverified_lists_tickets_the_desk_has_not_checked(desk):
    """B2: what users submit (the web form's account) opens unverified."""
    checked = open_ticket(desk, title="checked one")
    submitted = open_ticket(desk, "--source", "web", title="from the web form", actor="web")
    listed = ok(itsm(desk, "--json", "list", "--unverified")).json
    assert [t["id"] for t in listed] == [submitted] and listed[0]["verified"] is False
    assert checked not in ok(itsm(desk, "list", "--view", "inbox")).out
    ok(itsm(desk, "classify", submitted, "--verify"))
    assert ok(itsm(desk, "--json", "list", "--unverified")).json == []


def test_W1_list_by_reporter_phone_ci_and_time(desk):
    a = open_ticket(desk, "--ci", "db01", title="billing slow",
                    now="2026-11-20T09:00:00+08:00")
    b = ok(itsm(desk, "open", "--title", "vpn down", "--reporter-name", "李四",
                "--reporter-phone", "139-1234-5678", "--reporter-email", "li.si@example.com",
                now="2026-11-24T09:00:00+08:00")).out.strip()
    ids = lambda *a: [t["id"] for t in ok(itsm(desk, "--json", "list", *a)).json]  # noqa
    assert ids("--reporter", "王五") == [a]
    assert ids("--reporter", "LI.SI@example") == [b]
    assert ids("--phone", "13912345678") == [b]
    assert ids("--phone", "5678") == [b]
    assert ids("--ci", "DB01") == [a]
    assert ids("--since", "2026-11-22") == [b]
    assert ids("--until", "2026-11-22") == [a]
    assert sorted(ids("--since", "7d")) == sorted([a, b])
    assert ids("--since", "3d") == [b]
    r = itsm(desk, "list", "--since", "last tuesday")
    assert r.code == 2 and "--since" in r.err
    assert "ISO 8601" in r.err and "duration back from now (7d" in r.err    # both forms
    assert len(r.err.strip().splitlines()) == 1
    r = itsm(desk, "list", "--phone", "abc")
    assert r.code == 2


def test_W1_list_text_uses_the_search_index(desk):
    a = open_ticket(desk, "--description", "用户反馈账单金额异常", title="计费出错")
    b = open_ticket(desk, title="VPN cannot reach the intranet")
    ids = lambda *a: [t["id"] for t in ok(itsm(desk, "--json", "list", *a)).json]  # noqa
    assert ids("--text", "账单") == [a]
    assert ids("--text", "intranet") == [b]
    assert ids("--text", "vpn intranet") == [b]
    assert ids("--text", "nothing-like-this") == []


def test_W2_a_bad_filter_value_is_one_line_exit_2_for_every_filter(desk):
    """Issue 11's cases (`list --priority P9`, `list --status nope`) and the other
    filters: exit 2, one line naming the value, nothing on stdout."""
    open_ticket(desk)
    for args, said in ((("--priority", "P9"), "unknown priority 'P9'; known: P1, P2, P3, P4"),
                       (("--status", "nope"), "unknown status 'nope'; known: new,"),
                       (("--group", "nog"), "unknown group 'nog'; known: billing-app"),
                       (("--assignee", "nobody"), "unknown assignee 'nobody'; known:"),
                       (("--view", "nov"), "unknown view 'nov'; known:"),
                       (("--phone", "abc"), "--phone 'abc' has no digits"),
                       (("--since", "someday"), "--since: 'someday' is neither a time"),
                       (("--priority", "P1", "--priority", "P0"), "unknown priority 'P0'")):
        r = itsm(desk, "list", *args)
        assert r.code == 2 and r.out == "", args
        assert len(r.err.strip().splitlines()) == 1 and said in r.err, (args, r.err)
    r = itsm(desk, "export", "--status", "nope")
    assert r.code == 2 and len(r.err.strip().splitlines()) == 1 and "nope" in r.err


def test_W2_a_value_equal_but_for_case_or_a_groups_label_is_taken(desk):
    mine = in_progress(desk)                                    # billing-app, P4
    listed = ok(itsm(desk, "--json", "list", "--priority", "p4", "--status", "IN_PROGRESS",
                     "--group", "Billing-App")).json
    assert [t["id"] for t in listed] == [mine]
    assert [t["id"] for t in ok(itsm(desk, "--json", "list", "--group", "计费应用组")).json] \
        == [mine]
    assert [t["id"] for t in ok(itsm(desk, "--json", "export", "--status", "In_Progress")).json] \
        == [mine]
    r = itsm(desk, "list", "--group", "计费")                     # a label's part is not one
    assert r.code == 2 and "unknown group '计费'" in r.err
