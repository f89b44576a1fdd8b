"""Messages in English, zh_CN by LANG (gettext catalogs); wide characters aligned in tables."""

import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from wcwidth import wcswidth, wcwidth

from itsmctl.ui import i18n
from tests.helpers import BILLING, dispatched, itsm, ok, open_ticket

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "itsmctl" / "locale" / "zh_CN" / "LC_MESSAGES" / "itsmctl.po"
ZH = {"LANGUAGE": None, "LC_ALL": None, "LC_MESSAGES": None, "LANG": "zh_CN.UTF-8"}
FIELD = re.compile(r"\{(\w+)\}")


def catalog() -> dict[str, str]:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from compile_catalogs import parse_po
    finally:
        sys.path.pop(0)
    return parse_po(PO.read_text(encoding="utf-8"))


def test_compiled_catalog_matches_the_po():
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "compile_catalogs.py"),
                           "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_templates_keep_their_placeholders():
    for msgid, msgstr in catalog().items():
        assert sorted(set(FIELD.findall(msgid))) == sorted(set(FIELD.findall(msgstr))), msgid


def test_templates_still_match_the_source():
    """A reworded message must take its translation along: each template's fixed text
    is found in the code that raises it (click's own messages excepted)."""
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "itsmctl").rglob("*.py"))
    source = re.sub(r"[\"']\s*\n\s*f?[\"']", "", source)    # join implicit concatenations
    for msgid in catalog():
        if not FIELD.search(msgid) or msgid.startswith(("No such", "Missing", "Invalid")):
            continue
        longest = max(FIELD.split(msgid)[::2], key=len)
        assert longest in source, f"template {msgid!r}: {longest!r} is not in itsmctl/"


def test_every_command_summary_is_translated():
    from itsmctl.ui.main import SECTIONS, cli

    entries = catalog()
    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):
        summary = cli._summary(name)
        assert entries.get(summary), f"{name}: {summary!r} has no zh_CN translation in {PO}"
    for section in SECTIONS:
        assert section in entries


def test_message_templates(monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert i18n.language() == "zh_CN"
    assert i18n.message("no ticket INC-2611-ZZZZZ") == "没有工单 INC-2611-ZZZZZ"
    text = "INC-1 is waiting; accept needs assigned (resume it first)"
    assert i18n.message(text) == ("INC-1 的状态是 waiting；accept 要求状态为 assigned"
                                  "（请先 resume 恢复）")
    assert i18n.message("something no template knows") == "something no template knows"
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert i18n.language() == "en" and i18n.message(text) == text


def test_default_is_english(desk):
    dispatched(desk)
    out = ok(itsm(desk, "list")).out
    assert out.splitlines()[0].split() == ["id", "priority", "status", "group", "assignee",
                                           "opened", "title"]
    assert "Lifecycle:" in ok(itsm(desk, "--help")).out


def test_zh_CN_list_show_log_headers(desk):
    tid = dispatched(desk)
    out = ok(itsm(desk, "list", env=ZH)).out
    assert out.splitlines()[0].split()[:3] == ["工单号", "优先级", "状态"]
    assert "操作人" in ok(itsm(desk, "log", tid, "--format", "table", env=ZH)).out
    words = ok(itsm(desk, "log", tid, env=ZH)).out
    assert "处理组: – → billing-app (计费应用组)" in words          # W8, labels as configured
    show = ok(itsm(desk, "show", tid, env=ZH)).out
    assert "SLA 阶段" in show and "期限" in show


@pytest.mark.parametrize("variable", ["LC_ALL", "LC_MESSAGES", "LANGUAGE"])
def test_locale_variables_before_LANG(desk, variable):
    env = {"LANGUAGE": None, "LC_ALL": None, "LC_MESSAGES": None, "LANG": "en_US.UTF-8",
           variable: "zh_CN.UTF-8" if variable != "LANGUAGE" else "zh_CN"}
    assert "工单生命周期:" in ok(itsm(desk, "--help", env=env)).out


def test_zh_CN_help_sections_and_summaries(desk):
    out = ok(itsm(desk, "--help", env=ZH)).out
    for word in ("工单生命周期:", "查看:", "检查与审计:", "定时处理:",
                 "登记新工单；只输出工单号（L1）。"):
        assert word in out


def test_zh_CN_rule_messages_and_english_json(desk):
    tid = dispatched(desk)
    r = itsm(desk, "close", tid, "--code", "solved", env=ZH)
    assert r.code == 1 and "的状态是 assigned；close 要求状态为 resolved" in r.err
    r = itsm(desk, "assign", "INC-2611-ZZZZZ", "--group", "dba", env=ZH)
    assert r.code == 3 and r.err.strip() == "itsmctl: 没有工单 INC-2611-ZZZZZ"
    r = itsm(desk, "open", "--bogus", env=ZH)
    assert r.code == 2 and "没有选项 '--bogus'。（参见：itsmctl open --help）" in r.err
    r = itsm(desk, "--json", "open", "--bogus", env=ZH)
    assert r.err_json["message"].startswith("No such option")


def _columns(line: str) -> dict[int, str]:
    """Display column -> character (a wide character takes two columns)."""
    out, col = {}, 0
    for ch in line:
        out[col] = ch
        col += max(wcwidth(ch), 0)
    return out


def test_wide_characters_keep_columns_aligned(desk):
    """Chinese labels (titles, configured priorities) take two columns each: every
    cell starts at the display column where its header's dashes start."""
    from itsmctl.ui.output import table

    rows = [["INC-1", "紧急", "计费出错啦", "billing-app"],
            ["INC-22", "P1", "slow", "数据库组"],
            ["INC-333", "一般", "VPN 无法连接", "ops"]]
    text = table(rows, ["id", "priority", "title", "group"])
    lines = text.splitlines()
    starts = [m.start() for m in re.finditer(r"-+", lines[1])]
    for row, line in zip(rows, lines[2:]):
        cols = _columns(line)
        for start, cell in zip(starts, row):
            got = "".join(cols.get(c, "") for c in range(start, start + wcswidth(cell)))
            assert got.replace(" ", "") == cell.replace(" ", ""), (line, cell)
            if start:
                assert cols[start - 1] == " "
    # the same through the CLI with Chinese ticket titles and labels
    open_ticket(desk, *BILLING, title="计费系统出错")
    open_ticket(desk, *BILLING, title="slow")
    out = ok(itsm(desk, "list")).out.splitlines()
    title_at = [m.start() for m in re.finditer(r"-+", out[1])][-1]
    for line in out[2:]:
        assert _columns(line)[title_at - 1] == " " and _columns(line)[title_at] != " "


def test_show_gives_the_desks_own_labels(desk):
    tid = dispatched(desk)
    ok(itsm(desk, "accept", tid, actor="carol"))
    ok(itsm(desk, "wait", tid, "--code", "vendor", actor="carol"))
    out = ok(itsm(desk, "show", tid, env={"COLUMNS": "120"})).out   # one line (W8 wraps)
    assert "billing (计费系统) / application (应用) / billing-error (计费出错) / -" in out
    assert "billing-app (计费应用组)" in out
    assert "waiting: vendor (waiting for the vendor 等待厂商)" in out


@pytest.mark.parametrize("value", ["C", "C.UTF-8", "POSIX", "en", "en_US.UTF-8", "en_GB:en",
                                   "en:zh_CN", "zh_CN.UTF-8", "zh", "C:zh_CN", "de_DE", ""])
def test_english_without_gettext_answers_as_gettext(value):
    """English and the C locale skip gettext (issue 13); every answer is gettext's."""
    import gettext

    key = (value or None, None, None, None)
    real = gettext.translation(i18n.DOMAIN, str(i18n.LOCALEDIR), fallback=True,
                               languages=[p for p in value.split(":") if p] or ["C"])
    mine = i18n._translations(key)
    assert mine.gettext("Queue") == real.gettext("Queue")
    assert mine.info().get("language") == real.info().get("language")
