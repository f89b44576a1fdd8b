"""W8: log and show speak in words, wrap to the terminal and page like git."""

import re

import pytest

from tests.helpers import BILLING, dispatched, in_progress, itsm, ok, open_ticket
from tests.ui.test_texts import _in_terminal


def test_W8_log_in_words_with_labels_and_no_reprs(desk):
    tid = in_progress(desk)
    ok(itsm(desk, "escalate", tid, "--reason", "VIP called twice"))
    ok(itsm(desk, "task", "add", tid, "--title", "restore rates", "--group", "dba",
            actor="carol"))
    out = ok(itsm(desk, "log", tid)).out
    assert "group: – → billing-app (计费应用组)" in out
    assert "assignee: – → carol (Carol 陈静)" in out
    assert "escalations: + manual, level 1 (notify, urgency_high)" in out
    assert "tasks: + T1 restore rates for dba (数据库组): open" in out
    assert "new → assigned" in out
    assert not re.search(r"[\[{]'|'[\]}]|: None\b|'phase'", out)      # no Python reprs
    csv = ok(itsm(desk, "log", tid, "--format", "csv")).out
    assert "{'" not in csv and "escalations: + manual" in csv
    table = ok(itsm(desk, "log", tid, "--format", "table")).out
    assert "{'" not in table


def test_W8_log_wraps_to_the_terminal_width(desk):
    tid = open_ticket(desk, *BILLING)
    ok(itsm(desk, "note", tid, "--text", "一二三四五六七八九十" * 8 + " and some English words "
            "that go on for a while past the edge of a narrow terminal window"))
    out = ok(itsm(desk, "log", tid, env={"COLUMNS": "40"})).out
    from wcwidth import wcswidth

    assert max(wcswidth(line) for line in out.splitlines()) <= 40
    assert "一二三四" in out


def test_W8_show_renders_lists_and_nested_values(desk):
    tid = dispatched(desk, "--ci", "db01", "--ci", "billing-app01")
    ok(itsm(desk, "escalate", tid, "--reason", "VIP"))
    out = ok(itsm(desk, "show", tid)).out
    assert "CIs        db01, billing-app01" in out
    assert "escalated  manual, level 1 (notify, urgency_high)" in out
    assert "group: – → billing-app (计费应用组)" in out
    assert "{'" not in out


def test_W8_never_pages_in_a_pipe(desk, tmp_path):
    tid = open_ticket(desk)
    seen = tmp_path / "paged"
    r = ok(itsm(desk, "log", tid, env={"PAGER": f"tee {seen}", "LINES": "2"}))
    assert "open" in r.out and not seen.exists()


@pytest.fixture
def pager(tmp_path):
    script = tmp_path / "fake-pager"
    script.write_text(f'#!/bin/sh\necho "LESS=$LESS" > {tmp_path / "paged"}\n'
                      f'cat >> {tmp_path / "paged"}\n')
    script.chmod(0o755)
    return script


@pytest.mark.slow
def test_W8_pages_long_output_on_a_terminal(desk, pager, tmp_path):
    tid = open_ticket(desk)
    for n in range(30):
        ok(itsm(desk, "note", tid, "--text", f"note {n}"))
    _in_terminal(desk, pager, "log", tid, env={"PAGER": str(pager), "LESS": ""})
    paged = (tmp_path / "paged").read_text()
    assert "note 29" in paged and paged.startswith("LESS=\n")
    (tmp_path / "paged").unlink()
    out = _in_terminal(desk, pager, "log", tid, "--no-pager", env={"PAGER": str(pager)})
    assert "note 29" in out and not (tmp_path / "paged").exists()
