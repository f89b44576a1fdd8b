"""W5 through the CLI: several ids, --from FILE or stdin, a line per ticket, one commit."""

from tests.helpers import commit_count, dispatched, git, itsm, ok, open_ticket, resolved, show


def test_W5_note_several_tickets_one_commit(desk):
    a, b, c = (open_ticket(desk, title=t) for t in ("a", "b", "c"))
    before = commit_count(desk)
    out = ok(itsm(desk, "note", a, b, c, "--text", "vendor patch due Friday")).out
    assert out.splitlines() == [f"{t}: new [P4]" for t in (a, b, c)]
    assert commit_count(desk) == before + 1
    assert all(show(desk, t)["history"][-1]["note"] == "vendor patch due Friday"
               for t in (a, b, c))
    assert ok(itsm(desk, "audit")).code == 0


def test_W5_close_from_stdin_of_list_json(desk):
    done = [resolved(desk) for _ in range(3)]
    ids = "\n".join(t["id"] for t in ok(itsm(desk, "--json", "list", "--status",
                                              "resolved")).json) + "\n"
    before = commit_count(desk)
    r = ok(itsm(desk, "close", "--from", "-", "--code", "solved", input=ids))
    assert len(r.out.splitlines()) == 3 and commit_count(desk) == before + 1
    assert {show(desk, t)["status"] for t in done} == {"closed"}


def test_W5_from_file_with_comments_and_json_list(desk, tmp_path):
    a, b = dispatched(desk), dispatched(desk)
    ids = tmp_path / "ids.txt"
    ids.write_text(f"# this morning's\n{a}\n{b}  # the second\n")
    r = ok(itsm(desk, "--json", "accept", "--from", str(ids), actor="carol"))
    assert [t["id"] for t in r.json] == [a, b]
    assert {t["assignee"] for t in r.json} == {"carol"}


def test_W5_all_or_nothing_through_the_cli(desk):
    ready, fresh = resolved(desk), open_ticket(desk)
    before = commit_count(desk)
    r = itsm(desk, "close", ready, fresh, "--code", "solved")
    assert r.code == 1 and "[L10]" in r.err and fresh in r.err
    assert commit_count(desk) == before and show(desk, ready)["status"] == "resolved"
    assert git(desk, "status", "--porcelain") == ""


def test_W5_no_ids_is_a_usage_error(desk):
    r = itsm(desk, "note", "--from", "-", "--text", "x", input="")
    assert r.code == 2 and "no ticket ids" in r.err
    r = itsm(desk, "note", "--text", "x")
    assert r.code == 2


def test_W5_one_id_prints_as_before(desk):
    a = open_ticket(desk)
    r = ok(itsm(desk, "--json", "note", a, "--text", "x"))
    assert r.json["id"] == a                         # an object, not a list


def test_W5_link_master_several_slaves(desk):
    master, s1, s2 = dispatched(desk), dispatched(desk), dispatched(desk)
    before = commit_count(desk)
    out = ok(itsm(desk, "link-master", s1, s2, "--master", master)).out
    assert out.splitlines() == [f"{s1}: slave of {master}", f"{s2}: slave of {master}"]
    assert commit_count(desk) == before + 1
    assert show(desk, master)["slaves"] == [s1, s2]
    assert ok(itsm(desk, "audit")).code == 0
