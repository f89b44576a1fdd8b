"""W7: export every field (JSON round-trips), import CSV/JSON of GLPI, iTop, OTRS and this
desk's own export: validated row by row (file:line), one commit, ids kept."""

import json
from pathlib import Path

from tests.helpers import (
    BILLING,
    commit_count,
    dispatched,
    git,
    in_progress,
    itsm,
    make_desk,
    ok,
    open_ticket,
    resolved,
    show,
)

RES = Path(__file__).resolve().parents[1] / "resources" / "exchange"


def _desk_with_history(desk):
    a = in_progress(desk, "--ci", "db01")
    ok(itsm(desk, "escalate", a, "--reason", "VIP"))
    ok(itsm(desk, "task", "add", a, "--title", "restore rates", "--group", "dba",
            actor="carol"))
    b = resolved(desk)
    ok(itsm(desk, "close", b, "--code", "solved"))
    c = open_ticket(desk, *BILLING, title="等待用户")
    ok(itsm(desk, "assign", c, "--group", "billing-app"))
    ok(itsm(desk, "wait", c, "--code", "user-info"))
    return [a, b, c]


def _strip(doc):
    doc = dict(doc)
    history = doc.pop("history")
    doc.pop("updated_at")
    return doc, history


def test_W7_json_export_round_trips(desk, tmp_path):
    ids = _desk_with_history(desk)
    exported = ok(itsm(desk, "export")).json
    assert sorted(t["id"] for t in exported) == sorted(ids)
    (tmp_path / "desk.json").write_text(json.dumps(exported, ensure_ascii=False))
    other = make_desk(tmp_path / "other")
    before = commit_count(other)
    out = ok(itsm(other, "import", str(tmp_path / "desk.json"))).out
    assert "imported 3 ticket(s)" in out and commit_count(other) == before + 1
    again = {t["id"]: t for t in ok(itsm(other, "export")).json}
    for original in exported:
        doc, history = _strip(original)
        new_doc, new_history = _strip(again[original["id"]])
        assert new_doc == doc                                 # every field, ids kept
        assert new_history[:-1] == history
        assert new_history[-1]["action"] == "import"
    assert ok(itsm(other, "audit")).code == 0                 # an import is legal (G6)
    assert ok(itsm(other, "validate")).code == 0


def test_W7_csv_export_has_every_field_and_round_trips(desk, tmp_path):
    ids = _desk_with_history(desk)
    out = ok(itsm(desk, "export", "--format", "csv", "--out", str(tmp_path / "d.csv")))
    assert out.code == 0
    header = (tmp_path / "d.csv").read_text().splitlines()[0].split(",")
    for column in ("id", "title", "reporter.phone", "classification.symptom",
                   "counters.dispatches", "links.cis", "wait.code", "escalations", "tasks",
                   "history", "watchers", "notifications", "sla"):
        assert column in header, column
    other = make_desk(tmp_path / "other")
    ok(itsm(other, "import", str(tmp_path / "d.csv")))
    exported = {t["id"]: t for t in ok(itsm(desk, "export")).json}
    again = {t["id"]: t for t in ok(itsm(other, "export")).json}
    assert sorted(again) == sorted(ids)
    for tid, original in exported.items():
        assert _strip(again[tid])[0] == _strip(original)[0]


def test_W7_glpi_export_imports_in_one_commit(desk):
    before = commit_count(desk)
    dry = ok(itsm(desk, "import", str(RES / "glpi-tickets.csv"), "--mapping", "glpi",
                  "--dry-run"))
    assert "would import 4 ticket(s)" in dry.out and commit_count(desk) == before
    r = ok(itsm(desk, "--json", "import", str(RES / "glpi-tickets.csv"), "--mapping", "glpi"))
    assert commit_count(desk) == before + 1 and len(r.json["tickets"]) == 4
    ids = [t["id"] for t in r.json["tickets"]]
    # stable ids from GLPI's: 1201 in base 32 (Crockford) in the month opened
    assert ids == ["INC-2611-0015H", "INC-2611-0015J", "INC-2611-0015K", "INC-2611-0015M"]
    first, second, closed, waiting = (show(desk, t) for t in ids)
    assert first["title"] == "计费出错：账单金额异常" and first["status"] == "new"
    assert first["description"].startswith("用户反馈本月账单金额翻倍。\n请尽快核实。")
    assert first["reporter"]["name"] == "王五"
    assert second["status"] == "assigned" and second["group"] == "billing-app"
    assert second["assignee"] == "carol" and second["type"] == "service_request"
    assert second["classification"]["category"] == "billing"
    assert second["priority"] == "P1"                           # High x High, by rank
    assert closed["status"] == "closed" and closed["solution"] == "Restarted the print spooler."
    assert closed["close_code"] == "solved" and closed["opened_at"].startswith("2026-11-18T08:15")
    assert "GLPI: group: Desktop support" in closed["description"]   # kept, not lost
    assert waiting["status"] == "waiting" and waiting["wait"]["code"] == "user-info"
    assert closed["history"][0]["action"] == "import"
    assert "GLPI #1 203" in closed["history"][0]["note"]
    assert ok(itsm(desk, "audit")).code == 0 and ok(itsm(desk, "validate")).code == 0
    assert [h["id"] for h in ok(itsm(desk, "--json", "search", "spooler")).json] == [ids[2]]
    r = itsm(desk, "import", str(RES / "glpi-tickets.csv"), "--mapping", "glpi")
    assert r.code == 4 and "already exists" in r.err          # the same file twice


def test_W7_every_row_is_checked_with_file_and_line(desk, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text('"ID";"Title";"Status";"Opening date";"Urgency"\n'
                   '"1";"fine";"New";"2026-11-20 09:00";"Low"\n'
                   '"2";"odd status";"Weird";"2026-11-20 09:00";"Low"\n'
                   '"3";"bad date";"New";"20/11/2026 nine";"Low"\n'
                   '"4";"";"New";"2026-11-20 09:00";"Low"\n'
                   '"5";"future";"New";"2027-11-20 09:00";"Low"\n', encoding="utf-8")
    before = commit_count(desk)
    r = itsm(desk, "import", str(bad), "--mapping", "glpi")
    assert r.code == 4 and commit_count(desk) == before
    lines = r.err.strip().splitlines()
    assert lines[0] == f"{bad}:3: status 'Weird' is not known; the mapping knows: " \
        "Approval, Clos, Closed, En attente, En cours (Attribué), En cours (Planifié), " \
        "En cours (attribué), En cours (planifié), New, Nouveau, Pending, Processing " \
        "(assigned), Processing (planned), Résolu, Solved, Validation"
    assert lines[1].startswith(f"{bad}:4: opened_at '20/11/2026 nine' is not a time")
    assert lines[2].startswith(f"{bad}:5: no title")
    assert lines[3].startswith(f"{bad}:6: opened_at '2027-11-20 09:00' is in the future")
    assert git(desk, "status", "--porcelain") == ""


def test_W7_itop_and_otrs_mappings(desk, tmp_path):
    itop = tmp_path / "itop.csv"
    itop.write_text(
        "ref,title,description,status,origin,impact,urgency,start_date,"
        "caller_id->friendlyname,caller_id->email,team_id->friendlyname,"
        "agent_id->friendlyname,request_type\n"
        "R-000123,Mail down,Outlook asks for the password,assigned,mail,3,2,"
        "2026-11-20 08:00:00,Li Si,li.si@example.com,dba,Erin,incident\n", encoding="utf-8")
    r = ok(itsm(desk, "--json", "import", str(itop), "--mapping", "itop"))
    t = show(desk, r.json["tickets"][0]["id"])
    assert t["source"] == "email" and t["group"] == "dba" and t["assignee"] == "erin"
    assert t["reporter"]["email"] == "li.si@example.com" and t["status"] == "assigned"
    assert "R-000123" in t["history"][0]["note"]
    otrs = tmp_path / "otrs.csv"
    otrs.write_text(
        "TicketNumber;Title;Created;Closed;State;Priority;Queue;Owner;CustomerUserID;Type\n"
        "2026112010000012;Printer jammed;2026-11-20 10:00:00;2026-11-20 12:00:00;"
        "closed successful;3 normal;Raw;root@localhost;zhao;Incident\n", encoding="utf-8")
    r = ok(itsm(desk, "--json", "import", str(otrs), "--mapping", "otrs"))
    t = show(desk, r.json["tickets"][0]["id"])
    assert t["status"] == "closed" and t["close_code"] == "solved" and t["source"] == "email"
    assert "OTRS: group: Raw; assignee: root@localhost" in t["description"]
    assert ok(itsm(desk, "audit")).code == 0


def test_W7_usage_errors(desk, tmp_path):
    plain = tmp_path / "x.csv"
    plain.write_text("a,b\n1,2\n")
    r = itsm(desk, "import", str(plain))
    assert r.code == 2 and "glpi" in r.err and "itop" in r.err and "otrs" in r.err
    r = itsm(desk, "import", str(plain), "--mapping", "nosuch")
    assert r.code == 2 and "nosuch" in r.err
    r = itsm(desk, "import", str(RES / "glpi-tickets.csv"), "--mapping", "glpi", actor="carol")
    assert r.code == 6 and "[I2]" in r.err


def test_W7_export_json_of_a_ticket_equals_show_keys(desk):
    tid = dispatched(desk)
    exported = ok(itsm(desk, "export")).json[0]
    shown = show(desk, tid)
    assert set(exported) == set(shown)


def test_W7_spreadsheet_in_chinese_saved_by_excel_as_gb18030(desk, tmp_path):
    sheet = tmp_path / "台账.csv"
    sheet.write_bytes(
        ("编号,标题,问题描述,状态,优先级,报障时间,报障人,联系电话,部门,处理组,处理人,"
         "设备,备注\n"
         "1024,打印机卡纸,三楼打印机卡纸,处理中,P2,2026/11/20 8:05,王五,13800000000,"
         "财务部,数据库组,erin,PRN-301,已电话回访\n"
         ",邮箱登不上,,新建,P4,2026年11月21日 9:30,赵六,,,,,,\n").encode("gb18030"))
    before = commit_count(desk)
    r = ok(itsm(desk, "--json", "import", str(sheet), "--mapping", "spreadsheet"))
    assert commit_count(desk) == before + 1 and len(r.json["tickets"]) == 2
    a, b = (show(desk, t["id"]) for t in r.json["tickets"])
    assert a["title"] == "打印机卡纸" and a["status"] == "in_progress"
    assert a["group"] == "dba" and a["assignee"] == "erin" and a["priority"] == "P2"
    assert {k: v for k, v in a["reporter"].items() if v} == {
        "name": "王五", "phone": "13800000000", "department": "财务部"}
    assert a["links"]["cis"] == ["PRN-301"] and "已电话回访" in a["description"]
    assert a["opened_at"].startswith("2026-11-20T08:05")
    again = itsm(desk, "import", str(sheet), "--mapping", "spreadsheet", "--dry-run")
    assert again.code == 4 and f"{sheet}:2: ticket {a['id']} already exists" in again.err
    assert b["status"] == "new" and b["priority"] == "P4"
    assert b["opened_at"].startswith("2026-11-21T09:30")
    assert ok(itsm(desk, "audit")).code == 0


def test_W7_spreadsheet_priorities_come_back_in_both_profiles(tmp_path):
    rows = "Subject;Priority;Created\n" + "".join(
        f"row {p};{p};2026-11-20 08:00\n" for p in ("P1", "P2", "P3", "P4"))
    english = tmp_path / "sheet.csv"
    english.write_text(rows, encoding="utf-8-sig")               # Excel's "CSV UTF-8"
    desk = make_desk(tmp_path / "desk")
    r = ok(itsm(desk, "--json", "import", str(english), "--mapping", "spreadsheet"))
    assert [t["priority"] for t in r.json["tickets"]] == ["P1", "P2", "P3", "P4"]
    desktop = make_desk(tmp_path / "desktop", profile="desktop")
    words = tmp_path / "words.csv"
    words.write_text("Title,Priority\n" + "".join(
        f"row {p},{p}\n" for p in ("urgent", "high", "normal", "low")))
    r = ok(itsm(desktop, "--json", "import", str(words), "--mapping", "spreadsheet"))
    assert [t["priority"] for t in r.json["tickets"]] == ["urgent", "high", "normal", "low"]


def test_W7_a_file_in_no_encoding_of_the_mapping_is_named_with_its_line(desk, tmp_path):
    sheet = tmp_path / "broken.csv"
    sheet.write_bytes(b"Title,Status\nok,new\n\xff\xfe,new\n")
    r = itsm(desk, "import", str(sheet), "--mapping", "spreadsheet")
    assert r.code == 4 and f"{sheet}:3: not utf-8-sig nor gb18030" in r.err
    assert len(r.err.strip().splitlines()) == 1
    bad = tmp_path / "bad-mapping.yaml"
    bad.write_text("name: x\nencoding: klingon\ncolumns: {title: [Title]}\n")
    r = itsm(desk, "import", str(sheet), "--mapping", str(bad))
    assert r.code == 4 and "klingon" in r.err


def test_W7_an_excel_workbook_imports_like_its_csv(desk, tmp_path):
    import pytest

    openpyxl = pytest.importorskip("openpyxl", reason="openpyxl (the [xlsx] extra) absent")
    from datetime import datetime

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([])                                             # a blank first row
    sheet.append(["编号", "标题", "优先级", "报障时间", "报障人", "联系电话", "处理组"])
    sheet.append([2048, "VPN 连不上", "P1", datetime(2026, 11, 20, 8, 5), "王五",
                  13800000000, "ops"])
    sheet.append([None, "工资条打印不出来", "P3", "2026-11-21 09:30", "赵六", None, None])
    path = tmp_path / "台账.xlsx"
    book.save(path)
    r = ok(itsm(desk, "--json", "import", str(path), "--mapping", "spreadsheet"))
    a, b = (show(desk, t["id"]) for t in r.json["tickets"])
    assert a["title"] == "VPN 连不上" and a["priority"] == "P1" and a["group"] == "ops"
    assert a["reporter"]["phone"] == "13800000000"               # a number cell, no ".0"
    assert a["opened_at"].startswith("2026-11-20T08:05")         # a date cell
    assert a["id"] == r.json["tickets"][0]["id"] and b["priority"] == "P3"
    sheet.append(["x", None, "P9", None, None, None, None])      # sheet row 5
    bad = tmp_path / "bad.xlsx"
    book.save(bad)
    r = itsm(desk, "import", str(bad), "--mapping", "spreadsheet", "--dry-run")
    assert r.code == 4 and f"{bad}:5: no title" in r.err
    (tmp_path / "fake.xlsx").write_text("title\nnot a workbook\n")
    r = itsm(desk, "import", str(tmp_path / "fake.xlsx"), "--mapping", "spreadsheet")
    assert r.code == 4 and "not an Excel workbook" in r.err
    assert len(r.err.strip().splitlines()) == 1


def test_W7_without_openpyxl_an_xlsx_is_a_usage_error_saying_what_to_do(desk, tmp_path,
                                                                         monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "openpyxl", None)          # as if not installed
    (tmp_path / "sheet.xlsx").write_bytes(b"PK")
    r = itsm(desk, "import", str(tmp_path / "sheet.xlsx"), "--mapping", "spreadsheet")
    assert r.code == 2 and "needs openpyxl" in r.err and "save the sheet as CSV" in r.err
