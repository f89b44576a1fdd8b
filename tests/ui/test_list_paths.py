"""`list` answers its table from the index's brief tuples and lays it out a column at a
time (issue 13); whichever path answers, the output is the same byte for byte."""

from __future__ import annotations

import random
from typing import Any

import pytest

from itsmctl.ui import output, term
from tests.helpers import BILLING, itsm, ok, open_ticket

MINUTE_ONE = "2026-11-25T09:00:00+08:00"


def _ids_of_table(text: str) -> list[str]:
    return [line.split()[0] for line in text.splitlines()[2:]]


def test_list_table_keeps_the_queue_order_of_the_json_path_for_ties(desk):
    # opened in one second at one priority: ties, broken by status and then as the
    # index stored them (a ticket changed later is stored later)
    tickets = [open_ticket(desk, *BILLING, "--impact", "3", "--urgency", "medium",
                           now=MINUTE_ONE) for _ in range(5)]
    ok(itsm(desk, "assign", tickets[3], "--group", "billing-app"))
    ok(itsm(desk, "note", tickets[0], "--text", "moves it to the end of the table"))
    ok(itsm(desk, "assign", tickets[1], "--group", "billing-app"))
    ok(itsm(desk, "accept", tickets[1], actor="carol"))
    table = _ids_of_table(ok(itsm(desk, "list")).out)
    as_json = [d["id"] for d in ok(itsm(desk, "--json", "list")).json]
    assert sorted(table) == sorted(tickets)
    assert table == as_json
    for args in (["--group", "billing-app"], ["--assignee", "carol"], ["--unassigned"],
                 ["--priority", "P3", "--priority", "P4"], ["--status", "new"]):
        table = _ids_of_table(ok(itsm(desk, "list", *args)).out)
        assert table == [d["id"] for d in ok(itsm(desk, "--json", "list", *args)).json], args


def _cell(rnd: random.Random) -> Any:
    kinds = ["INC-2611-7KQ3X", "P1", "", "  padded  ", "计费系统 502 出错", "数据库组",
             "MAJOR [2 dup] 网络", "emoji 🙂 wide", "e\u0301 combining", "tab\there",
             "bell\x07", "esc\x1b[2J", "rtl\u202eevil", "line\nbreak", "\u3000全角空格\u3000",
             "x" * 40, "mixed café", "\x85next", None, 7, True]
    return rnd.choice(kinds)


def _cell_by_cell(monkeypatch: pytest.MonkeyPatch, rows: list[list[Any]],
                  headers: list[str]) -> str:
    with monkeypatch.context() as m:
        m.setattr(output, "_printable_columns", lambda rows: None)
        m.setattr(output, "_text_table", lambda columns, names: None)
        return output.table(rows, headers, ["P1", "P2"])


@pytest.mark.parametrize("colour", [False, True])
def test_table_by_columns_equals_table_cell_by_cell(monkeypatch, colour):
    monkeypatch.setattr(term, "colour", lambda stream=None: colour)
    rnd = random.Random(13)
    headers = ["id", "priority", "status", "title"]
    for trial in range(300):
        text_only = trial % 2 == 0
        rows = []
        for _ in range(rnd.randint(0, 6)):
            row = [_cell(rnd) for _ in headers]
            if text_only:
                row = ["" if c is None else c if isinstance(c, str) else str(c) for c in row]
            rows.append(row)
        if trial % 3 == 0 and rows:
            rows[0][1], rows[-1][2] = "P1", "new"
        expected = _cell_by_cell(monkeypatch, [list(r) for r in rows], headers)
        assert output.table([list(r) for r in rows], headers, ["P1", "P2"]) == expected, rows


def test_table_rows_of_other_lengths_take_the_general_way():
    rows = [["a", "b"], ["c"]]
    assert output.table(rows, ["x", "y"]) == output.table(iter(rows), ("x", "y"))
    assert output.table([], ["x"]) == "(none)"
