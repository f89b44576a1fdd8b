"""Data the outside review saw silently changed or lost (issue 11): each test failed first."""

import pytest

from itsmctl.core.model import ticket_path
from tests.helpers import BILLING, commit_count, git, itsm, ok, open_ticket, show

LATER = "2026-11-25T12:00:00+08:00"


def _rewrite(desk, tid, old, new, commit=True):
    path = desk / ticket_path(tid)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    if commit:
        git(desk, "commit", "-qam", f"hand edit of {tid}")
    return path


def _twin(tid):
    return tid[:-1] + ("B" if tid[-1] != "B" else "C")


def test_G1_a_ticket_whose_id_differs_from_its_file_name_is_refused_not_copied(desk):
    tid = open_ticket(desk)
    other = _twin(tid)
    _rewrite(desk, tid, f"id: {tid}", f"id: {other}")
    n = commit_count(desk)
    r = itsm(desk, "--json", "note", tid, "--text", "x")
    assert r.code == 4 and "belongs at" in r.err_json["message"]
    assert not (desk / ticket_path(other)).exists() and commit_count(desk) == n
    assert itsm(desk, "show", tid).code == 4


def _corrupt(desk):
    good = open_ticket(desk, *BILLING, title="good")
    bad = open_ticket(desk, *BILLING, title="bad")
    _rewrite(desk, bad, "title: bad", "title: [unclosed")
    return good, bad


def test_list_names_the_ticket_files_it_skipped_and_exits_4(desk):
    good, bad = _corrupt(desk)
    r = itsm(desk, "list")
    assert r.code == 4
    assert good in r.out and bad not in r.out
    assert "skipped" in r.err and ticket_path(bad) in r.err
    r = itsm(desk, "--json", "list")
    assert r.code == 4 and [t["id"] for t in r.json] == [good]


def test_list_names_a_ticket_file_in_the_wrong_place(desk):
    tid = open_ticket(desk)
    _rewrite(desk, tid, f"id: {tid}", f"id: {_twin(tid)}")
    r = itsm(desk, "list")
    assert r.code == 4 and "belongs at" in r.err and _twin(tid) not in r.out


def test_S4_sweep_names_the_ticket_files_it_skipped_and_exits_4_after_the_rest(desk):
    good, bad = _corrupt(desk)
    r = itsm(desk, "--json", "sweep", now=LATER, actor=None)
    assert r.code == 4
    assert ticket_path(bad) in r.err and "skipped" in r.err
    assert r.json["skipped"] and r.json["commit"]           # the rest was done
    assert show(desk, good)["escalations"]
    r = itsm(desk, "sweep", "--dry-run", now=LATER, actor=None)
    assert r.code == 4 and ticket_path(bad) in r.err


def test_S4_sweep_exits_0_when_every_file_was_read(desk):
    open_ticket(desk, *BILLING)
    ok(itsm(desk, "sweep", now=LATER, actor=None))


@pytest.mark.parametrize("name, old, new, part", [
    ("desk.yaml", "timezone: Asia/Shanghai", "timezone: Mars/Olympus", "timezone"),
    ("desk.yaml", "lock_timeout: 60", "lock_timeout: -5", "lock_timeout"),
    ("sla.yaml", "auto_close_after: 30d", "auto_close_after: -1d", "auto_close_after"),
])
def test_G5_validate_refuses_a_config_that_would_break_later_commands(desk, name, old, new,
                                                                    part):
    path = desk / "config" / name
    text = path.read_text(encoding="utf-8")
    if old not in text:
        pytest.skip(f"{name} has no {old!r} to edit")
    path.write_text(text.replace(old, new), encoding="utf-8")
    r = itsm(desk, "validate")
    assert r.code == 4 and f"config/{name}:" in r.err and part in r.err
    line = r.err.split(f"config/{name}:", 1)[1].split(":", 1)[0]
    assert line.isdigit(), r.err                             # file:line, as promised


def test_G5_validate_refuses_duplicate_keys_in_a_ticket_file(desk):
    tid = open_ticket(desk)
    _rewrite(desk, tid, "type: incident\n", "type: incident\ntype: complaint\n", commit=False)
    r = itsm(desk, "validate")
    assert r.code == 4 and ticket_path(tid) in r.err and "duplicate" in r.err


def test_G5_cross_reference_errors_name_file_and_line(desk):
    path = desk / "config" / "categories.yaml"
    text = path.read_text(encoding="utf-8")
    assert "groups: [billing-app]" in text
    path.write_text(text.replace("groups: [billing-app]", "groups: [billing-ap]", 1),
                    encoding="utf-8")
    r = itsm(desk, "validate")
    assert r.code == 4 and "(top)" not in r.err
    first = [x for x in r.err.splitlines() if "billing-ap'" in x][0]
    where = first.split(":")
    assert where[0] == "config/categories.yaml" and where[1].isdigit(), first
    lines = path.read_text(encoding="utf-8").splitlines()
    assert "billing-ap]" in lines[int(where[1]) - 1]


def test_G5_a_model_level_error_names_its_key_and_line_not_top(desk):
    path = desk / "config" / "priority_matrix.yaml"
    text = path.read_text(encoding="utf-8")
    assert "P4" in text
    path.write_text(text.replace("low: P4", "low: P9", 1), encoding="utf-8")
    r = itsm(desk, "validate")
    assert r.code == 4 and "(top)" not in r.err
    assert r.err.startswith("config/priority_matrix.yaml:") and \
        r.err.split(":")[1].isdigit(), r.err


SPOOF = "printer\rPASSWORD RESET: call 555\x1b[2J\x07\x9b31m\u202eevil"


@pytest.mark.parametrize("command", ["show", "log", "list"])
def test_W8_terminal_output_never_carries_raw_control_characters(desk, command):
    tid = open_ticket(desk, "--description", SPOOF, title="ok")
    ok(itsm(desk, "note", tid, "--text", SPOOF))
    path = _rewrite(desk, tid, "title: ok", 'title: "' + SPOOF.replace("\x1b", "\\e")
                    .replace("\r", "\\r").replace("\x07", "\\a").replace("\x9b", "\\x9b")
                    + '"')
    assert "\r" in show(desk, tid)["title"] and path.is_file()
    r = ok(itsm(desk, command, *([] if command == "list" else [tid])))
    for raw in ("\r", "\x1b", "\x07", "\x9b", "\u202e"):
        assert raw not in r.out, (command, raw)
    assert "\\r" in r.out or command == "log"
    assert "PASSWORD RESET" in r.out or command == "log"


def test_T2_link_problem_and_change_take_ids_of_the_configured_pattern(desk):
    from tests.helpers import dispatched

    tid = dispatched(desk)
    n = commit_count(desk)
    for option, value in (("--problem", "rm -rf /"), ("--problem", "PRB-1\nCHG-2"),
                          ("--change", "whatever"), ("--requirement", "x y")):
        r = itsm(desk, "--json", "link", tid, option, value)
        assert r.code == 2 and "link_ids" in r.err_json["message"], (option, value)
    assert commit_count(desk) == n
    ok(itsm(desk, "link", tid, "--problem", "PRB-0042"))
    path = desk / "config" / "desk.yaml"
    text = path.read_text(encoding="utf-8")
    assert 'problem: "PRB-[0-9]+"' in text
    path.write_text(text.replace('problem: "PRB-[0-9]+"', 'problem: "PB[0-9]{6}"'),
                    encoding="utf-8")
    git(desk, "commit", "-qam", "our problem tracker")
    assert itsm(desk, "link", tid, "--problem", "PRB-0042").code == 2
    ok(itsm(desk, "link", tid, "--problem", "PB000042"))
    ok(itsm(desk, "validate"))


def test_G5_validate_refuses_a_link_id_pattern_that_is_not_a_regular_expression(desk):
    path = desk / "config" / "desk.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('change: "CHG-[0-9]+"', 'change: "CHG-[0-9"'),
                    encoding="utf-8")
    r = itsm(desk, "validate")
    assert r.code == 4 and "link_ids.change" in r.err
